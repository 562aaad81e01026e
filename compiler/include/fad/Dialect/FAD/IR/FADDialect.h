//===- FADDialect.h - The fad dialect -----------------------------*- C++ -*-===//
//
// Declares the fad dialect class generated from FADDialect.td.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_DIALECT_FAD_IR_FADDIALECT_H
#define FAD_DIALECT_FAD_IR_FADDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"

#include "fad/Dialect/FAD/IR/FADOpsDialect.h.inc"

#endif // FAD_DIALECT_FAD_IR_FADDIALECT_H
