//===- InvariantTangents.h - Loop-invariant parts of tangents -----*- C++ -*-===//
//
// A step of reverse mode between linearization and transposition (docs/AD.md,
// "Invariant tangents"): in a linearized map over points whose body builds
// one value per component j (a build of invariant size), a tangent term whose
// coefficients do not depend on the point (gmm's Q_j (-mu_j-dot)) is computed
// once per component before the map, and the body reads it. Transposed, the
// points' adjoints are summed first and the term's transpose (Q_j^T) runs
// once per component instead of once per point and component.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_AD_INVARIANTTANGENTS_H
#define FAD_AD_INVARIANTTANGENTS_H

namespace mlir {
class Block;
} // namespace mlir

namespace fad {

class LinearizeState;

/// Splits each tangent computed by a loop (a map, build or sum) directly in
/// the body of a build that is directly in the body of a linearized map or
/// build of `linear` (the scratch block of fad-vjp) into the terms that vary
/// with the outer iteration and those that do not, and moves the latter out
/// of the outer loop as one build over the inner index, when they contain a
/// nested loop (so that the work saved grows with the extents). Terms are
/// split along sums: a product whose primal factor varies, an element at a
/// varying index, and anything the outer iteration's own tangents reach stay
/// where they are. The new values are recorded as linear in `state`. Changes
/// nothing it cannot prove: unsupported linear ops leave a tangent as it is.
void hoistInvariantTangents(LinearizeState &state, mlir::Block &linear);

} // namespace fad

#endif // FAD_AD_INVARIANTTANGENTS_H
