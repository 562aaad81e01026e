//===- HoistExtents.cpp - Measure arrays where they are made ----*- C++ -*-===//
//
// This file implements fad-hoist-extents (see Passes.td): every tensor.dim
// moves to just after its array's definition, so that the extents an
// insertion needs are known where the row it inserts is built.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"

namespace fad {
#define GEN_PASS_DEF_FADHOISTEXTENTS
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

namespace {
struct FADHoistExtentsPass : fad::impl::FADHoistExtentsBase<FADHoistExtentsPass> {
  void runOnOperation() override {
    SmallVector<tensor::DimOp> dims;
    getOperation()->walk([&](tensor::DimOp dim) { dims.push_back(dim); });
    DominanceInfo dominance(getOperation());
    for (tensor::DimOp dim : dims) {
      Value array = dim.getSource();
      Operation *next = dim->getNextNode();
      if (auto arg = dyn_cast<BlockArgument>(array))
        dim->moveBefore(arg.getOwner(), arg.getOwner()->begin());
      else
        dim->moveAfter(array.getDefiningOp());
      // The index is a constant, cloned where it is not defined yet; any
      // other index keeps the dim where it was.
      Value index = dim.getIndex();
      if (dominance.properlyDominates(index, dim))
        continue;
      if (auto constant = index.getDefiningOp<arith::ConstantIndexOp>()) {
        OpBuilder b(dim);
        dim.getIndexMutable().set(b.clone(*constant)->getResult(0));
      } else {
        dim->moveBefore(next);
      }
    }
  }
};
} // namespace
