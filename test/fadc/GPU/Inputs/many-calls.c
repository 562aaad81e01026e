/* Calls lsq.fad's objective and gradient 10^4 times each (the library
 * built for cuda, the driver a fake: small inputs run on the host, but every
 * array comes from the driver's managed memory), for many-calls.test. */
#include "lsq.h"

#include <stdio.h>

int main(void) {
  double w[3] = {0.5, -1.0, 2.0}, x[5][3], y[5];
  const int64_t w_shape[1] = {3}, x_shape[2] = {5, 3}, y_shape[1] = {5};
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 3; ++j)
      x[i][j] = 0.1 * (i + 1) * (j + 1);
    y[i] = i;
  }
  fad_context *ctx = fad_context_new();
  double f = 0, sum = 0;
  for (int k = 0; k < 10000; ++k) {
    double *g = NULL;
    int64_t g_shape[1];
    if (lsq_objective(ctx, w, w_shape, &x[0][0], x_shape, y, y_shape, &f) != FAD_OK ||
        lsq_gradient(ctx, w, w_shape, &x[0][0], x_shape, y, y_shape, &g, g_shape) != FAD_OK) {
      fprintf(stderr, "error: %s\n", fad_context_error(ctx));
      return 1;
    }
    sum += g[0];
    fad_free(g);
  }
  printf("objective %.6f, gradient sum %.6f\n", f, sum);
  fad_context_free(ctx);
  return 0;
}
