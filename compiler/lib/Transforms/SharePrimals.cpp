//===- SharePrimals.cpp - The fad-share-primals pass --------------*- C++ -*-===//
//
// This file implements fad-share-primals (see Passes.td): a value that an AD
// op's body computes as a primal result, and that the enclosing block also
// computes by itself, is read from the AD op.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Dominance.h"
#include "llvm/ADT/SetVector.h"

namespace fad {
#define GEN_PASS_DEF_FADSHAREPRIMALS
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

namespace {
/// Decides whether a value computed in an AD op's body equals a value
/// computed outside it, given the values the body's arguments stand for.
/// Two op results are equal when their ops have the same name, attributes,
/// result types and equal operands, and their regions the same ops in the
/// same order (block arguments paired by position). Only ops whose effects
/// are at most failing a check take part: equal ops then compute equal
/// values, or both fail the same check.
class ValueMatcher {
public:
  /// `home`: the block whose ops found equal are recorded (to be erased
  /// once unused); ops elsewhere stay to the canonicalizer.
  ValueMatcher(Block &body, ValueRange standsFor, Block *home) : home(home) {
    for (auto [arg, value] : llvm::zip(body.getArguments(), standsFor))
      equal[arg] = value;
  }

  bool match(Value inner, Value outer) {
    if (inner == outer)
      return true;
    if (auto known = equal.find(inner); known != equal.end())
      return known->second == outer;
    auto innerResult = dyn_cast<OpResult>(inner), outerResult = dyn_cast<OpResult>(outer);
    if (!innerResult || !outerResult ||
        innerResult.getResultNumber() != outerResult.getResultNumber() ||
        !matchOp(innerResult.getOwner(), outerResult.getOwner()))
      return false;
    if (outerResult.getOwner()->getBlock() == home)
      outerOps.push_back(outerResult.getOwner());
    return true;
  }

  /// The ops of `home` found equal to inner ones, operands before users.
  ArrayRef<Operation *> matchedOuterOps() const { return outerOps; }

private:
  /// Recursive along operands: a body's depth of operand chains is the
  /// recursion's depth.
  bool matchOp(Operation *x, Operation *y) {
    if (failed.contains({x, y}))
      return false;
    bool same = x->getName() == y->getName() &&
                x->getRawDictionaryAttrs() == y->getRawDictionaryAttrs() &&
                x->getName().compareOpProperties(x->getPropertiesStorage(),
                                                 y->getPropertiesStorage()) &&
                x->getResultTypes() == y->getResultTypes() &&
                x->getNumOperands() == y->getNumOperands() &&
                x->getNumRegions() == y->getNumRegions() && x->getNumSuccessors() == 0 &&
                y->getNumSuccessors() == 0 && effectsAreChecksAtMost(x) &&
                llvm::all_of(llvm::zip(x->getOperands(), y->getOperands()),
                             [&](auto pair) {
                               return match(std::get<0>(pair), std::get<1>(pair));
                             }) &&
                llvm::all_of(llvm::zip(x->getRegions(), y->getRegions()), [&](auto pair) {
                  return matchRegion(std::get<0>(pair), std::get<1>(pair));
                });
    if (!same) {
      failed.insert({x, y});
      return false;
    }
    for (auto [a, b] : llvm::zip(x->getResults(), y->getResults()))
      equal[a] = b;
    return true;
  }

  bool matchRegion(Region &x, Region &y) {
    if (!x.hasOneBlock() || !y.hasOneBlock())
      return x.empty() && y.empty();
    Block &a = x.front(), &b = y.front();
    if (a.getArgumentTypes() != b.getArgumentTypes() ||
        a.getOperations().size() != b.getOperations().size())
      return false;
    for (auto [argA, argB] : llvm::zip(a.getArguments(), b.getArguments()))
      equal[argA] = argB;
    return llvm::all_of(llvm::zip(a, b), [&](auto pair) {
      return matchOp(&std::get<0>(pair), &std::get<1>(pair));
    });
  }

  Block *home;
  DenseMap<Value, Value> equal;
  DenseSet<std::pair<Operation *, Operation *>> failed;
  SmallVector<Operation *> outerOps;
};

/// Makes the uses of values in `adOp`'s block that equal its primal results
/// and that `adOp` dominates read those results, and collects the copies'
/// ops in `copies` (erased by the caller once unused).
void sharePrimals(Operation *adOp, Block &body, ValueRange primalArgs, DominanceInfo &dominance,
                  SetVector<Operation *> &copies) {
  auto yield = cast<YieldOp>(body.getTerminator());
  for (auto [k, yielded] : llvm::enumerate(yield.getOperands())) {
    Operation *producer = yielded.getDefiningOp();
    if (!producer || !adOp->isProperAncestor(producer))
      continue;
    unsigned resultNumber = cast<OpResult>(yielded).getResultNumber();
    for (Operation &candidate : *adOp->getBlock()) {
      if (&candidate == adOp || candidate.getName() != producer->getName() ||
          candidate.getNumResults() <= resultNumber)
        continue;
      Value copy = candidate.getResult(resultNumber);
      ValueMatcher matcher(body, primalArgs, adOp->getBlock());
      if (!matcher.match(yielded, copy))
        continue;
      copy.replaceUsesWithIf(adOp->getResult(k), [&](OpOperand &use) {
        return dominance.properlyDominates(adOp, use.getOwner(), /*enclosingOpOk=*/false);
      });
      copies.insert(matcher.matchedOuterOps().begin(), matcher.matchedOuterOps().end());
    }
  }
}

struct FADSharePrimalsPass : public fad::impl::FADSharePrimalsBase<FADSharePrimalsPass> {
  void runOnOperation() override {
    // Outer AD ops first: sharing inside a body changes what it yields.
    SmallVector<Operation *> adOps;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<JvpOp, VjpOp>(op))
        adOps.push_back(op);
    });
    DominanceInfo dominance;
    SetVector<Operation *> copies;
    for (Operation *op : adOps) {
      if (auto jvp = dyn_cast<JvpOp>(op))
        sharePrimals(jvp, jvp.getBody().front(), jvp.getPrimals(), dominance, copies);
      else if (auto vjp = dyn_cast<VjpOp>(op))
        sharePrimals(vjp, vjp.getBody().front(), vjp.getPrimals(), dominance, copies);
    }
    // A copy inside another (the body of a copied AD op) goes with it, or
    // stays: decided before erasing anything, as erasing frees nested ops.
    DenseSet<Operation *> nested;
    for (Operation *op : copies)
      for (Operation *parent = op->getParentOp(); parent; parent = parent->getParentOp())
        if (copies.contains(parent))
          nested.insert(op);
    // Users before the ops they read: erasing from the back frees each op's
    // operands' producers before they are looked at.
    for (Operation *op : llvm::reverse(copies))
      if (!nested.contains(op) && op->use_empty())
        op->erase();
  }
};
} // namespace
