//===- ADInterfaces.h - How fad ops state their derivatives -------*- C++ -*-===//
//
// Declares the op interfaces of ADInterfaces.td (the engine's states are
// defined in Linearize.h, Transpose.h and Enclosure.h).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_AD_ADINTERFACES_H
#define FAD_AD_ADINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

namespace fad {
class EnclosureBuilder;
class LinearizeState;
class TransposeState;
struct Enclosure;
} // namespace fad

#include "fad/AD/ADInterfaces.h.inc"

#endif // FAD_AD_ADINTERFACES_H
