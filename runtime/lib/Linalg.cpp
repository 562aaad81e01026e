//===- Linalg.cpp - Dense linear algebra of compiled programs -----*- C++ -*-===//
//
// The kernels behind fad.solve, fad.slogdet and fad.eigh: LU factorization
// with partial pivoting (Doolittle, row-major, the elimination's inner loop
// contiguous), forward and back substitution, and cyclic Jacobi rotations
// for symmetric eigenproblems, for f64 and f32 (computed in f64). Arrays come as
// the unranked memref descriptors that compiled code passes (rank, pointer to
// the ranked descriptor) with identity layouts; the extents are checked here.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"

#include "fad/Runtime/FADRuntime.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace {
using fad::rt::Descriptor;
using fad::rt::elementsOf;

int64_t extent(void *desc, int64_t k) { return static_cast<Descriptor *>(desc)->sizesAndStrides[k]; }

/// The LU factors of an n x n matrix, computed in double precision whatever
/// the element type: P A = L U with L unit lower triangular (below the
/// diagonal of `lu`) and U upper triangular (on and above it); row k of P A
/// is row perm[k] of A.
struct LU {
  int64_t n;
  std::vector<double> lu;
  std::vector<int64_t> perm;
  int swaps = 0;
  bool singular = false;

  template <typename T> LU(const T *a, int64_t n) : n(n), lu(a, a + n * n), perm(n) {
    for (int64_t i = 0; i < n; ++i)
      perm[i] = i;
    for (int64_t k = 0; k < n; ++k) {
      int64_t p = k;
      for (int64_t i = k + 1; i < n; ++i)
        if (std::fabs(lu[i * n + k]) > std::fabs(lu[p * n + k]))
          p = i;
      if (p != k) {
        for (int64_t j = 0; j < n; ++j)
          std::swap(lu[k * n + j], lu[p * n + j]);
        std::swap(perm[k], perm[p]);
        ++swaps;
      }
      double pivot = lu[k * n + k];
      if (pivot == 0.0 || std::isnan(pivot)) {
        singular = true;
        continue;
      }
      for (int64_t i = k + 1; i < n; ++i) {
        double f = lu[i * n + k] /= pivot;
        if (f == 0.0)
          continue;
        double *row = &lu[i * n], *top = &lu[k * n];
        for (int64_t j = k + 1; j < n; ++j)
          row[j] -= f * top[j];
      }
    }
  }

  /// Solves A x = b, or A^T x = b, for the m columns of the row-major n x m
  /// `b`, into `x` (which may be `b`).
  template <typename T> void solve(const T *b, T *x, int64_t m, bool transpose) const {
    std::vector<double> y(n * m);
    if (!transpose) {
      // L y = P b, then U x = y.
      for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < m; ++c)
          y[i * m + c] = b[perm[i] * m + c];
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < i; ++k)
          if (double l = lu[i * n + k]; l != 0.0)
            for (int64_t c = 0; c < m; ++c)
              y[i * m + c] -= l * y[k * m + c];
      for (int64_t i = n - 1; i >= 0; --i) {
        for (int64_t k = i + 1; k < n; ++k)
          if (double u = lu[i * n + k]; u != 0.0)
            for (int64_t c = 0; c < m; ++c)
              y[i * m + c] -= u * y[k * m + c];
        for (int64_t c = 0; c < m; ++c)
          y[i * m + c] /= lu[i * n + i];
      }
      for (int64_t i = 0; i < n * m; ++i)
        x[i] = static_cast<T>(y[i]);
      return;
    }
    // A^T = U^T L^T P: U^T z = b, then L^T w = z, then x = P^T w.
    for (int64_t i = 0; i < n * m; ++i)
      y[i] = b[i];
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t c = 0; c < m; ++c)
        y[i * m + c] /= lu[i * n + i];
      for (int64_t k = i + 1; k < n; ++k)
        if (double u = lu[i * n + k]; u != 0.0)
          for (int64_t c = 0; c < m; ++c)
            y[k * m + c] -= u * y[i * m + c];
    }
    for (int64_t i = n - 1; i >= 0; --i)
      for (int64_t k = 0; k < i; ++k)
        if (double l = lu[i * n + k]; l != 0.0)
          for (int64_t c = 0; c < m; ++c)
            y[k * m + c] -= l * y[i * m + c];
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < m; ++c)
        x[perm[i] * m + c] = static_cast<T>(y[i * m + c]);
  }
};

