//===- AccumulationPatterns.cpp - Accumulation rewrites ---------*- C++ -*-===//
//
// This file implements the rewrites of fad-fuse that change how a transposed
// body accumulates an adjoint: a one-hot adjoint (of a minimum or maximum)
// added to one element instead of a dense array, a loop state only added into
// at the counter built instead, and a row adjoint accumulated in place into
// the outer accumulator's row instead of private zeros. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "AccumulationPatterns.h"
#include "FusionUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace fad;
using namespace fad::fusion;

namespace {
/// The index j and value v of a one-hot array `build n (\i -> if i == j
/// then v else 0)` (the adjoint a minimum or maximum sends to the element it
/// selected), with j and v defined outside the build.
struct OneHot {
  BuildOp build;
  Value index, value;
};
static std::optional<OneHot> matchOneHot(Value array) {
  auto build = array.getDefiningOp<BuildOp>();
  if (!build || build->getNumResults() != 1)
    return std::nullopt;
  Block &body = build.getBody().front();
  auto select = body.getTerminator()->getOperand(0).getDefiningOp<arith::SelectOp>();
  auto cmp = select ? select.getCondition().getDefiningOp<arith::CmpIOp>() : nullptr;
  if (!cmp || (cmp.getPredicate() != arith::CmpIPredicate::eq &&
               cmp.getPredicate() != arith::CmpIPredicate::ne))
    return std::nullopt;
  bool eq = cmp.getPredicate() == arith::CmpIPredicate::eq;
  Value value = eq ? select.getTrueValue() : select.getFalseValue();
  Value zero = eq ? select.getFalseValue() : select.getTrueValue();
  Value i = body.getArgument(0);
  Value index = cmp.getLhs() == i ? cmp.getRhs() : cmp.getRhs() == i ? cmp.getLhs() : Value();
  auto outside = [&](Value v) { return !build.getBody().isAncestor(v.getParentRegion()); };
  if (!index || !outside(index) || !outside(value) || !matchPattern(zero, m_AnyZeroFloat()))
    return std::nullopt;
  return OneHot{build, index, value};
}

/// Whether `v` is 0 whenever `seed` is (in exact arithmetic), by the ops
/// between them: products with it, sums, differences and quotients of such
/// values, and maps and builds of them.
static bool vanishesWith(Value v, Value seed, DenseMap<Value, bool> &memo) {
  if (v == seed)
    return true;
  if (auto it = memo.find(v); it != memo.end())
    return it->second;
  memo[v] = false;
  auto holds = [&](Value w) { return vanishesWith(w, seed, memo); };
  bool result = false;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (auto map = dyn_cast<MapOp>(arg.getOwner()->getParentOp()))
      result = holds(map.getInputs()[arg.getArgNumber()]);
  } else {
    Operation *op = v.getDefiningOp();
    if (isa<MulOp>(op))
      result = holds(op->getOperand(0)) || holds(op->getOperand(1));
    else if (isa<AddOp, SubOp>(op))
      result = holds(op->getOperand(0)) && holds(op->getOperand(1));
    else if (isa<NegOp, DivOp, IndexOp>(op))
      result = holds(op->getOperand(0));
    else if (auto select = dyn_cast<arith::SelectOp>(op))
      result = holds(select.getTrueValue()) && holds(select.getFalseValue());
    else if (isa<MapOp, BuildOp>(op))
      result = holds(op->getRegion(0).front().getTerminator()->getOperand(
          cast<OpResult>(v).getResultNumber()));
    else
      result = isa<ZerosLikeOp>(op) || matchPattern(v, m_AnyZeroFloat());
  }
  return memo[v] = result;
}

