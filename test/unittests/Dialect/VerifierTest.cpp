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

// Every scalar op states one partial derivative per operand (a list one
// short would drop an operand's tangent). Each op with the partials
// interface is built on one and on two f64 operands; where that verifies,
// its partials list must have as many entries.
TEST_F(VerifierTest, PartialsMatchOperands) {
  Location loc = b.getUnknownLoc();
  Value x = b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(0.5));
  Value y = b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(2.0));
  unsigned checked = 0;
  for (RegisteredOperationName name : ctx.getRegisteredOperations()) {
    if (name.getDialectNamespace() != "fad" || !name.hasInterface<fad::ScalarPartialsOpInterface>())
      continue;
    SmallVector<Value> operands = {x, y};
    for (unsigned arity : {1u, 2u}) {
      OperationState state(loc, name);
      state.addOperands(ArrayRef<Value>(operands).take_front(arity));
      state.addTypes(b.getF64Type());
      Operation *op = b.create(state);
      if (failed(verify(op)))
        continue;
      ++checked;
      auto scalar = cast<fad::ScalarPartialsOpInterface>(op);
      EXPECT_EQ(scalar.buildPartials(b).size(), arity) << name.getStringRef().str();
    }
  }
  EXPECT_GE(checked, 20u);
}
