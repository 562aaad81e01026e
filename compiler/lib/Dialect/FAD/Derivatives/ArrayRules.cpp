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
// and their transposes:
//   array literal: xkAdj += zAdj[k]
//   index:         aAdj = add_at(aAdj, i, zAdj)   (accumulate in place)
//   transpose:     aAdj += transpose zAdj
//   convert:       xAdj += convert zAdj           (back to x's type)
//   add_at:        aAdj += zAdj, vAdj += zAdj[i]  (add_at is itself linear)
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/AD/Transpose.h"
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
struct ArrayTranspose : TransposeOpInterface::ExternalModel<ArrayTranspose, ArrayOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto array = cast<ArrayOp>(op);
    Location loc = array.getLoc();
    Value resultAdj = state.adjoint(array.getResult());
    for (auto [k, elem] : llvm::enumerate(array.getElements())) {
      if (!state.isLinear(elem))
        continue;
      Value index = b.create<arith::ConstantIntOp>(loc, k, 64);
      state.addAdjoint(b, loc, elem,
                       b.create<IndexOp>(loc, elem.getType(), resultAdj, ValueRange{index}));
    }
    return success();
  }
};

struct IndexTranspose : TransposeOpInterface::ExternalModel<IndexTranspose, IndexOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto index = cast<IndexOp>(op);
    Location loc = index.getLoc();
    Value array = index.getArray();
    // Accumulate into the array's adjoint in place: no array-sized temporary.
    Value arrayAdj = state.materializedAdjoint(b, loc, array);
    state.setAdjoint(array, b.create<AddAtOp>(loc, arrayAdj,
                                              state.primals(index.getIndices()),
                                              state.adjoint(index.getResult())));
    return success();
  }
};

struct TransposeTranspose
    : TransposeOpInterface::ExternalModel<TransposeTranspose, TransposeOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto transpose = cast<TransposeOp>(op);
    state.addAdjoint(b, transpose.getLoc(), transpose.getOperand(),
                     b.create<TransposeOp>(transpose.getLoc(),
                                           state.adjoint(transpose.getResult())));
    return success();
  }
};

struct AddAtTranspose : TransposeOpInterface::ExternalModel<AddAtTranspose, AddAtOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto addAt = cast<AddAtOp>(op);
    Location loc = addAt.getLoc();
    Value resultAdj = state.adjoint(addAt.getResult());
    if (state.isLinear(addAt.getValue()))
      state.addAdjoint(b, loc, addAt.getValue(),
                       b.create<IndexOp>(loc, addAt.getValue().getType(), resultAdj,
                                         state.primals(addAt.getIndices())));
    if (state.isLinear(addAt.getArray()))
      state.addAdjoint(b, loc, addAt.getArray(), resultAdj);
    return success();
  }
};

struct ConvertTranspose : TransposeOpInterface::ExternalModel<ConvertTranspose, ConvertOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto convert = cast<ConvertOp>(op);
    Value operand = convert.getOperand();
    state.addAdjoint(b, convert.getLoc(), operand,
                     b.create<ConvertOp>(convert.getLoc(), operand.getType(),
                                         state.adjoint(convert.getResult())));
    return success();
  }
};
} // namespace

void fad::detail::registerArrayRules(MLIRContext *ctx) {
  AddAtOp::attachInterface<LinearLinearize<AddAtOp>, AddAtTranspose>(*ctx);
  ArrayOp::attachInterface<ArrayTranspose>(*ctx);
  IndexOp::attachInterface<IndexTranspose>(*ctx);
  TransposeOp::attachInterface<TransposeTranspose>(*ctx);
  ConvertOp::attachInterface<ConvertTranspose>(*ctx);
  ArrayOp::attachInterface<LinearLinearize<ArrayOp>>(*ctx);
  IndexOp::attachInterface<LinearLinearize<IndexOp>>(*ctx);
  TransposeOp::attachInterface<LinearLinearize<TransposeOp>>(*ctx);
  ConvertOp::attachInterface<ConvertLinearize>(*ctx);
  ZerosLikeOp::attachInterface<ConstantLinearize<ZerosLikeOp>>(*ctx);
}
