//===- Enclosure.h - Interval Taylor enclosures (AutoBound) -------*- C++ -*-===//
//
// The arithmetic of fad.taylor_bound, after Streeter & Dillon,
// "Automatically bounding the Taylor remainder series" (2022). Every value v
// of the bounded function is an enclosure
//   v(x) in sum_{i<=k} v_i h^i + [R] h^(k+1),   h = x - x0, x in [a, b],
// with exact coefficients v_i and an interval R, all built as fad IR. Each
// scalar op states how its result's enclosure follows from its operands'
// through TaylorBoundOpInterface (ADInterfaces.td; rules in
// lib/AD/Rules/TaylorBoundRules.cpp) with the operations of EnclosureBuilder.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_AD_ENCLOSURE_H
#define FAD_AD_ENCLOSURE_H

#include "mlir/IR/Builders.h"

namespace fad {
struct Interval {
  mlir::Value lo, hi;
};

/// An enclosure: coefficients 0..k and the interval remainder.
struct Enclosure {
  llvm::SmallVector<mlir::Value> c;
  Interval r;
};

/// Builds enclosure arithmetic of order k at the builder's insertion point,
/// for the trust region [a, b] around x0.
class EnclosureBuilder {
public:
  EnclosureBuilder(mlir::OpBuilder &b, mlir::Location loc, unsigned k, mlir::Value x0,
                   mlir::Value a, mlir::Value bb);

  unsigned order() const { return k; }
  mlir::Value constant(double v);

  /// The enclosure of a value that does not depend on x.
  Enclosure constantEnclosure(mlir::Value v);
  /// x +- y.
  Enclosure plus(const Enclosure &x, const Enclosure &y, bool subtract);
  /// s * x for a value s that does not depend on x.
  Enclosure scaled(mlir::Value s, const Enclosure &x);
  /// x * y: terms of degree <= k are exact; the others join the remainder.
  Enclosure times(const Enclosure &x, const Enclosure &y);

  /// The elementary functions whose enclosures are built in: for exp, log,
  /// sqrt and 1/u the (k+1)-th derivative is monotone, so the remainder
  /// ratio is, and its values at the ends of the argument's range are the
  /// sharp enclosure; sin and cos use that where the range allows and the
  /// Lagrange bound |r| <= 1/(k+1)! elsewhere.
  enum class Function { Exp, Log, Sqrt, Reciprocal, Sin, Cos };
  Enclosure elementary(Function fn, const Enclosure &u);

private:
  mlir::Value add(mlir::Value x, mlir::Value y);
  mlir::Value sub(mlir::Value x, mlir::Value y);
  mlir::Value mul(mlir::Value x, mlir::Value y);
  mlir::Value div(mlir::Value x, mlir::Value y);
  mlir::Value min(mlir::Value x, mlir::Value y);
  mlir::Value max(mlir::Value x, mlir::Value y);
  Interval point(mlir::Value v) { return {v, v}; }
  Interval iadd(Interval x, Interval y);
  Interval iscale(mlir::Value s, Interval x);
  Interval imul(Interval x, Interval y);
  Interval ipow(Interval x, unsigned n);
  Interval range(llvm::ArrayRef<mlir::Value> c, Interval r, unsigned degree);
  Interval range(const Enclosure &e) { return range(e.c, e.r, k + 1); }
  Enclosure compose(const Enclosure &u, llvm::ArrayRef<mlir::Value> s, Interval ratio);
  Interval yRange(const Enclosure &u);
  Interval sharpRatio(Interval y, llvm::ArrayRef<mlir::Value> s, mlir::Value next,
                      llvm::function_ref<mlir::Value(mlir::Value)> value);

  mlir::OpBuilder &b;
  mlir::Location loc;
  unsigned k;
  Interval h;
};
} // namespace fad

#endif // FAD_AD_ENCLOSURE_H
