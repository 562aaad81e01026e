//===- FusionPatterns.h - Producer-consumer fusion --------------*- C++ -*-===//
//
// The rewrites that fuse a map or build into the map, reduction, loop or
// index that consumes it, and sibling maps into one (fad-fuse, see
// Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_TRANSFORMS_FUSIONPATTERNS_H
#define FAD_LIB_TRANSFORMS_FUSIONPATTERNS_H

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
} // namespace fad

#endif // FAD_LIB_TRANSFORMS_FUSIONPATTERNS_H
