//===- AccumulationPatterns.h - Accumulation rewrites -----------*- C++ -*-===//
//
// The rewrites of fad-fuse that change how an adjoint is accumulated: into
// the one element a one-hot adjoint reaches, as a build where each element is
// written once, or in place into a row of an outer accumulator (see
// Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_TRANSFORMS_ACCUMULATIONPATTERNS_H
#define FAD_LIB_TRANSFORMS_ACCUMULATIONPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace fad {
/// Adds AccumulateOneHotMap: `acc + map f xs onehot` becomes an add_at at
/// the one-hot index. It runs before map fusion, which would merge the
/// one-hot build into the map. And AccumulateOneHotRow: adding a one-hot
/// row (`add_at (zeros_like row)[j] v`) to a row becomes an add_at of v.
void populateOneHotAccumulationPatterns(mlir::RewritePatternSet &patterns);

/// Adds ElementwiseAccumulationToBuild: a loop state that is only added into
/// at the counter becomes a build. And AddOnlyNonzeroBranch: a term that is
/// zero in one branch of an if is added only in the other.
void populateElementwiseAccumulationPatterns(mlir::RewritePatternSet &patterns);

/// Adds AccumulateIntoRow: an adjoint collected in private zeros and then
/// added to a row of an outer accumulator is accumulated there directly.
void populateInPlaceAccumulationPatterns(mlir::RewritePatternSet &patterns);

/// Adds FactorOutOfSum: a factor common to every term of a sum of a map
/// multiplies the sum of the other factor's array instead. It runs before
/// map fusion, which would merge the map into the sum.
void populateSumFactoringPatterns(mlir::RewritePatternSet &patterns);
} // namespace fad

#endif // FAD_LIB_TRANSFORMS_ACCUMULATIONPATTERNS_H
