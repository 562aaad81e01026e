//===- Accumulators.h - Loop states that are only added to -----*- C++ -*-===//
//
// Recognizing the state components of a fad.for that iterations only add to
// (the adjoints a reverse sweep accumulates with add_at), which
// fad-split-accumulations splits across threads and fad-unroll-jam
// interleaves.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_TRANSFORMS_ACCUMULATORS_H
#define FAD_LIB_TRANSFORMS_ACCUMULATORS_H

#include "fad/Dialect/FAD/IR/FADOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace fad {
/// Whether one state component of a loop is an accumulator: its value is
/// only added to (`add_at`, as the array), carried through nested loops and
/// conditionals in one position, asked for its extents, and yielded in its
/// own position. Then the loop's result is the initial value plus the sum of
/// what the iterations add, in any grouping.
class AccumulatorCheck {
public:
  /// With `scalarSums`, a scalar that is only added to (`s + x`) is an
  /// accumulator too.
  explicit AccumulatorCheck(bool scalarSums = false) : scalarSums(scalarSums) {}
  bool holds(ForOp loop, unsigned slot);

  /// After `holds`: every version of the accumulator in the loop (the
  /// block arguments, add_at results, nested loops' and conditionals'
  /// results that carry it). Each is read by at most one op that makes the
  /// next version, besides extent queries.
  const llvm::DenseSet<mlir::Value> &versions() const { return derived; }

private:
  bool follow(mlir::Value v);
  bool addsTo(mlir::Operation *op, mlir::Value part);
  bool addsElementwise(MapOp map, mlir::Value part);
  bool joined(mlir::Operation *op, unsigned at);

  bool scalarSums;
  ForOp top;
  llvm::DenseSet<mlir::Value> derived;
  llvm::SmallVector<mlir::Value> addends; // what is added to the accumulator elementwise
  llvm::SmallVector<std::pair<mlir::Operation *, unsigned>> joins;
};

/// Whether `value` is defined outside `op` (so the same in every iteration
/// of a loop `op`).
inline bool definedOutside(mlir::Value value, mlir::Operation *op) {
  return !op->isAncestor(value.getParentRegion()->getParentOp());
}

/// The versions of `loop`'s accumulators by state slot, if every slot is
/// one (AccumulatorCheck, with `scalarSums`).
std::optional<llvm::DenseMap<mlir::Value, unsigned>> accumulatorSlots(ForOp loop,
                                                                      bool scalarSums = false);

/// Whether `op` is a loop at the top of `loop`'s body with a trip count
/// that does not change between `loop`'s iterations and a float it carries
/// from iteration to iteration that is not one of `loop`'s accumulators
/// (`slotOf`, as accumulatorSlots gives them): a recurrence, whose latency
/// bounds the loop.
bool isRecurrence(mlir::Operation &op, ForOp loop,
                  const llvm::DenseMap<mlir::Value, unsigned> &slotOf);

/// The loop with body `body` (of a fad.for), run for iterations [lo, hi)
/// from state `inits`.
ForOp cloneRange(mlir::OpBuilder &b, mlir::Location loc, mlir::Block &body, mlir::Value lo,
                 mlir::Value hi, mlir::ValueRange inits);
} // namespace fad

#endif // FAD_LIB_TRANSFORMS_ACCUMULATORS_H
