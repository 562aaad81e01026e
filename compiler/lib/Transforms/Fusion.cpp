//===- Fusion.cpp - The fad-fuse pass -----------------------------*- C++ -*-===//
//
// This file implements fad-fuse: maps fused into the maps and reductions
// that consume them, so that AD's output (which produces many small maps,
// one per elementwise op of a linearized body) does not build intermediate
// arrays it only reads once; then loop-invariant ops hoisted out of
// structured bodies. See Passes.td for the rewrites.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

namespace fad {
#define GEN_PASS_DEF_FADFUSE
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

/// Whether fusing `producer` (a map or build) into `user` would move a
/// costly body (isCostlyToRecompute) into a loop or structured op that
/// `producer` is outside of: it would run once per iteration of that loop
/// instead of once (gmm's exp(q) rows, read per point and component).
static bool movesCostlyIntoLoop(Operation *producer, Operation *user) {
  bool costly = producer->walk([](Operation *op) {
                          return isCostlyToRecompute(op) ? WalkResult::interrupt()
                                                         : WalkResult::advance();
                        }).wasInterrupted();
  if (!costly)
    return false;
  for (Operation *op = user->getParentOp(); op && op != producer->getParentOp();
       op = op->getParentOp())
    if (isa<MapOp, BuildOp, ReduceOp, ScanOp, ForOp, WhileOp, FixpointOp>(op))
      return true;
  return false;
}

/// The build producing `array` if its body may be inlined where `user`
/// reads the array: a build with a single result that has no other use, or
/// that only yields a value defined outside or its index (a broadcast,
/// which costs nothing to inline at every use), and that does not move a
/// costly body into a loop.
static BuildOp fusibleBuild(Value array, Operation *user) {
  auto build = array.getDefiningOp<BuildOp>();
  if (!build || build->getNumResults() != 1 || movesCostlyIntoLoop(build, user))
    return nullptr;
  Block &body = build.getBody().front();
  bool broadcast = &body.front() == body.getTerminator();
  return array.hasOneUse() || broadcast ? build : nullptr;
}

/// Erases `op` if nothing uses it any more.
static void eraseIfUnused(PatternRewriter &rw, Operation *op) {
  if (op->use_empty())
    rw.eraseOp(op);
}

/// The map producing `array` if fusing it into its one user is safe: a map
/// with a single result that has no other use, and whose body would not run
/// more often (movesCostlyIntoLoop).
static MapOp fusibleProducer(Value array) {
  auto map = array.getDefiningOp<MapOp>();
  if (!map || map->getNumResults() != 1 || !array.hasOneUse() ||
      movesCostlyIntoLoop(map, *array.user_begin()))
    return nullptr;
  return map;
}

/// Whether the only effects of the ops in `body` are run-time checks: it
/// may run for fewer elements, or elsewhere, without changing the program.
static bool onlyChecksAsEffects(Region &body) {
  return !body.walk([](Operation *op) {
                return isa<AssertOp>(op) || isMemoryEffectFree(op) ? WalkResult::advance()
                                                                   : WalkResult::interrupt();
              }).wasInterrupted();
}

/// Checks, as a map over `arrays` would, that each has n elements.
static void assertExtents(PatternRewriter &rw, Location loc, Value n, ValueRange arrays) {
  for (Value array : arrays) {
    Value m = rw.create<DimOp>(loc, array, 0);
    Value same = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, n, m);
    rw.create<AssertOp>(loc, same, "map: arrays of different sizes", ValueRange{n, m});
  }
}

/// 0 <= i < n.
static Value inBounds(PatternRewriter &rw, Location loc, Value i, Value n) {
  Value zero = rw.create<arith::ConstantIntOp>(loc, 0, 64);
  return rw.create<arith::AndIOp>(
      loc, rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, i, zero),
      rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, i, n));
}

/// The elements at i of `map`'s inputs, read unchecked (the caller ensures
/// i is below their extent); input `skip`, if given, is `replacement`.
static SmallVector<Value> elementsAt(PatternRewriter &rw, Location loc, MapOp map, Value i,
                                     std::optional<unsigned> skip = std::nullopt,
                                     Value replacement = Value()) {
  SmallVector<Value> elements;
  for (auto [k, input] : llvm::enumerate(map.getInputs())) {
    if (k == skip) {
      elements.push_back(replacement);
      continue;
    }
    auto element = rw.create<IndexOp>(loc, map.getBody().getArgument(k).getType(), input,
                                      ValueRange{i});
    element->setAttr(kInBoundsAttr, rw.getUnitAttr());
    elements.push_back(element);
  }
  return elements;
}

/// Clones the ops of `body` (a single block) with its arguments bound to
/// `args`; returns the values it yields.
static SmallVector<Value> inlineBody(PatternRewriter &rw, Region &body, ValueRange args) {
  Block &block = body.front();
  IRMapping mapping;
  mapping.map(block.getArguments(), args);
  for (Operation &op : block.without_terminator())
    rw.clone(op, mapping);
  SmallVector<Value> results;
  for (Value v : block.getTerminator()->getOperands())
    results.push_back(mapping.lookupOrDefault(v));
  return results;
}

