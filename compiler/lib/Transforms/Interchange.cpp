//===- Interchange.cpp - The fad-interchange-accumulations pass ---*- C++ -*-===//
//
// This file implements fad-interchange-accumulations (see Passes.td): an
// accumulating loop over i whose body ends in a loop over j that does all of
// its work becomes a loop over j around a loop over i, when the body's data
// that depends on j only is larger than its data that depends on i only, so
// that the larger data stays in cache for all i. The scalars the outer body
// computes before the inner loop are computed first, for every i.
//
//===----------------------------------------------------------------------===//

#include "Accumulators.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace fad {
#define GEN_PASS_DEF_FADINTERCHANGEACCUMULATIONS
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

namespace {
/// Which of the two loops' indices a value depends on (bits).
enum Dependence : unsigned { kNone = 0, kOnI = 1, kOnJ = 2 };

/// A candidate: `outer` (over i, its state all accumulators) whose body is
/// ops computing values for `inner` (over j, its count the same for every
/// i), then `inner` from the outer state, whose results the body yields.
struct Nest {
  ForOp outer, inner;
  /// Values of the outer body before `inner` that `inner` reads: the ones
  /// computed again per (j, i) (indices and rows of outer arrays at i), and
  /// the scalars computed once per i beforehand.
  SetVector<Value> recomputed, stored;