/// Stops the program unless `a` is square (and `b`, when given, has as many
/// rows as `a`).
void checkExtents(const char *op, void *a, void *b, const char *location) {
  int64_t n = extent(a, 0);
  std::string where = std::string(location) + ": " + op + ": ";
  if (extent(a, 1) != n)
    fad_rt_fail((where + "the matrix is not square (" + std::to_string(n) + " by " +
                 std::to_string(extent(a, 1)) + ")")
                    .c_str());
  if (b && extent(b, 0) != n)
    fad_rt_fail((where + "the right-hand side has " + std::to_string(extent(b, 0)) +
                 " rows for a matrix of size " + std::to_string(n))
                    .c_str());
}

/// Solves T x = b for the m columns of the row-major n x m `b`, where T is
/// the lower (or upper) triangle of the n x n `a`, or its transpose; false
/// when a diagonal entry is zero.
template <typename T>
bool solveTriangular(const T *a, int64_t n, const T *b, T *x, int64_t m, bool lower,
                     bool transpose) {
  // T^T is the other triangle read across: forward substitution for a lower
  // T and an upper T^T, back substitution otherwise.
  auto at = [&](int64_t i, int64_t k) { return double(transpose ? a[k * n + i] : a[i * n + k]); };
  bool forward = lower != transpose;
  std::vector<double> y(b, b + n * m);
  for (int64_t s = 0; s < n; ++s) {
    int64_t i = forward ? s : n - 1 - s;
    for (int64_t t = 0; t < s; ++t) {
      int64_t k = forward ? t : n - 1 - t;
      if (double c = at(i, k); c != 0.0)
        for (int64_t col = 0; col < m; ++col)
          y[i * m + col] -= c * y[k * m + col];
    }
    double d = at(i, i);
    if (d == 0.0 || std::isnan(d))
      return false;
    for (int64_t col = 0; col < m; ++col)
      y[i * m + col] /= d;
  }
  for (int64_t i = 0; i < n * m; ++i)
    x[i] = static_cast<T>(y[i]);
  return true;
}

/// `mode`: 1 transpose, 2 the lower triangle, 4 the upper one (fad.solve).
template <typename T>
void solve(int64_t, void *a, int64_t rankB, void *b, int64_t, void *x, int32_t mode,
           const char *location) {
  checkExtents("solve", a, b, location);
  int64_t n = extent(a, 0), m = 1;
  for (int64_t k = 1; k < rankB; ++k)
    m *= extent(b, k);
  bool transpose = mode & 1, singular;
  if (mode & 6) {
    singular = !solveTriangular(elementsOf<T>(a), n, elementsOf<T>(b), elementsOf<T>(x), m,
                                (mode & 2) != 0, transpose);
  } else {
    LU lu(elementsOf<T>(a), n);
    singular = lu.singular;
    if (!singular)
      lu.solve(elementsOf<T>(b), elementsOf<T>(x), m, transpose);
  }
  if (singular)
    fad_rt_fail((std::string(location) + ": solve: the matrix is singular").c_str());
}

template <typename T> void slogdet(int64_t, void *a, void *out, const char *location) {
  checkExtents("slogdet", a, nullptr, location);
  int64_t n = extent(a, 0);
  LU lu(elementsOf<T>(a), n);
  double s = lu.swaps % 2 ? -1.0 : 1.0, l = 0.0;
  for (int64_t i = 0; i < n && !lu.singular; ++i) {
    double d = lu.lu[i * n + i];
    s = d < 0 ? -s : s;
    l += std::log(std::fabs(d));
  }
  elementsOf<T>(out)[0] = static_cast<T>(lu.singular ? 0.0 : s);
  elementsOf<T>(out)[1] = static_cast<T>(lu.singular ? -INFINITY : l);
}

