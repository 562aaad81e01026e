//===- FusionPatterns.cpp - Producer-consumer fusion ------------*- C++ -*-===//
//
// This file implements the rewrites of fad-fuse that fuse a producer into
// its consumer, so that AD's output (which produces many small maps, one per
// elementwise op of a linearized body) does not build intermediate arrays it
// only reads once: a map or build into the map, reduction, loop or index that
// reads it, and sibling maps over the same inputs into one map. See
// Passes.td for the rewrites.
//
//===----------------------------------------------------------------------===//

#include "FusionPatterns.h"
#include "FusionUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;
using namespace fad;
using namespace fad::fusion;

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
    return rw.notifyMatchFailure(outer, "no input is a fusible map's result");
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
    if (!map)
      return rw.notifyMatchFailure(reduce, "no input is a map's result");
    if (movesCostlyIntoLoop(map, reduce))
      return rw.notifyMatchFailure(reduce, "the map's costly body would run in a loop");
    if (llvm::any_of(map->getResults(), [&](Value r) {
          return !r.hasOneUse() || *r.user_begin() != reduce.getOperation();
        }))
      return rw.notifyMatchFailure(reduce, "the map has another reader");
    // Each input of the reduce: a result of the map, or an input of it.
    SmallVector<std::pair<bool, unsigned>> sources;
    for (Value input : reduce.getInputs()) {
      if (input.getDefiningOp() == map.getOperation()) {
        sources.push_back({true, cast<OpResult>(input).getResultNumber()});
        continue;
      }
      auto it = llvm::find(map.getInputs(), input);
      if (it == map.getInputs().end())
        return rw.notifyMatchFailure(reduce, "an input is no result or input of the map");
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

/// reduce op z (build n f)  ->  for i < n: acc = op acc (f i), also for a
/// reduction of several results of one build (each read by nothing else):
/// a value and its tangent lanes.
struct FuseBuildIntoReduce : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceOp reduce, PatternRewriter &rw) const override {
    ValueRange inputs = reduce.getInputs();
    BuildOp build = inputs.size() == 1 ? fusibleBuild(inputs[0], reduce)
                                       : inputs[0].getDefiningOp<BuildOp>();
    if (!build)
      return rw.notifyMatchFailure(reduce, "the array is not a fusible build's result");
    auto readOnlyHere = [&](Value v) {
      return v.hasOneUse() && *v.user_begin() == reduce.getOperation();
    };
    if (inputs.size() > 1 &&
        (movesCostlyIntoLoop(build, reduce) ||
         llvm::any_of(inputs, [&](Value v) { return v.getDefiningOp() != build.getOperation(); }) ||
         !llvm::all_of(build->getResults(), readOnlyHere)))
      return rw.notifyMatchFailure(reduce, "not every array is a result of one build whose "
                                           "results only the reduction reads");
    Location loc = reduce.getLoc();
    Value n = build.getSize();
    // The build's own check, which the loop (running no iteration for a
    // negative count) would not make.
    Value zero = rw.create<arith::ConstantIntOp>(loc, 0, 64);
    rw.create<AssertOp>(loc, rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, n, zero),
                        "negative array size");
    replaceByLoop(rw, reduce, n, [&](Value i) {
      SmallVector<Value> results = inlineBody(rw, build.getBody(), ValueRange{i});
      SmallVector<Value> elements;
      for (Value input : inputs)
        elements.push_back(results[cast<OpResult>(input).getResultNumber()]);
      return elements;
    });
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
      return rw.notifyMatchFailure(loop, "reads no map's result only at its counter");
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
        return rw.notifyMatchFailure(first, "an effect or a use of the map precedes its sibling");
    }
    if (!second)
      return rw.notifyMatchFailure(first, "no later map of the block has the same inputs");
    if (llvm::any_of(first->getUsers(), [&](Operation *user) { return second->isAncestor(user); }))
      return rw.notifyMatchFailure(first, "the sibling uses the map");
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
/// elements, as the map would have). A broadcast (f i = c) instead leaves
/// a map of the other inputs, map (\ys -> g c ys) ys, which may still run
/// in place on one of them (the transposed dot product's y_adj c), unless
/// the map is an elementwise sum (acc + c stays recognizable as an
/// accumulation: fad-split-accumulations).
struct FuseBuildIntoMap : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp map, PatternRewriter &rw) const override {
    for (auto [k, input] : llvm::enumerate(map.getInputs())) {
      BuildOp build = fusibleBuild(input, map);
      if (!build)
        continue;
      SmallVector<Value> others(map.getInputs());
      others.erase(others.begin() + k);
      if (Value c = broadcastValue(input); c && !others.empty() && !matchElementwiseSums(map)) {
        assertExtents(rw, map.getLoc(), build.getSize(), others);
        rw.modifyOpInPlace(map, [&] {
          map.getBody().getArgument(k).replaceAllUsesWith(c);
          map.getBody().front().eraseArgument(k);
          map->eraseOperand(k);
        });
        eraseIfUnused(rw, build);
        return success();
      }
      Location loc = map.getLoc();
      Value n = build.getSize();
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
    return rw.notifyMatchFailure(map, "no input is a fusible build's result");
  }
};

