/* A C99 host of cplx.fad: fad_c128 is double _Complex, arrays are
 * interleaved. */
#include "cplx.h"

#include <complex.h>
#include <stdio.h>

int main(void) {
  fad_context *ctx = fad_context_new();
  double _Complex zs[3] = {1.0 + 2.0 * I, -0.5 * I, 3.0};
  int64_t shape[1] = {3};
  double _Complex *out = NULL, total = 0;
  int64_t outShape[1];
  int status = cplx_scale(ctx, 2.0 - 1.0 * I, zs, shape, &out, outShape, &total);
  printf("status %d, %lld elements\n", status, (long long)outShape[0]);
  for (int k = 0; k < 3; ++k)
    printf("%g%+gi\n", creal(out[k]), cimag(out[k]));
  printf("sum %g%+gi\n", creal(total), cimag(total));
  fad_free(out);

  float _Complex ws[2][2] = {{1.0f + 1.0f * I, 2.0f}, {-1.0f * I, 0.5f}}, w = 0, *wout = NULL;
  int64_t wshape[2] = {2, 2}, woutShape[2];
  status = cplx_single(ctx, 3.0f + 4.0f * I, &ws[0][0], wshape, &w, &wout, woutShape);
  printf("status %d, conj %g%+gi, [%g%+gi, %g%+gi, %g%+gi, %g%+gi]\n", status, crealf(w),
         cimagf(w), crealf(wout[0]), cimagf(wout[0]), crealf(wout[1]), cimagf(wout[1]),
         crealf(wout[2]), cimagf(wout[2]), crealf(wout[3]), cimagf(wout[3]));
  fad_free(wout);

  double n2 = 0;
  status = cplx_norm2(ctx, zs, shape, &n2);
  printf("status %d, norm2 %g\n", status, n2);
  status = cplx_norm2(ctx, NULL, shape, &n2);
  printf("null array: status %d, %s\n", status, fad_context_error(ctx));
  /* fad_call's own check of a complex scalar (the generated wrappers always
     pass its address): a null pointer is an argument error, not a crash. */
  void cplx__call_scale(void);
  fad_arg bad[2] = {{5, 0, NULL, NULL, 0, 0}, {5, 1, zs, shape, 0, 0}}; /* kind 5: c128 */
  status = fad_call(ctx, "scale", cplx__call_scale, bad, 2, NULL, 0);
  printf("null complex: status %d, %s\n", status, fad_context_error(ctx));
  fad_context_free(ctx);
  return 0;
}
