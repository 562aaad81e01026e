//===- FusionUtils.cpp - Helpers of the fad-fuse rewrites -------*- C++ -*-===//
//
// This file implements the helpers that fad-fuse's producer-consumer fusion,
// accumulation rewrites and shape rewrites share (see FusionUtils.h).
//
//===----------------------------------------------------------------------===//

#include "FusionUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace fad;

SmallVector<Value> fusion::inlineBody(PatternRewriter &rw, Region &body, ValueRange args) {
  Block &block = body.front();
  IRMapping mapping;
  mapping.map(block.getArguments(), args);
  for (Operation &op : block.without_terminator())
    rw.clone(op, mapping);
  SmallVector<Value> results;
  for (Value v : block.getTerminator()->getOperands())
    results.push_back(mapping.lookupOrDefault(v));
  return results;
}

SmallVector<Value> fusion::elementsAt(PatternRewriter &rw, Location loc, MapOp map, Value i,
                                      std::optional<unsigned> skip, Value replacement) {
  SmallVector<Value> elements;
  for (auto [k, input] : llvm::enumerate(map.getInputs())) {
    if (k == skip) {
      elements.push_back(replacement);
      continue;
    }
    auto element = rw.create<IndexOp>(loc, map.getBody().getArgument(k).getType(), input,
                                      ValueRange{i});
    element->setAttr(kInBoundsAttr, rw.getUnitAttr());
    elements.push_back(element);
  }
  return elements;
}

void fusion::assertExtents(PatternRewriter &rw, Location loc, Value n, ValueRange arrays) {
  for (Value array : arrays) {
    Value m = rw.create<DimOp>(loc, array, 0);
    Value same = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, n, m);
    rw.create<AssertOp>(loc, same, "map: arrays of different sizes", ValueRange{n, m});
  }
}

Value fusion::broadcastValue(Value array) {
  auto build = array.getDefiningOp<BuildOp>();
  if (!build || build->getNumResults() != 1)
    return nullptr;
  Block &body = build.getBody().front();
  Value c = body.getTerminator()->getOperand(0);
  return &body.front() == body.getTerminator() && c.getParentRegion() != &build.getBody()
             ? c
             : nullptr;
}

Value fusion::inBounds(OpBuilder &b, Location loc, Value i, Value n) {
  Value zero = b.create<arith::ConstantIntOp>(loc, 0, 64);
  return b.create<arith::AndIOp>(loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, i, zero),
                                 b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, i, n));
}

bool fusion::onlyChecksAsEffects(Region &body) {
  return !body.walk([](Operation *op) {
                return isa<AssertOp>(op) || isMemoryEffectFree(op) ? WalkResult::advance()
                                                                   : WalkResult::interrupt();
              }).wasInterrupted();
}

std::optional<SmallVector<Operation *>> fusion::sliceInBlock(Value v, Block &block) {
  SetVector<Operation *> slice;
  SmallVector<Value> worklist{v};
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val().getDefiningOp();
    if (!op || op->getBlock() != &block || slice.contains(op))
      continue;
    if (op->getNumRegions() != 0)
      return std::nullopt;
    slice.insert(op);
    llvm::append_range(worklist, op->getOperands());
  }
  SmallVector<Operation *> ordered(slice.begin(), slice.end());
  llvm::sort(ordered, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return ordered;
}

bool fusion::definedBefore(Value v, Operation *op) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return !op->isAncestor(cast<BlockArgument>(v).getOwner()->getParentOp());
  if (op->isAncestor(def))
    return false;
  return def->getBlock() != op->getBlock() || def->isBeforeInBlock(op);
}

bool fusion::onlyAccumulates(Value acc, ForOp loop, unsigned slot, bool rows,
                             unsigned depth) {
  auto uses = llvm::make_filter_range(acc.getUses(), [](OpOperand &use) {
    return !isa<DimOp>(use.getOwner());
  });
  if (depth > 64 || !llvm::hasSingleElement(uses))
    return false;
  OpOperand &use = *uses.begin();
  Operation *user = use.getOwner();
  if (isa<AddAtOp>(user) || (rows && isa<UpdateOp>(user) && user->hasAttr(kInBoundsAttr)))
    return use.getOperandNumber() == 0 &&
           onlyAccumulates(user->getResult(0), loop, slot, rows, depth + 1);
  if (isa<YieldOp>(user))
    return user->getParentOp() == loop && use.getOperandNumber() == slot;
  auto inner = dyn_cast<ForOp>(user);
  if (!inner || use.getOperandNumber() == 0)
    return false;
  unsigned p = use.getOperandNumber() - 1;
  return onlyAccumulates(inner.getBody().front().getArgument(p + 1), inner, p, rows,
                         depth + 1) &&
         onlyAccumulates(inner.getResult(p), loop, slot, rows, depth + 1);
}