/// acc + map f xs (build n (\i -> if i == j then v else 0)), with f zero
/// where its one-hot argument is  ->  add_at acc[j] (f xs[j] v), when
/// 0 <= j < n (else acc). The adjoint of a minimum or maximum over an array
/// computed by a map reaches one element; accumulating the map's dense
/// array of contributions, all zero but one, cost n times the work.
/// (Exact in real arithmetic; a non-finite value in an unselected element,
/// which would have made a NaN of 0 * inf, is not read.)
struct AccumulateOneHotMap : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp map, PatternRewriter &rw) const override {
    std::optional<OneHot> hot;
    unsigned k = 0;
    for (auto [j, input] : llvm::enumerate(map.getInputs()))
      if ((hot = matchOneHot(input))) {
        k = j;
        break;
      }
    if (!hot)
      return rw.notifyMatchFailure(map, "no input is a one-hot array");
    if (map->use_empty())
      return rw.notifyMatchFailure(map, "the map is unused");
    auto acc = dyn_cast<MapOp>(*map->user_begin());
    if (!acc || acc->getBlock() != map->getBlock() ||
        llvm::any_of(map->getResults(), [&](Value r) {
          return !r.hasOneUse() || *r.user_begin() != acc.getOperation();
        }))
      return rw.notifyMatchFailure(map, "the results are not read by one map of the block alone");
    // Running the body for one element only drops only checks of the others.
    if (!onlyChecksAsEffects(map.getBody()))
      return rw.notifyMatchFailure(map, "the body has effects other than checks");
    auto sums = matchElementwiseSums(acc);
    if (!sums)
      return rw.notifyMatchFailure(map, "the reader is not an elementwise sum");
    Operation *yield = map.getBody().front().getTerminator();
    Value seed = map.getBody().getArgument(k);
    DenseMap<Value, bool> memo;
    // For each result of acc: the accumulator and the result of map added.
    SmallVector<std::pair<Value, unsigned>> terms;
    for (auto [a, b] : *sums) {
      Value x = acc.getInputs()[a], y = acc.getInputs()[b];
      if (x.getDefiningOp() == map.getOperation())
        std::swap(x, y);
      if (x.getDefiningOp() == map.getOperation() || y.getDefiningOp() != map.getOperation())
        return rw.notifyMatchFailure(map, "a sum does not add a result to an accumulator");
      unsigned r = cast<OpResult>(y).getResultNumber();
      if (!vanishesWith(yield->getOperand(r), seed, memo))
        return rw.notifyMatchFailure(map, "a result is not zero where the one-hot array is");
      terms.push_back({x, r});
    }

    Location loc = acc.getLoc();
    rw.setInsertionPoint(acc);
    Value n = hot->build.getSize(), j = hot->index;
    // The extent checks of both maps.
    SmallVector<Value> others(map.getInputs());
    others.erase(others.begin() + k);
    for (auto [accumulator, r] : terms)
      others.push_back(accumulator);
    assertExtents(rw, loc, n, others);
    auto ifOp = rw.create<IfOp>(loc, acc.getResultTypes(), inBounds(rw, loc, j, n));
    {
      OpBuilder::InsertionGuard guard(rw);
      rw.createBlock(&ifOp.getThenRegion());
      // 0 <= j < n, the extent of the other inputs (checked above).
      SmallVector<Value> contributions =
          inlineBody(rw, map.getBody(), elementsAt(rw, loc, map, j, k, hot->value));
      SmallVector<Value> updated;
      for (auto [accumulator, r] : terms)
        updated.push_back(
            rw.create<AddAtOp>(loc, accumulator, ValueRange{j}, contributions[r]));
      rw.create<YieldOp>(loc, updated);
      rw.createBlock(&ifOp.getElseRegion());
      SmallVector<Value> unchanged;
      for (auto [accumulator, r] : terms)
        unchanged.push_back(accumulator);
      rw.create<YieldOp>(loc, unchanged);
    }
    rw.replaceOp(acc, ifOp.getResults());
    rw.eraseOp(map);
    if (hot->build->use_empty())
      rw.eraseOp(hot->build);
    return success();
  }
};

/// add_at acc[is] (add_at (zeros_like row)[js] v)  ->  add_at acc[is, js] v.
/// The transpose of indexing an element of a row (`m[r][c]` in a loop over
/// c) adds a one-hot row to the adjoint's row: each element then cost a
/// cleared row and a row's additions. (The row's adjoint has the row's
/// shape, so the indices are in bounds of both or of neither.)
struct AccumulateOneHotRow : OpRewritePattern<AddAtOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddAtOp addAt, PatternRewriter &rw) const override {
    auto inner = addAt.getValue().getDefiningOp<AddAtOp>();
    if (!inner || !inner->hasOneUse() || !inner.getArray().getDefiningOp<ZerosLikeOp>())
      return rw.notifyMatchFailure(addAt, "does not add a one-hot array");
    SmallVector<Value> indices(addAt.getIndices());
    llvm::append_range(indices, inner.getIndices());
    rw.replaceOpWithNewOp<AddAtOp>(addAt, addAt.getArray(), indices, inner.getValue());
    rw.eraseOp(inner);
    return success();
  }
};