  /// The outer body's ops before `inner`.
  auto prologue() {
    return llvm::make_range(outer.getBody().front().begin(), inner->getIterator());
  }
};

/// Whether `v` (of the outer body) is cheap to compute again in the inner
/// body: the outer index, values from outside, and integer arithmetic and
/// indexing of them (a row of an outer array at i, its extents).
bool recomputable(Value v, ForOp outer, SetVector<Value> &ops) {
  if (definedOutside(v, outer) || v == outer.getBody().getArgument(0))
    return true;
  Operation *def = v.getDefiningOp();
  if (!def || def->getNumRegions() != 0 || !isMemoryEffectFree(def))
    return false;
  bool cheap = isa<IndexOp>(def) ||
               llvm::all_of(def->getResultTypes(), [](Type t) { return t.isIntOrIndex(); });
  if (!cheap || !llvm::all_of(def->getOperands(),
                              [&](Value operand) { return recomputable(operand, outer, ops); }))
    return false;
  ops.insert(v);
  return true;
}

std::optional<Nest> matchNest(ForOp outer) {
  Block &body = outer.getBody().front();
  auto yield = cast<YieldOp>(body.getTerminator());
  auto inner = dyn_cast_or_null<ForOp>(yield->getPrevNode());
  if (!inner || !definedOutside(inner.getCount(), outer) ||
      !llvm::equal(inner.getInits(), body.getArguments().drop_front()) ||
      !llvm::equal(yield.getOperands(), inner.getResults()))
    return std::nullopt;
  // The ops before it must compute and check only, and always end.
  Nest nest{outer, inner, {}, {}};
  for (Operation &op : nest.prologue()) {
    bool pure = true;
    op.walk([&](Operation *nested) {
      pure &= !isa<WhileOp, FixpointOp>(nested) && effectsAreChecksAtMost(nested);
    });
    if (!pure)
      return std::nullopt;
  }
  SetVector<Value> read;
  getUsedValuesDefinedAbove(inner.getBody(), read);
  for (Value v : read) {
    if (definedOutside(v, outer) || v.getParentBlock() != &body || isa<BlockArgument>(v))
      continue;
    if (recomputable(v, outer, nest.recomputed))
      continue;
    Type type = v.getType();
    if (!isa<FloatType>(type) && !(type.isSignlessInteger() && !type.isInteger(1)))
      return std::nullopt; // arrays (and flags) are not stored per i
    nest.stored.insert(v);
  }
  // The outer state is read by the inner loop only (as its init), and for
  // extents.
  for (BlockArgument state : body.getArguments().drop_front())
    for (Operation *user : state.getUsers())
      if (user != inner && !isa<DimOp>(user))
        return std::nullopt;
  return nest;
}

/// Whether the inner body's data that depends on j only is larger than its
/// data that depends on i only, and at least a vector (each measured by the
/// rank of the slice it reads or the accumulator block it adds to). That
/// data is reused across all i: with j outside, it stays in cache while the
/// i-data is read again per j, which is then the smaller loss.
bool reusesMoreAcrossI(Nest &nest) {
  DenseMap<Value, unsigned> memo;
  Value i = nest.outer.getBody().getArgument(0), j = nest.inner.getBody().getArgument(0);
  std::function<unsigned(Value)> dependence = [&](Value v) -> unsigned {
    if (v == i)
      return kOnI;
    if (v == j)
      return kOnJ;
    if (definedOutside(v, nest.outer) || isa<BlockArgument>(v))
      return kNone; // from outside; a state; a nested loop's index or element
    if (auto it = memo.find(v); it != memo.end())
      return it->second;
    Operation *def = v.getDefiningOp();
    unsigned d = def->getBlock() == &nest.outer.getBody().front() ? kOnI : kNone;
    for (Value operand : def->getOperands())
      d |= dependence(operand);
    return memo[v] = d;
  };
  auto rank = [](Value v) {
    auto tensor = dyn_cast<RankedTensorType>(v.getType());
    return tensor ? tensor.getRank() : 0;
  };
  int64_t onI = -1, onJ = -1;
  auto note = [&](unsigned d, int64_t size) {
    if (d == kOnI)
      onI = std::max(onI, size);
    else if (d == kOnJ)
      onJ = std::max(onJ, size);
  };
  // The rank of the block that an access with these indices sweeps: its
  // result's, plus one per index that a loop nested in the inner body runs.
  auto swept = [&](Value result, ValueRange indices) {
    int64_t size = rank(result);
    for (Value k : indices) {
      auto arg = dyn_cast<BlockArgument>(k);
      Operation *loop = arg ? arg.getOwner()->getParentOp() : nullptr;
      size += arg && arg.getArgNumber() == 0 && isa<ForOp, BuildOp>(loop) &&
              nest.inner->isProperAncestor(loop);
    }
    return size;
  };
  auto dependenceOf = [&](Value array, ValueRange indices) {
    unsigned d = dependence(array);
    for (Value k : indices)
      d |= dependence(k);
    return d;
  };
  nest.inner.getBody().walk([&](Operation *op) {
    if (auto index = dyn_cast<IndexOp>(op)) {
      // A slice of an array not itself sliced in the inner body.
      auto slice = index.getArray().getDefiningOp<IndexOp>();
      if (!slice || !nest.inner->isAncestor(slice))
        note(dependenceOf(index.getArray(), index.getIndices()),
             swept(index.getResult(), index.getIndices()));
      return;
    }
    if (auto addAt = dyn_cast<AddAtOp>(op)) {
      // The block of the accumulator it adds to.
      note(dependenceOf(addAt.getArray(), addAt.getIndices()),
           swept(addAt.getResult(), addAt.getIndices()) - int64_t(addAt.getIndices().size()));
      return;
    }
    // Values of the outer body read whole (a scalar computed per i, the
    // row of an outer array at i).
    for (Value operand : op->getOperands())
      if (!isa<DimOp>(op) && !definedOutside(operand, nest.outer) &&
          definedOutside(operand, nest.inner))
        note(dependence(operand), rank(operand));
  });
  return onJ > std::max<int64_t>(onI, 0);
}

/// Replaces the nest by: the outer body's ops before the inner loop for
/// every i (a build of the stored scalars, or a loop for its checks if
/// there are none), then a loop over j around a loop over i that recomputes the
/// cheap values and runs the inner body.
void interchange(Nest &nest) {
  ForOp outer = nest.outer, inner = nest.inner;
  Block &body = outer.getBody().front();
  Location loc = outer.getLoc();
  OpBuilder b(outer);

  SmallVector<Type> storedTypes;
  for (Value v : nest.stored)
    storedTypes.push_back(RankedTensorType::get({ShapedType::kDynamic}, v.getType()));
  bool checks =
      llvm::any_of(nest.prologue(), [](Operation &op) { return !isMemoryEffectFree(&op); });
  Operation *first = nullptr;
  if (!nest.stored.empty())
    first = b.create<BuildOp>(loc, storedTypes, outer.getCount());
  else if (checks)
    first = b.create<ForOp>(loc, TypeRange{}, outer.getCount(), ValueRange{});
  if (first) {
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&first->getRegion(0), {}, {b.getI64Type()}, {loc});
    IRMapping mapping;
    mapping.map(body.getArgument(0), block->getArgument(0));
    for (Operation &op : nest.prologue())
      b.clone(op, mapping);
    SmallVector<Value> results;
    for (Value v : nest.stored)
      results.push_back(mapping.lookup(v));
    b.create<YieldOp>(loc, results);
  }

