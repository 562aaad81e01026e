//===- Passes.h - fad transformation passes -----------------------*- C++ -*-===//
//
// Declares the fad-to-fad passes (see Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_TRANSFORMS_PASSES_H
#define FAD_TRANSFORMS_PASSES_H

#include "fad/AD/CheckpointPolicy.h"

#include "mlir/Pass/Pass.h"

namespace fad {
#define GEN_PASS_DECL
#include "fad/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

#endif // FAD_TRANSFORMS_PASSES_H
