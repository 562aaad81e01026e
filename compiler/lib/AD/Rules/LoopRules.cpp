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
#include "StructuredTranspose.h"
#include "fad/AD/Transpose.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/AD/ADInterfaces.h"

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

/// fixpoint by the implicit function theorem: x* = f(x*, theta) gives
/// xTan = df/dx xTan + df/dtheta thetaTan, itself a (linear) fixed point,
/// solved by iterating the linearized body at x*. The starting point has no
/// influence: only captured values' tangents matter. In Taylor mode the
/// tangents are the coefficients x_1..x_K and the body propagates them
/// nonlinearly; the same iteration converges to the series of x*(t): order
/// k's coefficient is x_k = df/dx x_k + (terms of lower orders), a map that
/// is block-triangular with df/dx, a contraction, on its diagonal.
struct FixpointLinearize
    : LinearizeOpInterface::ExternalModel<FixpointLinearize, FixpointOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto fixpoint = cast<FixpointOp>(op);
    Operation *primal = cloneWithOuterValues(b, op, state.primalMapping());
    Block &body = fixpoint.getBody().front();
    bool capturesTangent = false;
    for (Operation &inner : body.without_terminator())
      capturesTangent |= state.readsTangent(&inner);
    if (!capturesTangent)
      return success();
    Location loc = fixpoint.getLoc();
    // The tangent iteration starts from zero and runs at the fixed point.
    SmallVector<Value> inits;
    SmallVector<Type> types;
    for (Value result : fixpoint.getResults()) {
      state.mapPrimal(result, primal->getResult(inits.size()));
      inits.push_back(state.materializedTangent(b, loc, result));
      types.push_back(inits.back().getType());
    }
    auto tangentLoop = b.create<FixpointOp>(loc, types, inits, fixpoint.getToleranceAttr(),
                                            fixpoint.getMaxIterationsAttr());
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Location> locs(types.size(), loc);
    Block *block = b.createBlock(&tangentLoop.getBody(), {}, types, locs);
    for (auto [k, arg] : llvm::enumerate(body.getArguments())) {
      state.mapPrimal(arg, primal->getResult(k));
      state.setTangent(arg, block->getArgument(k));
    }
    if (failed(state.linearizeBlock(b, body)))
      return failure();
    SmallVector<Value> next;
    for (Value y : cast<YieldOp>(body.getTerminator()).getValues())
      next.push_back(state.materializedTangent(b, loc, y));
    b.create<YieldOp>(loc, next);
    for (auto [result, tangent] : llvm::zip(fixpoint.getResults(), tangentLoop.getResults()))
      state.setTangent(result, tangent);
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
                                withTangentTypes(state, ifOp.getResultTypes(), tangents),
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
  FixpointOp::attachInterface<FixpointLinearize>(*ctx);
}

//===----------------------------------------------------------------------===//
// Transposes
//===----------------------------------------------------------------------===//
//
// Loops under reverse mode use the store-all policy (docs/AD.md): a primal
// pass records the state before every iteration on a tape, then the
// transposed body runs for i = n-1 down to 0 on the recorded states, turning
// the adjoint of the state after iteration i into the adjoint before it. A
// while loop first counts its iterations (the reverse sweep runs the recorded
// trip count). A conditional transposes the branch that ran.

