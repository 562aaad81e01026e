//===- HoistInvariants.h - Hoisting loop invariants -------------*- C++ -*-===//
//
// Moving the ops of structured bodies that do not depend on the iteration
// in front of the structured op, fad-fuse's last step.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_TRANSFORMS_HOISTINVARIANTS_H
#define FAD_LIB_TRANSFORMS_HOISTINVARIANTS_H

#include "mlir/IR/Operation.h"

namespace fad {
/// Moves the ops of structured bodies that do not depend on the iteration
/// before the structured op (innermost bodies first, so an op can climb
/// several levels). Only ops that cannot fail: an index (or add_at, or an
/// array literal's row check, or an integer division) hoisted out of a loop
/// that runs no iteration could fail where the program would not.
void hoistInvariants(mlir::Operation *root);
} // namespace fad

#endif // FAD_LIB_TRANSFORMS_HOISTINVARIANTS_H
