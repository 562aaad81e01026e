/* Calls every entry of header.test.fad and one of lsq.fad (see header.test). */
#include "kinds.h"
#include "lsq.h"

#include <stdio.h>

int main(void) {
  fad_context *ctx = fad_context_new();
  int64_t k;
  int32_t flag;
  double p0;
  float p1;
  int rc = kinds_scalars(ctx, 21, 1, 3.0, 0.25f, 9, &k, &flag, &p0, &p1);
  printf("scalars: %d %lld %d %g %g\n", rc, (long long)k, flag, p0, p1);

  int32_t m[2][3] = {{0, 1, 2}, {3, 4, 5}};
  uint8_t b[2] = {1, 0};
  const int64_t m_shape[2] = {2, 3}, b_shape[1] = {2};
  int32_t *m2;
  uint8_t *b2;
  double *empty;
  int64_t m2_shape[2], b2_shape[1], empty_shape[1];
  rc = kinds_arrays(ctx, &m[0][0], m_shape, b, b_shape, &m2, m2_shape, &b2, b2_shape, &empty,
                    empty_shape);
  printf("arrays: %d [%lldx%lld] %d %d | %d %d | %lld %s\n", rc, (long long)m2_shape[0],
         (long long)m2_shape[1], m2[0], m2[5], b2[0], b2[1], (long long)empty_shape[0],
         empty ? "empty" : "null");
  fad_free(m2);
  fad_free(b2);
  fad_free(empty);

  double a[3] = {1, 2, 3}, v;
  const int64_t a_shape[1] = {3};
  rc = kinds_index_error(ctx, a, a_shape, 5, &v);
  printf("index: %d %s\n", rc, fad_context_error(ctx));

  double w[1] = {1}, x[1] = {2}, y[1] = {1.5}, f;
  const int64_t one[1] = {1}, x_shape[2] = {1, 1};
  rc = lsq_objective(ctx, w, one, x, x_shape, y, one, &f);
  printf("lsq: %d %g\n", rc, f);
  fad_set_threads(1);
  printf("threads: %d", fad_threads());
  fad_set_threads(0);
  printf(" %d", fad_threads() >= 1);
  fad_set_threads(1 << 30);
  printf(" %d\n", fad_threads());
  fad_set_threads(0);
  fad_context_free(ctx);
  return 0;
}
