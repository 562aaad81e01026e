//===- VerifierTest.cpp - Unit tests of fad op verifiers ----------*- C++ -*-===//
//
// Builds fad ops with the C++ API and checks that the verifiers accept the
// well-typed ones and reject ill-typed ones.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {
struct VerifierTest : ::testing::Test {
  MLIRContext ctx;
  OpBuilder b{&ctx};
  OwningOpRef<ModuleOp> module;
  VerifierTest() {
    ctx.loadDialect<fad::FADDialect, arith::ArithDialect>();
    ctx.getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
    module = ModuleOp::create(b.getUnknownLoc());
    b.setInsertionPointToEnd(module->getBody());
  }
  Value f64Array() {
    auto type = RankedTensorType::get({ShapedType::kDynamic}, b.getF64Type());
    return b.create<fad::ArrayOp>(b.getUnknownLoc(), type, ValueRange{});
  }
};
} // namespace

// getArrayOfType and getElementOrRowType are inverse on dynamic arrays.
TEST_F(VerifierTest, ArrayTypeHelpers) {
  auto row = RankedTensorType::get({ShapedType::kDynamic}, b.getF32Type());
  auto matrix = fad::getArrayOfType(row);
  EXPECT_EQ(matrix.getRank(), 2);
  EXPECT_EQ(fad::getElementOrRowType(matrix), row);
  EXPECT_EQ(fad::getElementOrRowType(row), b.getF32Type());
}

// A map whose body yields a scalar produces an array of that scalar.
TEST_F(VerifierTest, MapResultMustBeArrayOfYield) {
  Value x = f64Array();
  auto good = b.create<fad::MapOp>(b.getUnknownLoc(), TypeRange{x.getType()}, x);
  Block *block = b.createBlock(&good.getBody(), {}, {b.getF64Type()}, {b.getUnknownLoc()});
  b.create<fad::YieldOp>(b.getUnknownLoc(), block->getArgument(0));
  EXPECT_TRUE(succeeded(verify(good)));

  b.setInsertionPointToEnd(module->getBody());
  auto bad = b.create<fad::MapOp>(b.getUnknownLoc(), TypeRange{b.getF64Type()}, x);
  block = b.createBlock(&bad.getBody(), {}, {b.getF64Type()}, {b.getUnknownLoc()});
  b.create<fad::YieldOp>(b.getUnknownLoc(), block->getArgument(0));
  EXPECT_TRUE(failed(verify(bad)));
}

// fad.index takes at most as many indices as the array's rank.
TEST_F(VerifierTest, IndexArity) {
  Value x = f64Array();
  Value i = b.create<arith::ConstantIntOp>(b.getUnknownLoc(), 0, 64);
  auto ok = b.create<fad::IndexOp>(b.getUnknownLoc(), b.getF64Type(), x, ValueRange{i});
  EXPECT_TRUE(succeeded(verify(ok)));
  auto tooMany =
      b.create<fad::IndexOp>(b.getUnknownLoc(), b.getF64Type(), x, ValueRange{i, i});
  EXPECT_TRUE(failed(verify(tooMany)));
}