/// Applies the plane rotation (c, s) to the lines p and q of a row-major
/// matrix with `count` entries per line: lines are columns when `stride`
/// (between entries) is the row length and `step` (between lines) 1, rows
/// when `stride` is 1 and `step` the row length.
void rotate(double *m, int64_t count, int64_t stride, int64_t step, int64_t p, int64_t q,
            double c, double s) {
  for (int64_t k = 0; k < count; ++k) {
    double &a = m[k * stride + p * step], &b = m[k * stride + q * step];
    double x = a, y = b;
    a = c * x - s * y;
    b = s * x + c * y;
  }
}

/// The eigenvalues (ascending) into w and the eigenvectors (columns) into
/// v of the symmetric part of the n x n matrix a, by cyclic Jacobi sweeps
/// until the off-diagonal part is negligible against the diagonal.
template <typename T> void eigh(void *aDesc, void *wDesc, void *vDesc, const char *location) {
  checkExtents("eigh", aDesc, nullptr, location);
  int64_t n = extent(aDesc, 0);
  const T *a = elementsOf<T>(aDesc);
  std::vector<double> s(n * n), q(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    q[i * n + i] = 1.0;
    for (int64_t j = 0; j < n; ++j)
      s[i * n + j] = 0.5 * (double(a[i * n + j]) + double(a[j * n + i]));
  }
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0, diag = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      diag += s[i * n + i] * s[i * n + i];
      for (int64_t j = i + 1; j < n; ++j)
        off += s[i * n + j] * s[i * n + j];
    }
    if (off <= 1e-32 * diag || off == 0.0 || !std::isfinite(off))
      break;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t r = p + 1; r < n; ++r) {
        double apr = s[p * n + r];
        if (apr == 0.0)
          continue;
        // The rotation that zeroes s[p][r] (Golub & Van Loan, 8.5.2).
        double theta = (s[r * n + r] - s[p * n + p]) / (2.0 * apr);
        double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(1.0 + theta * theta));
        double c = 1.0 / std::sqrt(1.0 + t * t), sn = t * c;
        rotate(s.data(), n, n, 1, p, r, c, sn); // columns p and r
        rotate(s.data(), n, 1, n, p, r, c, sn); // rows p and r
        rotate(q.data(), n, n, 1, p, r, c, sn);
      }
  }
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t x, int64_t y) { return s[x * n + x] < s[y * n + y]; });
  T *w = elementsOf<T>(wDesc), *v = elementsOf<T>(vDesc);
  for (int64_t c = 0; c < n; ++c) {
    int64_t k = order[c], big = 0;
    for (int64_t i = 1; i < n; ++i)
      if (std::fabs(q[i * n + k]) > std::fabs(q[big * n + k]))
        big = i;
    double sign = q[big * n + k] < 0 ? -1.0 : 1.0;
    w[c] = static_cast<T>(s[k * n + k]);
    for (int64_t i = 0; i < n; ++i)
      v[i * n + c] = static_cast<T>(sign * q[i * n + k]);
  }
}