/// Replaces `reduce` by a fad.for over n iterations whose body combines the
/// accumulators with the elements that `elements(i)` computes.
static void replaceByLoop(PatternRewriter &rw, ReduceOp reduce, Value n,
                          function_ref<SmallVector<Value>(Value)> elements) {
  Location loc = reduce.getLoc();
  auto loop = rw.create<ForOp>(loc, reduce.getResultTypes(), n, reduce.getInits());
  loop->setAttr(kReductionAttr, rw.getUnitAttr());
  {
    OpBuilder::InsertionGuard guard(rw);
    SmallVector<Type> argTypes{rw.getI64Type()};
    llvm::append_range(argTypes, reduce.getInits().getTypes());
    SmallVector<Location> locs(argTypes.size(), loc);
    Block *block = rw.createBlock(&loop.getBody(), {}, argTypes, locs);
    SmallVector<Value> combineArgs(block->getArguments().drop_front());
    llvm::append_range(combineArgs, elements(block->getArgument(0)));
    rw.create<YieldOp>(loc, inlineBody(rw, reduce.getBody(), combineArgs));
  }
  rw.replaceOp(reduce, loop.getResults());
}

namespace {
/// map g (map f xs) ys  ->  map (g . f) xs ys
struct FuseMapIntoMap : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp outer, PatternRewriter &rw) const override {
    for (auto [k, input] : llvm::enumerate(outer.getInputs())) {
      MapOp inner = fusibleProducer(input);
      if (!inner)
        continue;
      // Inputs: the inner map's, then the outer map's others.
      SmallVector<Value> inputs(inner.getInputs());
      for (auto [j, other] : llvm::enumerate(outer.getInputs()))
        if (j != k)
          inputs.push_back(other);
      auto fused = rw.create<MapOp>(outer.getLoc(), outer.getResultTypes(), inputs);
      SmallVector<Type> argTypes;
      for (BlockArgument a : inner.getBody().getArguments())
        argTypes.push_back(a.getType());
      for (auto [j, a] : llvm::enumerate(outer.getBody().getArguments()))
        if (j != k)
          argTypes.push_back(a.getType());
      SmallVector<Location> locs(argTypes.size(), outer.getLoc());
      OpBuilder::InsertionGuard guard(rw);
      Block *block = rw.createBlock(&fused.getBody(), {}, argTypes, locs);
      size_t nInner = inner.getInputs().size();
      SmallVector<Value> element =
          inlineBody(rw, inner.getBody(), block->getArguments().take_front(nInner));
      SmallVector<Value> outerArgs;
      ValueRange others = block->getArguments().drop_front(nInner);
      for (size_t j = 0, o = 0; j < outer.getInputs().size(); ++j)
        outerArgs.push_back(j == k ? element[0] : others[o++]);
      rw.create<YieldOp>(outer.getLoc(), inlineBody(rw, outer.getBody(), outerArgs));
      rw.replaceOp(outer, fused.getResults());
      rw.eraseOp(inner);
      return success();
    }
    return failure();
  }
};

/// reduce op z (map f xs)  ->  for i < n: acc = op acc (f xs[i]), also for
/// a reduction of all results of one map (each read by nothing else), and
/// of some of them next to some of its inputs.
struct FuseMapIntoReduce : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceOp reduce, PatternRewriter &rw) const override {
    MapOp map;
    for (Value input : reduce.getInputs())
      if ((map = input.getDefiningOp<MapOp>()))
        break;
    if (!map || movesCostlyIntoLoop(map, reduce) || llvm::any_of(map->getResults(), [&](Value r) {
          return !r.hasOneUse() || *r.user_begin() != reduce.getOperation();
        }))
      return failure();
    // Each input of the reduce: a result of the map, or an input of it.
    SmallVector<std::pair<bool, unsigned>> sources;
    for (Value input : reduce.getInputs()) {
      if (input.getDefiningOp() == map.getOperation()) {
        sources.push_back({true, cast<OpResult>(input).getResultNumber()});
        continue;
      }
      auto it = llvm::find(map.getInputs(), input);
      if (it == map.getInputs().end())
        return failure();
      sources.push_back({false, unsigned(it - map.getInputs().begin())});
    }
    Location loc = reduce.getLoc();
    ValueRange arrays = map.getInputs();
    Value n = rw.create<DimOp>(loc, arrays[0], 0);
    assertExtents(rw, loc, n, arrays.drop_front());
    replaceByLoop(rw, reduce, n, [&](Value i) {
      // i < n, the extent of every array: the lowering need not check.
      SmallVector<Value> elements = elementsAt(rw, loc, map, i);
      SmallVector<Value> results = inlineBody(rw, map.getBody(), elements);
      SmallVector<Value> reduced;
      for (auto [isResult, k] : sources)
        reduced.push_back(isResult ? results[k] : elements[k]);
      return reduced;
    });
    rw.eraseOp(map);
    return success();
  }
};

/// reduce op z (build n f)  ->  for i < n: acc = op acc (f i)
struct FuseBuildIntoReduce : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceOp reduce, PatternRewriter &rw) const override {
    if (reduce.getInputs().size() != 1)
      return failure();
    Value array = reduce.getInputs()[0];
    BuildOp build = fusibleBuild(array, reduce);
    if (!build)
      return failure();
    Location loc = reduce.getLoc();
    Value n = build.getSize();
    // The build's own check, which the loop (running no iteration for a
    // negative count) would not make.
    Value zero = rw.create<arith::ConstantIntOp>(loc, 0, 64);
    rw.create<AssertOp>(loc, rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, n, zero),
                        "negative array size");
    replaceByLoop(rw, reduce, n,
                  [&](Value i) { return inlineBody(rw, build.getBody(), ValueRange{i}); });
    eraseIfUnused(rw, build);
    return success();
  }
};

