//===- ArrayRoots.cpp - Where a lowered array's buffer starts ---*- C++ -*-===//
//
// This file implements ArrayRoots.h.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/ArrayRoots.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

Value fad::arrayRoot(Value v) {
  while (true) {
    if (auto result = dyn_cast<OpResult>(v)) {
      auto loop = dyn_cast<scf::ForOp>(result.getOwner());
      unsigned r = result.getResultNumber();
      if (loop && arrayRoot(loop.getYieldedValues()[r]) == loop.getRegionIterArg(r)) {
        v = loop.getInitArgs()[r];
        continue;
      }
      if (auto insert = dyn_cast<tensor::InsertOp>(result.getOwner())) {
        v = insert.getDest();
        continue;
      }
      if (auto insert = dyn_cast<tensor::InsertSliceOp>(result.getOwner())) {
        v = insert.getDest();
        continue;
      }
    }
    return v;
  }
}

Value fad::creationExtent(Value array, unsigned d) {
  auto empty = arrayRoot(array).getDefiningOp<tensor::EmptyOp>();
  if (!empty || !empty.getType().isDynamicDim(d))
    return nullptr;
  Value size = empty.getDynamicSize(d);
  auto dim = size.getDefiningOp<tensor::DimOp>();
  std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
  if (Value inner = index ? creationExtent(dim.getSource(), *index) : nullptr)
    return inner;
  return size;
}
