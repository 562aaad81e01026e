//===- ADInterfaces.h - How fad ops state their derivatives -------*- C++ -*-===//
//
// Declares the op interfaces of ADInterfaces.td.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_INTERFACES_ADINTERFACES_H
#define FAD_INTERFACES_ADINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

namespace fad {
class LinearizeState;
class TransposeState;
} // namespace fad

#include "fad/Interfaces/ADInterfaces.h.inc"

#endif // FAD_INTERFACES_ADINTERFACES_H