/// for i < n: ... (map f xs)[i] ...  ->  for i < n: ... f xs[i] ..., when
/// the loop is the only reader of the map's results and reads them only at
/// its counter (a fold that is not a reduction, such as the loop finding a
/// minimum and its position for the minimum's adjoint).
struct FuseMapIntoFor : OpRewritePattern<ForOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ForOp loop, PatternRewriter &rw) const override {
    Block &body = loop.getBody().front();
    Value i = body.getArgument(0);
    auto readAtCounter = [&](Operation *user) {
      auto index = dyn_cast<IndexOp>(user);
      return index && loop->isAncestor(index) && index.getIndices().size() == 1 &&
             index.getIndices()[0] == i;
    };
    MapOp map;
    loop.getBody().walk([&](IndexOp index) {
      auto producer = index.getArray().getDefiningOp<MapOp>();
      if (!map && producer && producer->getBlock() == loop->getBlock() &&
          llvm::all_of(producer->getUsers(), readAtCounter) &&
          onlyChecksAsEffects(producer.getBody()))
        map = producer;
    });
    if (!map)
      return failure();
    Location loc = loop.getLoc();
    ValueRange arrays = map.getInputs();
    Value n = rw.create<DimOp>(loc, arrays[0], 0);
    assertExtents(rw, loc, n, arrays.drop_front());
    // The loop's reads at i < count checked i against the extent.
    auto countIsExtent = [&](Value count) {
      auto dim = count.getDefiningOp<DimOp>();
      return dim && dim.getDim() == 0 && llvm::is_contained(arrays, dim.getArray());
    };
    if (!countIsExtent(loop.getCount()))
      rw.create<AssertOp>(loc,
                          rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sle,
                                                   loop.getCount(), n),
                          "index out of bounds of a mapped array");
    rw.setInsertionPointToStart(&body);
    SmallVector<Value> results = inlineBody(rw, map.getBody(), elementsAt(rw, loc, map, i));
    for (OpResult result : map->getResults())
      for (Operation *user : llvm::make_early_inc_range(result.getUsers()))
        rw.replaceOp(user, results[result.getResultNumber()]);
    rw.eraseOp(map);
    return success();
  }
};

/// map f xs, map g xs (same inputs, same block)  ->  one map yielding both
/// (horizontal fusion: the inputs are read once).
struct FuseSiblingMaps : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp first, PatternRewriter &rw) const override {
    // The next map of the block over the same inputs, with nothing between
    // them that uses the first one's results (so the fused map can stand
    // where the second one is).
    MapOp second;
    for (Operation *op = first->getNextNode(); op && !second; op = op->getNextNode()) {
      auto map = dyn_cast<MapOp>(op);
      if (map && map.getInputs() == first.getInputs())
        second = map;
      else if (!isMemoryEffectFree(op) || llvm::any_of(first->getUsers(), [&](Operation *user) {
                 return op->isAncestor(user);
               }))
        return failure();
    }
    if (!second || llvm::any_of(first->getUsers(), [&](Operation *user) {
          return second->isAncestor(user);
        }))
      return failure();
    SmallVector<Type> types(first.getResultTypes());
    llvm::append_range(types, second.getResultTypes());
    rw.setInsertionPoint(second);
    auto fused = rw.create<MapOp>(second.getLoc(), types, second.getInputs());
    OpBuilder::InsertionGuard guard(rw);
    SmallVector<Type> argTypes(first.getBody().getArgumentTypes());
    SmallVector<Location> locs(argTypes.size(), second.getLoc());
    Block *block = rw.createBlock(&fused.getBody(), {}, argTypes, locs);
    SmallVector<Value> yields = inlineBody(rw, first.getBody(), block->getArguments());
    llvm::append_range(yields, inlineBody(rw, second.getBody(), block->getArguments()));
    rw.create<YieldOp>(second.getLoc(), yields);
    unsigned split = first->getNumResults();
    rw.replaceOp(first, fused.getResults().take_front(split));
    rw.replaceOp(second, fused.getResults().drop_front(split));
    return success();
  }
};

/// map g (build n f) ys  ->  build n (\i -> g (f i) ys[i]), when the build's
/// only result has no other use (the other inputs are checked to have n
/// elements, as the map would have).
struct FuseBuildIntoMap : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp map, PatternRewriter &rw) const override {
    for (auto [k, input] : llvm::enumerate(map.getInputs())) {
      BuildOp build = fusibleBuild(input, map);
      if (!build)
        continue;
      Location loc = map.getLoc();
      Value n = build.getSize();
      SmallVector<Value> others(map.getInputs());
      others.erase(others.begin() + k);
      assertExtents(rw, loc, n, others);
      auto fused = rw.create<BuildOp>(loc, map.getResultTypes(), n);
      OpBuilder::InsertionGuard guard(rw);
      Block *block = rw.createBlock(&fused.getBody(), {}, {rw.getI64Type()}, {loc});
      Value i = block->getArgument(0);
      // i < n, the extent of the other inputs (checked above).
      Value element = inlineBody(rw, build.getBody(), ValueRange{i})[0];
      rw.create<YieldOp>(loc,
                         inlineBody(rw, map.getBody(), elementsAt(rw, loc, map, i, k, element)));
      rw.replaceOp(map, fused.getResults());
      eraseIfUnused(rw, build);
      return success();
    }
    return failure();
  }
};