namespace {
/// Whether a loop with primal state `primInits` is checkpointed under the
/// state's policy.
bool checkpointed(const TransposeState &state, ArrayRef<Value> primInits) {
  switch (state.checkpointPolicy) {
  case CheckpointPolicy::StoreAll:
    return false;
  case CheckpointPolicy::Sqrt:
    return true;
  case CheckpointPolicy::Auto:
    return llvm::any_of(primInits, [](Value v) { return isa<RankedTensorType>(v.getType()); });
  }
  return false;
}

/// The most memory, in bytes, that the auto policy lets a loop's tape of
/// all its states take; above it, the loop is checkpointed.
constexpr int64_t kStoreAllBudget = int64_t(64) << 20;

/// The remark of --tape-report: the loop's state and how many copies of it
/// the backward sweep keeps, and the residuals recorded with each.
void reportTape(Operation *op, ArrayRef<Value> primInits, ArrayRef<Value> residuals, Value n,
                bool sqrt, bool adaptive) {
  // fad's spelling of the values' types: f64, []f64, bool.
  auto typesOf = [](ArrayRef<Value> values) {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvm::interleaveComma(values, os, [&](Value v) {
      Type t = v.getType();
      if (auto tensor = dyn_cast<RankedTensorType>(t)) {
        for (int64_t d = 0; d < tensor.getRank(); ++d)
          os << "[]";
        t = tensor.getElementType();
      }
      if (t.isInteger(1))
        os << "bool";
      else
        os << t;
    });
    return text;
  };
  std::string count = "n";
  if (auto max = n.getDefiningOp<MaxOp>()) // max(count, 0) of a fad.for
    n = max.getLhs();
  if (auto constant = n.getDefiningOp<arith::ConstantIntOp>())
    count = std::to_string(constant.value());
  // Located at the loop, without the op (which lives in a scratch block).
  InFlightDiagnostic remark = emitRemark(op->getLoc(), "reverse-mode tape: ");
  if (sqrt && adaptive)
    remark << "store-all up to " << (kStoreAllBudget >> 20)
           << " MiB of states, else sqrt checkpointing, about 2*ceil(sqrt(" << count
           << ")) states";
  else if (sqrt)
    remark << "sqrt checkpointing, about 2*ceil(sqrt(" << count << ")) states";
  else
    remark << "store-all, " << count << " states";
  remark << " of (" << typesOf(primInits) << ")";
  if (!residuals.empty())
    remark << " with each iteration's residuals (" << typesOf(residuals) << ")";
  if (count == "n")
    remark << ", n = the trip count";
  // The nested-loop policy: a loop inside another loop's (or a map's) body
  // is transposed with that body, for each iteration (element), and records
  // its tape there: its forward runs a second time, once per transposed
  // iteration, instead of the outer tape keeping every inner tape.
  Operation *outer = op->getParentOp();
  while (outer && !isa<ForOp, WhileOp, MapOp, BuildOp, ReduceOp, ScanOp>(outer))
    outer = outer->getParentOp();
  if (outer) {
    remark << "; recorded in the reverse sweep of the enclosing " << outer->getName().stripDialect();
    if (auto at = dyn_cast<FileLineColLoc>(outer->getLoc()))
      remark << " at " << at.getLine() << ":" << at.getColumn();
    remark << ", once per " << (isa<ForOp, WhileOp>(outer) ? "iteration" : "element")
           << ", which runs this loop's forward again";
  }
}

/// The bytes of n copies of the state `values` and of the `residuals`.
Value tapeBytes(OpBuilder &b, Location loc, Value n, ArrayRef<Value> values,
                const Residuals &residuals) {
  SmallVector<SmallVector<Value>> extents(residuals.extents);
  for (Value v : values) {
    SmallVector<Value> &dims = extents.emplace_back();
    if (auto tensor = dyn_cast<RankedTensorType>(v.getType()))
      for (int64_t d = 0; d < tensor.getRank(); ++d)
        dims.push_back(b.create<DimOp>(loc, v, d));
  }
  return b.create<MulOp>(loc, n, bytesOf(b, loc, extents));
}

/// ceil(sqrt(n)), at least 1, for n >= 0.
Value segmentLength(OpBuilder &b, Location loc, Value n) {
  Value root = b.create<ConvertOp>(
      loc, b.getI64Type(), b.create<SqrtOp>(loc, b.create<ConvertOp>(loc, b.getF64Type(), n)));
  // The float root may be one below (or above) the integer one.
  Value square = b.create<MulOp>(loc, root, root);
  Value one = b.create<arith::ConstantIntOp>(loc, 1, 64);
  Value short_ = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, square, n);
  Value up = b.create<arith::SelectOp>(loc, short_, b.create<AddOp>(loc, root, one), root);
  return b.create<MaxOp>(loc, up, one);
}

