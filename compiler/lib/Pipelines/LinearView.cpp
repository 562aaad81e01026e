//===- LinearView.cpp - The symbolic derivatives of a program -----*- C++ -*-===//
//
// This file implements buildLinearView (fadc --emit=linear): for every
// differentiation in a program, its linear map (the tangent program of the
// linearization, forward mode) and the transpose of that map (reverse mode),
// each as a function of the point, the values the differentiated function
// captures, and the tangent or cotangent, simplified.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Pipelines/Pipelines.h"
#include "fad/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace fad;

/// "file:line:col" of `loc`, or "unknown".
static std::string describeLocation(Location loc) {
  std::string text = "unknown";
  loc->walk([&](Location l) {
    if (auto file = dyn_cast<FileLineColLoc>(l)) {
      text = file.getFilename().str() + ":" + std::to_string(file.getLine()) + ":" +
             std::to_string(file.getColumn());
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return text;
}

OwningOpRef<ModuleOp> fad::buildLinearView(ModuleOp module) {
  OpBuilder b(module.getContext());
  OwningOpRef<ModuleOp> view = ModuleOp::create(module.getLoc());
  b.setInsertionPointToEnd(view->getBody());
  unsigned count = 0;
  module.walk([&](Operation *op) {
    if (!isa<JvpOp, VjpOp>(op))
      return;
    Region &body = op->getRegion(0);
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(body, captured);
    ValueRange primals = op->getOperands().take_front(body.getNumArguments());
    TypeRange primalTypes = primals.getTypes();
    TypeRange yieldTypes = body.front().getTerminator()->getOperandTypes();
    std::string where = describeLocation(op->getLoc());
    for (bool transposed : {false, true}) {
      SmallVector<Type> inputs(primalTypes);
      for (Value v : captured)
        inputs.push_back(v.getType());
      llvm::append_range(inputs, transposed ? yieldTypes : primalTypes);
      TypeRange results = transposed ? primalTypes : yieldTypes;
      std::string name = (transposed ? "transpose_" : "linear_") + std::to_string(count);
      auto fn = b.create<func::FuncOp>(op->getLoc(), name, b.getFunctionType(inputs, results));
      fn->setAttr("fad.derivative_at", b.getStringAttr(where));
      OpBuilder::InsertionGuard guard(b);
      Block *entry = fn.addEntryBlock();
      b.setInsertionPointToStart(entry);
      unsigned p = primalTypes.size(), c = captured.size();
      IRMapping mapping;
      for (auto [k, v] : llvm::enumerate(captured))
        mapping.map(v, entry->getArgument(p + k));
      ValueRange args = entry->getArguments();
      Operation *derivative;
      if (transposed) {
        SmallVector<Type> types(yieldTypes);
        llvm::append_range(types, primalTypes);
        derivative = b.create<VjpOp>(op->getLoc(), types, args.take_front(p),
                                     args.drop_front(p + c));
      } else {
        SmallVector<Type> types(yieldTypes);
        llvm::append_range(types, yieldTypes);
        derivative = b.create<JvpOp>(op->getLoc(), types, args.take_front(p),
                                     args.drop_front(p + c), /*batched=*/false,
                                     IntegerAttr());
      }
      body.cloneInto(&derivative->getRegion(0), mapping);
      b.create<func::ReturnOp>(op->getLoc(),
                               derivative->getResults().drop_front(yieldTypes.size()));
    }
    ++count;
  });
  PassManager pm(module.getContext());
  pm.addPass(createFADAutodiff());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (failed(pm.run(*view)))
    return nullptr;
  return view;
}
