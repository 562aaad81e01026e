//===- ReduceRules.cpp - Derivative rules of fad.reduce and fad.scan -*- C++ -*-===//
//
// This file implements the forward-mode rules of the associative folds. The
// tangent of a fold with operator `op` is a fold, over (value, tangent)
// pairs, with the linearized operator
//   (a, aTan) (+) (x, xTan) = (op a x, d1op(a, x) aTan + d2op(a, x) xTan)
// and neutral element (ne, neTan). This operator is associative whenever
// `op` is (it is `op` on the dual numbers), so the fold keeps its freedom of
// evaluation order and its parallelism; a scan is the same with every prefix.
// (Reverse mode will override this for `*`, min and max: Futhark's
// diffMulReduce/diffMinMaxReduce.)
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "StructuredTranspose.h"
#include "fad/AD/Transpose.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/AD/ADInterfaces.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace fad;
using namespace fad::detail;

namespace {
template <typename FoldOp>
struct FoldLinearize : LinearizeOpInterface::ExternalModel<FoldLinearize<FoldOp>, FoldOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto fold = cast<FoldOp>(op);
    if (!state.readsTangent(op))
      return cloneAsConstant(b, state, op);
    Location loc = fold.getLoc();
    unsigned k = fold.getInits().size();
    // The element types of the fold; each differentiable one gets a tangent.
    SmallVector<unsigned> tangents = differentiableIndices(fold.getInits().getTypes());
    unsigned d = tangents.size();
    SmallVector<Value> inits = state.primals(fold.getInits());
    SmallVector<Value> inputs = state.primals(fold.getInputs());
    for (unsigned j : tangents) {
      inits.push_back(state.materializedTangent(b, loc, fold.getInits()[j]));
      inputs.push_back(state.materializedTangent(b, loc, fold.getInputs()[j]));
    }
    // Block arguments: (acc, accTan) then (x, xTan), each k + d long.
    SmallVector<Type> elemTypes;
    for (Value init : inits)
      elemTypes.push_back(init.getType());
    SmallVector<Type> argTypes(elemTypes);
    argTypes.append(elemTypes);
    SmallVector<ArgLayout> args(2 * k);
    for (unsigned j = 0; j < k; ++j) {
      args[j] = {j, std::nullopt};
      args[k + j] = {k + d + j, std::nullopt};
    }
    for (auto [t, j] : llvm::enumerate(tangents)) {
      args[j].tan = k + t;
      args[k + j].tan = k + d + k + t;
    }
    SmallVector<Type> resultTypes;
    if constexpr (std::is_same_v<FoldOp, ScanOp>)
      for (Type t : elemTypes)
        resultTypes.push_back(getArrayOfType(t));
    else
      resultTypes = elemTypes;
    auto newFold = b.create<FoldOp>(loc, resultTypes, inits, inputs);
    if (failed(linearizeBody(b, state, fold.getBody().front(), newFold.getBody(),
                             argTypes, args, tangents)))
      return failure();
    recordResults(state, fold, newFold, tangents);
    return success();
  }
};
} // namespace

void fad::detail::registerReduceRules(MLIRContext *ctx) {
  ReduceOp::attachInterface<FoldLinearize<ReduceOp>>(*ctx);
  ScanOp::attachInterface<FoldLinearize<ScanOp>>(*ctx);
}

//===----------------------------------------------------------------------===//
// Transposes
//===----------------------------------------------------------------------===//
//
// A sum (the tangent part of the body is accTan + xTan) transposes to a
// broadcast of the result's adjoint, a maximum or minimum to the adjoint of
// the element it selected, both without a tape. Any other fold is a
// sequential recurrence acc_{i+1} = op(acc_i, x_i); its
// linearization maps (accTan_i, xTan_i) to accTan_{i+1} with coefficients
// that depend on (acc_i, x_i). The transpose runs backwards: the primal
// accumulators are first recorded on a tape (store-all: one per element),
// then, for i = n-1 down to 0, the transposed body turns accAdj_{i+1} into
// accAdj_i and xAdj_i. A scan adds its output adjoint at every step.

