//===- DeadComputations.cpp - Erasing dead computations ---------*- C++ -*-===//
//
// This file implements the erasure of maps, builds, folds and counted loops
// whose results are unused and whose only effects are checks, which fad-fuse
// runs after its shape rewrites (see DeadComputations.h).
//
//===----------------------------------------------------------------------===//

#include "DeadComputations.h"

#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace fad;

/// Erases maps, builds, folds and counted loops whose results are unused and
/// whose only effects are the frontend's extent and bounds checks
/// (fad.assert): a value nobody reads need not be computed, nor checked.
/// AD leaves such ops behind: the primal value of a differentiated function
/// is computed next to its derivative even when only the derivative is used.
/// Loops that may not terminate (while, fixpoint) and progress reports stay.
void fad::eraseDeadComputations(Operation *root) {
  auto onlyChecks = [](Operation *op) {
    return !op->walk([](Operation *inner) {
                  return isa<AssertOp, MapOp, BuildOp, ReduceOp, ScanOp, ForOp, IfOp,
                             YieldOp>(inner) || isMemoryEffectFree(inner)
                             ? WalkResult::advance()
                             : WalkResult::interrupt();
                }).wasInterrupted();
  };
  for (bool erased = true; erased;) {
    erased = false;
    SetVector<Operation *> dead;
    root->walk([&](Operation *op) {
      if (isa<MapOp, BuildOp, ReduceOp, ScanOp, ForOp>(op) && op->use_empty() && onlyChecks(op))
        dead.insert(op);
    });
    // An op nested in another dead op is erased with it: decide which ops
    // to erase before erasing any (an erased op must not be read again).
    SmallVector<Operation *> outermost;
    for (Operation *op : dead) {
      Operation *parent = op->getParentOp();
      while (parent && !dead.contains(parent))
        parent = parent->getParentOp();
      if (!parent)
        outermost.push_back(op);
    }
    for (Operation *op : outermost)
      op->erase();
    erased = !outermost.empty();
  }
}
