//===- TaylorBound.cpp - Expanding fad.taylor_bound (AutoBound) ---*- C++ -*-===//
//
// This file implements the expansion of fad.taylor_bound: the body's values
// become interval Taylor enclosures (fad/AD/Enclosure.h), op by op through
// TaylorBoundOpInterface (rules in lib/AD/Rules/TaylorBoundRules.cpp), as
// ordinary fad IR at the taylor_bound's place.
//
//===----------------------------------------------------------------------===//

#include "Expansion.h"
#include "fad/AD/ADInterfaces.h"
#include "fad/AD/Enclosure.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace fad;

LogicalResult fad::expandTaylorBound(TaylorBoundOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  unsigned k = op.getOrder();
  EnclosureBuilder eb(b, loc, k, op.getX0(), op.getLower(), op.getUpper());
  Block &body = op.getBody().front();
  DenseMap<Value, Enclosure> enclosures;
  // x = x0 + 1 h; at order 0 the h term is the remainder.
  Enclosure x = eb.constantEnclosure(op.getX0());
  if (k >= 1)
    x.c[1] = eb.constant(1.0);
  else
    x.r = {eb.constant(1.0), eb.constant(1.0)};
  enclosures[body.getArgument(0)] = x;

  auto unsupported = [](Operation &inner) {
    return inner.emitOpError("is not supported by taylor_bound (scalar f64 code of "
                             "+ - * / exp log sqrt sin cos tan tanh and constant powers only)");
  };
  for (Operation &inner : body.without_terminator()) {
    Value result = inner.getNumResults() == 1 ? inner.getResult(0) : Value();
    if (!result || !result.getType().isF64())
      return unsupported(inner);
    if (isa<arith::ConstantOp>(inner)) {
      enclosures[result] = eb.constantEnclosure(b.clone(inner)->getResult(0));
      continue;
    }
    auto rule = dyn_cast<TaylorBoundOpInterface>(inner);
    if (!rule)
      return unsupported(inner);
    SmallVector<Enclosure> in;
    for (Value operand : inner.getOperands()) {
      auto it = enclosures.find(operand);
      if (it != enclosures.end())
        in.push_back(it->second);
      else if (operand.getType().isF64()) // from outside the body: a constant
        in.push_back(eb.constantEnclosure(operand));
      else
        return inner.emitOpError("is not supported by taylor_bound");
    }
    if (failed(rule.enclose(eb, in, enclosures[result])))
      return failure();
  }
  auto f = enclosures.find(cast<YieldOp>(body.getTerminator()).getValues()[0]);
  if (f == enclosures.end())
    return op.emitOpError("the function's result must be computed from its argument");
  Value coefficients = b.create<ArrayOp>(loc, op.getCoefficients().getType(), f->second.c);
  op.getCoefficients().replaceAllUsesWith(coefficients);
  op.getLo().replaceAllUsesWith(f->second.r.lo);
  op.getHi().replaceAllUsesWith(f->second.r.hi);
  op.erase();
  return success();
}
