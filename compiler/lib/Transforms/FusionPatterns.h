//===- FusionPatterns.h - Producer-consumer fusion --------------*- C++ -*-===//
//
// The rewrites that fuse a map or build into the map, reduction, loop or
// index that consumes it, and sibling maps into one (fad-fuse, see
// Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_TRANSFORMS_FUSIONPATTERNS_H
#define FAD_LIB_TRANSFORMS_FUSIONPATTERNS_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/PatternMatch.h"

namespace fad {
/// Adds the rewrites that fuse a producer (a map or build) into its
/// consumer: FuseMapIntoMap, FuseMapIntoReduce, FuseMapIntoFor,
/// FuseBuildIntoReduce, FuseBuildIntoIndex, FuseBuildIntoMap and
/// SplitResultForReduce (which exposes a reduction to fusion).
void populateProducerConsumerFusionPatterns(mlir::RewritePatternSet &patterns);

/// Adds the rewrite that merges two maps of one block over the same inputs
/// (horizontal fusion): FuseSiblingMaps.
void populateSiblingFusionPatterns(mlir::RewritePatternSet &patterns);

/// Rewrites `build n (\k -> if k == j then v else a[k])` (of one or more
/// results, a value and its tangent) as `update a j v` when a has n
/// elements and 0 <= j < n, checked at run time (the build stays for the
/// other case): a functional update of one element, in place when `a` is
/// dead (a loop's state), instead of a copy of the whole array.
void rewriteSingleElementBuilds(mlir::Operation *root);
} // namespace fad

#endif // FAD_LIB_TRANSFORMS_FUSIONPATTERNS_H
