//===- StructuredTranspose.h - Shared steps of structured transposes -*- C++ -*-===//
//
// The transposes of linearized structured ops all run the transposed body once
// per iteration of a loop whose state carries adjoints ("slots"): the
// adjoints of linear operands and of linear values the body captures.
// Accumulating into loop-carried adjoints (fad.add_at for arrays) makes each
// iteration cost what the body costs, never the size of a captured array.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_DIALECT_FAD_DERIVATIVES_STRUCTUREDTRANSPOSE_H
#define FAD_LIB_DIALECT_FAD_DERIVATIVES_STRUCTUREDTRANSPOSE_H

#include "BodyLinearization.h"
#include "fad/AD/Transpose.h"
#include "llvm/ADT/SetVector.h"

namespace fad::detail {

/// Builds `fad.for n` over state `inits`; `body` receives the iteration
/// number i (0, 1, ...; or n-1, n-2, ... when `reverse`) and the state, and
/// returns the next state. Returns the final state.
llvm::SmallVector<mlir::Value>
buildCountedLoop(mlir::OpBuilder &b, mlir::Location loc, mlir::Value n,
                 mlir::ValueRange inits, bool reverse,
                 llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::Value, mlir::ValueRange)> body);

/// An array of `n` zeros shaped like `like` (a scalar or an array): the
/// initial value of a tape recording `like` at every iteration.
mlir::Value buildZerosArray(mlir::OpBuilder &b, mlir::Location loc, mlir::Value n,
                            mlir::Value like);

/// `tape` with row `i` (in bounds) replaced by `value`: a tape's rows are
/// written once each, before any is read, so the zeros it starts as are
/// never read (fad-empty-overwritten-states gives it no initial contents).
mlir::Value recordRow(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tape, mlir::Value i,
                      mlir::Value value);

/// Element (or row) i of `array`.
mlir::Value buildIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value array,
                       mlir::Value i);

/// The bytes of values of the given extents (one list per value; none for
/// a scalar), 8 per element: a bound for narrower types.
mlir::Value bytesOf(mlir::OpBuilder &b, mlir::Location loc,
                    llvm::ArrayRef<llvm::SmallVector<mlir::Value>> extents);

/// The residuals of a loop body (costlyPrimalReads): values of its primal
/// ops that its linear ops read and that are costly to recompute, which the
/// tape records at every iteration so that the transposed iterations read
/// them instead (docs/AD.md, "Residuals"). Left out, and recomputed: values
/// that are neither floats nor arrays whose extents are known before the
/// loop (from values outside it and the arguments' `argShapes`).
struct Residuals {
  llvm::SmallVector<mlir::Value> values;                 ///< of the body
  llvm::SmallVector<llvm::SmallVector<mlir::Value>> extents; ///< per value

  /// Each value's entry `i` in `tapes` (one per value, from recordTape).
  llvm::DenseMap<mlir::Value, mlir::Value> at(mlir::OpBuilder &b, mlir::Location loc,
                                              llvm::ArrayRef<mlir::Value> tapes,
                                              mlir::Value i) const;
};

/// The residuals of `body`, with their extents built at `b`'s insertion
/// point (before the loop); `argShapes` gives the extents of the body's
/// arguments (see extentsOutside).
Residuals findResiduals(mlir::OpBuilder &b, mlir::Location loc, TransposeState &state,
                        mlir::Block &body,
                        const llvm::DenseMap<mlir::Value, ArgShape> &argShapes);

/// The store-all tape of a recurrence: runs the primal ops of `body` `n`
/// times from the k-component state `primInits`; before each run,
/// `bindArgs(i, state)` maps the body's arguments, and the body's first k
/// yields are the next state. Returns, per component, the array of its
/// values before each iteration, then per residual the array of its values.
llvm::SmallVector<mlir::Value>
recordTape(mlir::OpBuilder &b, mlir::Location loc, TransposeState &state, mlir::Value n,
           llvm::ArrayRef<mlir::Value> primInits, mlir::Block &body,
           llvm::function_ref<void(mlir::Value, mlir::ValueRange)> bindArgs,
           const Residuals &residuals = {});

/// Adjoint slots of a transposed structured op: linear values whose adjoints
/// are carried through the loop, each once.
struct Slots {
  llvm::SetVector<mlir::Value> values;

  /// The slots' current adjoints (zeros if none yet): the loop's initial state.
  llvm::SmallVector<mlir::Value> initialState(mlir::OpBuilder &b, mlir::Location loc,
                                              TransposeState &state) const;
  /// Makes the slot values' adjoints the loop's state arguments.
  void enter(TransposeState &state, mlir::ValueRange stateArgs) const;
  /// The slot values' adjoints at the end of an iteration (materialized).
  llvm::SmallVector<mlir::Value> currentState(mlir::OpBuilder &b, mlir::Location loc,
                                              TransposeState &state) const;
  /// After the loop: the slot values' adjoints are its results.
  void leave(TransposeState &state, mlir::ValueRange results) const;
};

} // namespace fad::detail

#endif // FAD_LIB_DIALECT_FAD_DERIVATIVES_STRUCTUREDTRANSPOSE_H
