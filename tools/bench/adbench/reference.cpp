// Hand-written objectives and derivatives of the ADBench/GradBench workloads
// in tools/bench/adbench (lse, llsq, gmm, lstm, kmeans, ode, ba, ht), the C++ peer of the
// benchmark: the derivatives are written out by hand, not by an AD tool.
//
//   reference OBJECTIVE MODE RUNS TIMES OUTDIR ARG...
// MODE is primal or derivative; each ARG is a number or an .npy file (f64,
// C order). Runs the function RUNS times, writes each run's time in
// nanoseconds to TIMES and the last run's results to OUTDIR/resultK.npy.
// Build: c++ -O3 -march=native -std=c++17 reference.cpp -o reference
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <malloc.h>
#include <pmmintrin.h>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Array {
  std::vector<int64_t> shape;
  std::vector<double> data;
  double scalar() const { return data.at(0); }
  int64_t dim(size_t k) const { return shape.at(k); }
};

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "reference: %s\n", message.c_str());
  std::exit(1);
}

Array readArg(const std::string &arg) {
  if (arg.size() < 4 || arg.substr(arg.size() - 4) != ".npy")
    return {{}, {std::stod(arg)}};
  std::ifstream in(arg, std::ios::binary);
  char magic[8];
  uint16_t len = 0;
  if (!in.read(magic, 8) || !in.read(reinterpret_cast<char *>(&len), 2))
    die("cannot read " + arg);
  std::string header(len, ' ');
  in.read(&header[0], len);
  if (header.find("'<f8'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
    die(arg + ": expected little-endian f64 in C order");
  Array a;
  size_t open = header.find('(', header.find("'shape'")), close = header.find(')', open);
  std::stringstream dims(header.substr(open + 1, close - open - 1));
  std::string item;
  int64_t total = 1;
  while (std::getline(dims, item, ','))
    if (item.find_first_not_of(' ') != std::string::npos) {
      a.shape.push_back(std::stoll(item));
      total *= a.shape.back();
    }
  a.data.resize(total);
  in.read(reinterpret_cast<char *>(a.data.data()), total * sizeof(double));
  if (!in)
    die("short file " + arg);
  return a;
}

void writeNpy(const std::string &path, const Array &a) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (";
  for (size_t d = 0; d < a.shape.size(); ++d)
    header += std::to_string(a.shape[d]) + (a.shape.size() == 1 || d + 1 < a.shape.size() ? ", " : "");
  header += "), }";
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  uint16_t len = header.size();
  out.write(reinterpret_cast<const char *>(&len), 2);
  out << header;
  out.write(reinterpret_cast<const char *>(a.data.data()), a.data.size() * sizeof(double));
}

Array scalar(double v) { return {{}, {v}}; }

//===-- lse ---------------------------------------------------------------===//

double lse(const double *x, int64_t n) {
  double m = *std::max_element(x, x + n), s = 0;
  for (int64_t i = 0; i < n; ++i)
    s += std::exp(x[i] - m);
  return m + std::log(s);
}

std::vector<Array> lsePrimal(const std::vector<Array> &a) {
  return {scalar(lse(a[0].data.data(), a[0].data.size()))};
}

std::vector<Array> lseGradient(const std::vector<Array> &a) {
  const std::vector<double> &x = a[0].data;
  int64_t n = x.size();
  Array g{{n}, std::vector<double>(n)};
  double m = *std::max_element(x.begin(), x.end()), s = 0;
  for (int64_t i = 0; i < n; ++i)
    s += g.data[i] = std::exp(x[i] - m);
  for (double &v : g.data)
    v /= s;
  return {g};
}

//===-- llsq --------------------------------------------------------------===//

double llsqT(int64_t i, int64_t m) { return -1.0 + 2.0 * i / (m - 1); }
double sign(double t) { return t < 0 ? -1.0 : t > 0 ? 1.0 : 0.0; }

std::vector<Array> llsqPrimal(const std::vector<Array> &a) {
  int64_t m = a[0].scalar();
  const std::vector<double> &x = a[1].data;
  int64_t n = x.size();
  double y = 0;
  for (int64_t i = 0; i < m; ++i) {
    double t = llsqT(i, m), p = 0;
    for (int64_t j = n - 1; j >= 0; --j)
      p = p * t + x[j];
    y += (sign(t) - p) * (sign(t) - p);
  }
  return {scalar(0.5 * y)};
}

std::vector<Array> llsqGradient(const std::vector<Array> &a) {
  int64_t m = a[0].scalar();
  const std::vector<double> &x = a[1].data;
  int64_t n = x.size();
  Array g{{n}, std::vector<double>(n, 0.0)};
  for (int64_t i = 0; i < m; ++i) {
    double t = llsqT(i, m), p = 0;
    for (int64_t j = n - 1; j >= 0; --j)
      p = p * t + x[j];
    double r = sign(t) - p, power = 1;
    for (int64_t j = 0; j < n; ++j, power *= t)
      g.data[j] -= r * power;
  }
  return {g};
}

//===-- kmeans ------------------------------------------------------------===//

/// The nearest center of every point and the cost.
double kmeansAssign(const Array &p, const Array &c, std::vector<int64_t> &nearest) {
  int64_t n = p.dim(0), k = c.dim(0), d = p.dim(1);
  double cost = 0;
  nearest.assign(n, 0);
  for (int64_t i = 0; i < n; ++i) {
    double best = INFINITY;
    for (int64_t j = 0; j < k; ++j) {
      double dist = 0;
      for (int64_t e = 0; e < d; ++e) {
        double diff = c.data[j * d + e] - p.data[i * d + e];
        dist += diff * diff;
      }
      if (dist < best)
        best = dist, nearest[i] = j;
    }
    cost += best;
  }
  return cost;
}

std::vector<Array> kmeansPrimal(const std::vector<Array> &a) {
  std::vector<int64_t> nearest;
  return {scalar(kmeansAssign(a[0], a[1], nearest))};
}

std::vector<Array> kmeansDirection(const std::vector<Array> &a) {
  const Array &p = a[0], &c = a[1];
  int64_t n = p.dim(0), k = c.dim(0), d = p.dim(1);
  std::vector<int64_t> nearest;
  kmeansAssign(p, c, nearest);
  Array g{{k, d}, std::vector<double>(k * d, 0.0)};
  std::vector<double> count(k, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t j = nearest[i];
    count[j] += 1;
    for (int64_t e = 0; e < d; ++e)
      g.data[j * d + e] += 2.0 * (c.data[j * d + e] - p.data[i * d + e]);
  }
  for (int64_t j = 0; j < k; ++j)
    for (int64_t e = 0; e < d; ++e)
      g.data[j * d + e] = count[j] == 0 ? 0.0 : g.data[j * d + e] / (2.0 * count[j]);
  return {g};
}

//===-- ode ---------------------------------------------------------------===//

void odeF(const std::vector<double> &x, const std::vector<double> &y, std::vector<double> &out) {
  out[0] = x[0];
  for (size_t i = 1; i < x.size(); ++i)
    out[i] = x[i] * y[i - 1];
}

/// One RK4 step from y with step h; the stages' inputs y2, y3, y4 and slopes.
struct Stages {
  std::vector<double> y2, y3, y4, k1, k2, k3, k4;
};

void rk4(const std::vector<double> &x, std::vector<double> &y, double h, Stages &s) {
  size_t n = y.size();
  for (auto *v : {&s.y2, &s.y3, &s.y4, &s.k1, &s.k2, &s.k3, &s.k4})
    v->resize(n);
  odeF(x, y, s.k1);
  for (size_t i = 0; i < n; ++i) s.y2[i] = y[i] + 0.5 * h * s.k1[i];
  odeF(x, s.y2, s.k2);
  for (size_t i = 0; i < n; ++i) s.y3[i] = y[i] + 0.5 * h * s.k2[i];
  odeF(x, s.y3, s.k3);
  for (size_t i = 0; i < n; ++i) s.y4[i] = y[i] + h * s.k3[i];
  odeF(x, s.y4, s.k4);
  for (size_t i = 0; i < n; ++i)
    y[i] += h / 6.0 * (s.k1[i] + 2.0 * s.k2[i] + 2.0 * s.k3[i] + s.k4[i]);
}

std::vector<Array> odePrimal(const std::vector<Array> &a) {
  int64_t steps = a[0].scalar();
  const std::vector<double> &x = a[1].data;
  std::vector<double> y(x.size(), 0.0);
  Stages s;
  for (int64_t k = 0; k < steps; ++k)
    rk4(x, y, 2.0 / steps, s);
  return {{{(int64_t)y.size()}, y}};
}

/// The adjoint of f at (x, y): adds f's cotangent kbar into ybar and xbar.
void odeFAdjoint(const std::vector<double> &x, const std::vector<double> &y,
                 const std::vector<double> &kbar, std::vector<double> &ybar,
                 std::vector<double> &xbar) {
  xbar[0] += kbar[0];
  for (size_t i = 1; i < x.size(); ++i) {
    ybar[i - 1] += x[i] * kbar[i];
    xbar[i] += y[i - 1] * kbar[i];
  }
}

std::vector<Array> odeGradient(const std::vector<Array> &a) {
  int64_t steps = a[0].scalar();
  const std::vector<double> &x = a[1].data;
  size_t n = x.size();
  double h = 2.0 / steps;
  // Forward: keep every step's starting y (store-all).
  std::vector<std::vector<double>> ys(steps + 1, std::vector<double>(n, 0.0));
  Stages s;
  for (int64_t k = 0; k < steps; ++k) {
    ys[k + 1] = ys[k];
    rk4(x, ys[k + 1], h, s);
  }
  // Backward, from the cotangent of the last component.
  std::vector<double> ybar(n, 0.0), xbar(n, 0.0), k1(n), k2(n), k3(n), k4(n), y2bar(n),
      y3bar(n), y4bar(n);
  ybar[n - 1] = 1.0;
  for (int64_t k = steps - 1; k >= 0; --k) {
    std::vector<double> y = ys[k];
    rk4(x, y, h, s); // recompute the stages of step k
    for (size_t i = 0; i < n; ++i) {
      k1[i] = h / 6.0 * ybar[i];
      k2[i] = k3[i] = h / 3.0 * ybar[i];
      k4[i] = h / 6.0 * ybar[i];
    }
    std::fill(y4bar.begin(), y4bar.end(), 0.0);
    odeFAdjoint(x, s.y4, k4, y4bar, xbar);
    for (size_t i = 0; i < n; ++i) ybar[i] += y4bar[i], k3[i] += h * y4bar[i];
    std::fill(y3bar.begin(), y3bar.end(), 0.0);
    odeFAdjoint(x, s.y3, k3, y3bar, xbar);
    for (size_t i = 0; i < n; ++i) ybar[i] += y3bar[i], k2[i] += 0.5 * h * y3bar[i];
    std::fill(y2bar.begin(), y2bar.end(), 0.0);
    odeFAdjoint(x, s.y2, k2, y2bar, xbar);
    for (size_t i = 0; i < n; ++i) ybar[i] += y2bar[i], k1[i] += 0.5 * h * y2bar[i];
    odeFAdjoint(x, ys[k], k1, ybar, xbar);
  }
  return {{{(int64_t)n}, xbar}};
}

//===-- lstm --------------------------------------------------------------===//

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/// The diagonal LSTM: w and bias [l][4][b] (gates forget, in, out, change),
/// extra [3][b], initial states hs0, cs0 [l][b], the sequence [c][b].
struct Lstm {
  int64_t l, b, c;
  const double *w, *bias, *extra, *hs0, *cs0, *seq;
  explicit Lstm(const std::vector<Array> &a)
      : l(a[0].dim(0)), b(a[0].dim(2)), c(a[5].dim(0)), w(a[0].data.data()),
        bias(a[1].data.data()), extra(a[2].data.data()), hs0(a[3].data.data()),
        cs0(a[4].data.data()), seq(a[5].data.data()) {}

  double gate(int64_t i, int64_t g, int64_t j, double in) const {
    return in * w[(i * 4 + g) * b + j] + bias[(i * 4 + g) * b + j];
  }

  /// One time step: states hs, cs [l][b] (updated in place) and the
  /// prediction y [b] from input; xs [l + 1][b] gets each layer's input and
  /// the last layer's output.
  void step(double *hs, double *cs, const double *input, double *xs, double *y) const {
    for (int64_t j = 0; j < b; ++j)
      xs[j] = input[j] * extra[j];
    for (int64_t i = 0; i < l; ++i) {
      const double *x = xs + i * b;
      double *h = hs + i * b, *cell = cs + i * b, *out = xs + (i + 1) * b;
      for (int64_t j = 0; j < b; ++j) {
        double cj = cell[j] * sigmoid(gate(i, 0, j, x[j])) +
                    sigmoid(gate(i, 1, j, h[j])) * std::tanh(gate(i, 3, j, h[j]));
        out[j] = sigmoid(gate(i, 2, j, x[j])) * std::tanh(cj);
        cell[j] = cj;
        h[j] = out[j];
      }
    }
    for (int64_t j = 0; j < b; ++j)
      y[j] = xs[l * b + j] * extra[b + j] + extra[2 * b + j];
  }

  double objective() const {
    std::vector<double> hs(hs0, hs0 + l * b), cs(cs0, cs0 + l * b), xs((l + 1) * b), y(b);
    double total = 0;
    for (int64_t t = 0; t + 1 < c; ++t) {
      step(hs.data(), cs.data(), seq + t * b, xs.data(), y.data());
      double s = 0;
      for (double v : y)
        s += std::exp(v);
      double norm = std::log(s + 2.0);
      for (int64_t j = 0; j < b; ++j)
        total += seq[(t + 1) * b + j] * (y[j] - norm);
    }
    return -total / double((c - 1) * b);
  }

  /// Reverse sweep over stored states: the states before each step and
  /// each step's layer inputs are kept (store-all).
  std::vector<Array> gradient() const {
    int64_t steps = c - 1, lb = l * b;
    std::vector<double> hs(steps * lb + lb), cs(steps * lb + lb), xs(steps * (lb + b)), y(b);
    std::copy(hs0, hs0 + lb, hs.begin());
    std::copy(cs0, cs0 + lb, cs.begin());
    std::vector<double> ys(steps * b);
    for (int64_t t = 0; t < steps; ++t) {
      std::copy(hs.begin() + t * lb, hs.begin() + (t + 1) * lb, hs.begin() + (t + 1) * lb);
      std::copy(cs.begin() + t * lb, cs.begin() + (t + 1) * lb, cs.begin() + (t + 1) * lb);
      step(&hs[(t + 1) * lb], &cs[(t + 1) * lb], seq + t * b, &xs[t * (lb + b)], &ys[t * b]);
    }
    Array gw{{l, 4, b}, std::vector<double>(4 * lb, 0.0)}, gb{{l, 4, b}, std::vector<double>(4 * lb, 0.0)},
        ge{{3, b}, std::vector<double>(3 * b, 0.0)};
    std::vector<double> hbar(lb, 0.0), cbar(lb, 0.0), xbar(b);
    double scale = -1.0 / double(steps * b);
    for (int64_t t = steps - 1; t >= 0; --t) {
      const double *yt = &ys[t * b], *gold = seq + (t + 1) * b, *x = &xs[t * (lb + b)];
      double s = 0, goldSum = 0;
      for (int64_t j = 0; j < b; ++j)
        s += std::exp(yt[j]), goldSum += gold[j];
      for (int64_t j = 0; j < b; ++j) {
        double ybar = scale * (gold[j] - goldSum * std::exp(yt[j]) / (s + 2.0));
        ge.data[b + j] += ybar * x[lb + j];
        ge.data[2 * b + j] += ybar;
        xbar[j] = ybar * extra[b + j];
      }
      for (int64_t i = l - 1; i >= 0; --i) {
        const double *xin = x + i * b, *hOld = &hs[t * lb + i * b], *cOld = &cs[t * lb + i * b],
                     *cNew = &cs[(t + 1) * lb + i * b];
        for (int64_t j = 0; j < b; ++j) {
          double f = sigmoid(gate(i, 0, j, xin[j])), g = sigmoid(gate(i, 1, j, hOld[j])),
                 o = sigmoid(gate(i, 2, j, xin[j])), ch = std::tanh(gate(i, 3, j, hOld[j])),
                 tc = std::tanh(cNew[j]);
          double hb = xbar[j] + hbar[i * b + j];
          double cb = cbar[i * b + j] + hb * o * (1 - tc * tc);
          double a2 = hb * tc * o * (1 - o), a0 = cb * cOld[j] * f * (1 - f),
                 a1 = cb * ch * g * (1 - g), a3 = cb * g * (1 - ch * ch);
          double as[4] = {a0, a1, a2, a3}, ins[4] = {xin[j], hOld[j], xin[j], hOld[j]};
          for (int64_t k = 0; k < 4; ++k) {
            gw.data[(i * 4 + k) * b + j] += as[k] * ins[k];
            gb.data[(i * 4 + k) * b + j] += as[k];
          }
          xbar[j] = a0 * w[(i * 4) * b + j] + a2 * w[(i * 4 + 2) * b + j];
          hbar[i * b + j] = a1 * w[(i * 4 + 1) * b + j] + a3 * w[(i * 4 + 3) * b + j];
          cbar[i * b + j] = cb * f;
        }
      }
      for (int64_t j = 0; j < b; ++j)
        ge.data[j] += xbar[j] * seq[t * b + j];
    }
    return {gw, gb, ge};
  }
};

std::vector<Array> lstmPrimal(const std::vector<Array> &a) { return {scalar(Lstm(a).objective())}; }
std::vector<Array> lstmGradient(const std::vector<Array> &a) { return Lstm(a).gradient(); }

//===-- forward-mode numbers for ba ----------------------------------------===//

/// A value with N directional derivatives: the hand-written derivative of
/// ba runs the objective's own code on these, as tangent-linear code
/// written out by hand would, with all N directions in one pass.
template <int N> struct Dual {
  double v = 0;
  double d[N] = {};
  Dual() = default;
  Dual(double value) : v(value) {}
  static Dual seed(double value, int k) {
    Dual x(value);
    x.d[k] = 1.0;
    return x;
  }
};
template <int N> Dual<N> scaled(const Dual<N> &a, double va, double da) {
  Dual<N> r(va);
  for (int k = 0; k < N; ++k) r.d[k] = da * a.d[k];
  return r;
}
template <int N> Dual<N> operator+(const Dual<N> &a, const Dual<N> &b) {
  Dual<N> r(a.v + b.v);
  for (int k = 0; k < N; ++k) r.d[k] = a.d[k] + b.d[k];
  return r;
}
template <int N> Dual<N> operator-(const Dual<N> &a, const Dual<N> &b) {
  Dual<N> r(a.v - b.v);
  for (int k = 0; k < N; ++k) r.d[k] = a.d[k] - b.d[k];
  return r;
}
template <int N> Dual<N> operator-(const Dual<N> &a) { return scaled(a, -a.v, -1.0); }
template <int N> Dual<N> operator*(const Dual<N> &a, const Dual<N> &b) {
  Dual<N> r(a.v * b.v);
  for (int k = 0; k < N; ++k) r.d[k] = a.d[k] * b.v + a.v * b.d[k];
  return r;
}
template <int N> Dual<N> operator*(const Dual<N> &a, double b) { return scaled(a, a.v * b, b); }
template <int N> Dual<N> operator*(double a, const Dual<N> &b) { return scaled(b, a * b.v, a); }
template <int N> Dual<N> operator/(const Dual<N> &a, const Dual<N> &b) {
  Dual<N> r(a.v / b.v);
  for (int k = 0; k < N; ++k) r.d[k] = (a.d[k] - r.v * b.d[k]) / b.v;
  return r;
}
template <int N> Dual<N> sin(const Dual<N> &a) { return scaled(a, std::sin(a.v), std::cos(a.v)); }
template <int N> Dual<N> cos(const Dual<N> &a) { return scaled(a, std::cos(a.v), -std::sin(a.v)); }
template <int N> Dual<N> sqrt(const Dual<N> &a) {
  double s = std::sqrt(a.v);
  return scaled(a, s, 0.5 / s);
}
double valueOf(double x) { return x; }
template <int N> double valueOf(const Dual<N> &x) { return x.v; }
using std::cos;
using std::sin;
using std::sqrt;

//===-- ba ----------------------------------------------------------------===//

/// Observation i's reprojection error from its camera (rotation, center,
/// focal, principal point, distortion), point and weight.
template <class T> void baReproj(const T *cam, const T *point, const T &w, const double *feat, T *err) {
  T x[3] = {point[0] - cam[3], point[1] - cam[4], point[2] - cam[5]}, rotated[3];
  const T *r = cam;
  T sq = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
  if (valueOf(sq) != 0) {
    T theta = sqrt(sq), c = cos(theta), s = sin(theta);
    T u[3] = {r[0] / theta, r[1] / theta, r[2] / theta};
    T t = (u[0] * x[0] + u[1] * x[1] + u[2] * x[2]) * (T(1.0) - c);
    T ux[3] = {u[1] * x[2] - u[2] * x[1], u[2] * x[0] - u[0] * x[2], u[0] * x[1] - u[1] * x[0]};
    for (int k = 0; k < 3; ++k) rotated[k] = x[k] * c + ux[k] * s + u[k] * t;
  } else {
    T rx[3] = {r[1] * x[2] - r[2] * x[1], r[2] * x[0] - r[0] * x[2], r[0] * x[1] - r[1] * x[0]};
    for (int k = 0; k < 3; ++k) rotated[k] = x[k] + rx[k];
  }
  T px = rotated[0] / rotated[2], py = rotated[1] / rotated[2];
  T rsq = px * px + py * py;
  T distort = T(1.0) + cam[9] * rsq + cam[10] * rsq * rsq;
  err[0] = w * (px * distort * cam[6] + cam[7] - T(feat[0]));
  err[1] = w * (py * distort * cam[6] + cam[8] - T(feat[1]));
}

struct Ba {
  int64_t p;
  const double *cams, *xs, *ws, *obs, *feats;
  explicit Ba(const std::vector<Array> &a)
      : p(a[2].dim(0)), cams(a[0].data.data()), xs(a[1].data.data()), ws(a[2].data.data()),
        obs(a[3].data.data()), feats(a[4].data.data()) {}
  const double *cam(int64_t i) const { return cams + 11 * int64_t(obs[2 * i]); }
  const double *point(int64_t i) const { return xs + 3 * int64_t(obs[2 * i + 1]); }

  std::vector<Array> primal() const {
    Array err{{p, 2}, std::vector<double>(2 * p)}, werr{{p}, std::vector<double>(p)};
    for (int64_t i = 0; i < p; ++i) {
      baReproj(cam(i), point(i), ws[i], feats + 2 * i, &err.data[2 * i]);
      werr.data[i] = 1.0 - ws[i] * ws[i];
    }
    return {err, werr};
  }

  std::vector<Array> jacobian() const {
    using D = Dual<15>;
    Array jac{{p, 2, 15}, std::vector<double>(30 * p)}, wjac{{p}, std::vector<double>(p)};
    for (int64_t i = 0; i < p; ++i) {
      D c[11], x[3], err[2];
      for (int k = 0; k < 11; ++k) c[k] = D::seed(cam(i)[k], k);
      for (int k = 0; k < 3; ++k) x[k] = D::seed(point(i)[k], 11 + k);
      baReproj(c, x, D::seed(ws[i], 14), feats + 2 * i, err);
      for (int r = 0; r < 2; ++r)
        std::copy(err[r].d, err[r].d + 15, &jac.data[(2 * i + r) * 15]);
      wjac.data[i] = -2.0 * ws[i];
    }
    return {jac, wjac};
  }
};

std::vector<Array> baPrimal(const std::vector<Array> &a) { return Ba(a).primal(); }
std::vector<Array> baJacobian(const std::vector<Array> &a) { return Ba(a).jacobian(); }

//===-- ht ----------------------------------------------------------------===//

struct Ht {
  int64_t nb, v, n;
  const double *theta, *parents, *baseRel, *invBaseAbs, *basePos, *weights, *corr, *points;
  explicit Ht(const std::vector<Array> &a)
      : nb(a[1].dim(0)), v(a[4].dim(0)), n(a[6].dim(0)), theta(a[0].data.data()),
        parents(a[1].data.data()), baseRel(a[2].data.data()), invBaseAbs(a[3].data.data()),
        basePos(a[4].data.data()), weights(a[5].data.data()), corr(a[6].data.data()),
        points(a[7].data.data()) {}

  /// out = a b for 4 x 4 matrices (row major).
  static void mul4(const double *a, const double *b, double *out) {
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) {
        double s = 0.0;
        for (int k = 0; k < 4; ++k) s += a[r * 4 + k] * b[k * 4 + c];
        out[r * 4 + c] = s;
      }
  }

  /// The parameters of bone b's joint angles x and z (-1: fixed): bones 0
  /// and 1 are fixed; each finger's first bone bends about both axes, the
  /// next two about x, the tip not at all. The y angle is always 0.
  static std::pair<int64_t, int64_t> jointParameters(int64_t b) {
    if (b < 2)
      return {-1, -1};
    int64_t j = (b - 2) % 4, base = 6 + 4 * ((b - 2) / 4);
    if (j == 0)
      return {base, base + 1};
    return {j < 3 ? base + j + 1 : -1, -1};
  }

  /// Rz Rx at angles (x, z), homogeneous, and its derivatives in x and z.
  static void euler(double ax, double az, double *e, double *ex, double *ez) {
    double cx = std::cos(ax), sx = std::sin(ax), cz = std::cos(az), sz = std::sin(az);
    const double m[16] = {cz, -sz * cx, sz * sx, 0, sz, cz * cx, -cz * sx, 0,
                          0,  sx,       cx,      0, 0,  0,       0,        1};
    const double mx[16] = {0, sz * sx, sz * cx, 0, 0, -cz * sx, -cz * cx, 0,
                           0, cx,      -sx,     0, 0, 0,        0,        0};
    const double mz[16] = {-sz, -cz * cx, cz * sx, 0, cz, -sz * cx, sz * sx, 0,
                           0,   0,        0,       0, 0,  0,        0,       0};
    std::copy(m, m + 16, e), std::copy(mx, mx + 16, ex), std::copy(mz, mz + 16, ez);
  }

  /// visit(u, b, w, x) for each vertex u and bone b of weight w != 0 on it
  /// (a vertex hangs on a few bones), x the vertex's homogeneous position.
  template <class Visit> void forEachInfluence(Visit visit) const {
    for (int64_t u = 0; u < v; ++u)
      for (int64_t b = 0; b < nb; ++b)
        if (double w = weights[u * nb + b]; w != 0.0)
          visit(u, b, w, basePos + 4 * u);
  }

  /// out[0..2] += w (m x) for the top three rows of a 4 x 4 m.
  static void addTransformed(const double *m, double w, const double *x, double *out) {
    for (int r = 0; r < 3; ++r)
      out[r] += w * (m[4 * r] * x[0] + m[4 * r + 1] * x[1] + m[4 * r + 2] * x[2] +
                     m[4 * r + 3] * x[3]);
  }

  /// The global rotation R = c I + (1 - c) k k' + s [k]x at theta[0..2]
  /// (k = a / |a|, c and s of |a|; the identity below |a| = 1e-4) and, with
  /// `drot`, its derivatives in a.
  void rotation(double *rot, double (*drot)[9]) const {
    // d(c I + (1 - c) k k' + s [k]x) for the changes dc, dk, ds.
    auto rodrigues = [](const double *k, double c, double s, double dc, const double *dk,
                        double ds, double *out) {
      for (int r = 0; r < 3; ++r)
        for (int q = 0; q < 3; ++q)
          out[3 * r + q] = (r == q ? dc : 0.0) - dc * k[r] * k[q] +
                           (1 - c) * (dk[r] * k[q] + k[r] * dk[q]);
      out[1] += -ds * k[2] - s * dk[2], out[2] += ds * k[1] + s * dk[1];
      out[3] += ds * k[2] + s * dk[2], out[5] += -ds * k[0] - s * dk[0];
      out[6] += -ds * k[1] - s * dk[1], out[7] += ds * k[0] + s * dk[0];
    };
    const double identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    std::copy(identity, identity + 9, rot);
    if (drot)
      std::fill(&drot[0][0], &drot[0][0] + 27, 0.0);
    double norm = std::sqrt(theta[0] * theta[0] + theta[1] * theta[1] + theta[2] * theta[2]);
    if (norm < 0.0001)
      return;
    double k[3] = {theta[0] / norm, theta[1] / norm, theta[2] / norm};
    double c = std::cos(norm), s = std::sin(norm);
    for (int r = 0; r < 3; ++r)
      for (int q = 0; q < 3; ++q)
        rot[3 * r + q] = (r == q ? c : 0.0) + (1 - c) * k[r] * k[q];
    rot[1] -= s * k[2], rot[2] += s * k[1], rot[3] += s * k[2];
    rot[5] -= s * k[0], rot[6] -= s * k[1], rot[7] += s * k[0];
    if (drot)
      for (int j = 0; j < 3; ++j) {
        double dk[3];
        for (int q = 0; q < 3; ++q) dk[q] = ((q == j ? 1.0 : 0.0) - k[q] * k[j]) / norm;
        rodrigues(k, c, s, -s * k[j], dk, c * k[j], drot[j]);
      }
  }

  /// A transform's derivative in one parameter.
  struct Derivative {
    int64_t k;    ///< the parameter
    double m[16]; ///< the derivative
  };

  /// Each bone's skinning transform (its absolute transform times the
  /// inverse of its base absolute) into tr and, with dTr, its derivatives
  /// in the joint angles that move the bone (its own and its ancestors').
  void boneTransforms(std::vector<double> &tr,
                      std::vector<std::vector<Derivative>> *dTr) const {
    std::vector<double> rel(nb * 16), abs(nb * 16);
    std::vector<std::vector<Derivative>> dAbs(nb);
    tr.assign(nb * 16, 0.0);
    if (dTr)
      dTr->assign(nb, {});
    for (int64_t b = 0; b < nb; ++b) {
      auto [kx, kz] = jointParameters(b);
      double e[16], ex[16], ez[16];
      euler(kx >= 0 ? theta[kx] : 0.0, kz >= 0 ? theta[kz] : 0.0, e, ex, ez);
      mul4(baseRel + 16 * b, e, &rel[16 * b]);
      int64_t p = int64_t(parents[b]);
      if (p < 0)
        std::copy(&rel[16 * b], &rel[16 * b] + 16, &abs[16 * b]);
      else
        mul4(&abs[16 * p], &rel[16 * b], &abs[16 * b]);
      mul4(&abs[16 * b], invBaseAbs + 16 * b, &tr[16 * b]);
      if (!dTr)
        continue;
      if (p >= 0)
        for (const Derivative &d : dAbs[p]) {
          dAbs[b].push_back({d.k, {}});
          mul4(d.m, &rel[16 * b], dAbs[b].back().m);
        }
      for (auto [k, de] : {std::pair<int64_t, const double *>{kx, ex}, {kz, ez}})
        if (k >= 0) {
          double dRel[16];
          mul4(baseRel + 16 * b, de, dRel);
          dAbs[b].push_back({k, {}});
          if (p < 0)
            std::copy(dRel, dRel + 16, dAbs[b].back().m);
          else
            mul4(&abs[16 * p], dRel, dAbs[b].back().m);
        }
      for (const Derivative &d : dAbs[b]) {
        (*dTr)[b].push_back({d.k, {}});
        mul4(d.m, invBaseAbs + 16 * b, (*dTr)[b].back().m);
      }
    }
  }

  /// The 3 n residuals at theta.
  std::vector<Array> primal() const {
    std::vector<double> tr, skinned(v * 3, 0.0);
    boneTransforms(tr, nullptr);
    forEachInfluence([&](int64_t u, int64_t b, double w, const double *x) {
      addTransformed(&tr[16 * b], w, x, &skinned[3 * u]);
    });
    double rot[9];
    rotation(rot, nullptr);
    Array out{{3 * n}, std::vector<double>(3 * n)};
    for (int64_t i = 0; i < n; ++i) {
      const double *p = &skinned[3 * int64_t(corr[i])];
      for (int r = 0; r < 3; ++r)
        out.data[3 * i + r] = points[3 * i + r] - (rot[3 * r] * p[0] + rot[3 * r + 1] * p[1] +
                                                    rot[3 * r + 2] * p[2] + theta[3 + r]);
    }
    return {out};
  }

  /// The Jacobian written out by hand as GradBench's `manual` tool does:
  /// each bone's relative, absolute and skinning transforms with their
  /// derivatives in the joint angles that move the bone (its own and its
  /// ancestors'), the skinned vertices' derivatives in those angles (over
  /// the bones that weigh on each vertex), then per point the global
  /// rotation's chain rule.
  std::vector<Array> jacobian() const {
    std::vector<double> tr;
    std::vector<std::vector<Derivative>> dTr;
    boneTransforms(tr, &dTr);
    // The skinned vertices and their derivatives ds[u][k][r].
    std::vector<double> skinned(v * 3, 0.0), ds(v * 26 * 3, 0.0);
    forEachInfluence([&](int64_t u, int64_t b, double w, const double *x) {
      addTransformed(&tr[16 * b], w, x, &skinned[3 * u]);
      for (const Derivative &d : dTr[b])
        addTransformed(d.m, w, x, &ds[(u * 26 + d.k) * 3]);
    });
    double rot[9], drot[3][9];
    rotation(rot, drot);
    Array jac{{3 * n, 26}, std::vector<double>(3 * n * 26)};
    for (int64_t i = 0; i < n; ++i) {
      int64_t u = int64_t(corr[i]);
      const double *p = &skinned[3 * u];
      for (int r = 0; r < 3; ++r) {
        double *row = &jac.data[26 * (3 * i + r)];
        for (int j = 0; j < 3; ++j)
          row[j] = -(drot[j][3 * r] * p[0] + drot[j][3 * r + 1] * p[1] + drot[j][3 * r + 2] * p[2]);
        row[3 + r] = -1.0;
        for (int64_t k = 6; k < 26; ++k) {
          const double *d = &ds[(u * 26 + k) * 3];
          row[k] = -(rot[3 * r] * d[0] + rot[3 * r + 1] * d[1] + rot[3 * r + 2] * d[2]);
        }
      }
    }
    return {jac};
  }
};

std::vector<Array> htPrimal(const std::vector<Array> &a) { return Ht(a).primal(); }
std::vector<Array> htJacobian(const std::vector<Array> &a) { return Ht(a).jacobian(); }

//===-- gmm ---------------------------------------------------------------===//

struct Gmm {
  int64_t n, k, d, nl;
  const double *alpha, *mu, *q, *l, *x;
  std::vector<double> qdiag, sumq; // exp(q_j), sum of q_j: once, not per point
  explicit Gmm(const std::vector<Array> &a)
      : n(a[4].dim(0)), k(a[0].dim(0)), d(a[1].dim(1)), nl(a[3].dim(1)),
        alpha(a[0].data.data()), mu(a[1].data.data()), q(a[2].data.data()),
        l(a[3].data.data()), x(a[4].data.data()), qdiag(k * d), sumq(k, 0.0) {
    for (int64_t j = 0; j < k; ++j)
      for (int64_t r = 0; r < d; ++r) {
        qdiag[j * d + r] = std::exp(q[j * d + r]);
        sumq[j] += q[j * d + r];
      }
  }

  /// y = Q_j (x_i - mu_j) into y (and z = x_i - mu_j); returns main_j. As
  /// GradBench's `manual`: L_j is packed column by column, so Q z is a sum
  /// of columns scaled by z_c, each a contiguous multiply-add that
  /// vectorizes (row by row it would be a strided, dependent chain).
  double term(int64_t i, int64_t j, double *z, double *y) const {
    const double *qj = &qdiag[j * d], *lj = l + j * nl, *xi = x + i * d, *mj = mu + j * d;
    for (int64_t r = 0; r < d; ++r) {
      z[r] = xi[r] - mj[r];
      y[r] = qj[r] * z[r];
    }
    for (int64_t c = 0, off = 0; c < d; off += d - c - 1, ++c)
      for (int64_t r = c + 1; r < d; ++r)
        y[r] += lj[off + r - c - 1] * z[c];
    double norm = 0;
    for (int64_t r = 0; r < d; ++r)
      norm += y[r] * y[r];
    return alpha[j] + sumq[j] - 0.5 * norm;
  }

  double constant() const {
    double logGammaD = 0.25 * d * (d - 1) * std::log(M_PI);
    for (int64_t j = 0; j < d; ++j)
      logGammaD += std::lgamma(0.5 * (d + 1) - 0.5 * j);
    return -0.5 * n * d * std::log(2 * M_PI) +
           k * ((d + 1) * d * std::log(1.0 / std::sqrt(2.0)) - logGammaD);
  }

  double objective() const {
    std::vector<double> z(d), y(d), mains(k);
    double data = 0;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < k; ++j)
        mains[j] = term(i, j, z.data(), y.data());
      data += lse(mains.data(), k);
    }
    double prior = 0;
    for (int64_t j = 0; j < k; ++j) {
      for (int64_t r = 0; r < d; ++r)
        prior += 0.5 * qdiag[j * d + r] * qdiag[j * d + r];
      for (int64_t t = 0; t < nl; ++t)
        prior += 0.5 * l[j * nl + t] * l[j * nl + t];
    }
    return constant() + data - n * lse(alpha, k) - prior;
  }

  /// Per point: every component's z and y, the softmax weights w_j of the
  /// mains, then each component's contributions scaled by w_j, column by
  /// column like term (manual's algorithm, with the weights applied in the
  /// same pass instead of a second one over per-component scratch).
  std::vector<Array> gradient() const {
    Array ga{{k}, std::vector<double>(k, 0.0)}, gmu{{k, d}, std::vector<double>(k * d, 0.0)},
        gq{{k, d}, std::vector<double>(k * d, 0.0)}, gl{{k, nl}, std::vector<double>(k * nl, 0.0)};
    std::vector<double> zs(k * d), ys(k * d), mains(k);
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < k; ++j)
        mains[j] = term(i, j, &zs[j * d], &ys[j * d]);
      double m = *std::max_element(mains.begin(), mains.end()), s = 0;
      for (double &v : mains)
        s += v = std::exp(v - m);
      for (int64_t j = 0; j < k; ++j) {
        double w = mains[j] / s; // d LSE / d main_j
        const double *z = &zs[j * d], *y = &ys[j * d], *qj = &qdiag[j * d], *lj = l + j * nl;
        double *gmuj = &gmu.data[j * d], *gqj = &gq.data[j * d], *glj = &gl.data[j * nl];
        ga.data[j] += w;
        // main_j = alpha_j + sum q_j - |y|^2 / 2, y = Q z, z = x_i - mu_j.
        for (int64_t r = 0; r < d; ++r)
          gqj[r] += w * (1.0 - y[r] * qj[r] * z[r]);
        for (int64_t c = 0, off = 0; c < d; off += d - c - 1, ++c) {
          double qty = qj[c] * y[c]; // (Q^T y)_c: column c of L against y below c
          double wz = w * z[c];
          for (int64_t r = c + 1; r < d; ++r) {
            qty += lj[off + r - c - 1] * y[r];
            glj[off + r - c - 1] -= wz * y[r];
          }
          gmuj[c] += w * qty;
        }
      }
    }
    double m = *std::max_element(alpha, alpha + k), s = 0;
    for (int64_t j = 0; j < k; ++j)
      s += std::exp(alpha[j] - m);
    for (int64_t j = 0; j < k; ++j) {
      ga.data[j] -= n * std::exp(alpha[j] - m) / s;
      for (int64_t r = 0; r < d; ++r)
        gq.data[j * d + r] -= qdiag[j * d + r] * qdiag[j * d + r];
      for (int64_t t = 0; t < nl; ++t)
        gl.data[j * nl + t] -= l[j * nl + t];
    }
    return {ga, gmu, gq, gl};
  }
};

