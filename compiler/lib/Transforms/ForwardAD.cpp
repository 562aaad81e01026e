//===- ForwardAD.cpp - The fad-jvp pass ---------------------------*- C++ -*-===//
//
// This file implements fad-jvp, forward-mode AD: every fad.jvp op is replaced
// by the linearization of its body (lib/AD/Linearize.cpp), innermost first.
//
//===----------------------------------------------------------------------===//

#include "fad/AD/Linearize.h"
#include "fad/AD/Rules.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Transforms/Passes.h"
#include "Expansion.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"

namespace fad {
#define GEN_PASS_DEF_FADJVP
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

namespace {
struct FADJvpPass : public fad::impl::FADJvpBase<FADJvpPass> {
  void getDependentDialects(DialectRegistry &registry) const override {
    FADJvpBase::getDependentDialects(registry);
    registerDerivativeRules(registry);
  }

  void runOnOperation() override {
    // Post-order visits inner fad.jvp ops before the ones containing them.
    SmallVector<JvpOp> jvps;
    getOperation()->walk<WalkOrder::PostOrder>([&](JvpOp op) { jvps.push_back(op); });
    for (JvpOp op : jvps)
      if (failed(expandJvp(op)))
        return signalPassFailure();
  }
};
} // namespace

/// Replaces `op` by its linearized body: primal results, then tangents.
LogicalResult fad::expandJvp(JvpOp op) {
  OpBuilder b(op);
  LinearizeState state;
  if (op.getBatched() && !op.getTangents().empty()) {
    // The batch is the innermost dimension of every tangent.
    Value first = op.getTangents().front();
    int64_t rank = cast<RankedTensorType>(first.getType()).getRank();
    state.batchSize = b.create<DimOp>(op.getLoc(), first, rank - 1);
  }
  if (std::optional<uint64_t> order = op.getTaylorOrder())
    state.taylorOrder = *order;
  Block &body = op.getBody().front();
  for (auto [arg, primal, primalTan] :
       llvm::zip(body.getArguments(), op.getPrimals(), op.getTangents())) {
    state.mapPrimal(arg, primal);
    if (isDifferentiableType(arg.getType()))
      state.setTangent(arg, primalTan);
  }
  if (failed(state.linearizeBlock(b, body)))
    return failure();
  ValueRange yields = cast<YieldOp>(body.getTerminator()).getValues();
  SmallVector<Value> results = state.primals(yields);
  for (Value y : yields)
    results.push_back(state.materializedTangent(b, op.getLoc(), y));
  op.replaceAllUsesWith(results);
  op.erase();
  return success();
}
