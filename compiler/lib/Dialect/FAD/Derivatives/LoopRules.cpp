//===- LoopRules.cpp - Derivative rules of loops and conditionals -*- C++ -*-===//
//
// This file implements the forward-mode rules of fad.for, fad.while and
// fad.if. Forward mode through control flow needs no tape: the loop state is
// extended with its tangent, (x, xTan), and each iteration runs the
// linearized body; a while loop's condition reads only the primal state, so
// the linearized loop takes exactly the primal's trip count. A conditional
// linearizes each branch, which then also yields its tangents; only the
// chosen branch runs.
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Interfaces/ADInterfaces.h"

using namespace mlir;
using namespace fad;
using namespace fad::detail;

namespace {
/// The new loop state: the primal state, then the tangents of its
/// differentiable components (`tangents`).
SmallVector<Value> stateWithTangents(OpBuilder &b, LinearizeState &state,
                                     ValueRange inits, ArrayRef<unsigned> tangents,
                                     Location loc) {
  SmallVector<Value> values = state.primals(inits);
  for (unsigned j : tangents)
    values.push_back(state.materializedTangent(b, loc, inits[j]));
  return values;
}

/// Layout of the state arguments (starting at new index `offset`): primal
/// component j at offset + j, its tangent at offset + k + t.
SmallVector<ArgLayout> stateLayout(unsigned k, ArrayRef<unsigned> tangents,
                                   unsigned offset) {
  SmallVector<ArgLayout> args;
  for (unsigned j = 0; j < k; ++j)
    args.push_back({offset + j, std::nullopt});
  for (auto [t, j] : llvm::enumerate(tangents))
    args[j].tan = offset + k + t;
  return args;
}

struct ForLinearize : LinearizeOpInterface::ExternalModel<ForLinearize, ForOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto loop = cast<ForOp>(op);
    if (!state.readsTangent(op))
      return cloneAsConstant(b, state, op);
    Location loc = loop.getLoc();
    SmallVector<unsigned> tangents = differentiableIndices(loop.getInits().getTypes());
    SmallVector<Value> inits = stateWithTangents(b, state, loop.getInits(), tangents, loc);
    auto newLoop = b.create<ForOp>(loc, ValueRange(inits).getTypes(),
                                   state.primal(loop.getCount()), inits);
    SmallVector<Type> argTypes{b.getI64Type()};
    llvm::append_range(argTypes, ValueRange(inits).getTypes());
    SmallVector<ArgLayout> args{{0, std::nullopt}};
    llvm::append_range(args, stateLayout(loop.getInits().size(), tangents, 1));
    if (failed(linearizeBody(b, state, loop.getBody().front(), newLoop.getBody(),
                             argTypes, args, tangents)))
      return failure();
    recordResults(state, loop, newLoop, tangents);
    return success();
  }
};

struct WhileLinearize : LinearizeOpInterface::ExternalModel<WhileLinearize, WhileOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto loop = cast<WhileOp>(op);
    if (!state.readsTangent(op))
      return cloneAsConstant(b, state, op);
    Location loc = loop.getLoc();
    SmallVector<unsigned> tangents = differentiableIndices(loop.getInits().getTypes());
    SmallVector<Value> inits = stateWithTangents(b, state, loop.getInits(), tangents, loc);
    TypeRange types = ValueRange(inits).getTypes();
    auto newLoop = b.create<WhileOp>(loc, types, inits);
    SmallVector<ArgLayout> args = stateLayout(loop.getInits().size(), tangents, 0);
    // The condition reads the primal state only: no tangents yielded.
    if (failed(linearizeBody(b, state, loop.getCond().front(), newLoop.getCond(),
                             types, args, {})) ||
        failed(linearizeBody(b, state, loop.getBody().front(), newLoop.getBody(),
                             types, args, tangents)))
      return failure();
    recordResults(state, loop, newLoop, tangents);
    return success();
  }
};

struct IfLinearize : LinearizeOpInterface::ExternalModel<IfLinearize, IfOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto ifOp = cast<IfOp>(op);
    if (!state.readsTangent(op))
      return cloneAsConstant(b, state, op);
    SmallVector<unsigned> tangents = differentiableIndices(ifOp.getResultTypes());
    auto newIf = b.create<IfOp>(ifOp.getLoc(),
                                withTangentTypes(ifOp.getResultTypes(), tangents),
                                state.primal(ifOp.getCondition()));
    if (failed(linearizeBody(b, state, ifOp.getThenRegion().front(),
                             newIf.getThenRegion(), {}, {}, tangents)) ||
        failed(linearizeBody(b, state, ifOp.getElseRegion().front(),
                             newIf.getElseRegion(), {}, {}, tangents)))
      return failure();
    recordResults(state, ifOp, newIf, tangents);
    return success();
  }
};
} // namespace

void fad::detail::registerLoopRules(MLIRContext *ctx) {
  ForOp::attachInterface<ForLinearize>(*ctx);
  WhileOp::attachInterface<WhileLinearize>(*ctx);
  IfOp::attachInterface<IfLinearize>(*ctx);
}