namespace {
/// Whether the linearized fold `body` (k primal and d tangent components) is
/// a sum in its tangents: every tangent yield is accTan + xTan. Its transpose
/// needs no tape: each element's adjoint is the result's.
bool isTangentSum(Block &body, unsigned k, unsigned d) {
  ValueRange yields = cast<YieldOp>(body.getTerminator()).getValues();
  for (unsigned t = 0; t < d; ++t)
    if (!isTangentSumOf(yields[k + t], body.getArgument(k + t), body.getArgument(k + d + k + t)))
      return false;
  return true;
}

/// Whether the fold's primal combination is max(acc, x) or min(acc, x) of
/// one scalar float: its derivative selects one element.
bool isSelection(Block &body, unsigned k, unsigned d) {
  if (k != 1 || d != 1 || !isa<FloatType>(body.getArgument(0).getType()))
    return false;
  Value yield = cast<YieldOp>(body.getTerminator()).getValues()[0];
  Operation *combine = yield.getDefiningOp();
  return combine && isa<MaxOp, MinOp>(combine) &&
         combine->getOperand(0) == body.getArgument(0) &&
         combine->getOperand(1) == body.getArgument(k + d);
}

/// The position of the element a max/min fold's result came from (see
/// isSelection): the first one that changed the accumulator (a tie keeps
/// the accumulator, as the partials of fad.max/fad.min do), or -1 if none
/// did (the initial value's). One sequential loop running the fold and
/// recording where its accumulator last changed: it reads each element
/// once, so an array that a map computes is computed once, in the loop.
Value searchSelected(OpBuilder &b, Location loc, Operation *combine, Value primInit,
                     Value primInput, Value n) {
  Value none = b.create<arith::ConstantIntOp>(loc, -1, 64);
  SmallVector<Value> found = buildCountedLoop(
      b, loc, n, ValueRange{primInit, none}, /*reverse=*/false, [&](Value i, ValueRange st) {
        Value x = buildIndex(b, loc, primInput, i);
        Operation *next = b.clone(*combine);
        next->setOperands({st[0], x});
        Value moved =
            b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, next->getResult(0), st[0]);
        return SmallVector<Value>{next->getResult(0),
                                  b.create<arith::SelectOp>(loc, moved, i, st[1])};
      });
  return found[1];
}

/// The same position for an array in memory, found from the result r: the
/// first element equal to r, unless r equals the initial value (then none
/// changed the accumulator) or no element equals r (a NaN initial value,
/// which no element replaces). The first is a minimum over positions, a
/// reduction like the primal's: it vectorizes and runs in parallel, where
/// the search's recurrence (a compare feeding the next) runs one element
/// after another. (For a computed array, the search is cheaper: this reads
/// the elements a second time, after the primal fold.)
Value firstEqualToResult(OpBuilder &b, Location loc, Operation *combine, Value primInit,
                         Value primInput, Value n) {
  Type elemType = primInit.getType(), i64 = b.getI64Type();
  // The primal result, computed again (CSE merges it with the primal's own).
  auto primal = b.create<ReduceOp>(loc, TypeRange{elemType}, ValueRange{primInit},
                                   ValueRange{primInput});
  {
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&primal.getBody(), {}, {elemType, elemType}, {loc, loc});
    Operation *next = b.clone(*combine);
    next->setOperands({block->getArgument(0), block->getArgument(1)});
    b.create<YieldOp>(loc, next->getResults());
  }
  Value result = primal.getResult(0);
  auto positions = b.create<BuildOp>(loc, TypeRange{getArrayOfType(i64)}, n);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&positions.getBody(), {}, {i64}, {loc});
    Value i = block->getArgument(0);
    Value x = buildIndex(b, loc, primInput, i);
    x.getDefiningOp()->setAttr(kInBoundsAttr, b.getUnitAttr()); // i < n, its extent
    Value equal = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, x, result);
    b.create<YieldOp>(loc, ValueRange{b.create<arith::SelectOp>(loc, equal, i, n)});
  }
  auto first = b.create<ReduceOp>(loc, TypeRange{i64}, ValueRange{n},
                                  ValueRange{positions.getResult(0)});
  {
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&first.getBody(), {}, {i64, i64}, {loc, loc});
    b.create<YieldOp>(loc, ValueRange{b.create<MinOp>(loc, block->getArgument(0),
                                                      block->getArgument(1))});
  }
  Value fromInit = b.create<arith::OrIOp>(
      loc, b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, result, primInit),
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, first.getResult(0), n));
  return b.create<arith::SelectOp>(loc, fromInit, b.create<arith::ConstantIntOp>(loc, -1, 64),
                                   first.getResult(0));
}

