//===- Checks.cpp - The run-time checks of lowered code ---------*- C++ -*-===//

#include "fad/Lowering/Checks.h"
#include "fad/Dialect/FAD/IR/FADDialect.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/CallInterfaces.h"

using namespace mlir;

bool fad::isCheckCall(CallOpInterface call) {
  auto callee = dyn_cast<SymbolRefAttr>(call.getCallableForCallee());
  return callee && isCheckFailure(callee.getLeafReference());
}

bool fad::isCheckIf(scf::IfOp op) {
  if (op.getNumResults() != 0 || !op.getElseRegion().empty())
    return false;
  Block &then = op.getThenRegion().front();
  auto call = dyn_cast<CallOpInterface>(&then.front());
  return call && isCheckCall(call) && std::next(then.begin())->hasTrait<OpTrait::IsTerminator>();
}
