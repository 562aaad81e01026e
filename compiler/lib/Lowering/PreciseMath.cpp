//===- PreciseMath.cpp - libm's log1p and expm1 -------------------*- C++ -*-===//
//
// This file implements fad-precise-math-to-libm (see Passes.td): math.log1p
// and math.expm1 become libm calls through MLIR's math-to-libm patterns,
// applied as a partial conversion in which only those two ops are illegal.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"

#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace fad {
#define GEN_PASS_DEF_FADPRECISEMATHTOLIBM
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

namespace {
struct FADPreciseMathToLibmPass
    : public fad::impl::FADPreciseMathToLibmBase<FADPreciseMathToLibmPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathToLibmConversionPatterns(patterns);
    ConversionTarget target(getContext());
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    target.addIllegalOp<math::Log1pOp, math::ExpM1Op>();
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
