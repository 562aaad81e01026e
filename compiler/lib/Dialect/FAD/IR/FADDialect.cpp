//===- FADDialect.cpp - The fad dialect ---------------------------*- C++ -*-===//
//
// This file implements the registration of the fad dialect and its ops.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADDialect.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace fad;

#include "fad/Dialect/FAD/IR/FADOpsDialect.cpp.inc"

void FADDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "fad/Dialect/FAD/IR/FADOps.cpp.inc"
      >();
}

Operation *FADDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                           Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}