/// The transpose of a linearized loop body run `n` times from the primal
/// state `primInits` (k components; d tangent components follow them in the
/// op's state). `hasIndex`: the body's first argument is the iteration number.
LogicalResult transposeLoop(OpBuilder &b, TransposeState &state, Operation *op,
                            Region &bodyRegion, Value n, ValueRange stateInits,
                            unsigned k, bool hasIndex) {
  Location loc = op->getLoc();
  unsigned d = stateInits.size() - k, offset = hasIndex ? 1 : 0;
  Block &body = bodyRegion.front();
  ValueRange yields = cast<YieldOp>(body.getTerminator()).getValues();
  SmallVector<Value> primInits = state.primals(stateInits.take_front(k));

  // Binds the body's arguments to iteration i (a global iteration number)
  // from state `st`, for a primal rerun or the transposed body.
  auto bindArgs = [&](Value i, ValueRange st) {
    if (hasIndex)
      state.primalMapping().map(body.getArgument(0), i);
    for (unsigned c = 0; c < k; ++c)
      state.primalMapping().map(body.getArgument(offset + c), st[c]);
  };

  // The values the transposed body reads, recorded with the states.
  DenseMap<Value, ArgShape> argShapes;
  for (unsigned c = 0; c < k; ++c)
    argShapes[body.getArgument(offset + c)] = ArgShape{stateInits[c]};
  Residuals residuals = findResiduals(b, loc, state, body, argShapes);

  Slots slots;
  for (Value captured : state.capturedLinearValues(bodyRegion))
    slots.values.insert(captured);
  SmallVector<Value> loopInits;
  for (unsigned t = 0; t < d; ++t)
    loopInits.push_back(state.materializedAdjoint(b, loc, op->getResult(k + t)));
  llvm::append_range(loopInits, slots.initialState(b, loc, state));
  bool ok = true;
  // The transposed iterations first + count - 1 down to first, on the states
  // before them and the residuals in `tapes` (entry j: iteration first + j).
  auto backward = [&](Value first, Value count, ArrayRef<Value> tapes, ValueRange adjoints) {
    return buildCountedLoop(b, loc, count, adjoints, /*reverse=*/true, [&](Value j, ValueRange st) {
      slots.enter(state, st.drop_front(d));
      SmallVector<Value> before;
      for (unsigned c = 0; c < k; ++c)
        before.push_back(buildIndex(b, loc, tapes[c], j));
      bindArgs(first ? b.create<AddOp>(loc, first, j) : j, before);
      for (unsigned t = 0; t < d; ++t)
        state.addAdjoint(b, loc, yields[k + t], st[t]);
      DenseMap<Value, Value> recorded = residuals.at(b, loc, tapes.drop_front(k), j);
      ok &= succeeded(state.transposeBlock(b, body, &recorded));
      SmallVector<Value> next;
      for (unsigned t = 0; t < d; ++t)
        next.push_back(state.materializedAdjoint(b, loc, body.getArgument(offset + k + t)));
      llvm::append_range(next, slots.currentState(b, loc, state));
      return next;
    });
  };

  bool sqrt = checkpointed(state, primInits);
  bool adaptive = state.checkpointPolicy == CheckpointPolicy::Auto;
  if (state.reportTapes)
    reportTape(op, primInits, residuals.values, n, sqrt, adaptive);
  SmallVector<Value> finals;
  if (!sqrt) {
    // Store-all: the tape of the states before each iteration, then
    // backwards through the iterations.
    SmallVector<Value> tapes = recordTape(b, loc, state, n, primInits, body, bindArgs, residuals);
    finals = backward(Value(), n, tapes, loopInits);
  } else {
    // sqrt(n) checkpointing: segments of c = ceil(sqrt n) iterations; the
    // forward run keeps the state at the start of each segment, and the
    // backward sweep reruns each segment (last first) from its checkpoint
    // with a tape of c states before transposing it. Under the auto policy,
    // a loop whose tape fits the budget is one segment (c = n): store-all,
    // decided at run time, when the extents are known.
    Value c = segmentLength(b, loc, n);
    Value one = b.create<arith::ConstantIntOp>(loc, 1, 64);
    if (adaptive) {
      Value budget = b.create<arith::ConstantIntOp>(loc, kStoreAllBudget, 64);
      Value bytes = tapeBytes(b, loc, n, primInits, residuals);
      // Processes whose tapes differ in size would otherwise choose
      // differently and run the body's collectives different numbers of
      // times: the largest tape decides for all.
      if (containsCollective(op))
        bytes = b.create<AllreduceOp>(loc, bytes.getType(), "max", bytes);
      Value fits = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sle, bytes, budget);
      c = b.create<arith::SelectOp>(loc, fits, b.create<MaxOp>(loc, n, one), c);
    }
    Value segments = b.create<DivOp>(loc, b.create<SubOp>(loc, b.create<AddOp>(loc, n, c), one), c);
    auto segment = [&](Value s) {
      Value first = b.create<MulOp>(loc, s, c);
      return std::pair(first, b.create<MinOp>(loc, c, b.create<SubOp>(loc, n, first)).getResult());
    };
    SmallVector<Value> inits(primInits);
    for (Value init : primInits)
      inits.push_back(buildZerosArray(b, loc, segments, init));
    SmallVector<Value> forward = buildCountedLoop(
        b, loc, segments, inits, /*reverse=*/false, [&](Value s, ValueRange st) {
          SmallVector<Value> next;
          auto [first, count] = segment(s);
          // The last segment's end is no checkpoint: it is not run.
          Value last = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                               b.create<AddOp>(loc, s, one), segments);
          Value zero = b.create<arith::ConstantIntOp>(loc, 0, 64);
          count = b.create<arith::SelectOp>(loc, last, zero, count);
          llvm::append_range(next, buildCountedLoop(
              b, loc, count, st.take_front(k), /*reverse=*/false, [&](Value j, ValueRange ss) {
                bindArgs(b.create<AddOp>(loc, first, j), ss);
                state.clonePrimalOps(b, body);
                return state.primals(yields.take_front(k));
              }));
          for (unsigned comp = 0; comp < k; ++comp)
            next.push_back(recordRow(b, loc, st[k + comp], s, st[comp]));
          return next;
        });
    ArrayRef<Value> checkpoints = ArrayRef<Value>(forward).drop_front(k);
    finals = buildCountedLoop(
        b, loc, segments, loopInits, /*reverse=*/true, [&](Value s, ValueRange st) {
          auto [first, count] = segment(s);
          SmallVector<Value> start;
          for (Value checkpoint : checkpoints)
            start.push_back(buildIndex(b, loc, checkpoint, s));
          SmallVector<Value> tapes = recordTape(
              b, loc, state, count, start, body,
              [&](Value j, ValueRange ss) { bindArgs(b.create<AddOp>(loc, first, j), ss); },
              residuals);
          return backward(first, count, tapes, st);
        });
  }
  slots.leave(state, ArrayRef<Value>(finals).drop_front(d));
  for (unsigned t = 0; t < d; ++t)
    if (state.isLinear(stateInits[k + t]))
      state.addAdjoint(b, loc, stateInits[k + t], finals[t]);
  return success(ok);
}