/// The thin SVD of the m x n `a` into u (m x k), s (k) and vt (k x n),
/// k = min(m, n), by one-sided Jacobi (Hestenes): rotations of column pairs
/// of W = A V until all are orthogonal; then s_j = |W_j|, u_j = W_j / s_j.
template <typename T>
void svd(void *aDesc, void *uDesc, void *sDesc, void *vtDesc) {
  int64_t m = extent(aDesc, 0), n = extent(aDesc, 1);
  const T *a = elementsOf<T>(aDesc);
  // Work on the taller orientation: A^T = V S U^T when m < n.
  bool flip = m < n;
  int64_t rows = flip ? n : m, cols = flip ? m : n;
  std::vector<double> w(rows * cols), v(cols * cols, 0.0);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      w[i * cols + j] = flip ? double(a[j * n + i]) : double(a[i * n + j]);
  for (int64_t j = 0; j < cols; ++j)
    v[j * cols + j] = 1.0;
  for (int sweep = 0; sweep < 60; ++sweep) {
    bool rotated = false;
    for (int64_t p = 0; p < cols; ++p)
      for (int64_t q = p + 1; q < cols; ++q) {
        double alpha = 0, beta = 0, gamma = 0;
        for (int64_t i = 0; i < rows; ++i) {
          double wp = w[i * cols + p], wq = w[i * cols + q];
          alpha += wp * wp;
          beta += wq * wq;
          gamma += wp * wq;
        }
        if (gamma == 0.0 || std::fabs(gamma) <= 1e-15 * std::sqrt(alpha * beta))
          continue;
        rotated = true;
        double zeta = (beta - alpha) / (2.0 * gamma);
        double t = (zeta >= 0 ? 1.0 : -1.0) / (std::fabs(zeta) + std::sqrt(1.0 + zeta * zeta));
        double c = 1.0 / std::sqrt(1.0 + t * t), sn = c * t;
        rotate(w.data(), rows, cols, 1, p, q, c, sn);
        rotate(v.data(), cols, cols, 1, p, q, c, sn);
      }
    if (!rotated)
      break;
  }
  std::vector<double> sigma(cols);
  for (int64_t j = 0; j < cols; ++j) {
    double sum = 0;
    for (int64_t i = 0; i < rows; ++i)
      sum += w[i * cols + j] * w[i * cols + j];
    sigma[j] = std::sqrt(sum);
  }
  std::vector<int64_t> order(cols);
  for (int64_t j = 0; j < cols; ++j)
    order[j] = j;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t x, int64_t y) { return sigma[x] > sigma[y]; });
  // Left vectors (columns of W normalized) are `rows` long, right ones
  // (columns of V) `cols` long; flipped, U and V trade places.
  T *u = elementsOf<T>(uDesc), *s = elementsOf<T>(sDesc), *vt = elementsOf<T>(vtDesc);
  for (int64_t c = 0; c < cols; ++c) {
    int64_t k = order[c];
    // The sign: the right singular vector's largest component positive.
    double sign = 1.0;
    if (!flip) {
      int64_t big = 0;
      for (int64_t i = 1; i < cols; ++i)
        if (std::fabs(v[i * cols + k]) > std::fabs(v[big * cols + k]))
          big = i;
      sign = v[big * cols + k] < 0 ? -1.0 : 1.0;
    } else if (sigma[k] > 0) {
      int64_t big = 0;
      for (int64_t i = 1; i < rows; ++i)
        if (std::fabs(w[i * cols + k]) > std::fabs(w[big * cols + k]))
          big = i;
      sign = w[big * cols + k] < 0 ? -1.0 : 1.0;
    }
    s[c] = static_cast<T>(sigma[k]);
    for (int64_t i = 0; i < rows; ++i) {
      double left = sigma[k] > 0 ? sign * w[i * cols + k] / sigma[k] : 0.0;
      if (flip)
        vt[c * n + i] = static_cast<T>(left); // right vectors of A: rows of vt
      else
        u[i * cols + c] = static_cast<T>(left);
    }
    for (int64_t i = 0; i < cols; ++i) {
      double right = sign * v[i * cols + k];
      if (flip)
        u[i * cols + c] = static_cast<T>(right); // u is m x m = cols x cols here
      else
        vt[c * n + i] = static_cast<T>(right);
    }
  }
}

