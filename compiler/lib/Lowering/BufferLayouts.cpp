//===- BufferLayouts.cpp - Static layouts for the buffers ifs yield -*- C++ -*-===//
//
// This file implements fad-tighten-buffer-layouts (see Passes.td): an
// `scf.if` result that bufferization typed as a fully dynamic buffer takes
// the most static type its branches' buffers share, so that the code
// reading it knows their strides (1 along a row) instead of loading them.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace fad {
#define GEN_PASS_DEF_FADTIGHTENBUFFERLAYOUTS
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

/// The buffer `yielded` stands for: the source of a `memref.cast`, or itself.
static Value castSource(Value yielded) {
  if (auto cast = yielded.getDefiningOp<memref::CastOp>())
    return cast.getSource();
  return yielded;
}

/// The most static memref type that every one of `types` casts to: sizes,
/// strides and offset kept where they all agree; the identity layout where
/// all have it. None where they differ in rank, element type or memory
/// space, or one has a layout that is not strided.
static std::optional<MemRefType> sharedType(ArrayRef<MemRefType> types) {
  if (types.empty())
    return std::nullopt;
  MemRefType first = types.front();
  int64_t rank = first.getRank();
  SmallVector<int64_t> shape(first.getShape());
  bool identity = true;
  SmallVector<int64_t> strides;
  int64_t offset = 0;
  for (auto [k, type] : llvm::enumerate(types)) {
    if (type.getRank() != rank || type.getElementType() != first.getElementType() ||
        type.getMemorySpace() != first.getMemorySpace())
      return std::nullopt;
    SmallVector<int64_t> typeStrides;
    int64_t typeOffset;
    if (failed(getStridesAndOffset(type, typeStrides, typeOffset)))
      return std::nullopt;
    identity &= type.getLayout().isIdentity();
    if (k == 0) {
      strides = typeStrides;
      offset = typeOffset;
      continue;
    }
    for (int64_t d = 0; d < rank; ++d) {
      if (shape[d] != type.getDimSize(d))
        shape[d] = ShapedType::kDynamic;
      if (strides[d] != typeStrides[d])
        strides[d] = ShapedType::kDynamic;
    }
    if (offset != typeOffset)
      offset = ShapedType::kDynamic;
  }
  MemRefLayoutAttrInterface layout;
  if (!identity)
    layout = StridedLayoutAttr::get(first.getContext(), offset, strides);
  return MemRefType::get(shape, first.getElementType(), layout, first.getMemorySpace());
}

/// Whether `tight` is a more static type than `loose` that casts to it:
/// static wherever `loose` is (sizes, strides, offset), and not `loose`.
static bool tightens(MemRefType tight, MemRefType loose) {
  if (tight == loose || !memref::CastOp::areCastCompatible(tight, loose))
    return false;
  SmallVector<int64_t> tightStrides, looseStrides;
  int64_t tightOffset, looseOffset;
  if (failed(getStridesAndOffset(tight, tightStrides, tightOffset)) ||
      failed(getStridesAndOffset(loose, looseStrides, looseOffset)))
    return false;
  auto lost = [](int64_t t, int64_t l) {
    return ShapedType::isDynamic(t) && !ShapedType::isDynamic(l);
  };
  if (lost(tightOffset, looseOffset))
    return false;
  for (int64_t d = 0; d < tight.getRank(); ++d)
    if (lost(tight.getDimSize(d), loose.getDimSize(d)) || lost(tightStrides[d], looseStrides[d]))
      return false;
  return true;
}

/// The type that every one of `leaves` casts to and that tightens `loose`.
static std::optional<MemRefType> tightenedType(ArrayRef<MemRefType> leaves, MemRefType loose) {
  std::optional<MemRefType> shared = sharedType(leaves);
  if (!shared || !tightens(*shared, loose) ||
      !llvm::all_of(leaves, [&](MemRefType leaf) {
        return memref::CastOp::areCastCompatible(leaf, *shared);
      }))
    return std::nullopt;
  return shared;
}

namespace {
/// Retypes the memref results of an `scf.if` whose branches' buffers share
/// a more static type (see Passes.td).
struct TightenIfResults : OpRewritePattern<scf::IfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(scf::IfOp ifOp, PatternRewriter &rewriter) const override {
    if (ifOp.getNumResults() == 0 || ifOp.getElseRegion().empty())
      return failure();
    scf::YieldOp yields[] = {ifOp.thenYield(), ifOp.elseYield()};
    SmallVector<Type> types(ifOp.getResultTypes());
    bool tightened = false;
    for (auto [k, type] : llvm::enumerate(ifOp.getResultTypes())) {
      auto resultType = dyn_cast<MemRefType>(type);
      if (!resultType)
        continue;
      SmallVector<MemRefType> sources;
      for (scf::YieldOp yield : yields)
        if (auto source = dyn_cast<MemRefType>(castSource(yield.getOperand(k)).getType()))
          sources.push_back(source);
      if (sources.size() != 2)
        continue;
      std::optional<MemRefType> shared = tightenedType(sources, resultType);
      if (!shared)
        continue;
      types[k] = *shared;
      tightened = true;
    }
    if (!tightened)
      return failure();