/// (build n f)[i]  ->  f i, when the build is fusible (fusibleBuild) and f
/// has no effects, after checking 0 <= i < n as the index would have
/// (unless the index is marked in bounds).
struct FuseBuildIntoIndex : OpRewritePattern<IndexOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IndexOp index, PatternRewriter &rw) const override {
    BuildOp build = fusibleBuild(index.getArray(), index);
    if (!build || index.getIndices().size() != 1)
      return failure();
    // A body with effects (a progress report, a check) must run n times.
    if (build.getBody().walk([](Operation *op) {
          return isMemoryEffectFree(op) ? WalkResult::advance() : WalkResult::interrupt();
        }).wasInterrupted())
      return failure();
    Location loc = index.getLoc();
    Value i = index.getIndices()[0];
    // (An index marked in bounds is below the array's extent, the size.)
    if (!index->hasAttr(kInBoundsAttr))
      rw.create<AssertOp>(loc, inBounds(rw, loc, i, build.getSize()),
                          "index out of bounds of a built array");
    rw.replaceOp(index, inlineBody(rw, build.getBody(), ValueRange{i}));
    eraseIfUnused(rw, build);
    return success();
  }
};

/// A copy of `op` (a map or build) before it that yields only its results
/// `keep`, in that order. Ops of the body left unused are erased by the
/// rewrite driver.
static Operation *withResults(PatternRewriter &rw, Operation *op, ArrayRef<unsigned> keep) {
  SmallVector<Type> types;
  for (unsigned r : keep)
    types.push_back(op->getResult(r).getType());
  OperationState state(op->getLoc(), op->getName(), op->getOperands(), types, op->getAttrs());
  state.addRegion();
  rw.setInsertionPoint(op);
  Operation *copy = rw.create(state);
  rw.cloneRegionBefore(op->getRegion(0), copy->getRegion(0), copy->getRegion(0).end());
  Operation *yield = copy->getRegion(0).front().getTerminator();
  SmallVector<Value> kept;
  for (unsigned r : keep)
    kept.push_back(yield->getOperand(r));
  rw.modifyOpInPlace(yield, [&] { yield->setOperands(kept); });
  return copy;
}

/// A map or build some of whose results are unused  ->  one yielding the
/// others (an op with no used result is left to eraseDeadComputations).
template <typename OpTy>
struct DropUnusedResults : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rw) const override {
    SmallVector<unsigned> used;
    for (OpResult result : op->getResults())
      if (!result.use_empty())
        used.push_back(result.getResultNumber());
    if (used.empty() || used.size() == op->getNumResults())
      return failure();
    Operation *trimmed = withResults(rw, op, used);
    for (auto [k, r] : llvm::enumerate(used))
      rw.replaceAllUsesWith(op->getResult(r), trimmed->getResult(k));
    rw.eraseOp(op);
    return success();
  }
};

/// A result of `map f xs` that f yields as its argument k unchanged (a
/// transposed body passing an adjoint through)  ->  xs[k] itself, which
/// has the map's extent and the result's type.
struct ForwardMapArguments : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp map, PatternRewriter &rw) const override {
    Block &body = map.getBody().front();
    bool changed = false;
    for (auto [result, yielded] :
         llvm::zip(map->getResults(), body.getTerminator()->getOperands())) {
      auto arg = dyn_cast<BlockArgument>(yielded);
      if (!arg || arg.getOwner() != &body || result.use_empty())
        continue;
      Value input = map.getInputs()[arg.getArgNumber()];
      if (input.getType() != result.getType())
        continue;
      rw.replaceAllUsesWith(result, input);
      changed = true;
    }
    return success(changed);
  }
};

/// The ops of `block` that `v` depends on (through operands; nothing nested
/// is looked into), in block order; std::nullopt if one of them has regions.
static std::optional<SmallVector<Operation *>> sliceInBlock(Value v, Block &block) {
  SetVector<Operation *> slice;
  SmallVector<Value> worklist{v};
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val().getDefiningOp();
    if (!op || op->getBlock() != &block || slice.contains(op))
      continue;
    if (op->getNumRegions() != 0)
      return std::nullopt;
    slice.insert(op);
    llvm::append_range(worklist, op->getOperands());
  }
  SmallVector<Operation *> ordered(slice.begin(), slice.end());
  llvm::sort(ordered, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return ordered;
}

/// Whether the ops of `block` that `v` depends on are cheap to compute again
/// (no nested regions, nothing costly) and read at most two arrays (block
/// arguments of a map, arrays a build indexes): computing v in a second
/// pass then reads no more than storing and reloading it would.
static bool cheapToRecompute(Value v, Block &block) {
  std::optional<SmallVector<Operation *>> slice = sliceInBlock(v, block);
  if (!slice || llvm::any_of(*slice, isCostlyToRecompute))
    return false;
  DenseSet<Value> arrays;
  auto readsElement = [&](Value w) {
    if (auto arg = dyn_cast<BlockArgument>(w);
        arg && arg.getOwner() == &block && isa<MapOp>(block.getParentOp()))
      arrays.insert(arg);
  };
  readsElement(v);
  for (Operation *op : *slice) {
    llvm::for_each(op->getOperands(), readsElement);
    if (auto index = dyn_cast<IndexOp>(op); index && index.getArray().getParentBlock() != &block)
      arrays.insert(index.getArray());
  }
  return arrays.size() <= 2;
}