/// The thin QR of the m x n `a` (m >= n) into q (m x n) and r (n x n) by
/// Householder reflections, R's diagonal made non-negative.
template <typename T> void qr(void *aDesc, void *qDesc, void *rDesc, const char *location) {
  int64_t m = extent(aDesc, 0), n = extent(aDesc, 1);
  if (m < n)
    fad_rt_fail((std::string(location) + ": qr: the matrix has fewer rows (" +
                 std::to_string(m) + ") than columns (" + std::to_string(n) + ")")
                    .c_str());
  const T *a = elementsOf<T>(aDesc);
  std::vector<double> r(a, a + m * n), vs; // r: A reduced in place
  std::vector<std::vector<double>> reflectors(n);
  for (int64_t k = 0; k < n; ++k) {
    double norm = 0;
    for (int64_t i = k; i < m; ++i)
      norm += r[i * n + k] * r[i * n + k];
    norm = std::sqrt(norm);
    std::vector<double> &v = reflectors[k];
    v.assign(m - k, 0.0);
    if (norm == 0.0)
      continue;
    double alpha = r[k * n + k] > 0 ? -norm : norm;
    for (int64_t i = k; i < m; ++i)
      v[i - k] = r[i * n + k];
    v[0] -= alpha;
    double vnorm = 0;
    for (double x : v)
      vnorm += x * x;
    if (vnorm == 0.0)
      continue;
    for (int64_t j = k; j < n; ++j) { // r <- (I - 2 v v^T / v^T v) r
      double dotv = 0;
      for (int64_t i = k; i < m; ++i)
        dotv += v[i - k] * r[i * n + j];
      double f = 2.0 * dotv / vnorm;
      for (int64_t i = k; i < m; ++i)
        r[i * n + j] -= f * v[i - k];
    }
    for (double &x : v)
      x /= std::sqrt(vnorm);
  }
  // Q = H_0 ... H_{n-1} applied to the first n columns of the identity.
  std::vector<double> q(m * n, 0.0);
  for (int64_t j = 0; j < n; ++j)
    q[j * n + j] = 1.0;
  for (int64_t k = n - 1; k >= 0; --k) {
    const std::vector<double> &v = reflectors[k];
    for (int64_t j = 0; j < n; ++j) {
      double dotv = 0;
      for (int64_t i = k; i < m; ++i)
        dotv += v[i - k] * q[i * n + j];
      for (int64_t i = k; i < m; ++i)
        q[i * n + j] -= 2.0 * dotv * v[i - k];
    }
  }
  T *qOut = elementsOf<T>(qDesc), *rOut = elementsOf<T>(rDesc);
  for (int64_t k = 0; k < n; ++k) {
    double sign = r[k * n + k] < 0 ? -1.0 : 1.0;
    for (int64_t j = 0; j < n; ++j)
      rOut[k * n + j] = static_cast<T>(j < k ? 0.0 : sign * r[k * n + j]);
    for (int64_t i = 0; i < m; ++i)
      qOut[i * n + k] = static_cast<T>(sign * q[i * n + k]);
  }
}

} // namespace

extern "C" {
void fad_rt_qr_f64(int64_t, void *a, int64_t, void *q, int64_t, void *r, const char *location) {
  qr<double>(a, q, r, location);
}
void fad_rt_qr_f32(int64_t, void *a, int64_t, void *q, int64_t, void *r, const char *location) {
  qr<float>(a, q, r, location);
}
void fad_rt_svd_f64(int64_t, void *a, int64_t, void *u, int64_t, void *s, int64_t, void *vt) {
  svd<double>(a, u, s, vt);
}
void fad_rt_svd_f32(int64_t, void *a, int64_t, void *u, int64_t, void *s, int64_t, void *vt) {
  svd<float>(a, u, s, vt);
}
void fad_rt_eigh_f64(int64_t, void *a, int64_t, void *w, int64_t, void *v, const char *location) {
  eigh<double>(a, w, v, location);
}
void fad_rt_eigh_f32(int64_t, void *a, int64_t, void *w, int64_t, void *v, const char *location) {
  eigh<float>(a, w, v, location);
}
void fad_rt_solve_f64(int64_t ra, void *a, int64_t rb, void *b, int64_t rx, void *x,
                      int32_t mode, const char *location) {
  solve<double>(ra, a, rb, b, rx, x, mode, location);
}
void fad_rt_solve_f32(int64_t ra, void *a, int64_t rb, void *b, int64_t rx, void *x,
                      int32_t mode, const char *location) {
  solve<float>(ra, a, rb, b, rx, x, mode, location);
}
void fad_rt_slogdet_f64(int64_t ra, void *a, int64_t, void *out, const char *location) {
  slogdet<double>(ra, a, out, location);
}
void fad_rt_slogdet_f32(int64_t ra, void *a, int64_t, void *out, const char *location) {
  slogdet<float>(ra, a, out, location);
}
}
