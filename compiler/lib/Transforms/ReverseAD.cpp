//===- ReverseAD.cpp - The fad-vjp pass ---------------------------*- C++ -*-===//
//
// This file implements fad-vjp, reverse-mode AD as linearize then transpose
// (docs/AD.md): for every fad.vjp op, innermost first,
//   1. its body is linearized into a scratch block, with structured ops'
//      primal results computed by separate primal ops, so that what depends
//      on the tangents is a program of linear ops only;
//      then the terms of its tangents that are the same for every iteration
//      of a map move out of the map (InvariantTangents.h);
//   2. that linear program is transposed at the op's place (TransposeState):
//      primal ops copied forward, linear ops transposed backward, seeded with
//      the op's cotangents;
//   3. the op's results become the primal results and the adjoints of the
//      tangent arguments (explicit zeros where nothing flowed back).
// A body that communicates (a collective) runs on every process, and each
// holds a share of every adjoint (CollectiveRules.cpp): its replicated
// results are seeded on process 0 only, the adjoints of its replicated
// arguments are summed over the processes, and a per-process result is
// refused (docs/AD.md, "Processes").
//
//===----------------------------------------------------------------------===//

#include "fad/AD/InvariantTangents.h"
#include "fad/AD/Linearize.h"
#include "fad/AD/Transpose.h"
#include "fad/AD/Rules.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Transforms/Passes.h"
#include "Expansion.h"
#include "Replication.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"

namespace fad {
#define GEN_PASS_DEF_FADVJP
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

namespace {
struct FADVjpPass : public fad::impl::FADVjpBase<FADVjpPass> {
  using FADVjpBase::FADVjpBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    FADVjpBase::getDependentDialects(registry);
    registerDerivativeRules(registry);
  }

  void runOnOperation() override {
    SmallVector<VjpOp> vjps;
    getOperation()->walk<WalkOrder::PostOrder>([&](VjpOp op) { vjps.push_back(op); });
    for (VjpOp op : vjps)
      if (failed(expandVjp(op, checkpoint, reportTapes)))
        return signalPassFailure();
  }
};
} // namespace

LogicalResult fad::expandVjp(VjpOp op, CheckpointPolicy policy, bool reportTapes) {
  Location loc = op.getLoc();
  Block &body = op.getBody().front();
  OpBuilder b(op);

  // 1. Linearize into a scratch block: (primal args..., tangent args...).
  LinearizeState linearization;
  linearization.separatePrimal = true;
  SmallVector<Type> argTypes(body.getArgumentTypes());
  SmallVector<unsigned> differentiable;
  for (auto [p, t] : llvm::enumerate(body.getArgumentTypes()))
    if (isDifferentiableType(t)) {
      differentiable.push_back(p);
      argTypes.push_back(t);
    }
  Region scratch;
  SmallVector<Location> locs(argTypes.size(), loc);
  Block *linear = b.createBlock(&scratch, {}, argTypes, locs);
  unsigned p = body.getNumArguments();
  for (BlockArgument arg : body.getArguments())
    linearization.mapPrimal(arg, linear->getArgument(arg.getArgNumber()));
  for (auto [t, index] : llvm::enumerate(differentiable))
    linearization.setTangent(body.getArgument(index), linear->getArgument(p + t));
  if (failed(linearization.linearizeBlock(b, body)))
    return failure();
  ValueRange yields = cast<YieldOp>(body.getTerminator()).getValues();
  SmallVector<Value> linearYields = linearization.primals(yields);
  for (Value y : yields)
    linearYields.push_back(linearization.tangent(y));
  // The scratch block needs a terminator like any block the engine walks.
  SmallVector<Value> yielded;
  llvm::copy_if(linearYields, std::back_inserter(yielded), [](Value v) { return v; });
  b.create<YieldOp>(loc, yielded);
  // 1b. Terms the same for every point of a map move out of it.
  hoistInvariantTangents(linearization, *linear);

  // 2. Transpose it where the op is, seeded with the cotangents.
  b.setInsertionPoint(op);
  std::optional<ReplicationAnalysis> processes;
  if (containsCollective(op))
    processes.emplace(op->getParentOfType<ModuleOp>());
  TransposeState transposition(linearization);
  transposition.checkpointPolicy = policy;
  transposition.reportTapes = reportTapes;
  for (auto [arg, primal] : llvm::zip(linear->getArguments(), op.getPrimals()))
    transposition.primalMapping().map(arg, primal);
  unsigned k = yields.size();
  for (auto [j, cotangent] : llvm::enumerate(op.getCotangents())) {
    Value yieldTan = linearYields[k + j];
    if (!yieldTan || !transposition.isLinear(yieldTan))
      continue;
    if (processes) {
      if (!processes->isReplicated(yields[j]))
        return op.emitError("reverse mode through a collective needs a result that is the same "
                            "on every process; this one is per-process (combine it with "
                            "allreduce_sum first, or use forward mode)");
      cotangent = buildOnFirstProcess(b, loc, cotangent);
    }
    transposition.addAdjoint(b, loc, yieldTan, cotangent);
  }
  if (failed(transposition.transposeBlock(b, *linear)))
    return failure();

  // 3. Primal results, then each argument's adjoint.
  SmallVector<Value> results = transposition.primals(ValueRange(linearYields).take_front(k));
  for (BlockArgument arg : body.getArguments()) {
    auto *tangent = llvm::find(differentiable, arg.getArgNumber());
    Value adjoint = tangent == differentiable.end()
                        ? buildZeroLike(b, loc, op.getPrimals()[arg.getArgNumber()])
                        : transposition.materializedAdjoint(
                              b, loc, linear->getArgument(p + (tangent - differentiable.begin())));
    // A replicated argument's adjoint is the sum of the processes' shares;
    // one that the function itself declares per-process (per_process x) is
    // each process's own.
    Value primal = op.getPrimals()[arg.getArgNumber()];
    bool declaredPerProcess =
        llvm::any_of(arg.getUsers(), [](Operation *user) { return isa<PerProcessOp>(user); });
    if (processes && tangent != differentiable.end() && processes->isReplicated(primal) &&
        !declaredPerProcess)
      adjoint = b.create<AllreduceOp>(loc, adjoint.getType(), "sum", adjoint);
    results.push_back(adjoint);
  }
  op.replaceAllUsesWith(results);
  op.erase();
  return success();
}
