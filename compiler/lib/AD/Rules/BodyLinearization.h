//===- BodyLinearization.h - Shared step of structured-op rules ---*- C++ -*-===//
//
// Every structured op linearizes the same way: a new op of the same kind
// whose operands are the primal operands followed by tangent operands, and
// whose body is the linearized old body yielding primals then tangents. This
// helper builds that body; each rule only says how operands are laid out.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_DIALECT_FAD_DERIVATIVES_BODYLINEARIZATION_H
#define FAD_LIB_DIALECT_FAD_DERIVATIVES_BODYLINEARIZATION_H

#include "fad/AD/Linearize.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <optional>

namespace fad::detail {

/// Where each argument of an old body goes in the new body.
struct ArgLayout {
  unsigned primal;              ///< Index of the new argument holding the primal.
  std::optional<unsigned> tan;  ///< Index of the new argument holding the tangent.
};

/// Builds the single block of `newRegion` with `newArgTypes`, linearizes
/// `oldBody` into it (old argument k becomes new argument args[k].primal,
/// with tangent args[k].tan), and ends it with a fad.yield of the old yield's
/// primals followed by the materialized tangents of the old yields listed in
/// `tangentYields`.
mlir::LogicalResult linearizeBody(mlir::OpBuilder &b, LinearizeState &state,
                                  mlir::Block &oldBody, mlir::Region &newRegion,
                                  mlir::TypeRange newArgTypes,
                                  llvm::ArrayRef<ArgLayout> args,
                                  llvm::ArrayRef<unsigned> tangentYields);

/// The indices of `values` whose types are differentiable.
llvm::SmallVector<unsigned> differentiableIndices(mlir::TypeRange types);

/// The result types of a linearized structured op: its primal result types,
/// then the types of the results listed in `tangents` (their tangents).
llvm::SmallVector<mlir::Type> withTangentTypes(const LinearizeState &state,
                                               mlir::TypeRange results,
                                               llvm::ArrayRef<unsigned> tangents);

/// Records `newOp`'s results as the primals of `oldOp`'s results, and its
/// trailing results as the tangents of the old results listed in `tangents`.
/// In reverse mode the primals come from `primal` (leading results) or, if
/// null, from a plain copy of `oldOp`.
void recordResults(LinearizeState &state, mlir::Operation *oldOp,
                   mlir::Operation *newOp, llvm::ArrayRef<unsigned> tangents,
                   mlir::Operation *primal = nullptr);

/// The values defined in `body` and in the blocks nested in it, arguments
/// included (without region ancestry: the linearized program sits in
/// unattached blocks).
llvm::DenseSet<mlir::Value> valuesDefinedIn(mlir::Block &body);

/// How the extents of a body's argument are known outside the body: those
/// of `array` but its first `drop` (a loop's state: its init's).
struct ArgShape {
  mlir::Value array;
  unsigned drop = 0;
};

/// One extent of an array in terms of a value outside a body: `value`
/// itself (an i64) when `dim` is negative, else extent `dim` of `value`.
struct Extent {
  mlir::Value value;
  int64_t dim = -1;
};

/// The extents of array `v` of a body that defines the values `inside`
/// (valuesDefinedIn), in terms of values outside it, when every run of the
/// body gives `v` the same extents; std::nullopt when that is not known.
/// They come from values outside, the body's arguments (`argShapes`), the
/// rows of a nested map's inputs, a build's size, and a loop's init (a
/// loop's state keeps its extents, as the reverse-mode tape assumes).
std::optional<llvm::SmallVector<Extent>>
extentsOutside(mlir::Value v, const llvm::DenseSet<mlir::Value> &inside,
               const llvm::DenseMap<mlir::Value, ArgShape> &argShapes);

/// The residual candidates of a linearized body: values of its (top-level)
/// primal ops that its linear ops (`isLinearOp`) read and that are worth
/// keeping rather than recomputing in the transpose: they change with the
/// body's arguments and take transcendental functions or loops to compute.
llvm::SmallVector<mlir::Value>
costlyPrimalReads(mlir::Block &body, llvm::function_ref<bool(mlir::Operation *)> isLinearOp);

/// Clones `op` as a constant of the differentiation (all tangents zero).
mlir::LogicalResult cloneAsConstant(mlir::OpBuilder &b, LinearizeState &state,
                                    mlir::Operation *op);

/// Registration of each rule family (Derivatives.cpp calls them).
void registerArrayRules(mlir::MLIRContext *ctx);
void registerElementwiseRules(mlir::MLIRContext *ctx);
void registerLoopRules(mlir::MLIRContext *ctx);
void registerMapRules(mlir::MLIRContext *ctx);
void registerReduceRules(mlir::MLIRContext *ctx);
void registerReduceTransposes(mlir::MLIRContext *ctx);
void registerTaylorRules(mlir::MLIRContext *ctx);
void registerTaylorBoundRules(mlir::MLIRContext *ctx);
void registerLoopTransposes(mlir::MLIRContext *ctx);
void registerLinalgRules(mlir::MLIRContext *ctx);
void registerCollectiveRules(mlir::MLIRContext *ctx);

} // namespace fad::detail

#endif // FAD_LIB_DIALECT_FAD_DERIVATIVES_BODYLINEARIZATION_H
