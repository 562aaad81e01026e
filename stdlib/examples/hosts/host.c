/* Calls the objective and the gradient of lsq.fad from C and checks the
 * gradient against central differences; then shows how errors come back.
 *   fadc --emit=lib lsq.fad -o out/liblsq.a
 *   cc -std=c99 -Iout host.c out/liblsq.a $(pkg-config --libs fad) -o host && ./host
 * Exits with status 0 when every check passes. */
#include "lsq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { N = 3, M = 5 };

int main(void) {
  double w[N] = {0.5, -1.0, 2.0}, x[M][N], y[M];
  const int64_t w_shape[1] = {N}, x_shape[2] = {M, N}, y_shape[1] = {M};
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < N; ++j)
      x[i][j] = sin(1.0 + i * N + j);
    y[i] = cos((double)i);
  }
  fad_context *ctx = fad_context_new();
  int failures = 0;

  double f;
  double *g = NULL;
  int64_t g_shape[1];
  if (lsq_objective(ctx, w, w_shape, &x[0][0], x_shape, y, y_shape, &f) != FAD_OK ||
      lsq_gradient(ctx, w, w_shape, &x[0][0], x_shape, y, y_shape, &g, g_shape) != FAD_OK) {
    fprintf(stderr, "unexpected error: %s\n", fad_context_error(ctx));
    return 1;
  }
  printf("objective %.6f, gradient of %lld components\n", f, (long long)g_shape[0]);
  double worst = 0;
  for (int j = 0; j < N; ++j) {
    const double h = 1e-6;
    double wp[N], wm[N], fp, fm;
    for (int k = 0; k < N; ++k)
      wp[k] = wm[k] = w[k];
    wp[j] += h;
    wm[j] -= h;
    lsq_objective(ctx, wp, w_shape, &x[0][0], x_shape, y, y_shape, &fp);
    lsq_objective(ctx, wm, w_shape, &x[0][0], x_shape, y, y_shape, &fm);
    double fd = (fp - fm) / (2 * h), err = fabs(fd - g[j]) / fmax(1.0, fabs(fd));
    worst = fmax(worst, err);
  }
  printf("gradient vs central differences: %s (max rel. error %.1e)\n",
         worst < 1e-7 ? "ok" : "MISMATCH", worst);
  failures += worst >= 1e-7;
  fad_free(g);

  /* Errors: a status code and a message, and the outputs stay untouched. */
  const int64_t short_w[1] = {N - 1}, negative[1] = {-2};
  g = NULL;
  int rc = lsq_gradient(ctx, w, short_w, &x[0][0], x_shape, y, y_shape, &g, g_shape);
  printf("w of 2 components: status %d, %s\n", rc, fad_context_error(ctx));
  failures += rc != FAD_ERROR_RUNTIME || g != NULL;
  rc = lsq_gradient(ctx, w, negative, &x[0][0], x_shape, y, y_shape, &g, g_shape);
  printf("negative extent: status %d, %s\n", rc, fad_context_error(ctx));
  failures += rc != FAD_ERROR_ARGUMENT;
  rc = lsq_objective(ctx, NULL, w_shape, &x[0][0], x_shape, y, y_shape, &f);
  printf("null array: status %d, %s\n", rc, fad_context_error(ctx));
  failures += rc != FAD_ERROR_ARGUMENT;
  rc = lsq_objective(NULL, w, w_shape, &x[0][0], x_shape, y, y_shape, &f);
  printf("null context: status %d\n", rc);
  failures += rc != FAD_ERROR_ARGUMENT;

  fad_context_free(ctx);
  printf("%s\n", failures ? "FAILED" : "all checks passed");
  return failures != 0;
}
