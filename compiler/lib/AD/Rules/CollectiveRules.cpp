//===- CollectiveRules.cpp - Derivative rules of the collectives --*- C++ -*-===//
//
// The rules of fad.allreduce, fad.allgather and fad.reduce_scatter (and
// fad.per_process, the identity). All three are linear (allreduce by sum), so their tangent is the same
// collective of the operand's tangent, batches and Taylor coefficients
// alike (a tangent's extra innermost dimension is combined elementwise).
//
// Transposes follow the convention of docs/AD.md ("Processes"): the adjoint
// that one process holds for a value is that process's share of it, and a
// value's true adjoint is the sum of the shares over the processes. Then
//   y = allreduce_sum x          x̄ += allreduce_sum ȳ
//   y = allgather x              x̄ += reduce_scatter ȳ (rows x)
//   y = reduce_scatter x count   x̄ += allgather ȳ
// (each the adjoint of the other under the inner product summed over the
// processes). fad-vjp turns shares into whole adjoints at the boundary of a
// derivative whose body communicates (ReverseAD.cpp). allreduce by max or
// min is refused: its derivative would depend on which process holds the
// extreme value, which is not decided consistently for ties.
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/AD/ADInterfaces.h"
#include "fad/AD/Linearize.h"
#include "fad/AD/Transpose.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

using namespace mlir;
using namespace fad;

namespace {

/// The linearization of an op that is linear in its first operand (every op
/// here: per_process, allreduce by sum, allgather, reduce_scatter): the
/// primal op, and the same op (its attributes, its other operands' primals)
/// applied to the first operand's tangent.
LogicalResult linearizeLinearInFirst(Operation *op, OpBuilder &b, LinearizeState &state) {
  b.clone(*op, state.primalMapping());
  Value valueTan = state.tangent(op->getOperand(0));
  if (!valueTan)
    return success();
  IRMapping tangentOperands;
  tangentOperands.map(op->getOperand(0), valueTan);
  for (Value v : op->getOperands().drop_front())
    tangentOperands.map(v, state.primal(v));
  Operation *tangentOp = b.clone(*op, tangentOperands);
  tangentOp->getResult(0).setType(state.tangentType(op->getResult(0).getType()));
  state.setTangent(op->getResult(0), tangentOp->getResult(0));
  return success();
}

template <typename OpTy>
struct LinearInFirst : LinearizeOpInterface::ExternalModel<LinearInFirst<OpTy>, OpTy> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    return linearizeLinearInFirst(op, b, state);
  }
};

/// allreduce: linear by sum; by max or min, refused.
struct AllreduceLinearize : LinearizeOpInterface::ExternalModel<AllreduceLinearize, AllreduceOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto reduce = cast<AllreduceOp>(op);
    if (reduce.getKind() != "sum" && state.tangent(reduce.getValue()))
      return reduce.emitError("allreduce_")
             << reduce.getKind()
             << " has no derivative (the process holding the extreme value decides it); "
                "differentiate through allreduce_sum instead";
    return linearizeLinearInFirst(op, b, state);
  }
};

struct PerProcessTranspose
    : TransposeOpInterface::ExternalModel<PerProcessTranspose, PerProcessOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto mark = cast<PerProcessOp>(op);
    state.addAdjoint(b, mark.getLoc(), mark.getValue(), state.adjoint(mark.getResult()));
    return success();
  }
};

struct AllreduceTranspose : TransposeOpInterface::ExternalModel<AllreduceTranspose, AllreduceOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto reduce = cast<AllreduceOp>(op);
    if (Value resultAdj = state.adjoint(reduce.getResult()))
      state.addAdjoint(b, reduce.getLoc(), reduce.getValue(),
                       b.create<AllreduceOp>(reduce.getLoc(), resultAdj.getType(), "sum",
                                             resultAdj));
    return success();
  }
};

struct AllgatherTranspose : TransposeOpInterface::ExternalModel<AllgatherTranspose, AllgatherOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto gather = cast<AllgatherOp>(op);
    Location loc = gather.getLoc();
    Value resultAdj = state.adjoint(gather.getResult());
    if (!resultAdj)
      return success();
    Value block = state.primalShapeOf(gather.getValue());
    if (!block)
      return gather.emitError("cannot transpose allgather: the extent of its operand is unknown");
    Value rows = b.create<DimOp>(loc, block, 0);
    state.addAdjoint(b, loc, gather.getValue(),
                     b.create<ReduceScatterOp>(loc, gather.getValue().getType(), resultAdj,
                                               rows));
    return success();
  }
};

struct ReduceScatterTranspose
    : TransposeOpInterface::ExternalModel<ReduceScatterTranspose, ReduceScatterOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto scatter = cast<ReduceScatterOp>(op);
    if (Value resultAdj = state.adjoint(scatter.getResult()))
      state.addAdjoint(b, scatter.getLoc(), scatter.getValue(),
                       b.create<AllgatherOp>(scatter.getLoc(), scatter.getValue().getType(),
                                             resultAdj));
    return success();
  }
};
} // namespace

void fad::detail::registerCollectiveRules(MLIRContext *ctx) {
  PerProcessOp::attachInterface<LinearInFirst<PerProcessOp>, PerProcessTranspose>(*ctx);
  AllreduceOp::attachInterface<AllreduceLinearize, AllreduceTranspose>(*ctx);
  AllgatherOp::attachInterface<LinearInFirst<AllgatherOp>, AllgatherTranspose>(*ctx);
  ReduceScatterOp::attachInterface<LinearInFirst<ReduceScatterOp>, ReduceScatterTranspose>(*ctx);
}
