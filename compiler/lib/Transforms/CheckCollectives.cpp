//===- CheckCollectives.cpp - The fad-check-collectives pass -------*- C++ -*-===//
//
// Refuses a collective under per-process control (Passes.td): processes
// would run it different numbers of times and wait for each other forever.
//
//===----------------------------------------------------------------------===//

#include "Replication.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Transforms/Passes.h"

#include "llvm/ADT/TypeSwitch.h"

namespace fad {
#define GEN_PASS_DEF_FADCHECKCOLLECTIVES
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

/// What makes `control` run its body per-process, in words.
static StringRef describeControl(Operation *control) {
  return llvm::TypeSwitch<Operation *, StringRef>(control)
      .Case<MapOp>([](auto) { return "a map over a per-process array"; })
      .Case<BuildOp>([](auto) { return "a build of a per-process size"; })
      .Case<ReduceOp, ScanOp>([](auto) { return "a reduction over a per-process array"; })
      .Case<ForOp>([](auto) { return "a loop with a per-process trip count"; })
      .Case<WhileOp>([](auto) { return "a while loop with a per-process condition"; })
      .Case<IfOp>([](auto) { return "an `if` on a per-process condition"; })
      .Default([](auto) { return "a fixpoint of a per-process state"; });
}

namespace {
struct FADCheckCollectivesPass
    : public fad::impl::FADCheckCollectivesBase<FADCheckCollectivesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!containsCollective(module))
      return;
    ReplicationAnalysis processes(module);
    bool failed = false;
    module.walk([&](Operation *op) {
      if (!isa<AllreduceOp, AllgatherOp, ReduceScatterOp>(op))
        return;
      Operation *control = processes.perProcessControl(op);
      if (!control)
        return;
      InFlightDiagnostic error = op->emitError();
      error << op->getName().stripDialect() << " inside " << describeControl(control)
            << " would run a different number of times on different processes, which would "
               "wait for each other forever; make the extent or the condition the same on "
               "every process (an allreduce of it, say)";
      error.attachNote(control->getLoc()) << "the per-process control is here";
      failed = true;
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
