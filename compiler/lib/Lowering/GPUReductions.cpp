//===- GPUReductions.cpp - Reductions as reduction-free parallel loops -*- C++ -*-===//
//
// This file implements fad-gpu-reductions (see Passes.td): a reducing
// scf.parallel becomes a level of per-thread partial folds and a host loop
// of tree levels, all of them scf.parallel loops without scf.reduce, which
// the upstream passes then map onto GPU blocks and threads.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace fad {
#define GEN_PASS_DEF_FADGPUREDUCTIONS
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

/// Clones `loop`'s body for iteration `iv` at `b` and returns the values its
/// scf.reduce combines.
static SmallVector<Value> cloneIteration(OpBuilder &b, scf::ParallelOp loop, Value iv) {
  IRMapping mapping;
  mapping.map(loop.getInductionVars().front(), iv);
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
  SmallVector<Value> contributions;
  for (Value v : loop.getBody()->getTerminator()->getOperands())
    contributions.push_back(mapping.lookupOrDefault(v));
  return contributions;
}

/// `lhs[k] <op_k> rhs[k]` for each combiner region of `reduce`, built at `b`.
static SmallVector<Value> combine(OpBuilder &b, scf::ReduceOp reduce, ValueRange lhs,
                                  ValueRange rhs) {
  SmallVector<Value> results;
  for (auto [k, region] : llvm::enumerate(reduce.getReductions())) {
    Block &block = region.front();
    IRMapping mapping;
    mapping.map(block.getArgument(0), lhs[k]);
    mapping.map(block.getArgument(1), rhs[k]);
    for (Operation &op : block.without_terminator())
      b.clone(op, mapping);
    results.push_back(
        mapping.lookupOrDefault(cast<scf::ReduceReturnOp>(block.getTerminator()).getResult()));
  }
  return results;
}

/// ceil(a / b) for a >= 0, b > 0 (arith.ceildivui has no LLVM lowering).
static Value ceilDiv(OpBuilder &b, Location loc, Value a, Value d) {
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value sum = b.create<arith::AddIOp>(loc, a, b.create<arith::SubIOp>(loc, d, one));
  return b.create<arith::DivUIOp>(loc, sum, d);
}