struct ForTranspose : TransposeOpInterface::ExternalModel<ForTranspose, ForOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto loop = cast<ForOp>(op);
    Location loc = loop.getLoc();
    // A non-positive count runs no iteration (and must not size the tape).
    Value zero = b.create<arith::ConstantIntOp>(loc, 0, 64);
    Value n = b.create<MaxOp>(loc, state.primal(loop.getCount()), zero);
    return transposeLoop(b, state, op, loop.getBody(), n, loop.getInits(),
                         primalCount(op), /*hasIndex=*/true);
  }
};

struct WhileTranspose : TransposeOpInterface::ExternalModel<WhileTranspose, WhileOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto loop = cast<WhileOp>(op);
    Location loc = loop.getLoc();
    unsigned k = primalCount(op);
    // Count the iterations with a primal run of the loop.
    SmallVector<Value> inits = state.primals(loop.getInits().take_front(k));
    inits.push_back(b.create<arith::ConstantIntOp>(loc, 0, 64));
    TypeRange types = ValueRange(inits).getTypes();
    auto counter = b.create<WhileOp>(loc, types, inits);
    SmallVector<Location> locs(types.size(), loc);
    for (auto [from, to] : {std::pair(&loop.getCond(), &counter.getCond()),
                            std::pair(&loop.getBody(), &counter.getBody())}) {
      OpBuilder::InsertionGuard guard(b);
      Block *block = b.createBlock(to, {}, types, locs);
      Block &old = from->front();
      for (unsigned c = 0; c < k; ++c)
        state.primalMapping().map(old.getArgument(c), block->getArgument(c));
      state.clonePrimalOps(b, old);
      ValueRange oldYields = cast<YieldOp>(old.getTerminator()).getValues();
      if (from == &loop.getCond()) {
        b.create<YieldOp>(loc, state.primal(oldYields[0]));
      } else {
        SmallVector<Value> next = state.primals(oldYields.take_front(k));
        Value one = b.create<arith::ConstantIntOp>(loc, 1, 64);
        next.push_back(b.create<AddOp>(loc, block->getArguments().back(), one));
        b.create<YieldOp>(loc, next);
      }
    }
    return transposeLoop(b, state, op, loop.getBody(), counter.getResults().back(),
                         loop.getInits(), k, /*hasIndex=*/false);
  }
};

