//===- SplitAccumulations.cpp - The fad-split-accumulations pass -*- C++ -*-===//
//
// This file implements fad-split-accumulations (see Passes.td): a loop
// whose state is only added to (a reverse sweep accumulating adjoints with
// add_at) runs as one share of its iterations per thread, each into private
// zero accumulators, which are then summed.
//
//===----------------------------------------------------------------------===//

#include "Accumulators.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"

namespace fad {
#define GEN_PASS_DEF_FADSPLITACCUMULATIONS
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

namespace {
/// Replaces `loop` by: with c = min(threads, n) > 1 chunks, a parallel build
/// of c partial states (chunk t runs iterations [t n / c, (t+1) n / c) from
/// zeros), summed into the initial state; else the loop.
void split(ForOp loop, func::FuncOp threadsFn) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value n = loop.getCount();
  Value one = b.create<arith::ConstantIntOp>(loc, 1, 64);
  Value threads = b.create<func::CallOp>(loc, threadsFn, ValueRange{}).getResult(0);
  Value chunks = b.create<MaxOp>(loc, b.create<MinOp>(loc, threads, n), one);
  Value several = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, chunks, one);
  auto ifOp = b.create<IfOp>(loc, loop.getResultTypes(), several);

  b.createBlock(&ifOp.getThenRegion());
  SmallVector<Type> partTypes;
  for (Type t : loop.getResultTypes()) {
    auto tensor = cast<RankedTensorType>(t);
    SmallVector<int64_t> shape{ShapedType::kDynamic};
    llvm::append_range(shape, tensor.getShape());
    partTypes.push_back(RankedTensorType::get(shape, tensor.getElementType()));
  }
  auto parts = b.create<BuildOp>(loc, partTypes, chunks);
  parts->setAttr(kChunksAttr, b.getUnitAttr());
  {
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&parts.getBody(), {}, {b.getI64Type()}, {loc});
    Value t = block->getArgument(0);
    auto bound = [&](Value k) { return b.create<DivOp>(loc, b.create<MulOp>(loc, k, n), chunks); };
    Value lo = bound(t), hi = bound(b.create<AddOp>(loc, t, one));
    SmallVector<Value> zeros;
    for (Value init : loop.getInits())
      zeros.push_back(b.create<ZerosLikeOp>(loc, init));
    ForOp chunk = cloneRange(b, loc, loop.getBody().front(), lo, hi, zeros);
    b.create<YieldOp>(loc, chunk.getResults());
  }
  // The sum, in chunk order (a few arrays: sequential).
  auto sum = b.create<ForOp>(loc, loop.getResultTypes(), chunks, loop.getInits());
  {
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Type> argTypes{b.getI64Type()};
    llvm::append_range(argTypes, loop.getResultTypes());
    SmallVector<Location> locs(argTypes.size(), loc);
    Block *block = b.createBlock(&sum.getBody(), {}, argTypes, locs);
    SmallVector<Value> next;
    for (auto [k, part] : llvm::enumerate(parts.getResults())) {
      Value share = b.create<IndexOp>(loc, loop.getResultTypes()[k], part,
                                      ValueRange{block->getArgument(0)});
      share.getDefiningOp()->setAttr(kInBoundsAttr, b.getUnitAttr());
      next.push_back(buildElementwiseAdd(b, loc, block->getArgument(k + 1), share));
    }
    b.create<YieldOp>(loc, next);
  }
  b.create<YieldOp>(loc, sum.getResults());

  b.createBlock(&ifOp.getElseRegion());
  Operation *sequential = b.clone(*loop);
  b.create<YieldOp>(loc, sequential->getResults());
  loop->replaceAllUsesWith(ifOp.getResults());
  loop->erase();
}

/// Whether `loop` is worth splitting: its state is all accumulators and its
/// body holds loops or structured ops (not a few scalar updates).
bool splittable(ForOp loop) {
  if (loop.getInits().empty() || !isa<func::FuncOp>(loop->getParentOp()) ||
      !llvm::all_of(loop.getResultTypes(), [](Type t) { return isa<RankedTensorType>(t); }))
    return false;
  bool heavy = false;
  loop.getBody().walk([&](Operation *op) {
    heavy |= isa<ForOp, MapOp, BuildOp, ReduceOp, ScanOp>(op);
  });
  if (!heavy)
    return false;
  for (unsigned slot = 0; slot < loop.getInits().size(); ++slot)
    if (!AccumulatorCheck().holds(loop, slot))
      return false;
  return true;
}

struct FADSplitAccumulationsPass
    : public fad::impl::FADSplitAccumulationsBase<FADSplitAccumulationsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<ForOp> loops;
    module.walk([&](ForOp loop) {
      if (splittable(loop))
        loops.push_back(loop);
    });
    if (loops.empty())
      return;
    auto threadsFn = module.lookupSymbol<func::FuncOp>("fad_rt_chunks");
    if (!threadsFn) {
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      threadsFn = b.create<func::FuncOp>(module.getLoc(), "fad_rt_chunks",
                                         b.getFunctionType({}, {b.getI64Type()}));
      threadsFn.setPrivate();
    }
    for (ForOp loop : loops)
      split(loop, threadsFn);
  }
};
} // namespace
