//===- Reductions.h - Carried values that lowered loops combine -*- C++ -*-===//
//
// The reductions of lowered loops, as fad-parallelize combines them across
// threads and fad-interleave-folds across lanes.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LOWERING_REDUCTIONS_H
#define FAD_LOWERING_REDUCTIONS_H

#include "mlir/IR/Operation.h"

#include <optional>

namespace fad {

/// A carried value of a loop that the body only combines with a
/// contribution by an associative op: `acc' = acc <op> contribution`, or,
/// for a maximum or minimum, `acc' = select (acc <cmp> x), acc, x`.
struct Reduction {
  mlir::Operation *combiner; ///< the op or the select
  mlir::Operation *compare;  ///< the select's comparison, or null
  unsigned accOperand;       ///< the combiner's operand that is `acc`

  /// The other operand, read when the loop is rewritten: parallelizing an
  /// earlier loop replaces its results, which this one may combine.
  mlir::Value contribution() const {
    return combiner->getOperand(compare ? 3 - accOperand : 1 - accOperand);
  }
};

/// `acc`'s reduction if it is `select (acc <cmp> x), acc, x` (or with the
/// operands swapped; `cmp` an arith.cmpf or arith.cmpi in the select's
/// block, acc read by those two ops only) and yielded as `yielded`.
std::optional<Reduction> matchSelectReduction(mlir::Value acc, mlir::Value yielded);

} // namespace fad

#endif // FAD_LOWERING_REDUCTIONS_H