/// (build n f)[i]  ->  f i, when the build is fusible (fusibleBuild) and f
/// has no effects, after checking 0 <= i < n as the index would have
/// (unless the index is marked in bounds).
struct FuseBuildIntoIndex : OpRewritePattern<IndexOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IndexOp index, PatternRewriter &rw) const override {
    BuildOp build = fusibleBuild(index.getArray(), index);
    if (!build)
      return rw.notifyMatchFailure(index, "the array is not a fusible build's result");
    if (index.getIndices().size() != 1)
      return rw.notifyMatchFailure(index, "not a one-dimensional index");
    // A body with effects (a progress report, a check) must run n times.
    if (build.getBody().walk([](Operation *op) {
          return isMemoryEffectFree(op) ? WalkResult::advance() : WalkResult::interrupt();
        }).wasInterrupted())
      return rw.notifyMatchFailure(index, "the build's body has effects");
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

/// (map f xs)[i]  ->  f xs[i], when the map's only result has no other use
/// and f computes a scalar without loops or effects, after the map's checks
/// (its inputs' extents agree) and 0 <= i < n (none for an index marked in
/// bounds). (A body with loops, such as a row it builds, could end up rerun
/// in every iteration of a loop around the index.)
struct FuseMapIntoIndex : OpRewritePattern<IndexOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IndexOp index, PatternRewriter &rw) const override {
    MapOp map = fusibleProducer(index.getArray());
    if (!map || index.getIndices().size() != 1 ||
        isa<RankedTensorType>(index.getResult().getType()))
      return rw.notifyMatchFailure(index, "not an element of a fusible map of scalars");
    if (llvm::any_of(map.getBody().front(), [](Operation &op) {
          return op.getNumRegions() != 0 || !isMemoryEffectFree(&op);
        }))
      return rw.notifyMatchFailure(index, "the map's body has loops or effects");
    Location loc = index.getLoc();
    Value i = index.getIndices()[0];
    Value n = rw.create<DimOp>(loc, map.getInputs()[0], 0);
    assertExtents(rw, loc, n, map.getInputs().drop_front());
    if (!index->hasAttr(kInBoundsAttr))
      rw.create<AssertOp>(loc, inBounds(rw, loc, i, n), "index out of bounds of a mapped array");
    rw.replaceOp(index, inlineBody(rw, map.getBody(), elementsAt(rw, loc, map, i)));
    rw.eraseOp(map);
    return success();
  }
};

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

/// A consumer of `array`, one result of a map or build of several, that
/// fuses with a producer of that result alone: a reduction of it alone, a
/// map reading it, an add_at adding it.
static bool fusesWithProducer(OpOperand &use) {
  Operation *user = use.getOwner();
  if (auto reduce = dyn_cast<ReduceOp>(user))
    return reduce.getInputs().size() == 1;
  if (auto addAt = dyn_cast<AddAtOp>(user))
    return addAt.getValue() == use.get();
  return isa<MapOp>(user);
}

