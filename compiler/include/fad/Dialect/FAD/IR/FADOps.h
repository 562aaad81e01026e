//===- FADOps.h - fad dialect operations --------------------------*- C++ -*-===//
//
// Declares the operations of the fad dialect generated from FADOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_DIALECT_FAD_IR_FADOPS_H
#define FAD_DIALECT_FAD_IR_FADOPS_H

#include "fad/Dialect/FAD/IR/FADDialect.h"
#include "fad/Dialect/FAD/IR/Partials.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "fad/Dialect/FAD/IR/LanguageBuiltinInterface.h.inc"

namespace mlir {
class RewriterBase;
} // namespace mlir

namespace fad::traits {
/// FAD_CostlyToRecompute (FADOps.td): recomputing the op costs more than
/// reading its results from memory. A marker, queried by
/// isCostlyToRecompute.
template <typename ConcreteType>
class CostlyToRecompute : public mlir::OpTrait::TraitBase<ConcreteType, CostlyToRecompute> {};
} // namespace fad::traits

#define GET_OP_CLASSES
#include "fad/Dialect/FAD/IR/FADOps.h.inc"

namespace fad {
/// The type of one element of `array`: its scalar element type for rank 1,
/// else the array of one rank less (a row), with the same dynamic extents.
mlir::Type getElementOrRowType(mlir::RankedTensorType array);
/// The array type whose elements (rows) are `element`: `tensor<?x...>`.
mlir::RankedTensorType getArrayOfType(mlir::Type element);
/// `a op c` for scalars, elementwise (a fad.map, recursively for rows) for
/// arrays of equal extents; `ScalarOp` is a binary scalar fad op.
template <typename ScalarOp>
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                             mlir::Value c) {
  auto type = llvm::dyn_cast<mlir::RankedTensorType>(a.getType());
  if (!type)
    return b.create<ScalarOp>(loc, a, c);
  auto map = b.create<MapOp>(loc, mlir::TypeRange{type}, mlir::ValueRange{a, c});
  mlir::Type elem = getElementOrRowType(type);
  mlir::OpBuilder::InsertionGuard guard(b);
  mlir::Block *body = b.createBlock(&map.getBody(), {}, {elem, elem}, {loc, loc});
  b.create<YieldOp>(loc, buildElementwise<ScalarOp>(b, loc, body->getArgument(0),
                                                    body->getArgument(1)));
  return map.getResult(0);
}
inline mlir::Value buildElementwiseAdd(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                                       mlir::Value c) {
  return buildElementwise<AddOp>(b, loc, a, c);
}
/// What buildElementwiseAdd builds, recognized: for a map each of whose
/// results is the elementwise sum of two of its inputs (`map (\a b -> a +
/// b)`, or a map of such maps over rows), the positions of the two inputs of
/// each result.
std::optional<llvm::SmallVector<std::pair<unsigned, unsigned>>> matchElementwiseSums(MapOp map);
/// Whether `v` is `from` with elements added to or replaced (add_at,
/// update, a map of scalars over the vector `from` and others, and
/// conditionals and loops that only do that): it has the extents of `from`,
/// since each checks that what it adds, stores or maps over has the
/// extents of what it goes into.
bool isUpdateOf(mlir::Value v, mlir::Value from);
/// Whether recomputing `op` costs more than reading its results from memory:
/// transcendental functions and sequential loops, the ops with the
/// FAD_CostlyToRecompute trait.
bool isCostlyToRecompute(mlir::Operation *op);
/// Whether `op` itself does at most fail a run-time check besides computing
/// its results: fad.assert, an op free of memory effects, or one whose
/// effects are those of its nested ops (which callers judge one by one).
/// Ops that print (fad.trace) or call functions are not.
bool effectsAreChecksAtMost(mlir::Operation *op);
/// What the outer extent of `array` is known to equal without computing it:
/// a build's size (i64), or an array of the same outer extent (a map's
/// first input, the array an add_at, update or zeros_like keeps the shape of, a
/// loop state's init when every iteration keeps its extent); `array` itself
/// when nothing better is known.
mlir::Value extentSource(mlir::Value array, unsigned depth = 0);
/// Whether the i64 `v` is known to be at least 0: an extent, a non-negative
/// constant, or sums, products and bounds of such.
bool isKnownNonNegative(mlir::Value v);
/// A copy of `op` (one region, yielding with its terminator) before it that
/// has only results `keep` of `op`, in that order; `op` is left in place.
mlir::Operation *cloneWithResults(mlir::RewriterBase &rw, mlir::Operation *op,
                                  llvm::ArrayRef<unsigned> keep);
/// Whether `op` is, or contains, a collective (fad.allreduce, fad.allgather,
/// fad.reduce_scatter): then every process must run it alike, and what
/// decides how often it runs must be the same on every process.
bool containsCollective(mlir::Operation *op);

/// `v` on process 0 and a zero of its type on the others (a fad.if on
/// process_index): broadcast's operand, and the cotangent that reverse mode
/// seeds a replicated result with, so that it counts once.
mlir::Value buildOnFirstProcess(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);
} // namespace fad

#endif // FAD_DIALECT_FAD_IR_FADOPS_H
