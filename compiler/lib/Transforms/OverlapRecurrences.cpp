//===- OverlapRecurrences.cpp - The fad-overlap-recurrences pass --*- C++ -*-===//
//
// This file implements fad-overlap-recurrences (see Passes.td): a loop whose
// iterations each run two recurrences one after the other, the first not
// reading the loop's state, runs the second recurrence of one iteration in
// the same inner loop as the first recurrence of the next.
//
//===----------------------------------------------------------------------===//

#include "Accumulators.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace fad {
#define GEN_PASS_DEF_FADOVERLAPRECURRENCES
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

namespace {
/// Ops in a loop body above this many are not copied (code size, registers).
constexpr unsigned kMaxBodyOps = 160;

/// A loop body `early...; second; yield`: `early` computes scalars and may
/// check, and runs the recurrence `first`; `second`, the other recurrence,
/// is the only op reading the loop's state and makes everything the body
/// yields.
struct Phases {
  SmallVector<Operation *> early;
  ForOp first, second;
  /// The early values `second` reads: carried from one iteration to the next.
  SmallVector<Value> carried;
};

bool isScalar(Type t) { return t.isIntOrIndexOrFloat(); }

/// Whether `op` (with what it nests) only computes scalars, and checks at
/// most; adds its op count to `count`.
bool computesScalars(Operation &op, unsigned &count) {
  return !op.walk([&](Operation *nested) {
              bool ok = !isa<WhileOp, FixpointOp>(nested) && effectsAreChecksAtMost(nested) &&
                        llvm::all_of(nested->getResultTypes(), isScalar);
              return ok && ++count <= kMaxBodyOps ? WalkResult::advance()
                                                  : WalkResult::interrupt();
            }).wasInterrupted();
}

/// Whether the body of `inner` is straight-line code free of effects.
bool isStraightStep(ForOp inner, unsigned &count) {
  return llvm::all_of(inner.getBody().front(), [&](Operation &op) {
    return op.getNumRegions() == 0 && isMemoryEffectFree(&op) && ++count <= kMaxBodyOps;
  });
}

/// The phases of `loop`'s body, if it has them and both recurrences run the
/// same trip count, fixed across `loop`'s iterations.
std::optional<Phases> findPhases(ForOp loop) {
  Block &body = loop.getBody().front();
  Operation *yield = body.getTerminator();
  Phases phases;
  phases.second = dyn_cast_or_null<ForOp>(yield->getPrevNode());
  if (!phases.second)
    return std::nullopt;
  Operation *second = phases.second;
  for (BlockArgument state : body.getArguments().drop_front())
    for (OpOperand &use : state.getUses())
      if (use.getOwner() != second || use.getOperandNumber() == 0)
        return std::nullopt;
  if (!llvm::all_of(yield->getOperands(), [&](Value v) { return v.getDefiningOp() == second; }))
    return std::nullopt;

  unsigned count = 0;
  for (Operation &op : body) {
    if (&op == second)
      break;
    if (auto inner = dyn_cast<ForOp>(op)) {
      if (phases.first || !llvm::all_of(op.getResultTypes(), isScalar) ||
          !isStraightStep(inner, count))
        return std::nullopt;
      phases.first = inner;
    } else if (!computesScalars(op, count)) {
      return std::nullopt;
    }
    phases.early.push_back(&op);
  }
  const DenseMap<Value, unsigned> noAccumulators;
  if (!phases.first || phases.first.getCount() != phases.second.getCount() ||
      !isRecurrence(*phases.first, loop, noAccumulators) ||
      !isRecurrence(*phases.second, loop, noAccumulators) ||
      !isStraightStep(phases.second, count))
    return std::nullopt;

  for (Operation *op : phases.early)
    for (Value v : op->getResults())
      if (llvm::any_of(v.getUsers(), [&](Operation *user) { return second->isAncestor(user); }))
        phases.carried.push_back(v);
  return phases;
}

SmallVector<Value> lookup(const IRMapping &map, ValueRange values) {
  return llvm::map_to_vector(values, [&](Value v) { return map.lookupOrDefault(v); });
}

/// One loop running the steps of `first` (its values mapped by `firstMap`)
/// and of `second` (by `secondMap`) side by side; the loops' results are
/// mapped to the new loop's in their maps.
void fuseSteps(OpBuilder &b, ForOp first, IRMapping &firstMap, ForOp second,
               IRMapping &secondMap) {
  Location loc = second.getLoc();
  SmallVector<Value> inits = lookup(firstMap, first.getInits());
  llvm::append_range(inits, lookup(secondMap, second.getInits()));
  auto both = b.create<ForOp>(loc, ValueRange(inits).getTypes(),
                              firstMap.lookupOrDefault(first.getCount()), inits);
  {
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Type> argTypes{b.getI64Type()};
    llvm::append_range(argTypes, ValueRange(inits).getTypes());
    Block *block = b.createBlock(&both.getBody(), {}, argTypes,
                                 SmallVector<Location>(argTypes.size(), loc));
    SmallVector<Value> next;
    unsigned at = 1;
    for (auto [loop, map] : {std::pair<ForOp, IRMapping *>{first, &firstMap}, {second, &secondMap}}) {
      Block &step = loop.getBody().front();
      map->map(step.getArgument(0), block->getArgument(0));
      for (BlockArgument arg : step.getArguments().drop_front())
        map->map(arg, block->getArgument(at++));
      for (Operation &op : step.without_terminator())
        b.clone(op, *map);
      llvm::append_range(next, lookup(*map, step.getTerminator()->getOperands()));
    }
    b.create<YieldOp>(loc, next);
  }
  unsigned nFirst = first.getNumResults();
  firstMap.map(first.getResults(), both.getResults().take_front(nFirst));
  secondMap.map(second.getResults(), both.getResults().drop_front(nFirst));
}

/// Replaces `loop` by: iteration 0's early ops (if it runs); a loop over
/// iterations g = 0 .. n-2 running g + 1's early ops, their recurrence in
/// one loop with g's second recurrence; g = n - 1's second recurrence.
void overlap(ForOp loop, Phases &phases) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Block &body = loop.getBody().front();
  Operation *yield = body.getTerminator();
  Value n = loop.getCount();
  Value zero = b.create<arith::ConstantIntOp>(loc, 0, 64);
  Value one = b.create<arith::ConstantIntOp>(loc, 1, 64);
  Value any = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, n, zero);
  TypeRange carriedTypes = ValueRange(phases.carried).getTypes();
  unsigned nState = loop.getInits().size();

  // Iteration 0's early ops, only if it runs (they may check).
  auto prologue = b.create<IfOp>(loc, carriedTypes, any);
  {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&prologue.getThenRegion());
    IRMapping at0;
    at0.map(body.getArgument(0), zero);
    for (Operation *op : phases.early)
      b.clone(*op, at0);
    b.create<YieldOp>(loc, lookup(at0, phases.carried));
    b.createBlock(&prologue.getElseRegion());
    SmallVector<Value> unused = llvm::map_to_vector(carriedTypes, [&](Type t) -> Value {
      return b.create<arith::ConstantOp>(loc, cast<TypedAttr>(b.getZeroAttr(t)));
    });
    b.create<YieldOp>(loc, unused);
  }

  SmallVector<Value> inits(loop.getInits());
  llvm::append_range(inits, prologue.getResults());
  Value rounds = b.create<SubOp>(loc, b.create<MaxOp>(loc, n, one), one);
  auto overlapped = b.create<ForOp>(loc, ValueRange(inits).getTypes(), rounds, inits);
  overlapped->setDiscardableAttrs(loop->getDiscardableAttrDictionary());
  {
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Type> argTypes{b.getI64Type()};
    llvm::append_range(argTypes, ValueRange(inits).getTypes());
    Block *block = b.createBlock(&overlapped.getBody(), {}, argTypes,
                                 SmallVector<Location>(argTypes.size(), loc));
    Value g = block->getArgument(0);
    IRMapping now, next; // iteration g's values, iteration g + 1's
    now.map(body.getArguments(), block->getArguments().take_front(1 + nState));
    now.map(phases.carried, block->getArguments().drop_front(1 + nState));
    next.map(body.getArgument(0), b.create<AddOp>(loc, g, one));
    for (Operation *op : phases.early) {
      if (op == phases.first.getOperation())
        fuseSteps(b, phases.first, next, phases.second, now);
      else
        b.clone(*op, next);
    }
    SmallVector<Value> state = lookup(now, yield->getOperands());
    llvm::append_range(state, lookup(next, phases.carried));
    b.create<YieldOp>(loc, state);
  }

  // The last iteration's second recurrence, if there was one.
  auto epilogue = b.create<IfOp>(loc, loop.getResultTypes(), any);
  {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&epilogue.getThenRegion());
    IRMapping last;
    last.map(body.getArgument(0), b.create<SubOp>(loc, n, one));
    last.map(body.getArguments().drop_front(), overlapped.getResults().take_front(nState));
    last.map(phases.carried, overlapped.getResults().drop_front(nState));
    b.clone(*phases.second, last);
    b.create<YieldOp>(loc, lookup(last, yield->getOperands()));
    b.createBlock(&epilogue.getElseRegion());
    b.create<YieldOp>(loc, loop.getInits());
  }
  loop->replaceAllUsesWith(epilogue.getResults());
  loop->erase();
}

struct FADOverlapRecurrencesPass
    : public fad::impl::FADOverlapRecurrencesBase<FADOverlapRecurrencesPass> {
  void runOnOperation() override {
    SmallVector<std::pair<ForOp, Phases>> loops;
    getOperation()->walk([&](ForOp loop) {
      if (std::optional<Phases> phases = findPhases(loop))
        loops.push_back({loop, std::move(*phases)});
    });
    for (auto &[loop, phases] : loops)
      overlap(loop, phases);
  }
};
} // namespace
