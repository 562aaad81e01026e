//===- Autodiff.cpp - The fad-ad pass -----------------------------*- C++ -*-===//
//
// This file implements fad-ad: every fad.jvp and fad.vjp op, innermost first
// whatever its mode, is replaced by its derivative program. Nested
// derivatives of either kind (a Hessian-vector product as jvp of a vjp, say)
// are thus differentiated as programs.
//
//===----------------------------------------------------------------------===//

#include "Expansion.h"
#include "fad/AD/Rules.h"
#include "fad/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"

namespace fad {
#define GEN_PASS_DEF_FADAUTODIFF
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

namespace {
struct FADAutodiffPass : public fad::impl::FADAutodiffBase<FADAutodiffPass> {
  using FADAutodiffBase::FADAutodiffBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    FADAutodiffBase::getDependentDialects(registry);
    registerDerivativeRules(registry);
  }

  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation()->walk<WalkOrder::PostOrder>([&](Operation *op) {
      if (isa<JvpOp, VjpOp, TaylorBoundOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      LogicalResult expanded =
          isa<JvpOp>(op)   ? expandJvp(cast<JvpOp>(op))
          : isa<VjpOp>(op) ? expandVjp(cast<VjpOp>(op), checkpoint, reportTapes)
                           : expandTaylorBound(cast<TaylorBoundOp>(op));
      if (failed(expanded))
        return signalPassFailure();
    }
  }
};
} // namespace