  auto overJ = b.create<ForOp>(loc, outer.getResultTypes(), inner.getCount(), outer.getInits());
  overJ->setDiscardableAttrs(inner->getDiscardableAttrDictionary());
  Block &innerBody = inner.getBody().front();
  SmallVector<Location> locs(innerBody.getNumArguments(), loc);
  Block *jBlock = b.createBlock(&overJ.getBody(), {}, innerBody.getArgumentTypes(), locs);
  auto overI = b.create<ForOp>(loc, outer.getResultTypes(), outer.getCount(),
                               jBlock->getArguments().drop_front());
  overI->setDiscardableAttrs(outer->getDiscardableAttrDictionary());
  b.create<YieldOp>(loc, overI.getResults());

  Block *iBlock = b.createBlock(&overI.getBody(), {}, body.getArgumentTypes(), locs);
  IRMapping mapping;
  mapping.map(body.getArgument(0), iBlock->getArgument(0));
  mapping.map(innerBody.getArgument(0), jBlock->getArgument(0));
  for (unsigned k = 1; k < body.getNumArguments(); ++k) {
    mapping.map(body.getArgument(k), iBlock->getArgument(k)); // for extents
    mapping.map(innerBody.getArgument(k), iBlock->getArgument(k));
  }
  for (Operation &op : nest.prologue()) // in order: operands before their users
    if (llvm::any_of(op.getResults(), [&](Value v) { return nest.recomputed.contains(v); }))
      b.clone(op, mapping);
  for (auto [k, v] : llvm::enumerate(nest.stored)) {
    auto read = b.create<IndexOp>(loc, v.getType(), first->getResult(k),
                                  ValueRange{iBlock->getArgument(0)});
    read->setAttr(kInBoundsAttr, b.getUnitAttr()); // i < the build's extent
    mapping.map(v, read);
  }
  for (Operation &op : innerBody)
    b.clone(op, mapping);

  outer->replaceAllUsesWith(overJ.getResults());
  outer->erase();
}

struct FADInterchangeAccumulationsPass
    : public fad::impl::FADInterchangeAccumulationsBase<FADInterchangeAccumulationsPass> {
  void runOnOperation() override {
    // The outermost candidates only: a nest inside another's inner loop
    // is cloned, not kept, when that one is interchanged.
    SmallVector<Nest> nests;
    getOperation()->walk<WalkOrder::PreOrder>([&](ForOp loop) {
      if (loop.getInits().empty() || !accumulatorSlots(loop))
        return WalkResult::advance();
      auto nest = matchNest(loop);
      if (!nest || !reusesMoreAcrossI(*nest))
        return WalkResult::advance();
      nests.push_back(std::move(*nest));
      return WalkResult::skip();
    });
    for (Nest &nest : nests)
      interchange(nest);
  }
};
} // namespace