/// reduce op z (result r of a map or build of several results)  ->  the
/// reduce of a map or build of that result alone, which then fuses into the
/// reduce, when the result is cheap to recompute (cheapToRecompute) and has
/// no other use: the array is neither stored nor read back (lse's adjoint
/// through the maximum is the sum of a second result of the softmax's map).
struct SplitResultForReduce : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceOp reduce, PatternRewriter &rw) const override {
    if (reduce.getInputs().size() != 1)
      return failure();
    auto array = dyn_cast<OpResult>(reduce.getInputs()[0]);
    Operation *producer = array ? array.getOwner() : nullptr;
    if (!isa_and_nonnull<MapOp, BuildOp>(producer) || producer->getNumResults() < 2 ||
        !array.hasOneUse())
      return failure();
    Block &body = producer->getRegion(0).front();
    unsigned r = array.getResultNumber();
    if (!cheapToRecompute(body.getTerminator()->getOperand(r), body))
      return failure();
    Operation *alone = withResults(rw, producer, {r});
    rw.modifyOpInPlace(reduce, [&] { reduce->setOperand(reduce.getInits().size(), alone->getResult(0)); });
    return success();
  }
};

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
    if (!hot || map->use_empty())
      return failure();
    auto acc = dyn_cast<MapOp>(*map->user_begin());
    if (!acc || acc->getBlock() != map->getBlock() ||
        llvm::any_of(map->getResults(), [&](Value r) {
          return !r.hasOneUse() || *r.user_begin() != acc.getOperation();
        }))
      return failure();
    // Running the body for one element only drops only checks of the others.
    if (!onlyChecksAsEffects(map.getBody()))
      return failure();
    auto sums = matchElementwiseSums(acc);
    if (!sums)
      return failure();
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
        return failure();
      unsigned r = cast<OpResult>(y).getResultNumber();
      if (!vanishesWith(yield->getOperand(r), seed, memo))
        return failure();
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

/// Moves the ops of structured bodies that do not depend on the iteration
/// before the structured op (innermost bodies first, so an op can climb
/// several levels). Only ops that cannot fail: an index (or add_at, or an
/// array literal's row check, or an integer division) hoisted out of a loop
/// that runs no iteration could fail where the program would not.
void hoistInvariants(Operation *root) {
  root->walk([](Operation *op) {
    if (!isa<MapOp, BuildOp, ReduceOp, ScanOp, ForOp>(op))
      return;
    Region &body = op->getRegion(0);
    for (Operation &inner : llvm::make_early_inc_range(body.front().without_terminator())) {
      bool canFail = isa<IndexOp, AddAtOp, ArrayOp>(inner) ||
                     (isa<DivOp, RemOp, PowOp>(inner) && inner.getResult(0).getType().isInteger());
      bool invariant = llvm::all_of(inner.getOperands(), [&](Value v) {
        return !body.isAncestor(v.getParentRegion());
      });
      if (inner.getNumRegions() == 0 && isPure(&inner) && !canFail && invariant)
        inner.moveBefore(op);
    }
  });
}

/// dim(map ... xs, 0) -> dim(xs, 0) and dim(build n f, 0) -> n: the extent
/// of a structured result without computing it (AD's reverse sweep asks for
/// extents of primal arrays it does not otherwise read, such as the array a
/// sum reduced).
struct OuterExtentFromOperands : OpRewritePattern<DimOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DimOp dim, PatternRewriter &rw) const override {
    if (dim.getDim() != 0)
      return failure();
    Operation *producer = dim.getArray().getDefiningOp();
    if (auto map = dyn_cast_or_null<MapOp>(producer)) {
      rw.replaceOpWithNewOp<DimOp>(dim, map.getInputs()[0], 0);
      return success();
    }
    if (auto build = dyn_cast_or_null<BuildOp>(producer)) {
      rw.replaceOp(dim, build.getSize());
      return success();
    }
    return failure();
  }
};

/// A value that stands for the outer extent of `array` without computing
/// it: a build's size, a map's first input's, a loop state's when every
/// iteration keeps it (ode's state, rebuilt each step with the same size);
/// `array` itself (meaning its dim) when nothing better is known.
static Value extentSource(Value array, unsigned depth = 0) {
  Operation *def = array.getDefiningOp();
  if (!def || depth > 8)
    return array;
  if (auto build = dyn_cast<BuildOp>(def))
    return build.getSize();
  if (auto map = dyn_cast<MapOp>(def))
    return extentSource(map.getInputs()[0], depth + 1);
  if (auto addAt = dyn_cast<AddAtOp>(def))
    return extentSource(addAt.getArray(), depth + 1);
  if (auto zeros = dyn_cast<ZerosLikeOp>(def))
    return extentSource(zeros.getOperand(), depth + 1);
  if (auto loop = dyn_cast<ForOp>(def)) {
    unsigned k = cast<OpResult>(array).getResultNumber();
    Block &body = loop.getBody().front();
    Value init = extentSource(loop.getInits()[k], depth + 1);
    Value next = extentSource(body.getTerminator()->getOperand(k), depth + 1);
    if (next == init || next == body.getArgument(k + 1))
      return init;
  }
  return array;
}

