//===- ArrayRoots.h - Where a lowered array's buffer starts -----*- C++ -*-===//
//
// Lowered (scf/tensor) arrays are built by inserting into a tensor that a
// loop carries; these follow such an array back to the tensor it starts as,
// and its extents back to the values that tensor was created with. Used by
// fad-reuse-dead-arrays and fad-empty-overwritten-states.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LOWERING_ARRAYROOTS_H
#define FAD_LOWERING_ARRAYROOTS_H

#include "mlir/IR/Value.h"

namespace fad {

/// The array that `v` is built in, with the same extents: the destination
/// of an insertion, or the initial value of a loop state that each
/// iteration builds in its own state (not a state whose extent changes, as
/// in `loop a = ... do build (length a + 1) ...`), followed back to where
/// it starts.
mlir::Value arrayRoot(mlir::Value v);

/// The value that extent `d` of `array` was created with: the size of the
/// empty tensor its buffer starts as, followed back through `tensor.dim` of
/// another such array. Null if `array` does not start as an empty tensor
/// or extent `d` is static.
mlir::Value creationExtent(mlir::Value array, unsigned d);

} // namespace fad

#endif // FAD_LOWERING_ARRAYROOTS_H
