//===- TaylorBoundRules.cpp - taylor_bound rules of the scalar ops -*- C++ -*-===//
//
// This file implements TaylorBoundOpInterface for the scalar ops that
// fad.taylor_bound encloses (scalar f64 code of + - * / exp log sqrt sin cos
// tan tanh and constant integer powers), each in terms of
// EnclosureBuilder (Enclosure.h):
//   x +- y, -x, x * y     exact coefficients, remainders by interval rules
//   x / y                 x * (1/y)
//   exp log sqrt sin cos  built-in elementary enclosures
//   tanh u                1 - 2 / (exp (2 u) + 1)
//   tan u                 sin u * (1 / cos u)
//   x ** a                a in 0..16 an integer constant: a products
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/AD/ADInterfaces.h"
#include "fad/AD/Enclosure.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;
using namespace fad;

namespace {
using Function = EnclosureBuilder::Function;

LogicalResult enclose(AddOp, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  out = b.plus(in[0], in[1], /*subtract=*/false);
  return success();
}
LogicalResult enclose(SubOp, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  out = b.plus(in[0], in[1], /*subtract=*/true);
  return success();
}
LogicalResult enclose(NegOp, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  out = b.scaled(b.constant(-1.0), in[0]);
  return success();
}
LogicalResult enclose(MulOp, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  out = b.times(in[0], in[1]);
  return success();
}
LogicalResult enclose(DivOp, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  out = b.times(in[0], b.elementary(Function::Reciprocal, in[1]));
  return success();
}
LogicalResult enclose(ExpOp, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  out = b.elementary(Function::Exp, in[0]);
  return success();
}
LogicalResult enclose(LogOp, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  out = b.elementary(Function::Log, in[0]);
  return success();
}
LogicalResult enclose(SqrtOp, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  out = b.elementary(Function::Sqrt, in[0]);
  return success();
}
LogicalResult enclose(SinOp, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  out = b.elementary(Function::Sin, in[0]);
  return success();
}
LogicalResult enclose(CosOp, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  out = b.elementary(Function::Cos, in[0]);
  return success();
}
LogicalResult enclose(TanOp, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  out = b.times(b.elementary(Function::Sin, in[0]),
                b.elementary(Function::Reciprocal, b.elementary(Function::Cos, in[0])));
  return success();
}
LogicalResult enclose(TanhOp, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  Enclosure e = b.elementary(Function::Exp, b.scaled(b.constant(2.0), in[0]));
  Enclosure one = b.constantEnclosure(b.constant(1.0));
  Enclosure denominator = b.plus(e, one, /*subtract=*/false);
  out = b.plus(one, b.scaled(b.constant(2.0), b.elementary(Function::Reciprocal, denominator)),
               /*subtract=*/true);
  return success();
}
LogicalResult enclose(PowOp op, EnclosureBuilder &b, ArrayRef<Enclosure> in, Enclosure &out) {
  auto exponent = op.getRhs().getDefiningOp<arith::ConstantOp>();
  auto value = exponent ? dyn_cast<FloatAttr>(exponent.getValue()) : FloatAttr();
  if (!value)
    return op.emitOpError("taylor_bound needs a constant exponent");
  double a = value.getValueAsDouble();
  if (a < 0 || a > 16 || a != std::floor(a))
    return op.emitOpError("taylor_bound supports integer constant powers only");
  out = b.constantEnclosure(b.constant(1.0));
  for (int i = 0; i < (int)a; ++i)
    out = b.times(out, in[0]);
  return success();
}

template <typename OpTy>
struct TaylorBoundModel : TaylorBoundOpInterface::ExternalModel<TaylorBoundModel<OpTy>, OpTy> {
  LogicalResult enclose(Operation *op, EnclosureBuilder &b, ArrayRef<Enclosure> operands,
                        Enclosure &result) const {
    return ::enclose(cast<OpTy>(op), b, operands, result);
  }
};

template <typename... OpTys>
void attach(MLIRContext *ctx) {
  (OpTys::template attachInterface<TaylorBoundModel<OpTys>>(*ctx), ...);
}
} // namespace

void fad::detail::registerTaylorBoundRules(MLIRContext *ctx) {
  attach<AddOp, SubOp, NegOp, MulOp, DivOp, ExpOp, LogOp, SqrtOp, SinOp, CosOp, TanOp, TanhOp,
         PowOp>(ctx);
}
