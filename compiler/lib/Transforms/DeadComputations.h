//===- DeadComputations.h - Erasing dead computations -----------*- C++ -*-===//
//
// Erasing the structured ops whose results nobody reads and whose only
// effects are checks, which AD leaves behind.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_TRANSFORMS_DEADCOMPUTATIONS_H
#define FAD_LIB_TRANSFORMS_DEADCOMPUTATIONS_H

#include "mlir/IR/Operation.h"

namespace fad {
/// Erases the maps, builds, folds and counted loops under `root` whose
/// results are unused and whose only effects are checks.
void eraseDeadComputations(mlir::Operation *root);
} // namespace fad

#endif // FAD_LIB_TRANSFORMS_DEADCOMPUTATIONS_H
