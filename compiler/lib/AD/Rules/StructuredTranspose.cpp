//===- StructuredTranspose.cpp - Shared steps of structured transposes -*- C++ -*-===//
//
// This file implements the loop and slot helpers that the transpose rules of
// the structured ops share (see StructuredTranspose.h).
//
//===----------------------------------------------------------------------===//

#include "StructuredTranspose.h"
#include "fad/AD/Linearize.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "mlir/IR/TypeUtilities.h"

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

Value fad::detail::recordRow(OpBuilder &b, Location loc, Value tape, Value i, Value value) {
  auto update = b.create<UpdateOp>(loc, tape, ValueRange{i}, value);
  update->setAttr(kInBoundsAttr, b.getUnitAttr());
  return update;
}

Value fad::detail::buildIndex(OpBuilder &b, Location loc, Value array, Value i) {
  auto type = cast<RankedTensorType>(array.getType());
  return b.create<IndexOp>(loc, getElementOrRowType(type), array, ValueRange{i});
}


Residuals fad::detail::findResiduals(OpBuilder &b, Location loc, TransposeState &state,
                                     Block &body,
                                     const DenseMap<Value, ArgShape> &argShapes) {
  Residuals residuals;
  DenseSet<Value> inside = valuesDefinedIn(body);
  for (Value v : costlyPrimalReads(body, [&](Operation *op) { return state.isLinearOp(op); })) {
    if (isa<FloatType>(v.getType())) {
      residuals.values.push_back(v);
      residuals.extents.emplace_back();
    } else if (std::optional<SmallVector<Extent>> extents = extentsOutside(v, inside, argShapes)) {
      residuals.values.push_back(v);
      SmallVector<Value> &dims = residuals.extents.emplace_back();
      for (Extent e : *extents)
        dims.push_back(e.dim < 0 ? state.primal(e.value)
                                 : b.create<DimOp>(loc, state.primal(e.value), e.dim).getResult());
    }
  }
  return residuals;
}

Value fad::detail::bytesOf(OpBuilder &b, Location loc, ArrayRef<SmallVector<Value>> extents) {
  Value eight = b.create<arith::ConstantIntOp>(loc, 8, 64);
  Value total = b.create<arith::ConstantIntOp>(loc, 0, 64);
  for (ArrayRef<Value> dims : extents) {
    Value bytes = eight;
    for (Value dim : dims)
      bytes = b.create<MulOp>(loc, bytes, dim);
    total = b.create<AddOp>(loc, total, bytes);
  }
  return total;
}

DenseMap<Value, Value> Residuals::at(OpBuilder &b, Location loc, ArrayRef<Value> tapes,
                                     Value i) const {
  DenseMap<Value, Value> entries;
  for (auto [v, tape] : llvm::zip(values, tapes))
    entries[v] = buildIndex(b, loc, tape, i);
  return entries;
}

/// Zeros of type `element` repeated over `extents` (a scalar when none).
static Value buildZeros(OpBuilder &b, Location loc, Type element, ArrayRef<Value> extents) {
  if (extents.empty())
    return b.create<arith::ConstantOp>(loc, b.getZeroAttr(element));
  Type row = element;
  if (extents.size() > 1)
    row = RankedTensorType::get(SmallVector<int64_t>(extents.size() - 1, ShapedType::kDynamic),
                                element);
  auto build = b.create<BuildOp>(loc, TypeRange{getArrayOfType(row)}, extents.front());
  OpBuilder::InsertionGuard guard(b);
  b.createBlock(&build.getBody(), {}, {b.getI64Type()}, {loc});
  b.create<YieldOp>(loc, buildZeros(b, loc, element, extents.drop_front()));
  return build.getResult(0);
}

SmallVector<Value> fad::detail::recordTape(
    OpBuilder &b, Location loc, TransposeState &state, Value n, ArrayRef<Value> primInits,
    Block &body, function_ref<void(Value, ValueRange)> bindArgs, const Residuals &residuals) {
  unsigned k = primInits.size();
  SmallVector<Value> inits(primInits);
  for (Value init : primInits)
    inits.push_back(buildZerosArray(b, loc, n, init));
  for (auto [v, extents] : llvm::zip(residuals.values, residuals.extents)) {
    SmallVector<Value> dims{n};
    llvm::append_range(dims, extents);
    inits.push_back(buildZeros(b, loc, getElementTypeOrSelf(v.getType()), dims));
  }
  ValueRange yields = cast<YieldOp>(body.getTerminator()).getValues();
  SmallVector<Value> finals = buildCountedLoop(
      b, loc, n, inits, /*reverse=*/false, [&](Value i, ValueRange st) {
        bindArgs(i, st.take_front(k));
        state.clonePrimalOps(b, body);
        SmallVector<Value> next = state.primals(yields.take_front(k));
        for (unsigned c = 0; c < k; ++c) {
          // The tape's rows have the initial state's extents.
          if (auto array = dyn_cast<RankedTensorType>(st[c].getType()))
            for (int64_t d = 0; d < array.getRank(); ++d) {
              Value now = b.create<DimOp>(loc, st[c], d);
              Value first = b.create<DimOp>(loc, primInits[c], d);
              b.create<AssertOp>(
                  loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, now, first),
                  "reverse mode through this loop needs its state to keep its extents, "
                  "but an array of the state changes size (forward mode, jvp or jacfwd, "
                  "handles it)",
                  ValueRange{now, first});
            }
          next.push_back(recordRow(b, loc, st[k + c], i, st[c]));
        }
        for (auto [r, v] : llvm::enumerate(residuals.values))
          next.push_back(recordRow(b, loc, st[2 * k + r], i, state.primal(v)));
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