/// The transpose of the linear fixed point xTan = A xTan + B thetaTan
/// (A = df/dx, B = df/dtheta at x*) is thetaAdj = B^T w with
/// w = xAdj + A^T w: a fixed point of the transposed body, iterated without
/// keeping the iterations (memory independent of their number), then one
/// more transposed body for the captured values' adjoints.
struct FixpointTranspose
    : TransposeOpInterface::ExternalModel<FixpointTranspose, FixpointOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto fixpoint = cast<FixpointOp>(op);
    Location loc = fixpoint.getLoc();
    Block &body = fixpoint.getBody().front();
    ValueRange yields = cast<YieldOp>(body.getTerminator()).getValues();
    SmallVector<Value> resultAdjs;
    for (Value result : fixpoint.getResults())
      resultAdjs.push_back(state.materializedAdjoint(b, loc, result));
    SetVector<Value> captured = state.capturedLinearValues(fixpoint.getBody());
    // One transposed body: w -> A^T w (returned); B^T w goes to the
    // captured values' adjoints only when `keepCaptured`.
    auto transposeOnce = [&](ValueRange w, bool keepCaptured) -> FailureOr<SmallVector<Value>> {
      SmallVector<Value> saved;
      for (Value v : captured) {
        saved.push_back(state.adjoint(v));
        if (!keepCaptured)
          state.setAdjoint(v, Value());
      }
      state.clearAdjointsIn(fixpoint.getBody());
      for (auto [y, wk] : llvm::zip(yields, w))
        state.addAdjoint(b, loc, y, wk);
      if (failed(state.transposeBlock(b, body)))
        return failure();
      SmallVector<Value> argAdjs;
      for (BlockArgument arg : body.getArguments())
        argAdjs.push_back(state.materializedAdjoint(b, loc, arg));
      if (!keepCaptured)
        for (auto [v, old] : llvm::zip(captured, saved))
          state.setAdjoint(v, old);
      return argAdjs;
    };
    auto solve = b.create<FixpointOp>(loc, ValueRange(resultAdjs).getTypes(), resultAdjs,
                                      fixpoint.getToleranceAttr(),
                                      fixpoint.getMaxIterationsAttr());
    {
      OpBuilder::InsertionGuard guard(b);
      SmallVector<Location> locs(resultAdjs.size(), loc);
      Block *block = b.createBlock(&solve.getBody(), {}, ValueRange(resultAdjs).getTypes(), locs);
      FailureOr<SmallVector<Value>> applied = transposeOnce(block->getArguments(), false);
      if (failed(applied))
        return failure();
      SmallVector<Value> next;
      for (auto [xAdj, aw] : llvm::zip(resultAdjs, *applied))
        next.push_back(buildElementwiseAdd(b, loc, xAdj, aw));
      b.create<YieldOp>(loc, next);
    }
    return success(succeeded(transposeOnce(solve.getResults(), true)));
  }
};

struct IfTranspose : TransposeOpInterface::ExternalModel<IfTranspose, IfOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto ifOp = cast<IfOp>(op);
    Location loc = ifOp.getLoc();
    Slots slots;
    for (Region *branch : {&ifOp.getThenRegion(), &ifOp.getElseRegion()})
      for (Value captured : state.capturedLinearValues(*branch))
        slots.values.insert(captured);
    SmallVector<Value> inits = slots.initialState(b, loc, state);
    SmallVector<Value> resultAdjs;
    for (Value result : ifOp.getResults())
      resultAdjs.push_back(state.adjoint(result));
    auto newIf = b.create<IfOp>(loc, ValueRange(inits).getTypes(),
                                state.primal(ifOp.getCondition()));
    bool ok = true;
    for (auto [from, to] : {std::pair(&ifOp.getThenRegion(), &newIf.getThenRegion()),
                            std::pair(&ifOp.getElseRegion(), &newIf.getElseRegion())}) {
      OpBuilder::InsertionGuard guard(b);
      b.createBlock(to);
      slots.enter(state, inits);
      Block &branch = from->front();
      ValueRange yields = cast<YieldOp>(branch.getTerminator()).getValues();
      for (auto [resultAdj, yielded] : llvm::zip(resultAdjs, yields))
        if (resultAdj && state.isLinear(yielded))
          state.addAdjoint(b, loc, yielded, resultAdj);
      ok &= succeeded(state.transposeBlock(b, branch));
      b.create<YieldOp>(loc, slots.currentState(b, loc, state));
    }
    slots.leave(state, newIf.getResults());
    return success(ok);
  }
};
} // namespace

void fad::detail::registerLoopTransposes(MLIRContext *ctx) {
  ForOp::attachInterface<ForTranspose>(*ctx);
  WhileOp::attachInterface<WhileTranspose>(*ctx);
  IfOp::attachInterface<IfTranspose>(*ctx);
  FixpointOp::attachInterface<FixpointTranspose>(*ctx);
}