/// The transpose of a max/min fold (see isSelection): the result's adjoint
/// goes to the element that the result came from, or to the initial value
/// if none.
void transposeSelection(OpBuilder &b, Location loc, TransposeState &state, Block &body,
                        Value init, Value input, Value primInit, Value primInput, Value n,
                        Value resultAdj) {
  Operation *combine = cast<YieldOp>(body.getTerminator()).getValues()[0].getDefiningOp();
  bool computed = isa_and_nonnull<MapOp, BuildOp>(primInput.getDefiningOp());
  Value index = computed ? searchSelected(b, loc, combine, primInit, primInput, n)
                         : firstEqualToResult(b, loc, combine, primInit, primInput, n);
  Value fromInit = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, index,
                                           b.create<arith::ConstantIntOp>(loc, 0, 64));
  Value zero = buildZeroLike(b, loc, resultAdj);
  if (state.isLinear(init))
    state.addAdjoint(b, loc, init, b.create<arith::SelectOp>(loc, fromInit, resultAdj, zero));
  if (!state.isLinear(input))
    return;
  auto adjoints = b.create<BuildOp>(loc, TypeRange{getArrayOfType(resultAdj.getType())}, n);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&adjoints.getBody(), {}, {b.getI64Type()}, {loc});
    Value here = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, block->getArgument(0),
                                         index);
    b.create<YieldOp>(loc, ValueRange{b.create<arith::SelectOp>(loc, here, resultAdj, zero)});
  }
  state.addAdjoint(b, loc, input, adjoints.getResult(0));
}