/// consumer (result r of a map or build of several)  ->  consumer of a map
/// or build of that result alone, which then fuses into it, when the
/// result is cheap to recompute (cheapToRecompute) and read only there:
/// the array is neither stored nor read back (lse's adjoint through the
/// maximum is the sum of a second result of the softmax's map; the
/// transpose of a dot product of two arrays yields both adjoints from one
/// map, each then added elsewhere).
template <typename OpTy>
struct SplitResultForConsumer : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy producer, PatternRewriter &rw) const override {
    if (producer->getNumResults() < 2)
      return rw.notifyMatchFailure(producer, "has one result");
    Block &body = producer.getBody().front();
    for (OpResult array : producer->getResults()) {
      if (!array.hasOneUse() || !fusesWithProducer(*array.use_begin()))
        continue;
      unsigned r = array.getResultNumber();
      if (!cheapToRecompute(body.getTerminator()->getOperand(r), body))
        continue;
      OpOperand &use = *array.use_begin();
      Operation *alone = cloneWithResults(rw, producer, {r});
      rw.modifyOpInPlace(use.getOwner(), [&] { use.set(alone->getResult(0)); });
      eraseIfUnused(rw, producer);
      return success();
    }
    return rw.notifyMatchFailure(producer, "no result is read once by an op it would fuse into");
  }
};

/// add_at a[is], (map f xs or build n f)  ->  for j < n: add_at a[is, j], f
/// ..., inside a sequential loop (a reverse sweep): the row of scalars is
/// added where it goes, element by element, and no array is built for it
/// (the transpose of a dot product adds y_r z to row r of a captured
/// matrix's adjoint). Outside sequential loops the map stays, to run in
/// parallel.
struct FuseIntoAddAt : OpRewritePattern<AddAtOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddAtOp addAt, PatternRewriter &rw) const override {
    Value value = addAt.getValue();
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || type.getRank() != 1 || !addAt->getParentOfType<ForOp>())
      return rw.notifyMatchFailure(addAt, "does not add a row of scalars in a sequential loop");
    BuildOp build = fusibleBuild(value, addAt);
    MapOp map = build ? MapOp() : fusibleProducer(value);
    Operation *producer = build ? build.getOperation() : map.getOperation();
    if (!producer || !onlyChecksAsEffects(producer->getRegion(0)))
      return rw.notifyMatchFailure(addAt, "the row is not a fusible map's or build's result");
    Location loc = addAt.getLoc();
    Value array = addAt.getArray();
    ValueRange indices = addAt.getIndices();
    // The checks the add_at made: its indices, the row's extent.
    for (auto [d, index] : llvm::enumerate(indices)) {
      Value extent = rw.create<DimOp>(loc, array, d);
      rw.create<AssertOp>(loc, inBounds(rw, loc, index, extent), "index out of bounds",
                          ValueRange{index, extent});
    }
    Value n = build ? build.getSize() : rw.create<DimOp>(loc, map.getInputs()[0], 0).getResult();
    if (map)
      assertExtents(rw, loc, n, map.getInputs().drop_front());
    Value rowExtent = rw.create<DimOp>(loc, array, indices.size());
    rw.create<AssertOp>(loc, rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, n, rowExtent),
                        "arrays of different sizes", ValueRange{n, rowExtent});
    auto loop = rw.create<ForOp>(loc, TypeRange{array.getType()}, n, ValueRange{array});
    {
      OpBuilder::InsertionGuard guard(rw);
      Block *block = rw.createBlock(&loop.getBody(), {}, {rw.getI64Type(), array.getType()},
                                    {loc, loc});
      Value j = block->getArgument(0);
      SmallVector<Value> element =
          build ? inlineBody(rw, build.getBody(), ValueRange{j})
                : inlineBody(rw, map.getBody(), elementsAt(rw, loc, map, j));
      SmallVector<Value> at(indices);
      at.push_back(j);
      auto add = rw.create<AddAtOp>(loc, block->getArgument(1), at, element[0]);
      add->setAttr(kInBoundsAttr, rw.getUnitAttr());
      rw.create<YieldOp>(loc, add.getResult());
    }
    rw.replaceOp(addAt, loop.getResults());
    eraseIfUnused(rw, producer); // a broadcast may have other readers
    return success();
  }
};
} // namespace

void fad::populateProducerConsumerFusionPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseMapIntoMap, FuseMapIntoReduce, FuseMapIntoFor, FuseBuildIntoReduce,
               FuseBuildIntoIndex, FuseMapIntoIndex, FuseBuildIntoMap, FuseIntoAddAt,
               SplitResultForConsumer<MapOp>, SplitResultForConsumer<BuildOp>>(
      patterns.getContext());
}

/// The arrays a_1..a_m and values v_1..v_m if `build` is `build n (\k -> if
/// k == j then (v_1, ..., v_m) else (a_1[k], ..., a_m[k]))` with j, the v
/// and the a defined outside it (each a of the build's result type).
static std::optional<std::pair<SmallVector<Value>, ValueRange>> matchSingleElementBuild(
    BuildOp build, Value &j) {
  Block &body = build.getBody().front();
  Value k = body.getArgument(0);
  auto outside = [&](Value v) { return !build->isAncestor(v.getParentRegion()->getParentOp()); };
  if (body.getOperations().size() != 3)
    return std::nullopt;
  auto eq = dyn_cast<arith::CmpIOp>(body.front());
  auto choice = dyn_cast_or_null<IfOp>(eq ? eq->getNextNode() : nullptr);
  if (!eq || !choice || eq.getPredicate() != arith::CmpIPredicate::eq ||
      choice.getCondition() != eq.getResult() ||
      !llvm::equal(body.getTerminator()->getOperands(), choice.getResults()))
    return std::nullopt;
  j = eq.getLhs() == k ? eq.getRhs() : eq.getRhs() == k ? eq.getLhs() : Value();
  Block &then = choice.getThenRegion().front(), &other = choice.getElseRegion().front();
  ValueRange values = then.getTerminator()->getOperands();
  if (!j || !outside(j) || then.getOperations().size() != 1 || !llvm::all_of(values, outside))
    return std::nullopt;
  SmallVector<Value> arrays;
  for (auto [r, element] : llvm::enumerate(other.getTerminator()->getOperands())) {
    auto index = element.getDefiningOp<IndexOp>();
    if (!index || index->getBlock() != &other || index.getIndices().size() != 1 ||
        index.getIndices()[0] != k || !outside(index.getArray()) ||
        index.getArray().getType() != build->getResult(r).getType())
      return std::nullopt;
    arrays.push_back(index.getArray());
  }
  if (other.getOperations().size() != arrays.size() + 1)
    return std::nullopt;
  return std::make_pair(arrays, values);
}

void fad::rewriteSingleElementBuilds(Operation *root) {
  SmallVector<BuildOp> builds;
  root->walk([&](BuildOp build) {
    Value j;
    if (matchSingleElementBuild(build, j))
      builds.push_back(build);
  });
  for (BuildOp build : builds) {
    Value j;
    auto [arrays, values] = *matchSingleElementBuild(build, j);
    IRRewriter rw(build.getContext());
    rw.setInsertionPoint(build);
    Location loc = build.getLoc();
    Value n = build.getSize();
    // The build is the arrays with element j replaced when they have n
    // elements and j is one of them; otherwise it stays as it is.
    Value ok = inBounds(rw, loc, j, n);
    for (Value array : arrays)
      if (extentSource(array) != n)
        ok = rw.create<arith::AndIOp>(
            loc, ok,
            rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                     rw.create<DimOp>(loc, array, 0), n));
    auto choice = rw.create<IfOp>(loc, build->getResultTypes(), ok);
    rw.createBlock(&choice.getThenRegion());
    SmallVector<Value> updated;
    for (auto [array, value] : llvm::zip(arrays, values))
      updated.push_back(rw.create<UpdateOp>(loc, array.getType(), array, ValueRange{j}, value));
    rw.create<YieldOp>(loc, updated);
    rw.createBlock(&choice.getElseRegion());
    Operation *copy = rw.clone(*build);
    rw.create<YieldOp>(loc, copy->getResults());
    rw.replaceOp(build, choice.getResults());
  }
}

void fad::populateSiblingFusionPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseSiblingMaps>(patterns.getContext());
}