std::vector<Array> gmmPrimal(const std::vector<Array> &a) { return {scalar(Gmm(a).objective())}; }
std::vector<Array> gmmGradient(const std::vector<Array> &a) { return Gmm(a).gradient(); }

} // namespace

int main(int argc, char **argv) {
  if (argc < 6)
    die("usage: reference OBJECTIVE MODE RUNS TIMES OUTDIR ARG...");
  std::string objective = argv[1], mode = argv[2];
  int runs = std::atoi(argv[3]);
  if (std::getenv("FLUSH_SUBNORMALS")) { // run.py --flush-subnormals
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
  }
  // Freed memory stays with the process, so that a run's large arrays reuse
  // the last run's pages instead of taking fresh ones from the kernel (as
  // fad's programs keep their large blocks).
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  std::vector<Array> args;
  for (int i = 6; i < argc; ++i)
    args.push_back(readArg(argv[i]));
  using Fn = std::function<std::vector<Array>(const std::vector<Array> &)>;
  struct Entry { const char *name; Fn primal, derivative; };
  const Entry table[] = {{"lse", lsePrimal, lseGradient},
                         {"llsq", llsqPrimal, llsqGradient},
                         {"kmeans", kmeansPrimal, kmeansDirection},
                         {"ode", odePrimal, odeGradient},
                         {"gmm", gmmPrimal, gmmGradient},
                         {"lstm", lstmPrimal, lstmGradient},
                         {"ba", baPrimal, baJacobian},
                         {"ht", htPrimal, htJacobian}};
  Fn fn;
  for (const Entry &e : table)
    if (objective == e.name)
      fn = mode == "primal" ? e.primal : e.derivative;
  if (!fn)
    die("unknown objective " + objective);
  std::ofstream times(argv[4]);
  std::vector<Array> results;
  for (int r = 0; r < runs; ++r) {
    results.clear(); // its memory serves the next run (see the mallopt above)
    auto start = std::chrono::steady_clock::now();
    results = fn(args);
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now() - start);
    times << ns.count() << "\n";
  }
  for (size_t k = 0; k < results.size(); ++k)
    writeNpy(std::string(argv[5]) + "/result" + std::to_string(k) + ".npy", results[k]);
  return 0;
}
