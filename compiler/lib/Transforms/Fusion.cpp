//===- Fusion.cpp - The fad-fuse pass ---------------------------*- C++ -*-===//
//
// This file implements fad-fuse: maps fused into the maps and reductions
// that consume them, so that AD's output (which produces many small maps,
// one per elementwise op of a linearized body) does not build intermediate
// arrays it only reads once; then loop-invariant ops hoisted out of
// structured bodies. See Passes.td for the rewrites. The pass only orders
// the jobs, each in its own file: the shape rewrites (ShapePatterns.cpp),
// dead computation erasure (DeadComputations.cpp), the accumulation
// rewrites (AccumulationPatterns.cpp), producer-consumer and sibling fusion
// (FusionPatterns.cpp); hoisting is MLIR's loop-invariant code motion.
//
//===----------------------------------------------------------------------===//

#include "AccumulationPatterns.h"
#include "DeadComputations.h"
#include "FusionPatterns.h"
#include "ShapePatterns.h"

#include "fad/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace fad {
#define GEN_PASS_DEF_FADFUSE
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

namespace {
struct FADFusePass : public fad::impl::FADFuseBase<FADFusePass> {
  void runOnOperation() override {
    // Extents first: a structured op kept alive only for its extent dies
    // before fusion puts extent checks (effects) into its body. Then
    // producers into consumers, so that sibling fusion (which makes maps of
    // several results) does not keep a map from its reduction.
    RewritePatternSet extents(&getContext());
    populateShapePatterns(extents);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(extents))))
      return signalPassFailure();
    eraseDeadComputations(getOperation());
    // Before fusion, which would inline the build into its readers.
    rewriteSingleElementBuilds(getOperation());
    // Before map fusion, which would merge the one-hot build into the map.
    RewritePatternSet sparse(&getContext());
    populateOneHotAccumulationPatterns(sparse);
    populateSumFactoringPatterns(sparse);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(sparse))))
      return signalPassFailure();
    // Of the patterns of one root op, those added first are tried first:
    // on a fad.for, fusion, then the elementwise accumulation, then
    // DropUnneededState (which drops the state the accumulation leaves
    // unchanged); on a map, fusion before the shape rewrites.
    RewritePatternSet vertical(&getContext());
    populateProducerConsumerFusionPatterns(vertical);
    populateElementwiseAccumulationPatterns(vertical);
    populateShapeCleanupPatterns(vertical);
    FrozenRewritePatternSet frozenVertical(std::move(vertical));
    RewritePatternSet horizontal(&getContext());
    populateSiblingFusionPatterns(horizontal);
    RewritePatternSet inPlace(&getContext());
    populateInPlaceAccumulationPatterns(inPlace);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), frozenVertical)) ||
        failed(applyPatternsAndFoldGreedily(getOperation(), std::move(horizontal))) ||
        failed(applyPatternsAndFoldGreedily(getOperation(), frozenVertical)) ||
        failed(applyPatternsAndFoldGreedily(getOperation(), std::move(inPlace))))
      return signalPassFailure();
    // Innermost bodies first (a post-order walk), so an op can climb
    // several levels. Only ops free of memory effects and speculatable move:
    // not those that check their operands at run time (an index, an integer
    // division), which could fail before a body that runs no iteration.
    getOperation()->walk([](LoopLikeOpInterface loop) { moveLoopInvariantCode(loop); });
  }
};
} // namespace
