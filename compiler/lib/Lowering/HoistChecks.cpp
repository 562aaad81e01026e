//===- HoistChecks.cpp - Range checks once per loop, not per iteration -*- C++ -*-===//
//
// This file implements fad-hoist-checks (see Passes.td): a check at the top
// level of an `scf.for` body whose condition is loop-invariant, or says that
// an index moving with the induction variable leaves a loop-invariant
// range, is made once before the loop for all its iterations.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"
#include "fad/Lowering/Checks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace fad {
#define GEN_PASS_DEF_FADHOISTCHECKS
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

namespace {
/// Whether every call in `loop` is to a check failure, to a function of
/// this module, or to one declared `fad.thread_safe` (a pure C function):
/// nothing the loop does before a failing iteration can be seen once the
/// failure ends the call (no runtime output or communication).
bool hasOnlyQuietCalls(scf::ForOp loop) {
  WalkResult result = loop.getBody()->walk([&](CallOpInterface call) {
    if (fad::isCheckCall(call))
      return WalkResult::advance();
    auto callee = dyn_cast<SymbolRefAttr>(call.getCallableForCallee());
    auto fn = dyn_cast_or_null<FunctionOpInterface>(
        callee ? SymbolTable::lookupNearestSymbolFrom(call, callee) : nullptr);
    return fn && (!fn.isExternal() || fn->hasAttr("fad.thread_safe")) ? WalkResult::advance()
                                                                      : WalkResult::interrupt();
  });
  return !result.wasInterrupted();
}

/// The checks of one loop body, and the values before the loop that
/// hoisting them needs (built once, at the loop).
class LoopChecks {
public:
  explicit LoopChecks(scf::ForOp loop) : loop(loop), b(loop) {}

  /// Moves `check` (isCheckIf, at the top level of the loop's body) before
  /// the loop, if its condition is loop-invariant or a range check of an
  /// index that moves with the induction variable between loop-invariant
  /// bounds. The hoisted check fails when some iteration's would, with the
  /// arguments of the first such iteration. Returns whether it moved.
  bool hoist(scf::IfOp check);

private:
  /// Whether `v` is defined outside the loop, or by pure ops without
  /// regions in its body from such values.
  bool isInvariant(Value v) { return slope(v, /*allowInduction=*/false) == 0; }

  /// k when `v` = k·i + c for the induction variable i and a loop-invariant
  /// c, computed by index_cast, addi, subi and muli by a constant from i
  /// and invariant values (0 for an invariant `v`); nothing otherwise.
  std::optional<int64_t> slope(Value v, bool allowInduction = true);

  /// `v` (with a slope) computed before the loop for the induction variable
  /// `at`: the body's ops it needs cloned there.
  Value evaluateBefore(Value v, Value at);

  /// For a hoisted check `a != b` of values defined before the loop, uses
  /// of the one defined later in the body read the other.
  void keepCheckedEquality(Value failed);

  /// Whether the loop runs at least once, and (when it does) how many
  /// iterations follow its first.
  Value runs();
  Value iterationsAfterFirst();

