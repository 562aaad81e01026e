//===- FusionUtils.h - Helpers of the fad-fuse rewrites ---------*- C++ -*-===//
//
// The helpers that more than one of fad-fuse's jobs uses (producer-consumer
// fusion, the accumulation rewrites, the shape rewrites): inlining a body,
// reading a map's elements, keeping the checks a rewritten op made, and what
// is known of an array's extent and of an accumulator's uses. A helper that
// only one job uses stays in that job's file.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_TRANSFORMS_FUSIONUTILS_H
#define FAD_LIB_TRANSFORMS_FUSIONUTILS_H

#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace fad::fusion {
/// Clones the ops of `body` (a single block) with its arguments bound to
/// `args`; returns the values it yields.
llvm::SmallVector<mlir::Value> inlineBody(mlir::PatternRewriter &rw, mlir::Region &body,
                                          mlir::ValueRange args);

/// The elements at i of `map`'s inputs, read unchecked (the caller ensures
/// i is below their extent); input `skip`, if given, is `replacement`.
llvm::SmallVector<mlir::Value> elementsAt(mlir::PatternRewriter &rw, mlir::Location loc,
                                          MapOp map, mlir::Value i,
                                          std::optional<unsigned> skip = std::nullopt,
                                          mlir::Value replacement = mlir::Value());

/// Checks, as a map over `arrays` would, that each has n elements.
void assertExtents(mlir::PatternRewriter &rw, mlir::Location loc, mlir::Value n,
                   mlir::ValueRange arrays);

/// The value every element of `array` has when it is a broadcast (a build
/// of one result whose body only yields a value defined outside it), or
/// null.
mlir::Value broadcastValue(mlir::Value array);
/// 0 <= i < n.
mlir::Value inBounds(mlir::OpBuilder &b, mlir::Location loc, mlir::Value i, mlir::Value n);

/// Whether the only effects of the ops in `body` are run-time checks: it
/// may run for fewer elements, or elsewhere, without changing the program.
bool onlyChecksAsEffects(mlir::Region &body);

/// The ops of `block` that `v` depends on (through operands; nothing nested
/// is looked into), in block order; std::nullopt if one of them has regions.
std::optional<llvm::SmallVector<mlir::Operation *>> sliceInBlock(mlir::Value v,
                                                                mlir::Block &block);

/// Whether `v` is defined before `op` (so that `op` may use it), for a `v`
/// that an op after `op` in its block uses.
bool definedBefore(mlir::Value v, mlir::Operation *op);

/// Whether `acc`, the value of state slot `slot` of `loop` (or one derived
/// from it), is only accumulated into up to the yield of that slot: each
/// value of the chain has one use, as the array of an add_at (or, with
/// `rows`, of an in-bounds update: a tape's row, which cannot fail), as the
/// state of a nested fad.for that only accumulates into it, or as the yield
/// (besides fad.dim, which reads extents that accumulating keeps).
bool onlyAccumulates(mlir::Value acc, ForOp loop, unsigned slot, bool rows = false,
                     unsigned depth = 0);
} // namespace fad::fusion

#endif // FAD_LIB_TRANSFORMS_FUSIONUTILS_H