    auto retyped = rewriter.create<scf::IfOp>(ifOp.getLoc(), types, ifOp.getCondition(),
                                              /*addThenBlock=*/false, /*addElseBlock=*/false);
    rewriter.inlineRegionBefore(ifOp.getThenRegion(), retyped.getThenRegion(),
                                retyped.getThenRegion().end());
    rewriter.inlineRegionBefore(ifOp.getElseRegion(), retyped.getElseRegion(),
                                retyped.getElseRegion().end());
    for (scf::YieldOp yield : {retyped.thenYield(), retyped.elseYield()}) {
      rewriter.setInsertionPoint(yield);
      for (auto [k, type] : llvm::enumerate(types)) {
        if (type == ifOp.getResultTypes()[k])
          continue;
        Value source = castSource(yield.getOperand(k));
        if (source.getType() != type)
          source = rewriter.create<memref::CastOp>(yield.getLoc(), type, source);
        rewriter.modifyOpInPlace(yield, [&] { yield.setOperand(k, source); });
      }
    }
    rewriter.setInsertionPointAfter(retyped);
    SmallVector<Value> results;
    for (auto [k, type] : llvm::enumerate(ifOp.getResultTypes())) {
      Value result = retyped.getResult(k);
      if (result.getType() != type)
        result = rewriter.create<memref::CastOp>(ifOp.getLoc(), type, result);
      results.push_back(result);
    }
    rewriter.replaceOp(ifOp, results);
    return success();
  }
};

/// Collects into `leaves` the types of the buffers `value` can be at run
/// time, looking through casts and `scf.if` results; `self` (a loop's
/// iteration argument) adds nothing: it holds the other leaves' buffers.
/// False where a leaf is not a ranked buffer.
static bool collectLeaves(Value value, Value self, SmallVectorImpl<MemRefType> &leaves) {
  while (auto cast = value.getDefiningOp<memref::CastOp>())
    value = cast.getSource();
  if (value == self)
    return true;
  if (auto ifOp = value.getDefiningOp<scf::IfOp>(); ifOp && !ifOp.getElseRegion().empty()) {
    unsigned k = cast<OpResult>(value).getResultNumber();
    return collectLeaves(ifOp.thenYield().getOperand(k), self, leaves) &&
           collectLeaves(ifOp.elseYield().getOperand(k), self, leaves);
  }
  auto type = dyn_cast<MemRefType>(value.getType());
  if (type)
    leaves.push_back(type);
  return bool(type);
}

/// Retypes a memref that an `scf.for` carries when the buffers it starts
/// from and those each iteration yields share a more static type. Inside
/// the body and after the loop, a cast back to the old type serves the old
/// users; the `scf.if`s the buffers come through are then retyped by
/// TightenIfResults.
struct TightenLoopCarriedBuffers : OpRewritePattern<scf::ForOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(scf::ForOp loop, PatternRewriter &rewriter) const override {
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    for (auto [k, iterArg] : llvm::enumerate(loop.getRegionIterArgs())) {
      auto oldType = dyn_cast<MemRefType>(iterArg.getType());
      if (!oldType)
        continue;
      SmallVector<MemRefType> leaves;
      std::optional<MemRefType> shared;
      if (collectLeaves(loop.getInitArgs()[k], iterArg, leaves) &&
          collectLeaves(yield.getOperand(k), iterArg, leaves))
        shared = tightenedType(leaves, oldType);
      if (!shared)
        continue;
      auto castTo = [&](Type type, Value value) -> Value {
        return rewriter.create<memref::CastOp>(loop.getLoc(), type, value);
      };
      rewriter.setInsertionPoint(loop);
      Value init = castTo(*shared, loop.getInitArgs()[k]);
      rewriter.setInsertionPoint(yield);
      Value next = castTo(*shared, yield.getOperand(k));
      rewriter.setInsertionPointToStart(loop.getBody());
      Value inside = castTo(oldType, iterArg);
      rewriter.setInsertionPointAfter(loop);
      Value after = castTo(oldType, loop.getResult(k));
      rewriter.replaceAllUsesExcept(iterArg, inside, inside.getDefiningOp());
      rewriter.replaceAllUsesExcept(loop.getResult(k), after, after.getDefiningOp());
      rewriter.modifyOpInPlace(loop, [&] {
        loop.getInitArgsMutable()[k].set(init);
        iterArg.setType(*shared);
        loop.getResult(k).setType(*shared);
      });
      rewriter.modifyOpInPlace(yield, [&] { yield.setOperand(k, next); });
      return success();
    }
    return failure();
  }
};

struct FADTightenBufferLayoutsPass
    : fad::impl::FADTightenBufferLayoutsBase<FADTightenBufferLayoutsPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<TightenIfResults, TightenLoopCarriedBuffers>(context);
    // The casts back to the old types fold into their users (loads and
    // stores fold them by themselves).
    memref::CastOp::getCanonicalizationPatterns(patterns, context);
    memref::CopyOp::getCanonicalizationPatterns(patterns, context);
    memref::DimOp::getCanonicalizationPatterns(patterns, context);
    memref::SubViewOp::getCanonicalizationPatterns(patterns, context);
    // Not converging within the driver's iteration limit leaves correct IR.
    (void)applyPatternsAndFoldGreedily(getOperation(), std::move(patterns));
  }
};
} // namespace
