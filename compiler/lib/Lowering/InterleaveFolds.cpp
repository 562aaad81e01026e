//===- InterleaveFolds.cpp - Maxima and minima as interleaved folds -*- C++ -*-===//
//
// This file implements fad-interleave-folds (see Passes.td): a loop folding
// floats by compare and select, which LLVM does not vectorize without
// no-NaNs flags, runs as eight folds over interleaved iterations that LLVM
// does vectorize, combined in lane order.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"
#include "fad/Lowering/Reductions.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace fad {
#define GEN_PASS_DEF_FADINTERLEAVEFOLDS
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

static constexpr int64_t kLanes = 8;
static constexpr int64_t kMaxBody = 64;

/// Whether `select` keeps `acc` whenever its condition `cmp` compares a
/// NaN (an ordering that holds on NaN picking acc, or one that fails on
/// NaN picking the other), and `cmp` orders its operands. Such a fold is a
/// maximum or minimum of the non-NaN elements, NaN elements skipped and a
/// NaN initial value kept: associative, so lanes may fold separately.
/// (`acc ogt x ? acc : x` is not: a NaN element replaces the accumulator
/// until the next element replaces it.)
static bool isExtremumOfNonNaNs(arith::CmpFOp cmp, arith::SelectOp select, Value acc) {
  using P = arith::CmpFPredicate;
  P pred = cmp.getPredicate();
  bool unordered = pred == P::UGT || pred == P::UGE || pred == P::ULT || pred == P::ULE;
  bool ordered = pred == P::OGT || pred == P::OGE || pred == P::OLT || pred == P::OLE;
  return select.getTrueValue() == acc ? unordered : ordered;
}

/// The fold of `loop`'s carried value `k`, if it is a maximum or minimum of
/// floats (a select reduction whose compare is an arith.cmpf:
/// isExtremumOfNonNaNs) in the loop's body whose element does not read any
/// carried value, directly or through the body's ops.
static std::optional<fad::Reduction> extremumFold(scf::ForOp loop, unsigned k) {
  Value acc = loop.getRegionIterArg(k);
  std::optional<fad::Reduction> fold =
      fad::matchSelectReduction(acc, loop.getBody()->getTerminator()->getOperand(k));
  auto cmp = fold ? dyn_cast<arith::CmpFOp>(fold->compare) : nullptr;
  if (!cmp || fold->combiner->getBlock() != loop.getBody() ||
      !isExtremumOfNonNaNs(cmp, cast<arith::SelectOp>(fold->combiner), acc))
    return std::nullopt;
  SmallVector<Value> work{fold->contribution()};
  DenseSet<Value> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() == loop.getBody() && arg != loop.getInductionVar())
        return std::nullopt;
      continue;
    }
    Operation *def = v.getDefiningOp();
    if (def->getBlock() == loop.getBody())
      llvm::append_range(work, def->getOperands());
  }
  return fold;
}

/// The folds of `loop`'s carried values, if every one is an extremumFold,
/// its body, one block of at most kMaxBody ops without regions, writes
/// nothing, and it is not known to run fewer than two rounds of lanes.
static std::optional<SmallVector<fad::Reduction>> extremumFolds(scf::ForOp loop) {
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  if (!step || *step != 1 || loop.getNumRegionIterArgs() == 0 ||
      loop.getBody()->getOperations().size() > kMaxBody)
    return std::nullopt;
  // A short loop of known length would spend more on the lanes' combination
  // than it saves.
  if (lb && ub && *ub - *lb < 2 * kLanes)
    return std::nullopt;
  for (Operation &op : loop.getBody()->without_terminator())
    if (op.getNumRegions() != 0 || (!isMemoryEffectFree(&op) && !isa<memref::LoadOp>(op)))
      return std::nullopt;
  SmallVector<fad::Reduction> folds;
  for (unsigned k = 0; k < loop.getNumRegionIterArgs(); ++k) {
    std::optional<fad::Reduction> fold = extremumFold(loop, k);
    if (!fold)
      return std::nullopt;
    folds.push_back(*fold);
  }
  return folds;
}

