// A C++ host of cplx.fad: fad_c128 is std::complex<double>.
#include "cplx.h"

#include <cstdio>
#include <vector>

int main() {
  fad_context *ctx = fad_context_new();
  std::vector<std::complex<double>> zs = {{1, 2}, {0, -0.5}, {3, 0}};
  int64_t shape[1] = {3}, outShape[1];
  fad_c128 *out = nullptr, total;
  int status = cplx_scale(ctx, {2, -1}, zs.data(), shape, &out, outShape, &total);
  std::printf("status %d: %g%+gi %g%+gi %g%+gi, sum %g%+gi\n", status, out[0].real(),
              out[0].imag(), out[1].real(), out[1].imag(), out[2].real(), out[2].imag(),
              total.real(), total.imag());
  fad_free(out);
  fad_context_free(ctx);
}
