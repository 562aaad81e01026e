//===- Linearize.h - The forward-mode (linearization) engine ------*- C++ -*-===//
//
// The AD engine's forward mode: it walks ops in order and asks each, through
// the interfaces of ADInterfaces.td, for its primal and tangent computation.
// Tangents are symbolic: a value without a tangent has a zero one, and no
// zero is materialized unless an op's structure needs it.
//
// Naming contract (Futhark's): the tangent of a value `x` is called `xTan`;
// `state.primal(x)` is the value the primal computation of `x` went to.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_AD_LINEARIZE_H
#define FAD_AD_LINEARIZE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace fad {

/// Whether values of type `t` have tangents: floats and arrays of floats.
/// Integers and booleans are constants of every differentiation.
bool isDifferentiableType(mlir::Type t);

/// The zero of the type of `like`: a constant, or fad.zeros_like for arrays.
mlir::Value buildZeroLike(mlir::OpBuilder &b, mlir::Location loc, mlir::Value like);

/// On a linearized structured op: how many of its results (and leading
/// state operands) are primal; the rest are tangents.
constexpr llvm::StringLiteral kPrimalCountAttr = "fad.primal_count";

/// The primal count of a linearized structured op (0 if it has none).
unsigned primalCount(mlir::Operation *op);

/// Whether the tangent `v` is `acc + x` as linearization writes the tangent
/// of a sum (each term scaled by its partial, the constant 1).
bool isTangentSumOf(mlir::Value v, mlir::Value acc, mlir::Value x);

/// Clones `op` at the insertion point of `b`, taking the values it uses from
/// outside itself through `mapping`, and records its results in `mapping`.
/// Unlike OpBuilder::clone, mappings that `mapping` may hold for values
/// inside `op` (from an earlier copy of the same op) are ignored: they would
/// make the copy's regions drop their block arguments.
mlir::Operation *cloneWithOuterValues(mlir::OpBuilder &b, mlir::Operation *op,
                                      mlir::IRMapping &mapping);

/// One forward-mode differentiation: where the values of the source IR went
/// in the primal computation, and their tangents.
class LinearizeState {
public:
  /// The new primal value of source value `v` (`v` itself when it is defined
  /// outside what is being linearized: a constant of the differentiation).
  mlir::Value primal(mlir::Value v) const { return mapping.lookupOrDefault(v); }
  llvm::SmallVector<mlir::Value> primals(mlir::ValueRange vs) const;
  void mapPrimal(mlir::Value from, mlir::Value to) { mapping.map(from, to); }
  mlir::IRMapping &primalMapping() { return mapping; }

  /// The tangent of `v`, or null when it is zero.
  mlir::Value tangent(mlir::Value v) const { return tangents.lookup(v); }
  /// Records `vTan` as the tangent of `v`; a null `vTan` means zero.
  void setTangent(mlir::Value v, mlir::Value vTan) {
    if (!vTan)
      return;
    tangents[v] = vTan;
    linearValues.insert(vTan);
    witnesses.try_emplace(vTan, primal(v));
  }
  /// Records an intermediate value of a tangent computation (a term of a
  /// sum, say): a value that depends linearly on the tangents.
  void markLinear(mlir::Value v) { linearValues.insert(v); }
  /// Records `witness`, a primal array of the extents of linear array `v`.
  void setShapeWitness(mlir::Value v, mlir::Value witness) { witnesses[v] = witness; }
  /// Forgets everything recorded for `v` (primal, tangent, linear mark,
  /// shape witness): for a value about to be erased, so that no later value
  /// at the same address inherits it.
  void forget(mlir::Value v) {
    mapping.erase(v);
    tangents.erase(v);
    linearValues.erase(v);
    witnesses.erase(v);
  }
  /// Erases `op`, forgetting the values of every op and block in it: the
  /// auxiliary IR a rule linearizes (LinalgRules.cpp), tangent ops left
  /// unread (InvariantTangents.cpp).
  void eraseOp(mlir::Operation *op);

  /// The values that depend linearly on the input tangents: the linear part
  /// of the linearized program, which reverse mode transposes.
  const llvm::DenseSet<mlir::Value> &getLinearValues() const { return linearValues; }
  /// For an array-valued linear value, a primal value of the same extents
  /// (to build zeros of its shape); null if unknown.
  mlir::Value shapeWitness(mlir::Value linear) const { return witnesses.lookup(linear); }

  /// In reverse mode, structured ops compute their primal results in a
  /// separate primal op, so that the linear program is only linear ops.
  bool separatePrimal = false;

  /// Vector mode: when set, every tangent is a batch of `batchSize`
  /// tangents, as an extra innermost dimension (an f64's tangent is a
  /// [n]f64 vector, a [m]f64's a [m][n]f64 matrix). Structured ops need no
  /// change for it: an element's tangent is then a vector.
  mlir::Value batchSize;
  /// Taylor mode: when non-zero, tangents are the coefficients 1..K of
  /// truncated Taylor series (K = taylorOrder = the batch size), and scalar
  /// ops propagate them with their Taylor rules instead of their partials.
  unsigned taylorOrder = 0;

  /// The type of the tangent of a value of type `primal`.
  mlir::Type tangentType(mlir::Type primal) const;
  /// `scale * vTan` for a scalar primal `scale` (each tangent of a batch).
  mlir::Value scaleTangent(mlir::OpBuilder &b, mlir::Location loc, mlir::Value scale,
                           mlir::Value vTan);
  /// Whether `op` reads, directly or inside its regions, a value with a
  /// non-zero tangent (if not, all its tangents are zero).
  bool readsTangent(mlir::Operation *op) const;

  /// The tangent of `v`, building an explicit zero (shaped like `v`'s
  /// primal) when it is zero.
  mlir::Value materializedTangent(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);

  /// Linearizes every op of `block` but its terminator, in order, at the
  /// insertion point of `b`. Afterwards the terminator's operands have
  /// primals and tangents in this state.
  mlir::LogicalResult linearizeBlock(mlir::OpBuilder &b, mlir::Block &block);

  /// Linearizes one op through its interfaces; emits a located error for an
  /// op that has float results, tangent inputs and no rule.
  mlir::LogicalResult linearizeOp(mlir::OpBuilder &b, mlir::Operation *op);

private:
  mlir::IRMapping mapping;
  llvm::DenseMap<mlir::Value, mlir::Value> tangents;
  llvm::DenseSet<mlir::Value> linearValues;
  llvm::DenseMap<mlir::Value, mlir::Value> witnesses;
};

} // namespace fad

#endif // FAD_AD_LINEARIZE_H