/// Whether `v` is defined before `op` (so that `op` may use it), for a `v`
/// that an op after `op` in its block uses.
static bool definedBefore(Value v, Operation *op) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return !op->isAncestor(cast<BlockArgument>(v).getOwner()->getParentOp());
  if (op->isAncestor(def))
    return false;
  return def->getBlock() != op->getBlock() || def->isBeforeInBlock(op);
}

/// The value that a check at the top level of `block` (before `before`, if
/// given) equates with extent `d` of `array`: `fad.assert (dim array[d] ==
/// x)`, as fadc checks the sizes of a function's arguments and results.
/// Past the check, the extent is x. Null when there is no such check.
static Value checkedExtent(Value array, int64_t d, Block *block, Operation *before = nullptr) {
  for (Operation *user : array.getUsers()) {
    auto dim = dyn_cast<DimOp>(user);
    if (!dim || (int64_t)dim.getDim() != d)
      continue;
    for (Operation *dimUser : dim->getUsers()) {
      auto cmp = dyn_cast<arith::CmpIOp>(dimUser);
      if (!cmp || cmp.getPredicate() != arith::CmpIPredicate::eq)
        continue;
      bool checked = llvm::any_of(cmp->getUsers(), [&](Operation *u) {
        return isa<AssertOp>(u) && u->getBlock() == block &&
               (!before || u->isBeforeInBlock(before));
      });
      if (checked)
        return cmp.getLhs() == dim.getResult() ? cmp.getRhs() : cmp.getLhs();
    }
  }
  return nullptr;
}

/// Whether result k of `loop` has the extents of its init: the outer one
/// by `extentSource`; each of the others because every iteration checks that
/// extent of the state it yields against a value x_d from outside the loop,
/// and the init is checked against the same x_d before the loop (lstm's
/// [l][b] states, checked as a function's result and argument).
static bool keepsExtents(ForOp loop, unsigned k) {
  Value init = loop.getInits()[k];
  Value yielded = loop.getBody().front().getTerminator()->getOperand(k);
  for (int64_t d = 0, rank = cast<RankedTensorType>(init.getType()).getRank(); d < rank; ++d) {
    if (d == 0 && extentSource(loop->getResult(k)) != loop->getResult(k))
      continue;
    Value x = checkedExtent(yielded, d, &loop.getBody().front());
    if (!x || !definedBefore(x, loop))
      return false;
    auto dimOfInit = x.getDefiningOp<DimOp>();
    bool initIsX = dimOfInit && dimOfInit.getArray() == init && (int64_t)dimOfInit.getDim() == d;
    if (!initIsX && checkedExtent(init, d, loop->getBlock(), loop) != x)
      return false;
  }
  return true;
}

/// dim(loop result, 0) and zeros_like(loop result) from the loop's init when
/// every iteration keeps the state's extents: the loop need not run for its
/// shape (fadc's check of an entry's result extent, and the seed of its
/// adjoint, ask for it).
struct LoopResultShape : OpRewritePattern<ForOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ForOp loop, PatternRewriter &rw) const override {
    bool changed = false;
    for (OpResult result : loop->getResults()) {
      auto type = dyn_cast<RankedTensorType>(result.getType());
      if (!type)
        continue;
      Value source = extentSource(result);
      bool kept = keepsExtents(loop, result.getResultNumber());
      for (Operation *user : llvm::make_early_inc_range(result.getUsers())) {
        rw.setInsertionPoint(user);
        if (auto dim = dyn_cast<DimOp>(user); dim && dim.getDim() == 0 && source != result) {
          rw.replaceOp(dim, source.getType().isInteger(64)
                                ? source
                                : rw.create<DimOp>(dim.getLoc(), source, 0).getResult());
          changed = true;
        } else if (auto zeros = dyn_cast<ZerosLikeOp>(user); zeros && kept) {
          rw.replaceOpWithNewOp<ZerosLikeOp>(zeros, loop.getInits()[result.getResultNumber()]);
          changed = true;
        }
      }
    }
    return success(changed);
  }
};

/// zeros_like(x) for a one-dimensional x computed by a map or build  ->  a
/// build of zeros over x's extent: x need not be computed for its shape
/// (a transposed body's private adjoint of a primal array it did not read).
struct ZerosOfComputedShape : OpRewritePattern<ZerosLikeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ZerosLikeOp zeros, PatternRewriter &rw) const override {
    Value x = zeros.getOperand();
    if (zeros.getType().getRank() != 1 || !isa_and_nonnull<MapOp, BuildOp>(x.getDefiningOp()))
      return failure();
    Location loc = zeros.getLoc();
    Value n = extentSource(x);
    if (n == x)
      return failure();
    if (!n.getType().isInteger(64))
      n = rw.create<DimOp>(loc, n, 0);
    auto build = rw.create<BuildOp>(loc, TypeRange{zeros.getType()}, n);
    {
      OpBuilder::InsertionGuard guard(rw);
      rw.createBlock(&build.getBody(), {}, {rw.getI64Type()}, {loc});
      rw.create<YieldOp>(loc, ValueRange{rw.create<arith::ConstantOp>(
                                  loc, rw.getZeroAttr(zeros.getType().getElementType()))});
    }
    rw.replaceOp(zeros, build.getResults());
    return success();
  }
};

