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
/// Moves the ops of structured bodies (map, build, reduce, scan, fad.for)
/// under `root` that do not depend on the iteration and cannot fail before
/// the structured op.
void hoistInvariants(mlir::Operation *root);
} // namespace fad

#endif // FAD_LIB_TRANSFORMS_HOISTINVARIANTS_H
