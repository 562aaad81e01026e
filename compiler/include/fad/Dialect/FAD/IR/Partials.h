//===- Partials.h - Building blocks of scalar partial derivatives -*- C++ -*-===//
//
// Small builders used by the `partials` expressions on the scalar ops' ODS
// records (FADOps.td). Each builds fad ops at the builder's insertion point;
// `like` gives the scalar type of constants.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_DIALECT_FAD_IR_PARTIALS_H
#define FAD_DIALECT_FAD_IR_PARTIALS_H

#include "mlir/IR/Builders.h"

namespace fad::partials {
using mlir::Location;
using mlir::OpBuilder;
using mlir::Value;

/// The constant `c` of the type of `like`.
Value constant(OpBuilder &b, Location loc, Value like, double c);
inline Value one(OpBuilder &b, Location loc, Value like) {
  return constant(b, loc, like, 1.0);
}
Value negate(OpBuilder &b, Location loc, Value x);
Value divide(OpBuilder &b, Location loc, Value x, Value y);
/// d/dx |x|: the sign of x, 0 at 0.
Value sign(OpBuilder &b, Location loc, Value x);
/// d/dy fmod(x, y) = -(x - z) / y, with z = fmod(x, y).
Value remainderRhsPartial(OpBuilder &b, Location loc, Value x, Value y, Value z);
/// d/dx x^y = y * x^(y-1), for every x (no log x term; docs/LanguageRef.md).
Value powerBasePartial(OpBuilder &b, Location loc, Value x, Value y);
/// d/dy x^y = log(x) * x^y, taken as 0 at x = 0 (as JAX does).
Value powerExponentPartial(OpBuilder &b, Location loc, Value x, Value z);
/// The partials of max (isMax) or min: 1 for the operand that is the result,
/// the first one on a tie.
llvm::SmallVector<Value> tieGoesFirst(OpBuilder &b, Location loc, Value x,
                                      Value y, bool isMax);
/// The partials of atan2(x, y) (the angle of the point (y, x)):
/// y / (x^2 + y^2) and -x / (x^2 + y^2); NaN at the origin.
llvm::SmallVector<Value> angleOfPoint(OpBuilder &b, Location loc, Value x, Value y);
} // namespace fad::partials

#include "mlir/IR/OpDefinition.h"

#include "fad/Dialect/FAD/IR/PartialsInterface.h.inc"

#endif // FAD_DIALECT_FAD_IR_PARTIALS_H
