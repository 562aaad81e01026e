//===- Replication.cpp - Which values every process shares --------*- C++ -*-===//

#include "Replication.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace fad;

ReplicationAnalysis::ReplicationAnalysis(ModuleOp module) {
  bool changed = true;
  while (changed) {
    changed = false;
    module.walk([&](Operation *op) { changed |= visit(op, module); });
  }
}

/// The values the terminators of `region`'s blocks yield, by position.
static SmallVector<ValueRange> yieldsOf(Region &region) {
  SmallVector<ValueRange> yields;
  for (Block &block : region)
    if (!block.empty() && block.back().hasTrait<OpTrait::IsTerminator>())
      yields.push_back(block.back().getOperands());
  return yields;
}

bool ReplicationAnalysis::visit(Operation *op, ModuleOp module) {
  // Functions (and the module): their arguments are per-process only as
  // their call sites make them (func::CallOp below), not by what they return.
  if (op->hasTrait<OpTrait::IsIsolatedFromAbove>())
    return false;
  bool changed = false;
  auto any = [&](ValueRange values) {
    return llvm::any_of(values, [&](Value v) { return !isReplicated(v); });
  };
  auto markAll = [&](auto values) {
    for (Value v : values)
      changed |= mark(v);
  };
  // State k of a loop-like op: its init, the k-th yield of `body`, the k-th
  // of `args` (from `first`) and of the results go per-process together.
  auto states = [&](ValueRange inits, Region &body, unsigned first, bool control) {
    for (auto [k, init] : llvm::enumerate(inits)) {
      bool perProcessState = control || !isReplicated(init);
      for (ValueRange yield : yieldsOf(body))
        perProcessState |= k < yield.size() && !isReplicated(yield[k]);
      if (perProcessState) {
        changed |= mark(body.getArgument(first + k));
        changed |= mark(op->getResult(k));
      }
    }
  };
  // Results yielded by the regions: per-process if any region's k-th yield
  // is, or if `control` (the op runs them per-process).
  auto yieldedResults = [&](bool control) {
    for (auto [k, result] : llvm::enumerate(op->getResults())) {
      bool perProcessResult = control;
      for (Region &region : op->getRegions())
        for (ValueRange yield : yieldsOf(region))
          perProcessResult |= k < yield.size() && !isReplicated(yield[k]);
      if (perProcessResult)
        changed |= mark(result);
    }
  };
  llvm::TypeSwitch<Operation *>(op)
      .Case<ProcessIndexOp, ReduceScatterOp, PerProcessOp>(
          [&](Operation *) { markAll(op->getResults()); })
      .Case<ProcessCountOp, AllreduceOp, AllgatherOp>([&](Operation *) {})
      .Case<MapOp>([&](MapOp map) {
        for (auto [input, arg] : llvm::zip(map.getInputs(), map.getBody().getArguments()))
          if (!isReplicated(input))
            changed |= mark(arg);
        yieldedResults(any(map.getInputs()));
      })
      .Case<BuildOp>([&](BuildOp build) {
        bool control = !isReplicated(build.getSize());
        if (control)
          markAll(build.getBody().getArguments());
        yieldedResults(control);
      })
      .Case<ReduceOp, ScanOp>([&](auto fold) {
        unsigned k = fold.getInits().size();
        bool control = any(fold.getInputs());
        for (auto [input, arg] :
             llvm::zip(fold.getInputs(), fold.getBody().getArguments().drop_front(k)))
          if (!isReplicated(input))
            changed |= mark(arg);
        states(fold.getInits(), fold.getBody(), 0, control);
      })
      .Case<ForOp>([&](ForOp loop) {
        bool control = !isReplicated(loop.getCount());
        if (control)
          changed |= mark(loop.getBody().getArgument(0));
        states(loop.getInits(), loop.getBody(), 1, control);
      })
      .Case<WhileOp>([&](WhileOp loop) {
        bool control = false;
        for (ValueRange yield : yieldsOf(loop.getCond()))
          control |= any(yield);
        states(loop.getInits(), loop.getBody(), 0, control);
        for (auto [arg, bodyArg] :
             llvm::zip(loop.getCond().getArguments(), loop.getBody().getArguments()))
          if (!isReplicated(bodyArg))
            changed |= mark(arg);
      })
      .Case<IfOp>([&](IfOp choice) { yieldedResults(!isReplicated(choice.getCondition())); })
      .Case<func::CallOp>([&](func::CallOp call) {
        auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
        if (!callee || callee.isExternal()) {
          if (any(call.getOperands()))
            markAll(call.getResults());
          return;
        }
        for (auto [operand, arg] : llvm::zip(call.getOperands(), callee.getArguments()))
          if (!isReplicated(operand))
            changed |= mark(arg);
        callee.walk([&](func::ReturnOp ret) {
          for (auto [value, result] : llvm::zip(ret.getOperands(), call.getResults()))
            if (!isReplicated(value))
              changed |= mark(result);
        });
      })
      .Default([&](Operation *) {
        if (op->getNumRegions() == 0) {
          if (any(op->getOperands()))
            markAll(op->getResults());
          return;
        }
        // Any other op with regions (fixpoint, ...): everything per-process
        // if anything it reads or yields is. The derivative ops (jvp, vjp,
        // taylor_bound) are finer: their bodies take the op's leading
        // operands, and each result goes by what it is the derivative of.
        bool perProcessOp = any(op->getOperands());
        op->walk([&](Operation *inner) {
          for (Value v : inner->getOperands())
            perProcessOp |= !isReplicated(v) && !op->isAncestor(v.getParentBlock()->getParentOp());
        });
        for (Region &region : op->getRegions())
          for (ValueRange yield : yieldsOf(region))
            perProcessOp |= any(yield);
        if (isa<JvpOp, VjpOp, TaylorBoundOp>(op)) {
          Block &body = op->getRegion(0).front();
          for (auto [operand, arg] : llvm::zip(op->getOperands(), body.getArguments()))
            if (!isReplicated(operand))
              changed |= mark(arg);
          ValueRange yields = body.getTerminator()->getOperands();
          unsigned k = yields.size();
          auto vjp = dyn_cast<VjpOp>(op);
          for (auto [r, result] : llvm::enumerate(op->getResults())) {
            bool perProcessResult;
            if (r < k) // f's own results
              perProcessResult = !isReplicated(yields[r]);
            else if (!vjp) // jvp: the derivatives of yield r - k
              perProcessResult =
                  (k && !isReplicated(yields[(r - k) % k])) || any(op->getOperands());
            else if (containsCollective(op)) // summed over the processes (ReverseAD.cpp)
              perProcessResult = !isReplicated(vjp.getPrimals()[r - k]);
            else // each process's own derivative
              perProcessResult = perProcessOp;
            if (perProcessResult)
              changed |= mark(result);
          }
          return;
        }
        if (!perProcessOp)
          return;
        markAll(op->getResults());
        for (Region &region : op->getRegions())
          for (Block &block : region)
            markAll(block.getArguments());
      });
  return changed;
}

Operation *ReplicationAnalysis::perProcessControl(Operation *op) const {
  auto any = [&](ValueRange values) {
    return llvm::any_of(values, [&](Value v) { return !isReplicated(v); });
  };
  for (Operation *parent = op->getParentOp(); parent; parent = parent->getParentOp()) {
    bool control = llvm::TypeSwitch<Operation *, bool>(parent)
                       .Case<MapOp>([&](MapOp map) { return any(map.getInputs()); })
                       .Case<BuildOp>([&](BuildOp b) { return !isReplicated(b.getSize()); })
                       .Case<ReduceOp, ScanOp>([&](auto fold) { return any(fold.getInputs()); })
                       .Case<ForOp>([&](ForOp loop) { return !isReplicated(loop.getCount()); })
                       .Case<WhileOp>([&](WhileOp loop) {
                         return any(loop.getCond().front().getTerminator()->getOperands());
                       })
                       .Case<IfOp>([&](IfOp choice) { return !isReplicated(choice.getCondition()); })
                       .Case<FixpointOp>([&](FixpointOp fix) { return any(fix.getResults()); })
                       .Default([](Operation *) { return false; });
    if (control)
      return parent;
  }
  return nullptr;
}
