// Calls the objective and the gradient of lsq.fad from C++17, built with the
// CMake package (see CMakeLists.txt here), and checks the gradient against
// central differences. Exits with status 0 when every check passes.
#include "lsq.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {
/// Owns a context; turns a failed call into an exception. x is m x n, row-major.
class Lsq {
public:
  using Vec = std::vector<double>;

  double objective(const Vec &w, const Vec &x, const Vec &y) const {
    Shapes s(w, x, y);
    double f = 0;
    check(lsq_objective(ctx.get(), w.data(), s.w, x.data(), s.x, y.data(), s.y, &f));
    return f;
  }

  Vec gradient(const Vec &w, const Vec &x, const Vec &y) const {
    Shapes s(w, x, y);
    double *g = nullptr;
    int64_t gShape[1];
    check(lsq_gradient(ctx.get(), w.data(), s.w, x.data(), s.x, y.data(), s.y, &g, gShape));
    std::unique_ptr<double, decltype(&fad_free)> owned(g, fad_free);
    return Vec(g, g + gShape[0]);
  }

private:
  std::unique_ptr<fad_context, decltype(&fad_context_free)> ctx{fad_context_new(),
                                                                fad_context_free};

  struct Shapes {
    Shapes(const Vec &w, const Vec &x, const Vec &y)
        : w{(int64_t)w.size()}, x{(int64_t)y.size(), (int64_t)(x.size() / y.size())},
          y{(int64_t)y.size()} {}
    int64_t w[1], x[2], y[1];
  };
  void check(int status) const {
    if (status != FAD_OK)
      throw std::runtime_error(fad_context_error(ctx.get()));
  }
};
} // namespace

int main() {
  std::vector<double> w{0.5, -1.0, 2.0}, x(15), y(5);
  for (size_t k = 0; k < x.size(); ++k)
    x[k] = std::sin(1.0 + k);
  for (size_t i = 0; i < y.size(); ++i)
    y[i] = std::cos((double)i);
  Lsq lsq;
  std::vector<double> g = lsq.gradient(w, x, y);
  std::printf("objective %.6f, gradient of %zu components\n", lsq.objective(w, x, y), g.size());
  double worst = 0;
  for (size_t j = 0; j < w.size(); ++j) {
    const double h = 1e-6;
    std::vector<double> wp = w, wm = w;
    wp[j] += h;
    wm[j] -= h;
    double fd = (lsq.objective(wp, x, y) - lsq.objective(wm, x, y)) / (2 * h);
    worst = std::max(worst, std::abs(fd - g[j]) / std::max(1.0, std::abs(fd)));
  }
  std::printf("gradient vs central differences: %s (max rel. error %.1e)\n",
              worst < 1e-7 ? "ok" : "MISMATCH", worst);
  try {
    lsq.gradient({1.0, 2.0}, x, y);
    std::printf("w of 2 components: no error\n");
    return 1;
  } catch (const std::runtime_error &e) {
    std::printf("w of 2 components: %s\n", e.what());
  }
  std::printf("%s\n", worst < 1e-7 ? "all checks passed" : "FAILED");
  return worst < 1e-7 ? 0 : 1;
}
