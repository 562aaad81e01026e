//===- FADDialect.cpp - The fad dialect ---------------------------*- C++ -*-===//
//
// This file implements the registration of the fad dialect and its ops.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADDialect.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

using namespace mlir;
using namespace fad;

#include "fad/Dialect/FAD/IR/FADOpsDialect.cpp.inc"

void FADDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "fad/Dialect/FAD/IR/FADOps.cpp.inc"
      >();
}
