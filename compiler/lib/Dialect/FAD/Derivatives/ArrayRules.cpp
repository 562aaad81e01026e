//===- ArrayRules.cpp - Derivative rules of array and conversion ops -*- C++ -*-===//
//
// This file implements the forward-mode rules of the ops that only move or
// convert values; all of them are linear, so the tangent is the same op on
// the tangents:
//   array literal: [x1, ..., xn]Tan = [x1Tan, ..., xnTan]
//   index:         a[i]Tan = aTan[i]            (indices have no tangent)
//   transpose:     (transpose a)Tan = transpose aTan
//   convert:       (f32 x)Tan = f32 xTan        (between float types; else 0)
//   zeros_like:    0
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Interfaces/ADInterfaces.h"

using namespace mlir;
using namespace fad;
using namespace fad::detail;

namespace {
/// Linear ops whose tangent is the op applied to its operands' tangents
/// (non-tangent operands, such as indices, are used as they are).
template <typename OpTy>
struct LinearLinearize : LinearizeOpInterface::ExternalModel<LinearLinearize<OpTy>, OpTy> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    Operation *primal = b.clone(*op, state.primalMapping());
    if (!state.readsTangent(op) || !isDifferentiableType(op->getResult(0).getType()))
      return success();
    Location loc = op->getLoc();
    IRMapping tangentOperands;
    for (Value operand : op->getOperands())
      tangentOperands.map(operand, isDifferentiableType(operand.getType())
                                       ? state.materializedTangent(b, loc, operand)
                                       : state.primal(operand));
    Operation *tangent = b.clone(*op, tangentOperands);
    state.setTangent(op->getResult(0), tangent->getResult(0));
    (void)primal;
    return success();
  }
};

struct ConvertLinearize : LinearizeOpInterface::ExternalModel<ConvertLinearize, ConvertOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto convert = cast<ConvertOp>(op);
    b.clone(*op, state.primalMapping());
    Value operandTan = state.tangent(convert.getOperand());
    if (operandTan && isDifferentiableType(convert.getType()))
      state.setTangent(convert.getResult(),
                       b.create<ConvertOp>(convert.getLoc(), convert.getType(), operandTan));
    return success();
  }
};

/// Ops whose results are constants of the differentiation.
template <typename OpTy>
struct ConstantLinearize : LinearizeOpInterface::ExternalModel<ConstantLinearize<OpTy>, OpTy> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    return cloneAsConstant(b, state, op);
  }
};
} // namespace

void fad::detail::registerArrayRules(MLIRContext *ctx) {
  ArrayOp::attachInterface<LinearLinearize<ArrayOp>>(*ctx);
  IndexOp::attachInterface<LinearLinearize<IndexOp>>(*ctx);
  TransposeOp::attachInterface<LinearLinearize<TransposeOp>>(*ctx);
  ConvertOp::attachInterface<ConvertLinearize>(*ctx);
  ZerosLikeOp::attachInterface<ConstantLinearize<ZerosLikeOp>>(*ctx);
}