  scf::ForOp loop;
  OpBuilder b;
  Value runsValue, afterFirst;
  DenseMap<std::pair<Value, Value>, Value> evaluated;
};

std::optional<int64_t> LoopChecks::slope(Value v, bool allowInduction) {
  if (!loop.getRegion().isAncestor(v.getParentRegion()))
    return 0;
  if (v == loop.getInductionVar())
    return allowInduction ? std::optional<int64_t>(1) : std::nullopt;
  Operation *def = v.getDefiningOp();
  if (!def || !isPure(def) || def->getNumRegions() != 0)
    return std::nullopt;
  SmallVector<int64_t> slopes;
  for (Value operand : def->getOperands()) {
    std::optional<int64_t> s = slope(operand, allowInduction);
    if (!s)
      return std::nullopt;
    slopes.push_back(*s);
  }
  if (llvm::all_of(slopes, [](int64_t s) { return s == 0; }))
    return 0;
  if (isa<arith::IndexCastOp>(def))
    return slopes[0];
  if (isa<arith::AddIOp>(def))
    return slopes[0] + slopes[1];
  if (isa<arith::SubIOp>(def))
    return slopes[0] - slopes[1];
  APInt factor;
  if (isa<arith::MulIOp>(def) && slopes[1] == 0 &&
      matchPattern(def->getOperand(1), m_ConstantInt(&factor)))
    return slopes[0] * factor.getSExtValue();
  return std::nullopt;
}

Value LoopChecks::evaluateBefore(Value v, Value at) {
  if (!loop.getRegion().isAncestor(v.getParentRegion()))
    return v;
  if (v == loop.getInductionVar())
    return at;
  if (Value known = evaluated.lookup({v, at}))
    return known;
  Operation *def = v.getDefiningOp();
  IRMapping mapping;
  for (Value operand : def->getOperands())
    mapping.map(operand, evaluateBefore(operand, at));
  Operation *copy = b.clone(*def, mapping);
  SmallVector<Value> folded;
  if (succeeded(b.tryFold(copy, folded)) && !folded.empty()) {
    copy->erase();
  } else {
    folded.assign(copy->result_begin(), copy->result_end());
  }
  Value result = folded[cast<OpResult>(v).getResultNumber()];
  evaluated[{v, at}] = result;
  return result;
}

Value LoopChecks::runs() {
  if (!runsValue)
    runsValue = b.createOrFold<arith::CmpIOp>(loop.getLoc(), arith::CmpIPredicate::slt,
                                        loop.getLowerBound(), loop.getUpperBound());
  return runsValue;
}

Value LoopChecks::iterationsAfterFirst() {
  if (!afterFirst) {
    // (ub - lb - 1) / step, unsigned: exact whenever the loop runs.
    Location loc = loop.getLoc();
    Value lb = loop.getLowerBound();
    Value span = b.createOrFold<arith::SubIOp>(
        loc, b.createOrFold<arith::SubIOp>(loc, loop.getUpperBound(), lb),
        b.createOrFold<arith::ConstantOp>(loc, b.getIntegerAttr(lb.getType(), 1)));
    afterFirst = b.createOrFold<arith::DivUIOp>(loc, span, loop.getStep());
  }
  return afterFirst;
}

void LoopChecks::keepCheckedEquality(Value failed) {
  // fad-parallelize reads `a != b` checks to make a parallel body's uses of
  // b read a (its indices then compare with its bounds' extents); the
  // hoisted check's condition is no longer such a comparison, so do it
  // here: whenever the body runs, the hoisted check has passed.
  auto unequal = failed.getDefiningOp<arith::CmpIOp>();
  if (!unequal || unequal.getPredicate() != arith::CmpIPredicate::ne)
    return;
  Value a = unequal.getLhs(), b = unequal.getRhs();
  auto outside = [&](Value v) { return !loop.getRegion().isAncestor(v.getParentRegion()); };
  // Extents compare as i64 casts of `index` values; both are equal.
  while (a.getType() == b.getType() && outside(a) && outside(b)) {
    // Both are defined before the loop: the one defined first replaces
    // the other in the body, as fad-parallelize would.
    Operation *defA = a.getDefiningOp(), *defB = b.getDefiningOp();
    if (defA && (!defB || (defA->getBlock() == defB->getBlock() && defB->isBeforeInBlock(defA))))
      std::swap(a, b);
    b.replaceUsesWithIf(a, [&](OpOperand &use) { return loop->isProperAncestor(use.getOwner()); });
    auto castA = a.getDefiningOp<arith::IndexCastOp>();
    auto castB = b.getDefiningOp<arith::IndexCastOp>();
    if (!castA || !castB)
      return;
    a = castA.getIn();
    b = castB.getIn();
  }
}

/// An index range check's condition: `not (lower <= index < upper)`, as
/// convert-fad-to-scf builds it.
struct RangeCheck {
  Value index, lower, upper;
};

std::optional<RangeCheck> matchRangeCheck(Value failed) {
  auto negation = failed.getDefiningOp<arith::XOrIOp>();
  if (!negation || !matchPattern(negation.getRhs(), m_One()))
    return std::nullopt;
  auto both = negation.getLhs().getDefiningOp<arith::AndIOp>();
  if (!both)
    return std::nullopt;
  auto atLeast = both.getLhs().getDefiningOp<arith::CmpIOp>();
  auto below = both.getRhs().getDefiningOp<arith::CmpIOp>();
  if (!atLeast || !below || atLeast.getPredicate() != arith::CmpIPredicate::sge ||
      below.getPredicate() != arith::CmpIPredicate::slt || atLeast.getLhs() != below.getLhs())
    return std::nullopt;
  return RangeCheck{atLeast.getLhs(), atLeast.getRhs(), below.getRhs()};
}

bool LoopChecks::hoist(scf::IfOp check) {
  auto call = cast<CallOpInterface>(&check.getThenRegion().front().front());
  Value failed = check.getCondition();
  std::optional<RangeCheck> range;
  int64_t rate = 0;
  if (!isInvariant(failed)) {
    range = matchRangeCheck(failed);
    if (!range || !isInvariant(range->lower) || !isInvariant(range->upper))
      return false;
    std::optional<int64_t> k = slope(range->index);
    if (!k || *k == 0 || !loop.getInductionVar().getType().isIndex())
      return false;
    rate = *k;
  }
  Value index = range ? range->index : Value();
  for (Value arg : call->getOperands())
    if (arg != index && !isInvariant(arg))
      return false;

  Location loc = check.getLoc();
  Value lb = loop.getLowerBound();
  IRMapping args;
  if (range) {
    // The index moves by g = |k|·step per iteration toward one bound of
    // [lower, upper). From a first value inside, it stays inside for
    // d / g + 1 iterations, d >= 0 the distance to the last value inside
    // (upper - 1 - first, or first - lower): some iteration fails iff the
    // first value is outside or the loop runs more iterations than that,
    // and the first failing value is then first ± g·(d / g + 1). No value
    // beyond the bound by more than g is formed, so nothing overflows.
    bool up = rate > 0;
    Value first = evaluateBefore(index, lb);
    Value bound = evaluateBefore(up ? range->upper : range->lower, lb);
    Value startsOutside = evaluateBefore(failed, lb);
    Type type = index.getType();
    Value step = loop.getStep();
    if (type != step.getType())
      step = b.createOrFold<arith::IndexCastOp>(loc, type, step);
    Value speed = b.createOrFold<arith::ConstantOp>(loc, b.getIntegerAttr(type, std::abs(rate)));
    Value g = b.createOrFold<arith::MulIOp>(loc, step, speed);
    Value one = b.createOrFold<arith::ConstantOp>(loc, b.getIntegerAttr(type, 1));
    Value distance = up ? b.createOrFold<arith::SubIOp>(
                              loc, b.createOrFold<arith::SubIOp>(loc, bound, one), first)
                        : b.createOrFold<arith::SubIOp>(loc, first, bound);
    Value inside = b.createOrFold<arith::AddIOp>(
        loc, b.createOrFold<arith::DivSIOp>(loc, distance, g), one);
    Value insideIterations = inside;
    if (!insideIterations.getType().isIndex())
      insideIterations = b.createOrFold<arith::IndexCastOp>(loc, b.getIndexType(), inside);
    Value endsOutside = b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::uge,
                                                      iterationsAfterFirst(), insideIterations);
    failed = b.createOrFold<arith::OrIOp>(loc, startsOutside, endsOutside);
    Value move = b.createOrFold<arith::MulIOp>(loc, inside, g);
    Value crossing = up ? b.createOrFold<arith::AddIOp>(loc, first, move)
                        : b.createOrFold<arith::SubIOp>(loc, first, move);
    args.map(index, b.createOrFold<arith::SelectOp>(loc, startsOutside, first, crossing));
  } else {
    failed = evaluateBefore(failed, lb);
  }
  for (Value arg : call->getOperands())
    if (!args.contains(arg))
      args.map(arg, evaluateBefore(arg, lb));
  auto hoisted =
      b.create<scf::IfOp>(loc, b.createOrFold<arith::AndIOp>(loc, runs(), failed), false);
  OpBuilder::atBlockBegin(hoisted.thenBlock()).clone(*call, args);
  if (!range)
    keepCheckedEquality(check.getCondition());
  check.erase();
  return true;
}

struct FADHoistChecksPass : fad::impl::FADHoistChecksBase<FADHoistChecksPass> {
  void runOnOperation() override {
    // Innermost loops first: a check hoisted out of one loop may then leave
    // the loop around it.
    getOperation()->walk([](scf::ForOp loop) {
      SmallVector<scf::IfOp> checks;
      if (!hasOnlyQuietCalls(loop))
        return;
      for (auto check : loop.getBody()->getOps<scf::IfOp>())
        if (fad::isCheckIf(check))
          checks.push_back(check);
      LoopChecks loopChecks(loop);
      for (scf::IfOp check : checks)
        loopChecks.hoist(check);
    });
  }
};
} // namespace
