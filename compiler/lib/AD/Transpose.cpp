//===- Transpose.cpp - Transposing linear fad programs ------------*- C++ -*-===//
//
// This file implements TransposeState (see Transpose.h and docs/AD.md,
// "Reverse mode"): reverse mode as the transpose of the linearization, one
// transpose rule per linear op, reached through TransposeOpInterface.
//
//===----------------------------------------------------------------------===//

#include "fad/AD/Transpose.h"
#include "fad/AD/Linearize.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/AD/ADInterfaces.h"

using namespace mlir;
using namespace fad;

bool TransposeState::isLinear(Value v) const {
  return linearization.getLinearValues().contains(v);
}

bool TransposeState::isLinearOp(Operation *op) const {
  return llvm::any_of(op->getResults(), [&](Value r) { return isLinear(r); });
}


void TransposeState::addAdjoint(OpBuilder &b, Location loc, Value v,
                                Value contribution) {
  if (!contribution)
    return;
  Value current = adjoint(v);
  adjoints[v] = current ? buildElementwiseAdd(b, loc, current, contribution) : contribution;
}

void TransposeState::clearAdjointsIn(Region &region) {
  region.walk([&](Block *block) {
    for (Value arg : block->getArguments())
      adjoints.erase(arg);
  });
  region.walk([&](Operation *op) {
    for (Value result : op->getResults())
      adjoints.erase(result);
  });
}

Value TransposeState::primalShapeOf(Value v) const {
  Value witness = linearization.shapeWitness(v);
  return witness ? primal(witness) : Value();
}

Value TransposeState::materializedAdjoint(OpBuilder &b, Location loc, Value v) {
  if (Value vAdj = adjoint(v))
    return vAdj;
  if (!isa<RankedTensorType>(v.getType()))
    return b.create<arith::ConstantOp>(loc, b.getZeroAttr(v.getType()));
  Value witness = linearization.shapeWitness(v);
  if (!witness)
    witness = v; // a non-linear array: its own shape
  return b.create<ZerosLikeOp>(loc, primal(witness));
}

void TransposeState::clonePrimalOps(OpBuilder &b, Block &block,
                                    const DenseMap<Value, Value> *replay) {
  auto isRecorded = [&](Value v) { return replay && replay->contains(v); };
  for (Operation &op : block.without_terminator()) {
    if (isLinearOp(&op) || (replay && isa<AssertOp>(op)))
      continue;
    if (op.getNumResults() && llvm::all_of(op.getResults(), isRecorded)) {
      for (Value result : op.getResults())
        mapping.map(result, replay->lookup(result));
      continue;
    }
    cloneWithOuterValues(b, &op, mapping);
    for (Value result : op.getResults())
      if (isRecorded(result))
        mapping.map(result, replay->lookup(result));
  }
}

LogicalResult TransposeState::transposeBlock(OpBuilder &b, Block &block,
                                            const DenseMap<Value, Value> *replay) {
  clonePrimalOps(b, block, replay);
  for (Operation &op : llvm::reverse(block.without_terminator())) {
    if (!isLinearOp(&op))
      continue;
    if (llvm::none_of(op.getResults(), [&](Value r) { return adjoint(r); }))
      continue; // nothing flows back through it
    auto rule = dyn_cast<TransposeOpInterface>(&op);
    if (!rule)
      return op.emitOpError("has no transpose rule: it is not linear in its tangents");
    if (failed(rule.transpose(b, *this)))
      return failure();
  }
  return success();
}

SetVector<Value> TransposeState::capturedLinearValues(Region &region) const {
  // Values defined inside the region (computed without region ancestry, so
  // that it also works for the unattached scratch blocks of fad-vjp).
  DenseSet<Value> defined;
  region.walk([&](Block *block) { defined.insert(block->args_begin(), block->args_end()); });
  region.walk([&](Operation *op) { defined.insert(op->result_begin(), op->result_end()); });
  SetVector<Value> captured;
  region.walk([&](Operation *op) {
    for (Value v : op->getOperands())
      if (isLinear(v) && !defined.contains(v))
        captured.insert(v);
  });
  return captured;
}