static void interleave(scf::ForOp loop, ArrayRef<fad::Reduction> folds) {
  Location loc = loop.getLoc();
  OpBuilder b(loop);
  unsigned r = loop.getNumRegionIterArgs();
  Value lb = loop.getLowerBound(), ub = loop.getUpperBound();
  Value lanes = b.create<arith::ConstantIndexOp>(loc, kLanes);
  // The interleaved part ends at lb + 8 ⌊(ub − lb) / 8⌋ (lb when ub < lb).
  Value len = b.create<arith::MaxSIOp>(loc, b.create<arith::SubIOp>(loc, ub, lb),
                                       b.create<arith::ConstantIndexOp>(loc, 0));
  Value mainEnd = b.create<arith::AddIOp>(
      loc, lb, b.create<arith::SubIOp>(loc, len, b.create<arith::RemUIOp>(loc, len, lanes)));
  SmallVector<Value> inits;
  for (int64_t lane = 0; lane < kLanes; ++lane)
    llvm::append_range(inits, loop.getInitArgs());
  auto main = b.create<scf::ForOp>(loc, lb, mainEnd, lanes, inits);
  {
    OpBuilder body = OpBuilder::atBlockBegin(main.getBody());
    SmallVector<Value> yields;
    for (int64_t lane = 0; lane < kLanes; ++lane) {
      IRMapping map;
      map.map(loop.getInductionVar(),
              lane == 0 ? main.getInductionVar()
                        : body.create<arith::AddIOp>(
                              loc, main.getInductionVar(),
                              body.create<arith::ConstantIndexOp>(loc, lane)));
      for (unsigned k = 0; k < r; ++k)
        map.map(loop.getRegionIterArg(k), main.getRegionIterArgs()[lane * r + k]);
      for (Operation &op : loop.getBody()->without_terminator())
        body.clone(op, map);
      for (Value v : loop.getBody()->getTerminator()->getOperands())
        yields.push_back(map.lookup(v));
    }
    body.create<scf::YieldOp>(loc, yields);
  }
  // Lane k's fold joins the lanes before it as an element would.
  SmallVector<Value> folded(main.getResults().take_front(r));
  for (int64_t lane = 1; lane < kLanes; ++lane)
    for (auto [k, fold] : llvm::enumerate(folds)) {
      IRMapping map;
      map.map(loop.getRegionIterArg(k), folded[k]);
      map.map(fold.contribution(), main.getResult(lane * r + k));
      b.clone(*fold.compare, map);
      folded[k] = b.clone(*fold.combiner, map)->getResult(0);
    }
  auto rest = b.create<scf::ForOp>(loc, mainEnd, ub, loop.getStep(), folded);
  IRMapping map;
  map.map(loop.getInductionVar(), rest.getInductionVar());
  for (unsigned k = 0; k < r; ++k)
    map.map(loop.getRegionIterArg(k), rest.getRegionIterArgs()[k]);
  OpBuilder body = OpBuilder::atBlockBegin(rest.getBody());
  for (Operation &op : loop.getBody()->getOperations())
    body.clone(op, map);
  loop->replaceAllUsesWith(rest.getResults());
  loop->erase();
}

namespace {
struct FADInterleaveFoldsPass : public fad::impl::FADInterleaveFoldsBase<FADInterleaveFoldsPass> {
  void runOnOperation() override {
    SmallVector<std::pair<scf::ForOp, SmallVector<fad::Reduction>>> loops;
    getOperation()->walk([&](scf::ForOp loop) {
      if (std::optional<SmallVector<fad::Reduction>> folds = extremumFolds(loop))
        loops.push_back({loop, std::move(*folds)});
    });
    for (auto &[loop, folds] : loops)
      interleave(loop, folds);
  }
};
} // namespace
