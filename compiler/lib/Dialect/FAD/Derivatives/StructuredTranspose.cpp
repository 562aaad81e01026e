//===- StructuredTranspose.cpp - Shared steps of structured transposes -*- C++ -*-===//
//
// This file implements the loop and slot helpers that the transpose rules of
// the structured ops share (see StructuredTranspose.h).
//
//===----------------------------------------------------------------------===//

#include "StructuredTranspose.h"
#include "fad/AD/Linearize.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

using namespace mlir;
using namespace fad;
using namespace fad::detail;

SmallVector<Value> fad::detail::buildCountedLoop(
    OpBuilder &b, Location loc, Value n, ValueRange inits, bool reverse,
    function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  auto loop = b.create<ForOp>(loc, inits.getTypes(), n, inits);
  OpBuilder::InsertionGuard guard(b);
  SmallVector<Type> argTypes{b.getI64Type()};
  llvm::append_range(argTypes, inits.getTypes());
  SmallVector<Location> locs(argTypes.size(), loc);
  Block *block = b.createBlock(&loop.getBody(), {}, argTypes, locs);
  Value i = block->getArgument(0);
  if (reverse) {
    Value one = b.create<arith::ConstantIntOp>(loc, 1, 64);
    i = b.create<SubOp>(loc, b.create<SubOp>(loc, n, one), i);
  }
  b.create<YieldOp>(loc, body(i, block->getArguments().drop_front()));
  return SmallVector<Value>(loop.getResults());
}

Value fad::detail::buildZerosArray(OpBuilder &b, Location loc, Value n, Value like) {
  auto build = b.create<BuildOp>(loc, TypeRange{getArrayOfType(like.getType())}, n);
  OpBuilder::InsertionGuard guard(b);
  b.createBlock(&build.getBody(), {}, {b.getI64Type()}, {loc});
  b.create<YieldOp>(loc, buildZeroLike(b, loc, like));
  return build.getResult(0);
}

Value fad::detail::buildIndex(OpBuilder &b, Location loc, Value array, Value i) {
  auto type = cast<RankedTensorType>(array.getType());
  return b.create<IndexOp>(loc, getElementOrRowType(type), array, ValueRange{i});
}

SmallVector<Value> fad::detail::recordTape(
    OpBuilder &b, Location loc, TransposeState &state, Value n, ArrayRef<Value> primInits,
    Block &body, function_ref<void(Value, ValueRange)> bindArgs) {
  unsigned k = primInits.size();
  SmallVector<Value> inits(primInits);
  for (Value init : primInits)
    inits.push_back(buildZerosArray(b, loc, n, init));
  ValueRange yields = cast<YieldOp>(body.getTerminator()).getValues();
  SmallVector<Value> finals = buildCountedLoop(
      b, loc, n, inits, /*reverse=*/false, [&](Value i, ValueRange st) {
        bindArgs(i, st.take_front(k));
        state.clonePrimalOps(b, body);
        SmallVector<Value> next = state.primals(yields.take_front(k));
        for (unsigned c = 0; c < k; ++c)
          next.push_back(b.create<AddAtOp>(loc, st[k + c], ValueRange{i}, st[c]));
        return next;
      });
  return SmallVector<Value>(ArrayRef<Value>(finals).drop_front(k));
}

SmallVector<Value> Slots::initialState(OpBuilder &b, Location loc,
                                       TransposeState &state) const {
  SmallVector<Value> inits;
  for (Value v : values)
    inits.push_back(state.materializedAdjoint(b, loc, v));
  return inits;
}

void Slots::enter(TransposeState &state, ValueRange stateArgs) const {
  for (auto [v, arg] : llvm::zip(values, stateArgs))
    state.setAdjoint(v, arg);
}

SmallVector<Value> Slots::currentState(OpBuilder &b, Location loc,
                                       TransposeState &state) const {
  return initialState(b, loc, state);
}

void Slots::leave(TransposeState &state, ValueRange results) const {
  for (auto [v, result] : llvm::zip(values, results))
    state.setAdjoint(v, result);
}
