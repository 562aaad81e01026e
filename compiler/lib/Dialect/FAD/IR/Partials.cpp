//===- Partials.cpp - Building blocks of scalar partial derivatives -*- C++ -*-===//
//
// This file implements the helpers that the scalar ops' partial derivatives
// (stated in FADOps.td) are written with.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/Partials.h"
#include "fad/Dialect/FAD/IR/PartialsInterface.cpp.inc"
#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace fad;

Value partials::constant(OpBuilder &b, Location loc, Value like, double c) {
  Type t = like.getType();
  if (isa<FloatType>(t))
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(t, c));
  return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(t, (int64_t)c));
}

Value partials::negate(OpBuilder &b, Location loc, Value x) {
  return b.create<NegOp>(loc, x);
}

Value partials::divide(OpBuilder &b, Location loc, Value x, Value y) {
  return b.create<DivOp>(loc, x, y);
}

/// `cond ? a : c` on scalars.
static Value select(OpBuilder &b, Location loc, Value cond, Value a, Value c) {
  return b.create<arith::SelectOp>(loc, cond, a, c);
}

static Value compare(OpBuilder &b, Location loc, arith::CmpFPredicate pred,
                     Value x, Value y) {
  return b.create<arith::CmpFOp>(loc, pred, x, y);
}

Value partials::sign(OpBuilder &b, Location loc, Value x) {
  Value zero = constant(b, loc, x, 0.0);
  Value positive = compare(b, loc, arith::CmpFPredicate::OGT, x, zero);
  Value negative = compare(b, loc, arith::CmpFPredicate::OLT, x, zero);
  return select(b, loc, positive, one(b, loc, x),
                select(b, loc, negative, constant(b, loc, x, -1.0), zero));
}

Value partials::remainderRhsPartial(OpBuilder &b, Location loc, Value x, Value y,
                                    Value z) {
  return negate(b, loc, divide(b, loc, b.create<SubOp>(loc, x, z), y));
}

Value partials::powerBasePartial(OpBuilder &b, Location loc, Value x, Value y) {
  Value yMinusOne = b.create<SubOp>(loc, y, one(b, loc, y));
  return b.create<MulOp>(loc, y, b.create<PowOp>(loc, x, yMinusOne));
}

Value partials::powerExponentPartial(OpBuilder &b, Location loc, Value x, Value z) {
  Value zero = constant(b, loc, x, 0.0);
  Value isZero = compare(b, loc, arith::CmpFPredicate::OEQ, x, zero);
  Value general = b.create<MulOp>(loc, b.create<LogOp>(loc, x), z);
  return select(b, loc, isZero, zero, general);
}

SmallVector<Value> partials::tieGoesFirst(OpBuilder &b, Location loc, Value x,
                                          Value y, bool isMax) {
  Value first = compare(b, loc, isMax ? arith::CmpFPredicate::UGE
                                      : arith::CmpFPredicate::ULE,
                        x, y);
  Value oneV = one(b, loc, x), zero = constant(b, loc, x, 0.0);
  return {select(b, loc, first, oneV, zero), select(b, loc, first, zero, oneV)};
}

SmallVector<Value> partials::angleOfPoint(OpBuilder &b, Location loc, Value x, Value y) {
  Value radius2 = b.create<AddOp>(loc, b.create<MulOp>(loc, x, x), b.create<MulOp>(loc, y, y));
  return {divide(b, loc, y, radius2), negate(b, loc, divide(b, loc, x, radius2))};
}
