//===- SplitAccumulations.cpp - The fad-split-accumulations pass -*- C++ -*-===//
//
// This file implements fad-split-accumulations (see Passes.td): a loop
// whose state is only added to (a reverse sweep accumulating adjoints with
// add_at) runs as one share of its iterations per thread, each into private
// zero accumulators, which are then summed.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Transforms/Passes.h"

#include "llvm/ADT/TypeSwitch.h"
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
/// Whether one state component of a loop is an accumulator: its value is
/// only added to (`add_at`, as the array), carried through nested loops and
/// conditionals in one position, asked for its extents, and yielded in its
/// own position. Then the loop's result is the initial value plus the sum of
/// what the iterations add, in any grouping.
class AccumulatorCheck {
public:
  bool holds(ForOp loop, unsigned slot) {
    top = loop;
    Block &body = loop.getBody().front();
    if (!follow(body.getArgument(slot + 1)))
      return false;
    joins.push_back({loop, slot});
    return llvm::all_of(joins, [&](auto join) { return joined(join.first, join.second); }) &&
           llvm::none_of(addends, [&](Value v) { return derived.contains(v); });
  }

private:
  /// Follows the uses of a value derived from the accumulator.
  bool follow(Value v) {
    if (!derived.insert(v).second)
      return true;
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      unsigned at = use.getOperandNumber();
      bool ok =
          llvm::TypeSwitch<Operation *, bool>(user)
              .Case([](DimOp) { return true; })
              .Case([&](AddAtOp addAt) { return at == 0 && follow(addAt.getResult()); })
              .Case([&](MapOp map) { // acc + c, elementwise
                return addsTo(map, v) && follow(map.getResult(0));
              })
              .Case([&](IndexOp index) {
                // build n (\i -> acc[i] + c i), what fusion makes of acc + c.
                auto build = dyn_cast<BuildOp>(index->getParentOp());
                return build && build->getNumResults() == 1 && at == 0 &&
                       index.getIndices().size() == 1 &&
                       index.getIndices()[0] == build.getBody().getArgument(0) &&
                       index->hasOneUse() && addsTo(*index->user_begin(), index.getResult()) &&
                       build.getBody().front().getTerminator()->getOperand(0) ==
                           index->user_begin()->getResult(0) &&
                       follow(build.getResult(0));
              })
              .Case([&](ForOp loop) {
                // An init of a nested loop (operand 0 is the count).
                joins.push_back({loop, at - 1});
                return at > 0 && follow(loop.getBody().getArgument(at)) &&
                       follow(loop.getResult(at - 1));
              })
              .Case([&](YieldOp yield) {
                Operation *parent = yield->getParentOp();
                if (auto ifOp = dyn_cast<IfOp>(parent)) {
                  joins.push_back({ifOp, at});
                  return follow(ifOp.getResult(at));
                }
                // The next state of a loop in position `at`, which must be an
                // accumulator.
                joins.push_back({parent, at});
                return isa<ForOp>(parent);
              })
              .Default([](Operation *) { return false; });
      if (!ok)
        return false;
    }
    return true;
  }

  /// Whether `op` adds `part` to a value of the same shape: a scalar
  /// addition or an elementwise map adding it. The other addend must not
  /// be derived from the accumulator (checked at the end).
  bool addsTo(Operation *op, Value part) {
    Value x, y;
    if (auto add = dyn_cast<AddOp>(op)) {
      x = add.getLhs();
      y = add.getRhs();
    } else if (auto map = dyn_cast<MapOp>(op)) {
      if (map->getNumResults() != 1)
        return false;
      if (auto sums = matchElementwiseSums(map)) {
        x = map.getInputs()[(*sums)[0].first];
        y = map.getInputs()[(*sums)[0].second];
      } else {
        return addsElementwise(map, part);
      }
    } else {
      return false;
    }
    if ((x == part) == (y == part))
      return false;
    addends.push_back(x == part ? y : x);
    return true;
  }

  /// Whether `map` of scalars yields `part`'s element plus a term computed
  /// from its other inputs and values from outside (what fusion makes of
  /// acc + map f xs), each of which is then an addend.
  bool addsElementwise(MapOp map, Value part) {
    ValueRange inputs = map.getInputs();
    auto at = llvm::find(inputs, part);
    if (at == inputs.end() || llvm::count(inputs, part) != 1)
      return false;
    Block &body = map.getBody().front();
    BlockArgument element = body.getArgument(at - inputs.begin());
    auto sum = body.getTerminator()->getOperand(0).getDefiningOp<AddOp>();
    if (!sum || !element.hasOneUse() || element.use_begin()->getOwner() != sum)
      return false;
    for (Value input : inputs)
      if (input != part)
        addends.push_back(input);
    map.getBody().walk([&](Operation *inner) {
      for (Value v : inner->getOperands())
        if (!map.getBody().isAncestor(v.getParentRegion()))
          addends.push_back(v);
    });
    return true;
  }

  /// Whether every value `op` merges in position `at` is derived.
  bool joined(Operation *op, unsigned at) {
    auto yielded = [&](Region &r) {
      return derived.contains(r.front().getTerminator()->getOperand(at));
    };
    if (auto ifOp = dyn_cast<IfOp>(op))
      return yielded(ifOp.getThenRegion()) && yielded(ifOp.getElseRegion());
    auto loop = cast<ForOp>(op);
    return yielded(loop.getBody()) && derived.contains(loop.getBody().getArgument(at + 1)) &&
           (loop == top || derived.contains(loop.getInits()[at]));
  }

  ForOp top;
  DenseSet<Value> derived;
  SmallVector<Value> addends; // what is added to the accumulator elementwise
  SmallVector<std::pair<Operation *, unsigned>> joins;
};

/// The loop with body `body` (of a fad.for), run for iterations [lo, hi)
/// from state `inits`.
ForOp cloneRange(OpBuilder &b, Location loc, Block &body, Value lo, Value hi, ValueRange inits) {
  auto loop = b.create<ForOp>(loc, inits.getTypes(), b.create<SubOp>(loc, hi, lo), inits);
  OpBuilder::InsertionGuard guard(b);
  SmallVector<Location> locs(body.getNumArguments(), loc);
  Block *block = b.createBlock(&loop.getBody(), {}, body.getArgumentTypes(), locs);
  IRMapping mapping;
  mapping.map(body.getArgument(0), b.create<AddOp>(loc, lo, block->getArgument(0)));
  for (unsigned k = 1; k < body.getNumArguments(); ++k)
    mapping.map(body.getArgument(k), block->getArgument(k));
  for (Operation &op : body)
    b.clone(op, mapping);
  return loop;
}

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
