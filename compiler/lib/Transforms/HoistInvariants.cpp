//===- HoistInvariants.cpp - Hoisting loop invariants -----------*- C++ -*-===//
//
// This file implements fad-fuse's last step: the ops of map, build, reduce,
// scan and loop bodies that do not depend on the element or iteration, and
// cannot fail, move in front of the structured op (see HoistInvariants.h).
//
//===----------------------------------------------------------------------===//

#include "HoistInvariants.h"

#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace fad;

/// Moves the ops of structured bodies that do not depend on the iteration
/// before the structured op (innermost bodies first, so an op can climb
/// several levels). Only ops that cannot fail: an index (or add_at, or an
/// array literal's row check, or an integer division) hoisted out of a loop
/// that runs no iteration could fail where the program would not.
void fad::hoistInvariants(Operation *root) {
  root->walk([](Operation *op) {
    if (!isa<MapOp, BuildOp, ReduceOp, ScanOp, ForOp>(op))
      return;
    Region &body = op->getRegion(0);
    for (Operation &inner : llvm::make_early_inc_range(body.front().without_terminator())) {
      bool canFail = isa<IndexOp, AddAtOp, UpdateOp, ArrayOp>(inner) ||
                     (isa<DivOp, RemOp, PowOp>(inner) && inner.getResult(0).getType().isInteger());
      bool invariant = llvm::all_of(inner.getOperands(), [&](Value v) {
        return !body.isAncestor(v.getParentRegion());
      });
      if (inner.getNumRegions() == 0 && isPure(&inner) && !canFail && invariant)
        inner.moveBefore(op);
    }
  });
}
