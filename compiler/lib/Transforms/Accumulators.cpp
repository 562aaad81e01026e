//===- Accumulators.cpp - Loop states that are only added to ---*- C++ -*-===//
//
// This file implements AccumulatorCheck (Accumulators.h).
//
//===----------------------------------------------------------------------===//

#include "Accumulators.h"

#include "llvm/ADT/TypeSwitch.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace fad;

bool AccumulatorCheck::holds(ForOp loop, unsigned slot) {
  top = loop;
  Block &body = loop.getBody().front();
  if (!follow(body.getArgument(slot + 1)))
    return false;
  joins.push_back({loop, slot});
  return llvm::all_of(joins, [&](auto join) { return joined(join.first, join.second); }) &&
         llvm::none_of(addends, [&](Value v) { return derived.contains(v); });
}

/// Follows the uses of a value derived from the accumulator.
bool AccumulatorCheck::follow(Value v) {
  if (!derived.insert(v).second)
    return true;
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    unsigned at = use.getOperandNumber();
    bool ok =
        llvm::TypeSwitch<Operation *, bool>(user)
            .Case([](DimOp) { return true; })
            .Case([&](AddOp add) { return scalarSums && addsTo(add, v) && follow(add.getResult()); })
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
bool AccumulatorCheck::addsTo(Operation *op, Value part) {
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
bool AccumulatorCheck::addsElementwise(MapOp map, Value part) {
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
bool AccumulatorCheck::joined(Operation *op, unsigned at) {
  auto yielded = [&](Region &r) {
    return derived.contains(r.front().getTerminator()->getOperand(at));
  };
  if (auto ifOp = dyn_cast<IfOp>(op))
    return yielded(ifOp.getThenRegion()) && yielded(ifOp.getElseRegion());
  auto loop = cast<ForOp>(op);
  return yielded(loop.getBody()) && derived.contains(loop.getBody().getArgument(at + 1)) &&
         (loop == top || derived.contains(loop.getInits()[at]));
}

std::optional<DenseMap<Value, unsigned>> fad::accumulatorSlots(ForOp loop, bool scalarSums) {
  DenseMap<Value, unsigned> slotOf;
  for (unsigned slot = 0; slot < loop.getInits().size(); ++slot) {
    AccumulatorCheck check(scalarSums);
    if (!check.holds(loop, slot))
      return std::nullopt;
    for (Value v : check.versions())
      slotOf[v] = slot;
  }
  return slotOf;
}

ForOp fad::cloneRange(OpBuilder &b, Location loc, Block &body, Value lo, Value hi, ValueRange inits) {
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

bool fad::isRecurrence(Operation &op, ForOp loop, const DenseMap<Value, unsigned> &slotOf) {
  auto inner = dyn_cast<ForOp>(op);
  return inner && definedOutside(inner.getCount(), loop) &&
         llvm::any_of(inner.getBody().getArguments().drop_front(), [&](BlockArgument arg) {
           return isa<FloatType>(arg.getType()) && !slotOf.contains(arg);
         });
}
