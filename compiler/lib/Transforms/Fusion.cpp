//===- Fusion.cpp - The fad-fuse pass -----------------------------*- C++ -*-===//
//
// This file implements fad-fuse: maps fused into the maps and reductions
// that consume them, so that AD's output (which produces many small maps,
// one per elementwise op of a linearized body) does not build intermediate
// arrays it only reads once. See Passes.td for the rewrites.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace fad {
#define GEN_PASS_DEF_FADFUSE
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

/// The map producing `array` if fusing it into its one user is safe: a map
/// with a single result that has no other use.
static MapOp fusibleProducer(Value array) {
  auto map = array.getDefiningOp<MapOp>();
  if (!map || map->getNumResults() != 1 || !array.hasOneUse())
    return nullptr;
  return map;
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

/// reduce op z (map f xs)  ->  for i < n: acc = op acc (f xs[i])
struct FuseMapIntoReduce : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceOp reduce, PatternRewriter &rw) const override {
    if (reduce.getInputs().size() != 1)
      return failure();
    MapOp map = fusibleProducer(reduce.getInputs()[0]);
    if (!map)
      return failure();
    Location loc = reduce.getLoc();
    ValueRange arrays = map.getInputs();
    Value n = rw.create<DimOp>(loc, arrays[0], 0);
    for (Value other : arrays.drop_front()) {
      Value same = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, n,
                                            rw.create<DimOp>(loc, other, 0));
      rw.create<AssertOp>(loc, same, "map: arrays of different sizes");
    }
    auto loop = rw.create<ForOp>(loc, reduce.getResultTypes(), n, reduce.getInits());
    OpBuilder::InsertionGuard guard(rw);
    SmallVector<Type> argTypes{rw.getI64Type()};
    llvm::append_range(argTypes, reduce.getInits().getTypes());
    SmallVector<Location> locs(argTypes.size(), loc);
    Block *block = rw.createBlock(&loop.getBody(), {}, argTypes, locs);
    // i < n, the extent of every array: the lowering need not check.
    SmallVector<Value> elements;
    for (auto [array, arg] : llvm::zip(arrays, map.getBody().getArguments())) {
      auto element =
          rw.create<IndexOp>(loc, arg.getType(), array, ValueRange{block->getArgument(0)});
      element->setAttr("fad.in_bounds", rw.getUnitAttr());
      elements.push_back(element);
    }
    SmallVector<Value> combineArgs(block->getArguments().drop_front());
    llvm::append_range(combineArgs, inlineBody(rw, map.getBody(), elements));
    rw.create<YieldOp>(loc, inlineBody(rw, reduce.getBody(), combineArgs));
    rw.replaceOp(reduce, loop.getResults());
    rw.eraseOp(map);
    return success();
  }
};

struct FADFusePass : public fad::impl::FADFuseBase<FADFusePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseMapIntoMap, FuseMapIntoReduce>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