template <typename FoldOp>
struct FoldTranspose : TransposeOpInterface::ExternalModel<FoldTranspose<FoldOp>, FoldOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    constexpr bool isScan = std::is_same_v<FoldOp, ScanOp>;
    auto fold = cast<FoldOp>(op);
    Location loc = fold.getLoc();
    unsigned k = primalCount(op), d = fold.getInits().size() - k;
    Block &body = fold.getBody().front();
    ValueRange yields = cast<YieldOp>(body.getTerminator()).getValues();
    ValueRange inits = fold.getInits(), inputs = fold.getInputs();
    SmallVector<Value> primInits = state.primals(inits.take_front(k));
    SmallVector<Value> primInputs = state.primals(inputs.take_front(k));
    Value n = b.create<DimOp>(loc, primInputs.front(), 0);

    // A sum: the adjoint of every element (and of the initial value) is the
    // result's adjoint, broadcast.
    if (!isScan && isTangentSum(body, k, d)) {
      for (unsigned t = 0; t < d; ++t) {
        Value resultAdj = state.adjoint(fold.getResult(k + t));
        if (!resultAdj)
          continue;
        if (state.isLinear(inits[k + t]))
          state.addAdjoint(b, loc, inits[k + t], resultAdj);
        if (!state.isLinear(inputs[k + t]))
          continue;
        auto broadcast =
            b.create<BuildOp>(loc, TypeRange{getArrayOfType(resultAdj.getType())}, n);
        OpBuilder::InsertionGuard guard(b);
        b.createBlock(&broadcast.getBody(), {}, {b.getI64Type()}, {loc});
        b.create<YieldOp>(loc, resultAdj);
        b.setInsertionPointAfter(broadcast);
        state.addAdjoint(b, loc, inputs[k + t], broadcast.getResult(0));
      }
      return success();
    }
    if (!isScan && isSelection(body, k, d)) {
      if (Value resultAdj = state.adjoint(fold.getResult(1)))
        transposeSelection(b, loc, state, body, inits[1], inputs[1], primInits[0],
                           primInputs[0], n, resultAdj);
      return success();
    }
    auto accArg = [&](unsigned c) { return body.getArgument(c); };
    auto xArg = [&](unsigned c) { return body.getArgument(k + d + c); };

    // 1. The tape: the accumulator before each step, and the step's residuals.
    DenseMap<Value, ArgShape> argShapes;
    for (unsigned c = 0; c < k; ++c) {
      argShapes[accArg(c)] = ArgShape{inits[c]};
      argShapes[xArg(c)] = ArgShape{inputs[c], 1};
    }
    Residuals residuals = findResiduals(b, loc, state, body, argShapes);
    SmallVector<Value> tapes = recordTape(
        b, loc, state, n, primInits, body,
        [&](Value i, ValueRange acc) {
          for (unsigned c = 0; c < k; ++c) {
            state.primalMapping().map(accArg(c), acc[c]);
            state.primalMapping().map(xArg(c), buildIndex(b, loc, primInputs[c], i));
          }
        },
        residuals);

    // 2. Backwards through the elements.
    Slots slots;
    for (Value input : inputs.drop_front(k))
      if (state.isLinear(input))
        slots.values.insert(input);
    for (Value captured : state.capturedLinearValues(fold.getBody()))
      slots.values.insert(captured);
    // The accumulator adjoints start as the result's adjoint (reduce) or
    // zero (scan: each step adds its own output's adjoint).
    SmallVector<unsigned> components = differentiableIndices(inits.take_front(k).getTypes());
    SmallVector<Value> resultAdjs, loopInits;
    for (unsigned t = 0; t < d; ++t) {
      Value resultAdj = state.adjoint(fold.getResult(k + t));
      resultAdjs.push_back(resultAdj);
      loopInits.push_back(!isScan && resultAdj
                              ? resultAdj
                              : buildZeroLike(b, loc, primInits[components[t]]));
    }
    llvm::append_range(loopInits, slots.initialState(b, loc, state));
    bool ok = true;
    SmallVector<Value> finals = buildCountedLoop(
        b, loc, n, loopInits, /*reverse=*/true, [&](Value i, ValueRange st) {
          slots.enter(state, st.drop_front(d));
          for (unsigned c = 0; c < k; ++c) {
            state.primalMapping().map(accArg(c), buildIndex(b, loc, tapes[c], i));
            state.primalMapping().map(xArg(c), buildIndex(b, loc, primInputs[c], i));
          }
          for (unsigned t = 0; t < d; ++t) {
            state.addAdjoint(b, loc, yields[k + t], st[t]);
            if (isScan && resultAdjs[t])
              state.addAdjoint(b, loc, yields[k + t], buildIndex(b, loc, resultAdjs[t], i));
          }
          DenseMap<Value, Value> recorded =
              residuals.at(b, loc, ArrayRef<Value>(tapes).drop_front(k), i);
          ok &= succeeded(state.transposeBlock(b, body, &recorded));
          SmallVector<Value> next;
          for (unsigned t = 0; t < d; ++t)
            next.push_back(state.materializedAdjoint(b, loc, body.getArgument(k + t)));
          for (unsigned t = 0; t < d; ++t) {
            Value input = inputs[k + t];
            Value argAdj = state.adjoint(body.getArgument(k + d + k + t));
            if (state.isLinear(input) && argAdj)
              state.setAdjoint(input, b.create<AddAtOp>(loc, state.materializedAdjoint(b, loc, input),
                                                        ValueRange{i}, argAdj));
          }
          llvm::append_range(next, slots.currentState(b, loc, state));
          return next;
        });
    slots.leave(state, ArrayRef<Value>(finals).drop_front(d));
    for (unsigned t = 0; t < d; ++t)
      if (state.isLinear(inits[k + t]))
        state.addAdjoint(b, loc, inits[k + t], finals[t]);
    return success(ok);
  }
};
} // namespace

void fad::detail::registerReduceTransposes(MLIRContext *ctx) {
  ReduceOp::attachInterface<FoldTranspose<ReduceOp>>(*ctx);
  ScanOp::attachInterface<FoldTranspose<ScanOp>>(*ctx);
}
