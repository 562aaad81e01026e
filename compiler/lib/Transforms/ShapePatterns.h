//===- ShapePatterns.h - Shape rewrites -------------------------*- C++ -*-===//
//
// The rewrites of fad-fuse that take an array's extent or shape from what
// computes it, so that an op kept alive only for its shape dies, and that drop
// results and loop state nobody needs (see Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_TRANSFORMS_SHAPEPATTERNS_H
#define FAD_LIB_TRANSFORMS_SHAPEPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace fad {
/// Adds the shape rewrites fad-fuse runs before any fusion: the
/// canonicalization patterns of dim, zeros_like, map and build,
/// LoopResultShape and ZerosOfTapeRow.
void populateShapePatterns(mlir::RewritePatternSet &patterns);

/// Adds the shape rewrites that run together with producer-consumer fusion,
/// on what fusion and the accumulation rewrites leave: the canonicalization
/// patterns of map, build and dim, ZerosOfTapeRow and DropUnneededState.
void populateShapeCleanupPatterns(mlir::RewritePatternSet &patterns);
} // namespace fad

#endif // FAD_LIB_TRANSFORMS_SHAPEPATTERNS_H
