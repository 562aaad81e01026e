//===- BodyLinearization.cpp - Shared step of structured-op rules -*- C++ -*-===//
//
// This file implements the body linearization that every structured op's
// forward-mode rule shares (see BodyLinearization.h).
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

using namespace mlir;
using namespace fad;
using namespace fad::detail;

LogicalResult fad::detail::linearizeBody(OpBuilder &b, LinearizeState &state,
                                    Block &oldBody, Region &newRegion,
                                    TypeRange newArgTypes, ArrayRef<ArgLayout> args,
                                    ArrayRef<unsigned> tangentYields) {
  OpBuilder::InsertionGuard guard(b);
  Location loc = oldBody.getParentOp()->getLoc();
  SmallVector<Location> locs(newArgTypes.size(), loc);
  Block *block = b.createBlock(&newRegion, {}, newArgTypes, locs);
  for (auto [oldArg, layout] : llvm::zip(oldBody.getArguments(), args)) {
    state.mapPrimal(oldArg, block->getArgument(layout.primal));
    if (layout.tan)
      state.setTangent(oldArg, block->getArgument(*layout.tan));
  }
  if (failed(state.linearizeBlock(b, oldBody)))
    return failure();
  ValueRange oldYields = cast<YieldOp>(oldBody.getTerminator()).getValues();
  SmallVector<Value> yields = state.primals(oldYields);
  for (unsigned j : tangentYields)
    yields.push_back(state.materializedTangent(b, loc, oldYields[j]));
  b.create<YieldOp>(loc, yields);
  return success();
}

SmallVector<unsigned> fad::detail::differentiableIndices(TypeRange types) {
  SmallVector<unsigned> indices;
  for (auto [k, t] : llvm::enumerate(types))
    if (isDifferentiableType(t))
      indices.push_back(k);
  return indices;
}

SmallVector<Type> fad::detail::withTangentTypes(const LinearizeState &state,
                                                TypeRange results,
                                                ArrayRef<unsigned> tangents) {
  SmallVector<Type> types(results);
  for (unsigned j : tangents)
    types.push_back(state.tangentType(results[j]));
  return types;
}

void fad::detail::recordResults(LinearizeState &state, Operation *oldOp, Operation *newOp,
                           ArrayRef<unsigned> tangents) {
  unsigned m = oldOp->getNumResults();
  // Transpose rules need to tell primal from tangent operands and results.
  newOp->setAttr(kPrimalCountAttr, IntegerAttr::get(IntegerType::get(newOp->getContext(), 64), m));
  // In reverse mode the primal results come from a plain copy of the op, so
  // that the linearized op is used only for its (linear) tangents.
  Operation *primal = newOp;
  if (state.separatePrimal) {
    OpBuilder b(newOp->getContext());
    b.setInsertionPoint(newOp);
    primal = cloneWithOuterValues(b, oldOp, state.primalMapping());
  }
  for (unsigned j = 0; j < m; ++j)
    state.mapPrimal(oldOp->getResult(j), primal->getResult(j));
  for (auto [t, j] : llvm::enumerate(tangents))
    state.setTangent(oldOp->getResult(j), newOp->getResult(m + t));
}

LogicalResult fad::detail::cloneAsConstant(OpBuilder &b, LinearizeState &state,
                                      Operation *op) {
  cloneWithOuterValues(b, op, state.primalMapping());
  return success();
}