static void splitReduction(scf::ParallelOp loop, int64_t maxPartials) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto reduce = cast<scf::ReduceOp>(loop.getBody()->getTerminator());
  auto index = [&](OpBuilder &at, int64_t v) -> Value {
    return at.create<arith::ConstantIndexOp>(loc, v);
  };
  Value zero = index(b, 0), one = index(b, 1);
  Value lb = loop.getLowerBound().front(), ub = loop.getUpperBound().front();
  Value n = b.create<arith::MaxSIOp>(loc, b.create<arith::SubIOp>(loc, ub, lb), zero);
  // Iterations per thread, then threads: each thread has at least one.
  Value perThread = b.create<arith::MaxUIOp>(
      loc, ceilDiv(b, loc, n, index(b, maxPartials)), one);
  Value threads = ceilDiv(b, loc, n, perThread);
  SmallVector<Value> partials;
  for (Value v : reduce.getOperands())
    partials.push_back(b.create<memref::AllocOp>(
        loc, MemRefType::get({ShapedType::kDynamic}, v.getType()), ValueRange{threads}));

  // A maximum or minimum (a compare and select) is idempotent: each thread
  // may start from the initial values, so that an element only ever takes
  // the element's place in the combination, as in the sequential fold
  // (fad.max keeps its accumulator against a NaN element, which in the
  // accumulator's place would have won).
  bool idempotent = llvm::all_of(reduce.getReductions(), [](Region &region) {
    Value result = cast<scf::ReduceReturnOp>(region.front().getTerminator()).getResult();
    return result.getDefiningOp<arith::SelectOp>() != nullptr;
  });

  // Level 1: thread t folds iterations lb + t, lb + t + threads, ...
  b.create<scf::ParallelOp>(
      loc, ValueRange{zero}, ValueRange{threads}, ValueRange{one},
      [&](OpBuilder &pb, Location loc, ValueRange ivs) {
        Value t = ivs.front();
        Value first = pb.create<arith::AddIOp>(loc, lb, t);
        SmallVector<Value> init = cloneIteration(pb, loop, first);
        if (idempotent)
          init = combine(pb, reduce, loop.getInitVals(), init);
        auto fold = pb.create<scf::ForOp>(
            loc, pb.create<arith::AddIOp>(loc, first, threads), ub, threads, init,
            [&](OpBuilder &fb, Location loc, Value i, ValueRange acc) {
              SmallVector<Value> contributions = cloneIteration(fb, loop, i);
              fb.create<scf::YieldOp>(loc, combine(fb, reduce, acc, contributions));
            });
        for (auto [partial, value] : llvm::zip(partials, fold.getResults()))
          pb.create<memref::StoreOp>(loc, value, partial, t);
      });

  // Tree levels: partials[i] <op>= partials[i + h], one launch per level.
  Type indexType = b.getIndexType();
  b.create<scf::WhileOp>(
      loc, TypeRange{indexType}, ValueRange{threads},
      [&](OpBuilder &cb, Location loc, ValueRange args) {
        Value more = cb.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ugt, args[0], one);
        cb.create<scf::ConditionOp>(loc, more, args);
      },
      [&](OpBuilder &lb2, Location loc, ValueRange args) {
        Value m = args[0];
        Value h = ceilDiv(lb2, loc, m, index(lb2, 2));
        lb2.create<scf::ParallelOp>(
            loc, ValueRange{zero}, ValueRange{lb2.create<arith::SubIOp>(loc, m, h)},
            ValueRange{one}, [&](OpBuilder &pb, Location loc, ValueRange ivs) {
              Value i = ivs.front(), j = pb.create<arith::AddIOp>(loc, i, h);
              SmallVector<Value> lhs, rhs;
              for (Value partial : partials) {
                lhs.push_back(pb.create<memref::LoadOp>(loc, partial, i));
                rhs.push_back(pb.create<memref::LoadOp>(loc, partial, j));
              }
              for (auto [partial, value] : llvm::zip(partials, combine(pb, reduce, lhs, rhs)))
                pb.create<memref::StoreOp>(loc, value, partial, i);
            });
        lb2.create<scf::YieldOp>(loc, h);
      });

  // The initial values combined with the whole (when there was one).
  Value nonEmpty = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ugt, threads, zero);
  auto result = b.create<scf::IfOp>(
      loc, nonEmpty,
      [&](OpBuilder &tb, Location loc) {
        SmallVector<Value> whole;
        for (Value partial : partials)
          whole.push_back(tb.create<memref::LoadOp>(loc, partial, zero));
        tb.create<scf::YieldOp>(loc, combine(tb, reduce, loop.getInitVals(), whole));
      },
      [&](OpBuilder &eb, Location loc) { eb.create<scf::YieldOp>(loc, loop.getInitVals()); });
  for (Value partial : partials)
    b.create<memref::DeallocOp>(loc, partial);
  loop.replaceAllUsesWith(result.getResults());
  loop.erase();
}

namespace {
struct FADGPUReductionsPass : public fad::impl::FADGPUReductionsBase<FADGPUReductionsPass> {
  using FADGPUReductionsBase::FADGPUReductionsBase;

  void runOnOperation() override {
    if (maxPartials < 1) {
      getOperation()->emitError("fad-gpu-reductions: max-partials must be at least 1");
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> loops;
    getOperation()->walk([&](scf::ParallelOp loop) {
      std::optional<int64_t> step = getConstantIntValue(loop.getStep().front());
      if (loop.getNumReductions() > 0 && loop.getNumLoops() == 1 && step && *step == 1)
        loops.push_back(loop);
    });
    for (scf::ParallelOp loop : loops)
      splitReduction(loop, maxPartials);
  }
};
} // namespace