/// zeros_like(tape[j])  ->  zeros_like(r), for a tape that a loop fills
/// only by adding into rows (add_at) from `build n (\_ -> r)` (or `build n
/// (\_ -> zeros_like r)`): every row has r's extents. A reverse sweep's tape
/// of a loop state that the transposed body reads only for its shape (lstm's
/// layer states, l x b values per layer step) then has no reader and is
/// dropped (DropUnneededState). j is still checked.
struct ZerosOfTapeRow : OpRewritePattern<ZerosLikeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ZerosLikeOp zeros, PatternRewriter &rw) const override {
    auto index = zeros.getOperand().getDefiningOp<IndexOp>();
    if (!index || index.getIndices().size() != 1)
      return failure();
    auto tape = dyn_cast<OpResult>(index.getArray());
    auto loop = dyn_cast_or_null<ForOp>(tape ? tape.getOwner() : nullptr);
    if (!loop)
      return failure();
    unsigned k = tape.getResultNumber();
    auto init = loop.getInits()[k].getDefiningOp<BuildOp>();
    Block &body = loop.getBody().front();
    if (!init || init->getNumResults() != 1 ||
        !isUpdateOf(body.getTerminator()->getOperand(k), body.getArgument(k + 1)))
      return failure();
    // The shape of the rows: r, or x for rows zeros_like(x) made in the body.
    Block &rows = init.getBody().front();
    Value shape = rows.getTerminator()->getOperand(0);
    if (auto rowZeros = shape.getDefiningOp<ZerosLikeOp>();
        rowZeros && rowZeros->getBlock() == &rows && &rows.front() == rowZeros)
      shape = rowZeros.getOperand();
    else if (&rows.front() != rows.getTerminator())
      return failure();
    if (init.getBody().isAncestor(shape.getParentRegion()) || shape.getType() != zeros.getType())
      return failure();
    {
      // Where the read was, which checked j there.
      OpBuilder::InsertionGuard guard(rw);
      rw.setInsertionPoint(index);
      Location loc = index.getLoc();
      rw.create<AssertOp>(loc, inBounds(rw, loc, index.getIndices()[0], init.getSize()),
                          "index out of bounds");
    }
    rw.replaceOpWithNewOp<ZerosLikeOp>(zeros, shape);
    return success();
  }
};

/// Whether `array` is zeros of extent `n`: a build of n zeros, or zeros_like
/// of an array whose extent is known to be n.
static bool isZerosOfExtent(Value array, Value n) {
  if (auto build = array.getDefiningOp<BuildOp>()) {
    Block &body = build.getBody().front();
    return build.getSize() == n && build->getNumResults() == 1 &&
           &body.front() == body.getTerminator() &&
           matchPattern(body.getTerminator()->getOperand(0), m_AnyZeroFloat());
  }
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
        return !isPure(op) || llvm::any_of(op->getOperands(), isExcluded);
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
    return failure();
  }
};

/// Whether `acc`, the value of state slot `slot` of `loop` (or one derived
/// from it), is only accumulated into up to the yield of that slot: each
/// value of the chain has one use, as the array of an add_at, as the state
/// of a nested fad.for that only accumulates into it, or as the yield.
static bool onlyAccumulates(Value acc, ForOp loop, unsigned slot, unsigned depth = 0) {
  if (depth > 64 || !acc.hasOneUse())
    return false;
  OpOperand &use = *acc.use_begin();
  Operation *user = use.getOwner();
  if (auto addAt = dyn_cast<AddAtOp>(user))
    return use.getOperandNumber() == 0 &&
           onlyAccumulates(addAt.getResult(), loop, slot, depth + 1);
  if (isa<YieldOp>(user))
    return user->getParentOp() == loop && use.getOperandNumber() == slot;
  auto inner = dyn_cast<ForOp>(user);
  if (!inner || use.getOperandNumber() == 0)
    return false;
  unsigned p = use.getOperandNumber() - 1;
  return onlyAccumulates(inner.getBody().front().getArgument(p + 1), inner, p, depth + 1) &&
         onlyAccumulates(inner.getResult(p), loop, slot, depth + 1);
}

/// A fad.for state component that every iteration yields unchanged is its
/// init throughout, and one that is only added into and whose result nobody
/// reads (a tape whose rows the reverse sweep no longer reads) is not
/// needed: the loop drops both.
struct DropUnneededState : OpRewritePattern<ForOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ForOp loop, PatternRewriter &rw) const override {
    Block &body = loop.getBody().front();
    Operation *yield = body.getTerminator();
    SmallVector<unsigned> unchanged;
    for (unsigned k = 0; k < loop.getInits().size(); ++k)
      if (yield->getOperand(k) == body.getArgument(k + 1) ||
          (loop->getResult(k).use_empty() && onlyAccumulates(body.getArgument(k + 1), loop, k)))
        unchanged.push_back(k);
    if (unchanged.empty())
      return failure();
    SmallVector<Value> inits;
    SmallVector<unsigned> kept;
    for (unsigned k = 0; k < loop.getInits().size(); ++k)
      if (!llvm::is_contained(unchanged, k)) {
        inits.push_back(loop.getInits()[k]);
        kept.push_back(k);
      }
    rw.setInsertionPoint(loop);
    auto narrow = rw.create<ForOp>(loop.getLoc(), ValueRange(inits).getTypes(), loop.getCount(), inits);
    narrow->setAttrs(loop->getAttrs());
    rw.inlineRegionBefore(loop.getBody(), narrow.getBody(), narrow.getBody().end());
    SmallVector<Value> yields;
    for (unsigned k : kept)
      yields.push_back(yield->getOperand(k));
    rw.modifyOpInPlace(yield, [&] { yield->setOperands(yields); });
    for (unsigned k : llvm::reverse(unchanged)) {
      rw.replaceAllUsesWith(body.getArgument(k + 1), loop.getInits()[k]);
      body.eraseArgument(k + 1);
    }
    SmallVector<Value> results(loop->getNumResults());
    for (unsigned k : unchanged)
      results[k] = loop.getInits()[k];
    for (auto [j, k] : llvm::enumerate(kept))
      results[k] = narrow.getResult(j);
    rw.replaceOp(loop, results);
    return success();
  }
};

