//===- Passes.h - fad passes on lowered loops and buffers -------*- C++ -*-===//
//
// Declares the passes that run on lowered loops and buffers (see Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LOWERING_PASSES_H
#define FAD_LOWERING_PASSES_H

#include "mlir/Pass/Pass.h"

namespace fad {
#define GEN_PASS_DECL
#include "fad/Lowering/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

#endif // FAD_LOWERING_PASSES_H
