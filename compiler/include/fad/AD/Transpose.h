//===- Transpose.h - Transposing linear fad programs --------------*- C++ -*-===//
//
// The AD engine's reverse half: the transpose of a linearized program. The
// program's ops split into primal ops (not depending on tangents: constants
// of the linear map) and linear ops. Transposing a block
//   1. copies its primal ops, in order (the values the linear map is
//      parameterized by: a store-all policy within the block), then
//   2. walks its linear ops backwards, asking each for its transpose rule
//      (TransposeOpInterface), which turns the adjoints of the op's results
//      into adjoints of its linear operands.
// Adjoints are symbolic zeros until something is added to them.
//
// Naming contract: the adjoint (cotangent) of a value `x` is called `xAdj`.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_AD_TRANSPOSE_H
#define FAD_AD_TRANSPOSE_H

#include "fad/AD/CheckpointPolicy.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

namespace fad {

class LinearizeState;

/// One transposition of a linearized program.

class TransposeState {
public:
  /// `linearization` says which values of the program are linear and gives
  /// array shapes for zero adjoints; it must outlive this state.
  explicit TransposeState(const LinearizeState &linearization)
      : linearization(linearization) {}

  /// Whether `v` (a value of the linearized program) is linear.
  bool isLinear(mlir::Value v) const;
  /// Whether `op` computes linear values (has a linear result).
  bool isLinearOp(mlir::Operation *op) const;

  /// The copy of primal value `v` in the transposed program.
  mlir::Value primal(mlir::Value v) const { return mapping.lookupOrDefault(v); }
  llvm::SmallVector<mlir::Value> primals(mlir::ValueRange vs) const {
    llvm::SmallVector<mlir::Value> result;
    for (mlir::Value v : vs)
      result.push_back(primal(v));
    return result;
  }
  mlir::IRMapping &primalMapping() { return mapping; }

  /// The adjoint of linear value `v`, or null when it is zero.
  mlir::Value adjoint(mlir::Value v) const { return adjoints.lookup(v); }
  /// Replaces the adjoint of `v` (used to seed it, or to update it in place).
  void setAdjoint(mlir::Value v, mlir::Value vAdj) { adjoints[v] = vAdj; }
  /// Forgets the adjoints of every value defined inside `region`, before
  /// transposing the same body once more (a fixed-point iteration).
  void clearAdjointsIn(mlir::Region &region);
  /// Adds `contribution` to the adjoint of `v` (nothing if it is null).
  void addAdjoint(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                  mlir::Value contribution);
  /// A value of the transposed program with the extents of linear value `v`
  /// (the primal it is the tangent of), or null when none is known.
  mlir::Value primalShapeOf(mlir::Value v) const;
  /// The adjoint of `v`, building an explicit zero when it is zero.
  mlir::Value materializedAdjoint(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);

  /// Copies the primal (non-linear) ops of `block` at the insertion point of
  /// `b`: the first half of transposeBlock, also used to rerun a body's
  /// primal computation (to record a loop's states, say). `replay`, when
  /// given, says that these ops ran before (a loop's recorded iteration):
  /// their checks (fad.assert) are not repeated, and the values it maps are
  /// taken from its entries (residuals read from a tape) instead of being
  /// recomputed; an op whose results are all there is not copied.
  void clonePrimalOps(mlir::OpBuilder &b, mlir::Block &block,
                      const llvm::DenseMap<mlir::Value, mlir::Value> *replay = nullptr);

  /// Transposes `block` (all ops but its terminator) at the insertion point
  /// of `b`: copies its primal ops (see clonePrimalOps for `replay`), then
  /// transposes its linear ops in reverse. The adjoints of the terminator's
  /// linear operands must be set first.
  mlir::LogicalResult transposeBlock(mlir::OpBuilder &b, mlir::Block &block,
                                     const llvm::DenseMap<mlir::Value, mlir::Value> *replay = nullptr);

  /// The linear values that `region` uses but does not define, in a fixed
  /// order: their adjoints flow out of a transposed body.
  llvm::SetVector<mlir::Value> capturedLinearValues(mlir::Region &region) const;

  CheckpointPolicy checkpointPolicy = CheckpointPolicy::Auto;
  /// Emit a remark per transposed loop with the size of its tape.
  bool reportTapes = false;

private:
  const LinearizeState &linearization;
  mlir::IRMapping mapping;
  llvm::DenseMap<mlir::Value, mlir::Value> adjoints;
};

} // namespace fad

#endif // FAD_AD_TRANSPOSE_H