/// Whether `build` has one result, all zeros: its body only yields a zero.
static bool isZeroBuild(BuildOp build) {
  Block &body = build.getBody().front();
  return build->getNumResults() == 1 && &body.front() == body.getTerminator() &&
         matchPattern(body.getTerminator()->getOperand(0), m_AnyZeroFloat());
}

/// Whether `array` is zeros of extent `n`: a build of n zeros, or zeros_like
/// of an array whose extent is known to be n.
static bool isZerosOfExtent(Value array, Value n) {
  if (auto build = array.getDefiningOp<BuildOp>())
    return build.getSize() == n && isZeroBuild(build);
  auto zeros = array.getDefiningOp<ZerosLikeOp>();
  if (!zeros)
    return false;
  Value source = extentSource(zeros.getOperand());
  if (source == n)
    return true;
  auto dim = n.getDefiningOp<DimOp>();
  return dim && dim.getDim() == 0 && dim.getArray() == source;
}

/// The ops of `block` that `v` depends on, in block order, if none has
/// regions or effects and none reads a block argument in `excluded`.
static std::optional<SmallVector<Operation *>> pureSlice(Value v, Block &block,
                                                         ValueRange excluded) {
  std::optional<SmallVector<Operation *>> slice = sliceInBlock(v, block);
  auto isExcluded = [&](Value w) { return llvm::is_contained(excluded, w); };
  if (!slice || isExcluded(v) || llvm::any_of(*slice, [&](Operation *op) {
        return !isMemoryEffectFree(op) || llvm::any_of(op->getOperands(), isExcluded);
      }))
    return std::nullopt;
  return slice;
}

/// Whether `result` is only added to a row of another array: AccumulateIntoRow
/// then accumulates there in place, which is cheaper than building it.
static bool addedIntoRow(Value result) {
  if (!result.hasOneUse())
    return false;
  auto addAt = dyn_cast<AddAtOp>(*result.user_begin());
  return addAt && addAt.getValue() == result;
}

/// for i < n iter(..., zeros of extent n, ...) {... add_at acc[i] (v i) ...}
/// ->  build n (\i -> v i), when the state is only that add_at (at the
/// counter) and yielded, and v reads no state: each element is written
/// once, by its own iteration. A transposed elementwise body (the final
/// combination of ode's RK4 stages) spreads one adjoint into several fresh
/// arrays this way; as builds, they fuse into their readers. (Not for a
/// state only added into a row: see addedIntoRow.)
struct ElementwiseAccumulationToBuild : OpRewritePattern<ForOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ForOp loop, PatternRewriter &rw) const override {
    Block &body = loop.getBody().front();
    Value i = body.getArgument(0);
    Operation *yield = body.getTerminator();
    ValueRange state = body.getArguments().drop_front();
    for (auto [k, arg] : llvm::enumerate(state)) {
      if (!isZerosOfExtent(loop.getInits()[k], loop.getCount()) || !arg.hasOneUse() ||
          addedIntoRow(loop->getResult(k)))
        continue;
      auto addAt = dyn_cast<AddAtOp>(*arg.user_begin());
      // Scalars only: a row of another extent would be an error in the loop.
      if (!addAt || addAt->getBlock() != &body || addAt.getArray() != arg ||
          isa<RankedTensorType>(addAt.getValue().getType()) ||
          addAt.getIndices().size() != 1 || addAt.getIndices()[0] != i ||
          !addAt.getResult().hasOneUse() || *addAt.getResult().user_begin() != yield ||
          yield->getOperand(k) != addAt.getResult())
        continue;
      std::optional<SmallVector<Operation *>> slice = pureSlice(addAt.getValue(), body, state);
      if (!slice)
        continue;
      Location loc = loop.getLoc();
      rw.setInsertionPoint(loop);
      auto build = rw.create<BuildOp>(loc, TypeRange{arg.getType()}, loop.getCount());
      {
        OpBuilder::InsertionGuard guard(rw);
        Block *block = rw.createBlock(&build.getBody(), {}, {rw.getI64Type()}, {loc});
        IRMapping mapping;
        mapping.map(i, block->getArgument(0));
        for (Operation *op : *slice)
          rw.clone(*op, mapping);
        rw.create<YieldOp>(loc, ValueRange{mapping.lookupOrDefault(addAt.getValue())});
      }
      rw.replaceAllUsesWith(loop->getResult(k), build.getResult(0));
      // The state now passes through unchanged (DropUnneededState).
      rw.modifyOpInPlace(yield, [&] { yield->setOperand(k, arg); });
      rw.eraseOp(addAt);
      return success();
    }
    return rw.notifyMatchFailure(loop, "no state is only added into at the counter");
  }
};

