// Hand-written objectives and derivatives of the ADBench/GradBench workloads
// in tools/bench/adbench (lse, llsq, gmm, kmeans, ode), the C++ peer of the
// benchmark: the derivatives are written out by hand, not by an AD tool.
//
//   reference OBJECTIVE MODE RUNS TIMES OUTDIR ARG...
// MODE is primal or derivative; each ARG is a number or an .npy file (f64,
// C order). Runs the function RUNS times, writes each run's time in
// microseconds to TIMES and the last run's results to OUTDIR/resultK.npy.
// Build: c++ -O3 -march=native -std=c++17 reference.cpp -o reference
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
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

//===-- gmm ---------------------------------------------------------------===//

struct Gmm {
  int64_t n, k, d, nl;
  const double *alpha, *mu, *q, *l, *x;
  explicit Gmm(const std::vector<Array> &a)
      : n(a[4].dim(0)), k(a[0].dim(0)), d(a[1].dim(1)), nl(a[3].dim(1)),
        alpha(a[0].data.data()), mu(a[1].data.data()), q(a[2].data.data()),
        l(a[3].data.data()), x(a[4].data.data()) {}

  static size_t lIndex(int64_t d, int64_t r, int64_t c) { return c * (2 * d - c - 1) / 2 + r - c - 1; }

  /// y = Q_j (x_i - mu_j) into y (and z = x_i - mu_j); returns main_j.
  double term(int64_t i, int64_t j, double *z, double *y) const {
    const double *qj = q + j * d, *lj = l + j * nl;
    double sumq = 0, norm = 0;
    for (int64_t r = 0; r < d; ++r) {
      z[r] = x[i * d + r] - mu[j * d + r];
      sumq += qj[r];
    }
    for (int64_t r = 0; r < d; ++r) {
      double v = std::exp(qj[r]) * z[r];
      for (int64_t c = 0; c < r; ++c)
        v += lj[lIndex(d, r, c)] * z[c];
      y[r] = v;
      norm += v * v;
    }
    return alpha[j] + sumq - 0.5 * norm;
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
        prior += 0.5 * std::exp(2 * q[j * d + r]);
      for (int64_t t = 0; t < nl; ++t)
        prior += 0.5 * l[j * nl + t] * l[j * nl + t];
    }
    return constant() + data - n * lse(alpha, k) - prior;
  }

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
        const double *z = &zs[j * d], *y = &ys[j * d], *qj = q + j * d, *lj = l + j * nl;
        ga.data[j] += w;
        for (int64_t r = 0; r < d; ++r) {
          // main_j = alpha_j + sum q_j - |y|^2 / 2, y = Q z, z = x_i - mu_j.
          gq.data[j * d + r] += w * (1.0 - y[r] * std::exp(qj[r]) * z[r]);
          double qty = std::exp(qj[r]) * y[r]; // (Q^T y)_r
          for (int64_t t = r + 1; t < d; ++t)
            qty += lj[lIndex(d, t, r)] * y[t];
          gmu.data[j * d + r] += w * qty;
          for (int64_t c = 0; c < r; ++c)
            gl.data[j * nl + lIndex(d, r, c)] -= w * y[r] * z[c];
        }
      }
    }
    double m = *std::max_element(alpha, alpha + k), s = 0;
    for (int64_t j = 0; j < k; ++j)
      s += std::exp(alpha[j] - m);
    for (int64_t j = 0; j < k; ++j) {
      ga.data[j] -= n * std::exp(alpha[j] - m) / s;
      for (int64_t r = 0; r < d; ++r)
        gq.data[j * d + r] -= std::exp(2 * q[j * d + r]);
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
  std::vector<Array> args;
  for (int i = 6; i < argc; ++i)
    args.push_back(readArg(argv[i]));
  using Fn = std::function<std::vector<Array>(const std::vector<Array> &)>;
  struct Entry { const char *name; Fn primal, derivative; };
  const Entry table[] = {{"lse", lsePrimal, lseGradient},
                         {"llsq", llsqPrimal, llsqGradient},
                         {"kmeans", kmeansPrimal, kmeansDirection},
                         {"ode", odePrimal, odeGradient},
                         {"gmm", gmmPrimal, gmmGradient}};
  Fn fn;
  for (const Entry &e : table)
    if (objective == e.name)
      fn = mode == "primal" ? e.primal : e.derivative;
  if (!fn)
    die("unknown objective " + objective);
  std::ofstream times(argv[4]);
  std::vector<Array> results;
  for (int r = 0; r < runs; ++r) {
    auto start = std::chrono::steady_clock::now();
    results = fn(args);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    times << us.count() << "\n";
  }
  for (size_t k = 0; k < results.size(); ++k)
    writeNpy(std::string(argv[5]) + "/result" + std::to_string(k) + ".npy", results[k]);
  return 0;
}
