//===- LoopFusion.cpp - Fuse a lowered reader into its producer -*- C++ -*-===//
//
// This file implements fad-fuse-lowered-loops (see Passes.td): a lowered
// parallel loop that reads the arrays another one just built, each at its
// own induction variable, runs in that loop's iterations and reads the
// elements where they are computed; one that reads the same array as
// another, element by element, runs in its iterations and the array is
// read once. fad-fuse cannot do this on the fad
// dialect: an array with other readers stays a map, and no fad op yields an
// array and a reduction of it together.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"
#include "fad/Dialect/FAD/IR/FADDialect.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace fad {
#define GEN_PASS_DEF_FADFUSELOWEREDLOOPS
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

/// Whether `loop` is a lowered map, build or reduction whose iterations are
/// independent but for associative combinations (and not the shares of a
/// split accumulation, one per thread).
static bool isParallelLoop(scf::ForOp loop) {
  return loop->hasAttr(fad::kParallelAttr) && !loop->hasAttr(fad::kChunksAttr);
}

/// The element that iteration i of `producer` writes at i into result r:
/// the value of `tensor.insert v into state_r[i]` that the body yields as
/// state r, or null.
static Value elementWritten(scf::ForOp producer, unsigned r) {
  auto yield = cast<scf::YieldOp>(producer.getBody()->getTerminator());
  auto insert = yield.getOperand(r).getDefiningOp<tensor::InsertOp>();
  if (!insert || insert->getBlock() != producer.getBody() ||
      insert.getDest() != producer.getRegionIterArg(r) || insert.getIndices().size() != 1 ||
      insert.getIndices()[0] != producer.getInductionVar())
    return nullptr;
  return insert.getScalar();
}

/// Whether `n` is `producer`'s upper bound: that value, or the extent of
/// one of its results built from an empty tensor of that extent, element i
/// by iteration i (which keeps the extent; a state replaced by another
/// array may not).
static bool isTripCount(Value n, scf::ForOp producer) {
  if (n == producer.getUpperBound())
    return true;
  auto dim = n.getDefiningOp<tensor::DimOp>();
  auto result = dim ? dyn_cast<OpResult>(dim.getSource()) : nullptr;
  std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
  if (!result || result.getOwner() != producer || index != 0 ||
      !elementWritten(producer, result.getResultNumber()))
    return false;
  auto empty = producer.getInitArgs()[result.getResultNumber()].getDefiningOp<tensor::EmptyOp>();
  return empty && empty.getType().getRank() == 1 && empty.getType().isDynamicDim(0) &&
         empty.getDynamicSizes()[0] == producer.getUpperBound();
}

/// Whether `v` is defined before `producer` (so that an op placed where the
/// producer is may use it).
static bool availableBefore(Value v, scf::ForOp producer) {
  Operation *ancestor = v.getParentBlock()->findAncestorOpInBlock(*producer);
  Operation *def = v.getDefiningOp();
  return ancestor && (!def || def->isBeforeInBlock(ancestor));
}

/// The arrays that `loop`'s body block reads at its induction variable.
static DenseSet<Value> elementwiseInputs(scf::ForOp loop) {
  DenseSet<Value> inputs;
  for (auto extract : loop.getBody()->getOps<tensor::ExtractOp>())
    if (extract.getIndices().size() == 1 && extract.getIndices()[0] == loop.getInductionVar())
      inputs.insert(extract.getTensor());
  return inputs;
}