/// Retypes the accumulator chain from `acc` (see onlyAccumulates) to `type`,
/// the type of the array whose row `i` it was: each add_at gets `i` in front
/// of its indices.
static void accumulateIntoRow(PatternRewriter &rw, Value acc, Type type, Value i) {
  // Extents of the row are those of the array's next dimension.
  for (OpOperand &use : llvm::make_early_inc_range(acc.getUses()))
    if (auto dim = dyn_cast<DimOp>(use.getOwner())) {
      rw.setInsertionPoint(dim);
      rw.replaceOpWithNewOp<DimOp>(dim, acc, dim.getDim() + 1);
    }
  OpOperand &use = *llvm::find_if(acc.getUses(), [](OpOperand &use) {
    return !isa<DimOp>(use.getOwner());
  });
  Operation *user = use.getOwner();
  if (auto addAt = dyn_cast<AddAtOp>(user)) {
    rw.setInsertionPoint(addAt);
    SmallVector<Value> indices{i};
    llvm::append_range(indices, addAt.getIndices());
    auto wide = rw.create<AddAtOp>(addAt.getLoc(), acc, indices, addAt.getValue());
    rw.replaceOp(addAt, wide.getResult());
    accumulateIntoRow(rw, wide.getResult(), type, i);
  } else if (auto inner = dyn_cast<ForOp>(user)) {
    unsigned p = use.getOperandNumber() - 1;
    Value arg = inner.getBody().front().getArgument(p + 1);
    rw.modifyOpInPlace(inner, [&] {
      arg.setType(type);
      inner.getResult(p).setType(type);
    });
    accumulateIntoRow(rw, arg, type, i);
    accumulateIntoRow(rw, inner.getResult(p), type, i);
  }
}

/// add_at outer[i] (for ... iter(zeros_like row) {accumulates into its
/// state})  ->  for ... iter(outer) {accumulates into outer[i, ...]}. A
/// transposed body collects an adjoint (of a row of a captured array: gmm's
/// L_j) into private zeros and then adds it to the outer adjoint's row;
/// accumulating there directly saves clearing and adding the row.
struct AccumulateIntoRow : OpRewritePattern<AddAtOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddAtOp addAt, PatternRewriter &rw) const override {
    auto result = dyn_cast<OpResult>(addAt.getValue());
    auto loop = result ? dyn_cast<ForOp>(result.getOwner()) : ForOp();
    // In the loop's block, so that what is defined before the add_at in
    // another block is defined before the loop too.
    if (addAt.getIndices().size() != 1 || !loop || !result.hasOneUse() ||
        addAt->getBlock() != loop->getBlock())
      return rw.notifyMatchFailure(addAt, "does not add a loop's result, read once, of its block");
    unsigned k = result.getResultNumber();
    Value i = addAt.getIndices().front(), outer = addAt.getArray();
    Value arg = loop.getBody().front().getArgument(k + 1);
    if (!loop.getInits()[k].getDefiningOp<ZerosLikeOp>() || !definedBefore(i, loop) ||
        !definedBefore(outer, loop) || !onlyAccumulates(arg, loop, k))
      return rw.notifyMatchFailure(addAt, "the loop does not only accumulate into private zeros");
    Type type = outer.getType();
    rw.modifyOpInPlace(loop, [&] {
      loop->setOperand(k + 1, outer);
      arg.setType(type);
      result.setType(type);
    });
    accumulateIntoRow(rw, arg, type, i);
    rw.replaceOp(addAt, result);
    return success();
  }
};

