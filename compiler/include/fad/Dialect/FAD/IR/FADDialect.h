//===- FADDialect.h - The fad dialect -----------------------------*- C++ -*-===//
//
// Declares the fad dialect class generated from FADDialect.td.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_DIALECT_FAD_IR_FADDIALECT_H
#define FAD_DIALECT_FAD_IR_FADDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"

#include "fad/Dialect/FAD/IR/FADOpsDialect.h.inc"

namespace fad {
/// Discardable attributes that passes leave for later ones.
/// On fad.index: the producer guarantees the indices are in bounds.
constexpr llvm::StringLiteral kInBoundsAttr = "fad.in_bounds";
/// On fad.for: the loop is a reduction by an associative operator (its
/// iterations may be combined in any grouping).
constexpr llvm::StringLiteral kReductionAttr = "fad.reduction";
/// On scf.for (lowered maps, builds and reductions): iterations are
/// independent but for the carried values, which they combine associatively.
constexpr llvm::StringLiteral kParallelAttr = "fad.parallel";
/// On fad.build and the scf.for it lowers to: one iteration per thread, each
/// a share of a long loop (fad-split-accumulations): run in parallel
/// whatever the trip count.
constexpr llvm::StringLiteral kChunksAttr = "fad.chunks";

/// The runtime's check failures that lowered code calls (they print or
/// record the message and do not return).
constexpr llvm::StringLiteral kFailFunction = "fad_rt_fail";
constexpr llvm::StringLiteral kIndexErrorFunction = "fad_rt_index_error";
constexpr llvm::StringLiteral kSizeErrorFunction = "fad_rt_size_error";
inline bool isCheckFailure(llvm::StringRef function) {
  return function == kFailFunction || function == kIndexErrorFunction ||
         function == kSizeErrorFunction;
}
} // namespace fad

#endif // FAD_DIALECT_FAD_IR_FADDIALECT_H