/// Retypes the accumulator chain from `acc` (see onlyAccumulates) to `type`,
/// the type of the array whose row `i` it was: each add_at gets `i` in front
/// of its indices.
static void accumulateIntoRow(PatternRewriter &rw, Value acc, Type type, Value i) {
  OpOperand &use = *acc.use_begin();
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
      return failure();
    unsigned k = result.getResultNumber();
    Value i = addAt.getIndices().front(), outer = addAt.getArray();
    Value arg = loop.getBody().front().getArgument(k + 1);
    if (!loop.getInits()[k].getDefiningOp<ZerosLikeOp>() || !definedBefore(i, loop) ||
        !definedBefore(outer, loop) || !onlyAccumulates(arg, loop, k))
      return failure();
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

/// Erases maps, builds, folds and counted loops whose results are unused and
/// whose only effects are the frontend's extent and bounds checks
/// (fad.assert): a value nobody reads need not be computed, nor checked.
/// AD leaves such ops behind: the primal value of a differentiated function
/// is computed next to its derivative even when only the derivative is used.
/// Loops that may not terminate (while, fixpoint) and progress reports stay.
void eraseDeadComputations(Operation *root) {
  auto onlyChecks = [](Operation *op) {
    return !op->walk([](Operation *inner) {
                  return isa<AssertOp, MapOp, BuildOp, ReduceOp, ScanOp, ForOp, IfOp,
                             YieldOp>(inner) || isMemoryEffectFree(inner)
                             ? WalkResult::advance()
                             : WalkResult::interrupt();
                }).wasInterrupted();
  };
  for (bool erased = true; erased;) {
    erased = false;
    SetVector<Operation *> dead;
    root->walk([&](Operation *op) {
      if (isa<MapOp, BuildOp, ReduceOp, ScanOp, ForOp>(op) && op->use_empty() && onlyChecks(op))
        dead.insert(op);
    });
    // An op nested in another dead op is erased with it: decide which ops
    // to erase before erasing any (an erased op must not be read again).
    SmallVector<Operation *> outermost;
    for (Operation *op : dead) {
      Operation *parent = op->getParentOp();
      while (parent && !dead.contains(parent))
        parent = parent->getParentOp();
      if (!parent)
        outermost.push_back(op);
    }
    for (Operation *op : outermost)
      op->erase();
    erased = !outermost.empty();
  }
}

struct FADFusePass : public fad::impl::FADFuseBase<FADFusePass> {
  void runOnOperation() override {
    // Extents first: a structured op kept alive only for its extent dies
    // before fusion puts extent checks (effects) into its body. Then
    // producers into consumers, so that sibling fusion (which makes maps of
    // several results) does not keep a map from its reduction.
    RewritePatternSet extents(&getContext());
    extents.add<OuterExtentFromOperands, LoopResultShape, ZerosOfComputedShape, ZerosOfTapeRow,
                ForwardMapArguments,
                DropUnusedResults<MapOp>, DropUnusedResults<BuildOp>>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(extents))))
      return signalPassFailure();
    eraseDeadComputations(getOperation());
    // Before map fusion, which would merge the one-hot build into the map.
    RewritePatternSet sparse(&getContext());
    sparse.add<AccumulateOneHotMap>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(sparse))))
      return signalPassFailure();
    RewritePatternSet vertical(&getContext());
    vertical.add<FuseMapIntoMap, FuseMapIntoReduce, FuseMapIntoFor, FuseBuildIntoReduce, FuseBuildIntoIndex,
                 FuseBuildIntoMap, SplitResultForReduce, ForwardMapArguments, DropUnusedResults<MapOp>,
                 DropUnusedResults<BuildOp>, OuterExtentFromOperands, ZerosOfTapeRow,
                 ElementwiseAccumulationToBuild, DropUnneededState>(
        &getContext());
    FrozenRewritePatternSet frozenVertical(std::move(vertical));
    RewritePatternSet horizontal(&getContext());
    horizontal.add<FuseSiblingMaps>(&getContext());
    RewritePatternSet inPlace(&getContext());
    inPlace.add<AccumulateIntoRow>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), frozenVertical)) ||
        failed(applyPatternsAndFoldGreedily(getOperation(), std::move(horizontal))) ||
        failed(applyPatternsAndFoldGreedily(getOperation(), frozenVertical)) ||
        failed(applyPatternsAndFoldGreedily(getOperation(), std::move(inPlace))))
      return signalPassFailure();
    hoistInvariants(getOperation());
  }
};
} // namespace