/// The extent of `v` if it is an array of zeros (a build yielding a zero,
/// zeros_like), a null value for the scalar zero, std::nullopt otherwise.
static std::optional<Value> zerosExtent(PatternRewriter &rw, Value v) {
  if (matchPattern(v, m_AnyZeroFloat()) || matchPattern(v, m_Zero()))
    return Value();
  if (auto build = v.getDefiningOp<BuildOp>(); build && isZeroBuild(build))
    return build.getSize();
  if (auto zeros = v.getDefiningOp<ZerosLikeOp>();
      zeros && cast<RankedTensorType>(zeros.getType()).getRank() == 1)
    return rw.create<DimOp>(zeros.getLoc(), zeros.getOperand(), 0).getResult();
  return std::nullopt;
}

/// The other operand of `user` if it adds `value` to it: a scalar fad.add,
/// or a map adding two vectors elementwise.
static Value addedTo(Operation *user, Value value) {
  if (isa<AddOp>(user))
    return user->getOperand(user->getOperand(0) == value ? 1 : 0);
  auto map = dyn_cast<MapOp>(user);
  if (!map || map.getInputs().size() != 2 || map->getNumResults() != 1 ||
      cast<RankedTensorType>(value.getType()).getRank() != 1)
    return {};
  Block &body = map.getBody().front();
  auto add = dyn_cast<AddOp>(body.front());
  if (!add || add->getNextNode() != body.getTerminator() ||
      body.getTerminator()->getOperand(0) != add.getResult() ||
      !llvm::is_contained(add->getOperands(), body.getArgument(0)) ||
      !llvm::is_contained(add->getOperands(), body.getArgument(1)))
    return {};
  return map.getInputs()[map.getInputs()[0] == value ? 1 : 0];
}

/// acc + (if c then 0 else e)  ->  if c then acc else acc + e, for a result
/// of the if read only by that addition (scalars, or vectors added
/// elementwise). A sum over a build whose body is zero under a condition (a
/// skinning weight that is zero, a masked term) then adds only its nonzero
/// terms: forward mode would otherwise add every term's zero tangent lanes.
/// (Exact: adding a zero changes no sum, up to the sign of a zero sum. The
/// zero branch still checks the extents the map would have.)
struct AddOnlyNonzeroBranch : OpRewritePattern<IfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IfOp ifOp, PatternRewriter &rw) const override {
    for (OpResult result : ifOp->getResults()) {
      if (!result.hasOneUse())
        continue;
      Operation *user = *result.user_begin();
      Value acc = addedTo(user, result);
      if (!acc || acc == result || user->getBlock() != ifOp->getBlock() ||
          !definedBefore(acc, ifOp))
        continue;
      unsigned k = result.getResultNumber();
      Operation *thenYield = ifOp.getThenRegion().front().getTerminator();
      Operation *elseYield = ifOp.getElseRegion().front().getTerminator();
      Operation *zeroYield = nullptr, *otherYield = nullptr;
      std::optional<Value> extent;
      for (auto [yield, other] : {std::pair{thenYield, elseYield}, {elseYield, thenYield}}) {
        OpBuilder::InsertionGuard guard(rw);
        rw.setInsertionPoint(yield);
        if ((extent = zerosExtent(rw, yield->getOperand(k)))) {
          zeroYield = yield, otherYield = other;
          break;
        }
      }
      if (!zeroYield)
        continue;
      Location loc = user->getLoc();
      rw.setInsertionPoint(zeroYield);
      if (*extent)
        assertExtents(rw, loc, *extent, acc);
      rw.modifyOpInPlace(zeroYield, [&] { zeroYield->setOperand(k, acc); });
      rw.setInsertionPoint(otherYield);
      IRMapping mapping;
      mapping.map(result, otherYield->getOperand(k));
      Operation *sum = rw.clone(*user, mapping);
      rw.modifyOpInPlace(otherYield, [&] { otherYield->setOperand(k, sum->getResult(0)); });
      rw.replaceOp(user, result);
      return success();
    }
    return rw.notifyMatchFailure(ifOp, "no result is a term added to a sum, zero in a branch");
  }
};

