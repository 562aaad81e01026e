//===- Passes.h - fad conversion passes ---------------------------*- C++ -*-===//
//
// Declares the passes that lower the fad dialect (see Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_CONVERSION_PASSES_H
#define FAD_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace fad {
#define GEN_PASS_DECL
#include "fad/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fad/Conversion/Passes.h.inc"
} // namespace fad

#endif // FAD_CONVERSION_PASSES_H
