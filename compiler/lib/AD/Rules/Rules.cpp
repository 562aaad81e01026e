//===- Rules.cpp - Registering the fad ops' derivative rules ----*- C++ -*-===//
//
// This file implements registerDerivativeRules: it attaches the rules of
// each op family (the other files of this directory) when the fad dialect is
// loaded.
//
//===----------------------------------------------------------------------===//

#include "fad/AD/Rules.h"
#include "BodyLinearization.h"
#include "fad/Dialect/FAD/IR/FADDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

#include "mlir/IR/DialectRegistry.h"

using namespace mlir;

void fad::registerDerivativeRules(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, FADDialect *, arith::ArithDialect *) {
    fad::detail::registerArrayRules(ctx);
    fad::detail::registerCollectiveRules(ctx);
    fad::detail::registerElementwiseRules(ctx);
    fad::detail::registerLinalgRules(ctx);
    fad::detail::registerLoopRules(ctx);
    fad::detail::registerMapRules(ctx);
    fad::detail::registerReduceRules(ctx);
    fad::detail::registerReduceTransposes(ctx);
    fad::detail::registerLoopTransposes(ctx);
    fad::detail::registerTaylorRules(ctx);
    fad::detail::registerTaylorBoundRules(ctx);
  });
}