/// The elements of `producer`'s results that `consumer` reads, each as the
/// `tensor.extract` at its own induction variable in its body's block, if
/// that is all it reads of them, it reads nothing else computed after
/// `producer` starts, and its body has no effects (so running it earlier,
/// interleaved with the producer, changes nothing, also when a check of the
/// producer fails). A consumer that reads none of them qualifies when both
/// loops read one array element by element and neither has effects (a
/// sibling: one pass over the array instead of two; effect-free, so that a
/// minimum's partials, which a loop with checks cannot use, stay parallel);
/// its list of reads is empty. Null when it cannot be fused.
static std::optional<SmallVector<std::pair<tensor::ExtractOp, Value>>>
fusibleReads(scf::ForOp producer, scf::ForOp consumer) {
  if (!isParallelLoop(consumer) || consumer.getLowerBound() != producer.getLowerBound() ||
      consumer.getStep() != producer.getStep() ||
      !isTripCount(consumer.getUpperBound(), producer))
    return std::nullopt;
  for (Value init : consumer.getInitArgs())
    if (!availableBefore(init, producer))
      return std::nullopt;
  if (!isMemoryEffectFree(consumer)) // no checks
    return std::nullopt;
  SmallVector<std::pair<tensor::ExtractOp, Value>> reads;
  bool fusible = true;
  consumer.getBody()->walk([&](Operation *op) {
    for (Value operand : op->getOperands()) {
      if (consumer->isAncestor(operand.getParentRegion()->getParentOp()))
        continue; // defined inside the consumer
      auto result = dyn_cast<OpResult>(operand);
      if (result && result.getOwner() == producer) {
        auto extract = dyn_cast<tensor::ExtractOp>(op);
        Value element = elementWritten(producer, result.getResultNumber());
        if (!extract || !element || extract->getBlock() != consumer.getBody() ||
            extract.getIndices().size() != 1 ||
            extract.getIndices()[0] != consumer.getInductionVar())
          fusible = false;
        else
          reads.push_back({extract, element});
      } else if (!availableBefore(operand, producer)) {
        fusible = false;
      }
    }
  });
  if (!fusible)
    return std::nullopt;
  if (reads.empty()) {
    if (!isMemoryEffectFree(producer) ||
        llvm::none_of(elementwiseInputs(consumer), [&, inputs = elementwiseInputs(producer)](
                                                       Value v) { return inputs.contains(v); }))
      return std::nullopt;
  }
  return reads;
}

/// One loop running `producer`'s body, then `consumer`'s with its reads of
/// the producer's elements replaced by the values written, placed where the
/// producer was.
static void fuse(scf::ForOp producer, scf::ForOp consumer,
                 ArrayRef<std::pair<tensor::ExtractOp, Value>> reads) {
  OpBuilder b(producer);
  SmallVector<Value> inits(producer.getInitArgs());
  llvm::append_range(inits, consumer.getInitArgs());
  auto fused = b.create<scf::ForOp>(producer.getLoc(), producer.getLowerBound(),
                                    producer.getUpperBound(), producer.getStep(), inits);
  fused->setAttrs(producer->getAttrs());
  unsigned p = producer.getNumRegionIterArgs();
  b.setInsertionPointToStart(fused.getBody());
  IRMapping mapping;
  mapping.map(producer.getInductionVar(), fused.getInductionVar());
  mapping.map(consumer.getInductionVar(), fused.getInductionVar());
  for (auto [k, arg] : llvm::enumerate(producer.getRegionIterArgs()))
    mapping.map(arg, fused.getRegionIterArgs()[k]);
  for (auto [k, arg] : llvm::enumerate(consumer.getRegionIterArgs()))
    mapping.map(arg, fused.getRegionIterArgs()[p + k]);
  for (Operation &op : producer.getBody()->without_terminator())
    b.clone(op, mapping);
  DenseSet<Operation *> replaced;
  for (auto [extract, element] : reads) {
    mapping.map(extract.getResult(), mapping.lookupOrDefault(element));
    replaced.insert(extract);
  }
  for (Operation &op : consumer.getBody()->without_terminator())
    if (!replaced.contains(&op))
      b.clone(op, mapping);
  SmallVector<Value> yields;
  for (Value v : producer.getBody()->getTerminator()->getOperands())
    yields.push_back(mapping.lookupOrDefault(v));
  for (Value v : consumer.getBody()->getTerminator()->getOperands())
    yields.push_back(mapping.lookupOrDefault(v));
  b.create<scf::YieldOp>(producer.getLoc(), yields);
  consumer->replaceAllUsesWith(fused.getResults().drop_front(p));
  producer->replaceAllUsesWith(fused.getResults().take_front(p));
  consumer->erase();
  producer->erase();
}

namespace {
struct FADFuseLoweredLoopsPass
    : public fad::impl::FADFuseLoweredLoopsBase<FADFuseLoweredLoopsPass> {
  void runOnOperation() override {
    // Fuse one pair at a time, then look again: the fused loop may have
    // another reader.
    bool changed = true;
    while (changed) {
      changed = false;
      getOperation()->walk([&](scf::ForOp producer) {
        if (!isParallelLoop(producer))
          return WalkResult::advance();
        for (Operation *op = producer->getNextNode(); op; op = op->getNextNode()) {
          auto consumer = dyn_cast<scf::ForOp>(op);
          if (!consumer)
            continue;
          if (auto reads = fusibleReads(producer, consumer)) {
            fuse(producer, consumer, *reads);
            changed = true;
            return WalkResult::interrupt();
          }
        }
        return WalkResult::advance();
      });
    }
  }
};
} // namespace
