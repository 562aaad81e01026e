//===- Expansion.h - Replacing one AD op by its derivative program -*- C++ -*-===//
//
// The per-op steps of the AD passes, shared by fad-jvp, fad-vjp and fad-ad
// (which runs both, innermost op first, so that the two modes nest).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_TRANSFORMS_EXPANSION_H
#define FAD_LIB_TRANSFORMS_EXPANSION_H

#include "fad/AD/Transpose.h"
#include "fad/Dialect/FAD/IR/FADOps.h"


namespace fad {
/// Replaces `op` by its linearized body (forward mode).
mlir::LogicalResult expandJvp(JvpOp op);
/// Replaces `op` by the transpose of its body's linearization (reverse mode),
/// keeping loop states as `policy` says (and reporting their tapes).
mlir::LogicalResult expandVjp(VjpOp op, CheckpointPolicy policy, bool reportTapes = false);
/// Replaces `op` by its interval Taylor arithmetic (AutoBound).
mlir::LogicalResult expandTaylorBound(TaylorBoundOp op);
} // namespace fad

#endif // FAD_LIB_TRANSFORMS_EXPANSION_H
