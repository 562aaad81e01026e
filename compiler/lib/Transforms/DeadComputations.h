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
/// Erases maps, builds, folds and counted loops whose results are unused and
/// whose only effects are the frontend's extent and bounds checks
/// (fad.assert): a value nobody reads need not be computed, nor checked.
/// AD leaves such ops behind: the primal value of a differentiated function
/// is computed next to its derivative even when only the derivative is used.
/// Loops that may not terminate (while, fixpoint) and progress reports stay.
void eraseDeadComputations(mlir::Operation *root);
} // namespace fad

#endif // FAD_LIB_TRANSFORMS_DEADCOMPUTATIONS_H
