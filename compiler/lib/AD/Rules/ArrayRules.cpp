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
//   update:        update(a, i, v)Tan = update(aTan, i, vTan)
//   trace:         (trace x)Tan = xTan          (the identity: no tangent op,
//                  so nothing to transpose; the primal clone prints, the
//                  tangent is never printed)
// and their transposes:
//   array literal: xkAdj += zAdj[k]
//   index:         aAdj = add_at(aAdj, i, zAdj)   (accumulate in place)
//   transpose:     aAdj += transpose zAdj
//   convert:       xAdj += convert zAdj           (back to x's type)
//   add_at:        aAdj += zAdj, vAdj += zAdj[i]  (add_at is itself linear)
//   update:        vAdj += zAdj[i], aAdj += update(zAdj, i, 0)
//                  (the replaced element's adjoint is the new one's)
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/AD/Transpose.h"
#include "fad/AD/ADInterfaces.h"

using namespace mlir;
using namespace fad;
using namespace fad::detail;

namespace {
/// The tangent of each linear op: the same op on the operands' tangents
/// (indices stay primal). Built rather than cloned: in vector mode the
/// tangents' types have an extra dimension.
Value buildTangent(OpBuilder &b, LinearizeState &state, ArrayOp op) {
  SmallVector<Value> elemTans;
  for (Value elem : op.getElements())
    elemTans.push_back(state.materializedTangent(b, op.getLoc(), elem));
  return b.create<ArrayOp>(op.getLoc(), state.tangentType(op.getType()), elemTans);
}
Value buildTangent(OpBuilder &b, LinearizeState &state, IndexOp op) {
  return b.create<IndexOp>(op.getLoc(), state.tangentType(op.getType()),
                           state.materializedTangent(b, op.getLoc(), op.getArray()),
                           state.primals(op.getIndices()));
}
Value buildTangent(OpBuilder &b, LinearizeState &state, TransposeOp op) {
  return b.create<TransposeOp>(op.getLoc(),
                               state.materializedTangent(b, op.getLoc(), op.getOperand()));
}
Value buildTangent(OpBuilder &b, LinearizeState &state, AddAtOp op) {
  Value arrayTan = state.materializedTangent(b, op.getLoc(), op.getArray());
  return b.create<AddAtOp>(op.getLoc(), arrayTan.getType(), arrayTan,
                           state.primals(op.getIndices()),
                           state.materializedTangent(b, op.getLoc(), op.getValue()));
}

Value buildTangent(OpBuilder &b, LinearizeState &state, UpdateOp op) {
  Value arrayTan = state.materializedTangent(b, op.getLoc(), op.getArray());
  return b.create<UpdateOp>(op.getLoc(), arrayTan.getType(), arrayTan,
                            state.primals(op.getIndices()),
                            state.materializedTangent(b, op.getLoc(), op.getValue()));
}

template <typename OpTy>
struct LinearLinearize : LinearizeOpInterface::ExternalModel<LinearLinearize<OpTy>, OpTy> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    b.clone(*op, state.primalMapping());
    if (state.readsTangent(op) && isDifferentiableType(op->getResult(0).getType()))
      state.setTangent(op->getResult(0), buildTangent(b, state, cast<OpTy>(op)));
    return success();
  }
};

struct ConvertLinearize : LinearizeOpInterface::ExternalModel<ConvertLinearize, ConvertOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto convert = cast<ConvertOp>(op);
    b.clone(*op, state.primalMapping());
    Value operandTan = state.tangent(convert.getOperand());
    if (!operandTan || !isDifferentiableType(convert.getType()))
      return success();
    Location loc = convert.getLoc();
    if (!state.batchSize) {
      state.setTangent(convert.getResult(),
                       b.create<ConvertOp>(loc, convert.getType(), operandTan));
      return success();
    }
    // Vector mode: convert each tangent of the batch.
    auto map = b.create<MapOp>(loc, TypeRange{state.tangentType(convert.getType())},
                               operandTan);
    OpBuilder::InsertionGuard guard(b);
    Block *body = b.createBlock(&map.getBody(), {}, {convert.getOperand().getType()}, {loc});
    b.create<YieldOp>(loc, ValueRange{b.create<ConvertOp>(loc, convert.getType(),
                                                          body->getArgument(0))});
    state.setTangent(convert.getResult(), map.getResult(0));
    return success();
  }
};

/// trace: the primal clone prints; the result's tangent is the operand's
/// own (in every mode: a batch of tangents or Taylor coefficients passes
/// through alike).
struct TraceLinearize : LinearizeOpInterface::ExternalModel<TraceLinearize, TraceOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto trace = cast<TraceOp>(op);
    b.clone(*op, state.primalMapping());
    state.setTangent(trace.getResult(), state.tangent(trace.getValue()));
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

struct UpdateTranspose : TransposeOpInterface::ExternalModel<UpdateTranspose, UpdateOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto update = cast<UpdateOp>(op);
    Location loc = update.getLoc();
    Value resultAdj = state.adjoint(update.getResult());
    SmallVector<Value> indices = state.primals(update.getIndices());
    Type valueType = update.getValue().getType();
    Value at = b.create<IndexOp>(loc, valueType, resultAdj, indices);
    if (state.isLinear(update.getValue()))
      state.addAdjoint(b, loc, update.getValue(), at);
    if (state.isLinear(update.getArray())) {
      Value zero = isa<RankedTensorType>(valueType)
                       ? b.create<ZerosLikeOp>(loc, at).getResult()
                       : b.create<arith::ConstantOp>(loc, b.getZeroAttr(valueType)).getResult();
      state.addAdjoint(b, loc, update.getArray(),
                       b.create<UpdateOp>(loc, resultAdj.getType(), resultAdj, indices, zero));
    }
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
  UpdateOp::attachInterface<LinearLinearize<UpdateOp>, UpdateTranspose>(*ctx);
  ArrayOp::attachInterface<ArrayTranspose>(*ctx);
  IndexOp::attachInterface<IndexTranspose>(*ctx);
  TransposeOp::attachInterface<TransposeTranspose>(*ctx);
  ConvertOp::attachInterface<ConvertTranspose>(*ctx);
  ArrayOp::attachInterface<LinearLinearize<ArrayOp>>(*ctx);
  IndexOp::attachInterface<LinearLinearize<IndexOp>>(*ctx);
  TransposeOp::attachInterface<LinearLinearize<TransposeOp>>(*ctx);
  ConvertOp::attachInterface<ConvertLinearize>(*ctx);
  ZerosLikeOp::attachInterface<ConstantLinearize<ZerosLikeOp>>(*ctx);
  TraceOp::attachInterface<TraceLinearize>(*ctx);
}