/// sum (map (\.. -> k * t) xs)  ->  k * sum ts, for a factor k that is the
/// same at every element (defined outside the map, or a broadcast input)
/// and a term t whose array the program already has: an input of the map,
/// or a result the map also yields. (Equal in real arithmetic, and within
/// rounding, as any regrouping of a sum is: fad's sums leave their grouping
/// unspecified.) A transposed body scales adjoints by values it computed
/// once outside (1/s for the softmax); their sum then reads an array the
/// primal summed already, and CSE merges the two sums.
struct FactorOutOfSum : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceOp sum, PatternRewriter &rw) const override {
    if (sum.getInits().size() != 1 || !matchPattern(sum.getInits()[0], m_AnyZeroFloat()))
      return rw.notifyMatchFailure(sum, "not a fold of one array from 0");
    Block &body = sum.getBody().front();
    auto add = body.getTerminator()->getOperand(0).getDefiningOp<AddOp>();
    if (!add || !llvm::is_contained(add->getOperands(), body.getArgument(0)) ||
        !llvm::is_contained(add->getOperands(), body.getArgument(1)))
      return rw.notifyMatchFailure(sum, "not a sum");
    auto map = sum.getInputs()[0].getDefiningOp<MapOp>();
    if (!map)
      return rw.notifyMatchFailure(sum, "not a sum of a map's result");
    Operation *yield = map.getBody().front().getTerminator();
    unsigned r = cast<OpResult>(sum.getInputs()[0]).getResultNumber();
    auto mul = yield->getOperand(r).getDefiningOp<MulOp>();
    if (!mul)
      return rw.notifyMatchFailure(sum, "the element is not a product");
    // The factor's value outside the map, or null if it varies.
    auto invariant = [&](Value v) -> Value {
      if (auto arg = dyn_cast<BlockArgument>(v); arg && arg.getOwner() == &map.getBody().front())
        return broadcastValue(map.getInputs()[arg.getArgNumber()]);
      return map.getBody().isAncestor(v.getParentRegion()) ? nullptr : v;
    };
    // The array of the term's elements, or null if the program has none.
    auto arrayOf = [&](Value v) -> Value {
      if (auto arg = dyn_cast<BlockArgument>(v); arg && arg.getOwner() == &map.getBody().front())
        return map.getInputs()[arg.getArgNumber()];
      for (auto [r, yielded] : llvm::enumerate(yield->getOperands()))
        if (yielded == v)
          return map.getResult(r);
      return nullptr;
    };
    for (auto [factor, term] : {std::pair(mul.getLhs(), mul.getRhs()),
                                std::pair(mul.getRhs(), mul.getLhs())}) {
      Value k = invariant(factor), terms = arrayOf(term);
      if (!k || !terms)
        continue;
      Location loc = sum.getLoc();
      // The map's check that its inputs agree, should the map die.
      assertExtents(rw, loc, rw.create<DimOp>(loc, map.getInputs()[0], 0), map.getInputs());
      auto newSum = rw.create<ReduceOp>(loc, sum.getResultTypes(), sum.getInits(),
                                        ValueRange{terms});
      rw.inlineRegionBefore(sum.getBody(), newSum.getBody(), newSum.getBody().end());
      rw.replaceOpWithNewOp<MulOp>(sum, k, newSum.getResult(0));
      return success();
    }
    return rw.notifyMatchFailure(sum, "no factor is the same at every element");
  }
};
} // namespace

void fad::populateOneHotAccumulationPatterns(RewritePatternSet &patterns) {
  patterns.add<AccumulateOneHotMap, AccumulateOneHotRow>(patterns.getContext());
}

void fad::populateElementwiseAccumulationPatterns(RewritePatternSet &patterns) {
  patterns.add<ElementwiseAccumulationToBuild, AddOnlyNonzeroBranch>(patterns.getContext());
}

void fad::populateInPlaceAccumulationPatterns(RewritePatternSet &patterns) {
  patterns.add<AccumulateIntoRow>(patterns.getContext());
}

void fad::populateSumFactoringPatterns(RewritePatternSet &patterns) {
  patterns.add<FactorOutOfSum>(patterns.getContext());
}
