//===- InvariantTangents.cpp - Loop-invariant parts of tangents ---*- C++ -*-===//
//
// This file implements hoistInvariantTangents (InvariantTangents.h). For an
// outer linearized loop M (a map over points, say), an inner build N directly
// in its body (over components j, of a size M does not change), and a tangent
// c computed by a loop directly in N's body, c is a sum of terms; by
// linearity
//   c = c_var + c_inv,
// where c_inv collects the terms whose primal coefficients, indices and
// tangents do not depend on M's iteration. Then, before M,
//   H = build size(N) (\j -> c_inv)
// and in N's body c becomes c_var + H[j]. Two copies of the term structure
// are made:
//   - c_inv is cloned into H's body (`Hoisting::inv`), with the invariant
//     primal values it reads;
//   - c_var is what remains in place (`Hoisting::planVar` then `applyVar`):
//     scalar arithmetic is rebuilt without the invariant terms, and the
//     loops on the way (maps, builds, sums) are changed in place, which is
//     only done when their tangent result has no other reader.
// H has size 0 when M runs no iteration: the ops cloned into it (indexing)
// then never run, as they never ran in M's body.
//
//===----------------------------------------------------------------------===//

#include "fad/AD/InvariantTangents.h"
#include "fad/AD/Linearize.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace fad;

namespace {
/// What is left of a tangent once its invariant terms are taken out.
enum class Part {
  Zero,    ///< every term is invariant
  Same,    ///< no term is invariant: the value as it is
  Changed, ///< some terms are: a new value, or the loop computing it changed
};

/// Whether `v` is defined inside `op`'s regions.
bool definedWithin(Value v, Operation *op) {
  Region *region = v.getParentRegion();
  Operation *owner = region ? region->getParentOp() : nullptr;
  return owner && op->isAncestor(owner);
}

/// Whether `v` can be used just after `point`: defined before it in its
/// block or in a block enclosing it.
bool visibleAfter(Value v, Operation *point) {
  for (Operation *p = point; p; p = p->getParentOp()) {
    if (p->getBlock() != v.getParentBlock())
      continue;
    Operation *def = v.getDefiningOp();
    return !def || def == p || def->isBeforeInBlock(p);
  }
  return false;
}

bool hasLoop(Operation *op) {
  bool found = false;
  op->walk([&](Operation *inner) {
    if (inner != op && isa<MapOp, BuildOp, ReduceOp, ForOp>(inner))
      found = true;
  });
  return found;
}

/// One attempt: outer loop `loop`, inner build `inner` directly in its body.
class Hoisting {
public:
  Hoisting(LinearizeState &state, Operation *loop, BuildOp inner)
      : state(state), loop(loop), inner(inner) {}

  /// Splits tangent `c` (defined directly in the inner build's body); returns
  /// whether it did.
  bool run(Value c);

private:
  bool isLinear(Value v) const { return state.getLinearValues().contains(v); }
  bool isInside(Value v) const {
    // Region::isAncestor would look past the unattached scratch region.
    for (Region *r = v.getParentRegion(); r;) {
      if (r == &loop->getRegion(0))
        return true;
      Operation *owner = r->getParentOp();
      r = owner ? owner->getParentRegion() : nullptr;
    }
    return false;
  }
  /// Whether primal value `v` depends on the outer loop's iteration.
  bool isVariant(Value v);

  std::optional<Part> planVar(Value v, bool root = false);
  std::optional<Part> computePlan(Value v);
  std::optional<Part> planStructured(Operation *op, Value result);
  Value applyVar(Value v);

  Value inv(Value v);
  Value computeInv(Value v);
  Value invPrimal(Value p);
  Value invStructured(Operation *op, Value result);
  Value zerosLike(OpBuilder &b, BuildOp hoisted, Value elementWitness, Type type);
  OpBuilder builderFor(Block *original);
  void fail() { ok = false; }
  /// Erases `op`, forgetting that its values were linear (their addresses
  /// may be reused).
  void erase(Operation *op) {
    erased.insert(op);
    state.eraseOp(op);
  }
  DenseSet<Operation *> erased;

  Value mark(Value v, Value witness = {}) {
    state.markLinear(v);
    if (witness)
      state.setShapeWitness(v, witness);
    return v;
  }

  LinearizeState &state;
  Operation *loop;
  BuildOp inner;
  DenseMap<Value, bool> variant;
  DenseMap<Value, std::optional<Part>> plans;
  DenseMap<Value, Value> applied;
  /// Maps whose tangent inputs may no longer all be read.
  SmallVector<MapOp> touchedMaps;
  void dropUnreadTangentInputs(MapOp map);
  void eraseDeadTangents(Region &region);
  /// Removes what the split left unread, in the inner body and in `hoisted`.
  void finish(Operation *hoisted) {
    auto eraseDead = [&] {
      eraseDeadTangents(inner.getBody());
      eraseDeadTangents(hoisted->getRegion(0));
    };
    eraseDead();
    for (MapOp map : touchedMaps)
      if (!erased.contains(map))
        dropUnreadTangentInputs(map);
    eraseDead(); // what read only the dropped inputs' arguments
  }

  // The copy of the invariant terms: where each original block's copies go,
  // the primal values copied, the linear values copied (null: zero).
  bool ok = true;
  DenseMap<Block *, OpBuilder::InsertPoint> copyPoint;
  IRMapping primalCopies;
  DenseMap<Value, Value> linearCopies;
};

bool Hoisting::isVariant(Value v) {
  if (!isInside(v))
    return false;
  if (auto it = variant.find(v); it != variant.end())
    return it->second;
  variant[v] = true; // SSA has no cycles outside loop-carried block arguments
  bool result = true;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (owner != loop) {
      if (auto build = dyn_cast<BuildOp>(owner))
        result = isVariant(build.getSize());
      else if (auto map = dyn_cast<MapOp>(owner))
        result = isVariant(map.getInputs()[arg.getArgNumber()]);
    }
  } else {
    Operation *op = v.getDefiningOp();
    result = false;
    op->walk([&](Operation *user) {
      for (Value operand : user->getOperands())
        if (!definedWithin(operand, op) && isVariant(operand))
          result = true;
    });
  }
  variant[v] = result;
  return result;
}

//===----------------------------------------------------------------------===//
// The varying part, in place
//===----------------------------------------------------------------------===//

std::optional<Part> Hoisting::planVar(Value v, bool root) {
  if (!isInside(v))
    return Part::Zero; // a tangent from outside: invariant
  if (auto it = plans.find(v); it != plans.end())
    return it->second;
  plans[v] = std::nullopt;
  std::optional<Part> part = computePlan(v);
  // A loop changed in place must have no reader outside the tangent split.
  if (part == Part::Changed && !root && v.getDefiningOp() &&
      v.getDefiningOp()->getNumRegions() && !v.hasOneUse())
    part = std::nullopt;
  plans[v] = part;
  return part;
}

std::optional<Part> Hoisting::computePlan(Value v) {
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (owner == loop)
      return Part::Same; // the outer iteration's own tangent
    if (auto map = dyn_cast<MapOp>(owner))
      return planVar(map.getInputs()[arg.getArgNumber()]);
    return std::nullopt;
  }
  Operation *op = v.getDefiningOp();
  bool scalar = !isa<RankedTensorType>(v.getType());
  if (isa<AddOp, SubOp>(op) && scalar) {
    if (!isLinear(op->getOperand(0)) || !isLinear(op->getOperand(1)))
      return std::nullopt;
    std::optional<Part> a = planVar(op->getOperand(0)), b = planVar(op->getOperand(1));
    if (!a || !b)
      return std::nullopt;
    if (*a == *b && *a != Part::Changed)
      return *a;
    return Part::Changed;
  }
  if (auto neg = dyn_cast<NegOp>(op); neg && scalar)
    return planVar(neg.getOperand());
  if (auto mul = dyn_cast<MulOp>(op); mul && scalar) {
    bool lhsLinear = isLinear(mul.getLhs());
    if (lhsLinear == isLinear(mul.getRhs()))
      return std::nullopt;
    if (isVariant(lhsLinear ? mul.getRhs() : mul.getLhs()))
      return Part::Same; // a varying coefficient: the whole term varies
    return planVar(lhsLinear ? mul.getLhs() : mul.getRhs());
  }
  if (auto index = dyn_cast<IndexOp>(op)) {
    if (!isLinear(index.getArray()))
      return std::nullopt;
    if (llvm::any_of(index.getIndices(), [&](Value i) { return isVariant(i); }))
      return Part::Same;
    return planVar(index.getArray());
  }
  if (isa<MapOp, BuildOp, ReduceOp>(op))
    return planStructured(op, v);
  return std::nullopt;
}

std::optional<Part> Hoisting::planStructured(Operation *op, Value result) {
  // One tangent result: the body's other yields do not read what changes.
  if (llvm::count_if(op->getResults(), [&](Value r) { return isLinear(r); }) != 1)
    return std::nullopt;
  Block &body = op->getRegion(0).front();
  ValueRange yields = body.getTerminator()->getOperands();
  unsigned r = cast<OpResult>(result).getResultNumber();
  if (auto reduce = dyn_cast<ReduceOp>(op)) {
    unsigned k = primalCount(op);
    if (reduce.getInits().size() != k + 1 || r != k || isLinear(reduce.getInits()[k]) ||
        !isTangentSumOf(yields[k], body.getArgument(k), body.getArgument(2 * k + 1)))
      return std::nullopt;
    return planVar(reduce.getInputs()[k]);
  }
  return planVar(yields[r]);
}

Value Hoisting::applyVar(Value v) {
  std::optional<Part> part = isInside(v) ? plans.lookup(v) : Part::Zero;
  if (*part == Part::Zero)
    return {};
  if (*part == Part::Same || isa<BlockArgument>(v))
    return v; // a changed map input is replaced where its map changes
  if (Value done = applied.lookup(v))
    return done;
  Operation *op = v.getDefiningOp();
  Location loc = op->getLoc();
  OpBuilder b(op->getContext());
  auto rebuild = [&](auto build) {
    b.setInsertionPointAfter(op);
    return build();
  };
  Value result;
  if (isa<AddOp, SubOp>(op)) {
    Value lhs = applyVar(op->getOperand(0)), rhs = applyVar(op->getOperand(1));
    bool sub = isa<SubOp>(op);
    result = rebuild([&]() -> Value {
      if (lhs && rhs)
        return sub ? mark(b.create<SubOp>(loc, lhs, rhs)) : mark(b.create<AddOp>(loc, lhs, rhs));
      if (lhs)
        return lhs;
      return sub ? mark(b.create<NegOp>(loc, rhs)) : rhs;
    });
  } else if (auto neg = dyn_cast<NegOp>(op)) {
    Value x = applyVar(neg.getOperand());
    result = rebuild([&] { return mark(b.create<NegOp>(loc, x)); });
  } else if (auto mul = dyn_cast<MulOp>(op)) {
    bool lhsLinear = isLinear(mul.getLhs());
    Value x = applyVar(lhsLinear ? mul.getLhs() : mul.getRhs());
    result = rebuild([&] {
      return mark(lhsLinear ? b.create<MulOp>(loc, x, mul.getRhs())
                            : b.create<MulOp>(loc, mul.getLhs(), x));
    });
  } else if (auto index = dyn_cast<IndexOp>(op)) {
    Value array = applyVar(index.getArray());
    result = rebuild([&] {
      return mark(b.create<IndexOp>(loc, v.getType(), array, index.getIndices()),
                  state.shapeWitness(v));
    });
  } else if (auto reduce = dyn_cast<ReduceOp>(op)) {
    unsigned k = primalCount(op);
    reduce.getInputsMutable()[k].set(applyVar(reduce.getInputs()[k]));
    result = v;
  } else {
    // A map or build: its changed tangent inputs, then its tangent yield.
    if (auto map = dyn_cast<MapOp>(op)) {
      for (OpOperand &input : map.getInputsMutable())
        if (isLinear(input.get()) && plans.lookup(input.get()) == Part::Changed)
          input.set(applyVar(input.get()));
      touchedMaps.push_back(map);
    }
    Operation *yield = op->getRegion(0).front().getTerminator();
    unsigned r = cast<OpResult>(v).getResultNumber();
    yield->setOperand(r, applyVar(yield->getOperand(r)));
    result = v;
  }
  applied[v] = result;
  return result;
}

//===----------------------------------------------------------------------===//
// The invariant part, copied out
//===----------------------------------------------------------------------===//

OpBuilder Hoisting::builderFor(Block *original) {
  OpBuilder b(loop->getContext());
  auto it = copyPoint.find(original);
  if (it == copyPoint.end()) {
    fail();
    b.setInsertionPoint(loop);
  } else {
    b.restoreInsertionPoint(it->second);
  }
  return b;
}

Value Hoisting::invPrimal(Value p) {
  if (!ok || !isInside(p))
    return p;
  if (Value copy = primalCopies.lookupOrNull(p))
    return copy;
  if (isVariant(p) || isa<BlockArgument>(p)) {
    fail();
    return {};
  }
  Operation *op = p.getDefiningOp();
  if (op->walk([](Operation *inner) {
          return effectsAreChecksAtMost(inner) ? WalkResult::advance() : WalkResult::interrupt();
        }).wasInterrupted()) {
    fail(); // copying it would repeat its effect (a trace, say)
    return {};
  }
  op->walk([&](Operation *user) {
    for (Value operand : user->getOperands())
      if (!definedWithin(operand, op))
        invPrimal(operand);
  });
  if (!ok)
    return {};
  OpBuilder b = builderFor(op->getBlock());
  if (!ok)
    return {};
  b.clone(*op, primalCopies);
  return primalCopies.lookup(p);
}

Value Hoisting::inv(Value v) {
  if (!ok)
    return {};
  if (!isInside(v))
    return v; // a tangent from outside the loop
  if (auto it = linearCopies.find(v); it != linearCopies.end())
    return it->second;
  Value copy = computeInv(v);
  linearCopies[v] = copy;
  return copy;
}

Value Hoisting::computeInv(Value v) {
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (arg.getOwner()->getParentOp() != loop)
      fail(); // an argument of a loop that was not copied
    return {};
  }
  Operation *op = v.getDefiningOp();
  Location loc = op->getLoc();
  if (isa<MapOp, BuildOp, ReduceOp>(op))
    return invStructured(op, v);
  auto build = [&](auto create) -> Value {
    OpBuilder b = builderFor(op->getBlock());
    return ok ? create(b) : Value();
  };
  if (isa<AddOp, SubOp>(op)) {
    Value lhs = inv(op->getOperand(0)), rhs = inv(op->getOperand(1));
    bool sub = isa<SubOp>(op);
    if (!lhs || !rhs)
      return lhs ? lhs : rhs && sub ? build([&](OpBuilder &b) {
        return mark(b.create<NegOp>(loc, rhs));
      }) : rhs;
    return build([&](OpBuilder &b) {
      return sub ? mark(b.create<SubOp>(loc, lhs, rhs)) : mark(b.create<AddOp>(loc, lhs, rhs));
    });
  }
  if (auto neg = dyn_cast<NegOp>(op)) {
    Value x = inv(neg.getOperand());
    return x ? build([&](OpBuilder &b) { return mark(b.create<NegOp>(loc, x)); }) : Value();
  }
  if (auto mul = dyn_cast<MulOp>(op)) {
    bool lhsLinear = isLinear(mul.getLhs());
    Value coefficient = lhsLinear ? mul.getRhs() : mul.getLhs();
    if (isVariant(coefficient))
      return {};
    Value x = inv(lhsLinear ? mul.getLhs() : mul.getRhs());
    Value k = x ? invPrimal(coefficient) : Value();
    if (!x || !k)
      return {};
    return build([&](OpBuilder &b) {
      return mark(lhsLinear ? b.create<MulOp>(loc, x, k) : b.create<MulOp>(loc, k, x));
    });
  }
  if (auto index = dyn_cast<IndexOp>(op)) {
    if (llvm::any_of(index.getIndices(), [&](Value i) { return isVariant(i); }))
      return {};
    Value array = inv(index.getArray());
    if (!array)
      return {};
    SmallVector<Value> indices;
    for (Value i : index.getIndices())
      indices.push_back(invPrimal(i));
    Value witness = state.shapeWitness(array);
    if (isa<RankedTensorType>(v.getType()) && !witness)
      fail();
    return build([&](OpBuilder &b) {
      Value w = witness && isa<RankedTensorType>(v.getType())
                    ? b.create<IndexOp>(loc, v.getType(), witness, indices).getResult()
                    : Value();
      return mark(b.create<IndexOp>(loc, v.getType(), array, indices), w);
    });
  }
  fail();
  return {};
}

Value Hoisting::invStructured(Operation *op, Value result) {
  if (llvm::count_if(op->getResults(), [&](Value r) { return isLinear(r); }) != 1) {
    fail();
    return {};
  }
  Location loc = op->getLoc();
  Block &body = op->getRegion(0).front();
  ValueRange yields = body.getTerminator()->getOperands();
  Type type = result.getType();

  if (auto reduce = dyn_cast<ReduceOp>(op)) {
    // A sum of the invariant part of the elements.
    unsigned k = primalCount(op);
    if (reduce.getInits().size() != k + 1 ||
        !isTangentSumOf(yields[k], body.getArgument(k), body.getArgument(2 * k + 1))) {
      fail();
      return {};
    }
    Value elements = inv(reduce.getInputs()[k]);
    Value witness = elements ? state.shapeWitness(elements) : Value();
    if (!elements || !witness) {
      if (elements)
        fail();
      return {};
    }
    OpBuilder b = builderFor(op->getBlock());
    if (!ok)
      return {};
    // The transpose takes the extent from the primal array (the witness).
    Type primalType = getElementOrRowType(cast<RankedTensorType>(witness.getType()));
    Value primalZero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(primalType));
    Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(type));
    auto sum = b.create<ReduceOp>(loc, TypeRange{primalType, type}, ValueRange{primalZero, zero},
                                  ValueRange{witness, elements});
    sum->setAttr(kPrimalCountAttr, b.getI64IntegerAttr(1));
    Block *block = b.createBlock(&sum.getBody(), {}, {primalType, type, primalType, type},
                                 SmallVector<Location>(4, loc));
    mark(block->getArgument(1));
    mark(block->getArgument(3));
    Value primal = b.create<AddOp>(loc, block->getArgument(0), block->getArgument(2));
    Value tangent = mark(b.create<AddOp>(loc, block->getArgument(1), block->getArgument(3)));
    b.create<YieldOp>(loc, ValueRange{primal, tangent});
    return mark(sum.getResult(1));
  }

  OpBuilder b = builderFor(op->getBlock());
  if (!ok)
    return {};
  auto map = dyn_cast<MapOp>(op);
  Operation *copy;
  SmallVector<std::pair<BlockArgument, unsigned>> args; // original arg -> new arg
  SmallVector<Value> inputs;
  Value witness;
  if (map) {
    // The invariant primal inputs (one gives the extent), the invariant
    // parts of the tangent inputs.
    for (auto [k, input] : llvm::enumerate(map.getInputs())) {
      Value copied = isLinear(input) ? inv(input) : isVariant(input) ? Value() : invPrimal(input);
      if (!ok)
        return {};
      if (!copied)
        continue;
      if (!isLinear(input) && !witness && copied.getType() == type)
        witness = copied;
      args.push_back({body.getArgument(k), inputs.size()});
      inputs.push_back(copied);
    }
    if (llvm::none_of(inputs, [&](Value v) { return !isLinear(v); }))
      return {}; // no invariant primal input: nothing to build it over
    b = builderFor(op->getBlock()); // inputs may have been copied before it
    Value yielded = yields[cast<OpResult>(result).getResultNumber()];
    if (!witness && !isa<RankedTensorType>(yielded.getType())) {
      // Zeros over the elements (rows) of a primal input.
      Value primal = *llvm::find_if(inputs, [&](Value v) { return !isLinear(v); });
      auto zeros = b.create<MapOp>(loc, TypeRange{type}, ValueRange{primal});
      OpBuilder::InsertionGuard guard(b);
      b.createBlock(&zeros.getBody(), {},
                    {getElementOrRowType(cast<RankedTensorType>(primal.getType()))}, {loc});
      b.create<YieldOp>(loc,
                        ValueRange{b.create<arith::ConstantOp>(loc, b.getZeroAttr(yielded.getType()))});
      witness = zeros.getResult(0);
    }
    copy = b.create<MapOp>(loc, TypeRange{type}, inputs);
  } else {
    auto build = cast<BuildOp>(op);
    if (isVariant(build.getSize()))
      return {};
    Value size = invPrimal(build.getSize());
    if (!ok)
      return {};
    b = builderFor(op->getBlock());
    if (!isa<RankedTensorType>(yields[cast<OpResult>(result).getResultNumber()].getType())) {
      // Zeros of its extent, for the transpose's zero adjoints.
      auto zeros = b.create<BuildOp>(loc, TypeRange{type}, size);
      OpBuilder::InsertionGuard guard(b);
      b.createBlock(&zeros.getBody(), {}, {b.getI64Type()}, {loc});
      Type element = cast<RankedTensorType>(type).getElementType();
      b.create<YieldOp>(loc, ValueRange{b.create<arith::ConstantOp>(loc, b.getZeroAttr(element))});
      witness = zeros.getResult(0);
    }
    copy = b.create<BuildOp>(loc, TypeRange{type}, size);
    args.push_back({body.getArgument(0), 0});
  }
  SmallVector<Type> argTypes;
  if (map)
    for (Value input : inputs)
      argTypes.push_back(getElementOrRowType(cast<RankedTensorType>(input.getType())));
  else
    argTypes.push_back(b.getI64Type());
  Block *block;
  {
    OpBuilder::InsertionGuard guard(b);
    block = b.createBlock(&copy->getRegion(0), {}, argTypes,
                          SmallVector<Location>(argTypes.size(), loc));
  }
  for (auto [original, k] : args) {
    BlockArgument arg = block->getArgument(k);
    if (map && isLinear(inputs[k]))
      linearCopies[original] = mark(arg);
    else
      primalCopies.map(original, arg);
  }
  // Copies for the body go into the new body; copies for the enclosing
  // block go before the new op while its body is built.
  copyPoint[&body] = OpBuilder::InsertPoint(block, block->end());
  OpBuilder::InsertPoint after = copyPoint[op->getBlock()];
  copyPoint[op->getBlock()] = OpBuilder::InsertPoint(copy->getBlock(), copy->getIterator());
  Value yield = inv(yields[cast<OpResult>(result).getResultNumber()]);
  copyPoint[op->getBlock()] = after;
  if (!ok || !yield || (isa<RankedTensorType>(type) && !witness)) {
    if (ok && yield)
      fail(); // no witness for the transpose's zeros
    erase(copy);
    return {};
  }
  OpBuilder::atBlockEnd(block).create<YieldOp>(loc, yield);
  if (map)
    touchedMaps.push_back(cast<MapOp>(copy));
  return mark(copy->getResult(0), witness);
}

/// Rebuilds `map` without the tangent inputs its body no longer reads:
/// transposed, each would get an array of zero adjoints.
void Hoisting::dropUnreadTangentInputs(MapOp map) {
  Block &body = map.getBody().front();
  llvm::BitVector unread(body.getNumArguments());
  SmallVector<Value> inputs;
  for (auto [k, input] : llvm::enumerate(map.getInputs())) {
    if (isLinear(input) && body.getArgument(k).use_empty())
      unread.set(k);
    else
      inputs.push_back(input);
  }
  if (unread.none())
    return;
  OpBuilder b(map);
  auto rebuilt = b.create<MapOp>(map.getLoc(), map.getResultTypes(), inputs);
  rebuilt->setDiscardableAttrs(map->getDiscardableAttrDictionary());
  rebuilt.getBody().takeBody(map.getBody());
  for (int k = unread.size() - 1; k >= 0; --k)
    if (unread.test(k))
      state.forget(rebuilt.getBody().front().getArgument(k));
  rebuilt.getBody().front().eraseArguments(unread);
  for (auto [old, now] : llvm::zip(map.getResults(), rebuilt.getResults()))
    if (isLinear(old))
      mark(now, state.shapeWitness(old));
  map->replaceAllUsesWith(rebuilt);
  erase(map);
}

/// Erases the tangent ops in `region` that nothing reads any more (the
/// terms the split took away): transposed, each captured tangent they read
/// would still get an adjoint of zeros carried through the loops.
void Hoisting::eraseDeadTangents(Region &region) {
  for (bool changed = true; changed;) {
    changed = false;
    SmallVector<Operation *> dead;
    region.walk<WalkOrder::PostOrder>([&](Operation *op) {
      if (op->getNumResults() && op->use_empty() &&
          llvm::any_of(op->getResults(), [&](Value r) { return isLinear(r); }) &&
          effectsAreChecksAtMost(op))
        dead.push_back(op);
    });
    for (Operation *op : dead)
      erase(op);
    changed = !dead.empty();
  }
}

//===----------------------------------------------------------------------===//
// One split
//===----------------------------------------------------------------------===//

/// Zeros of the extents of `hoisted` (a build of the invariant parts), for
/// the transpose: the computation of `elementWitness` (the extents of an
/// element of type `type`; null for a scalar) in its body, once more per
/// index.
Value Hoisting::zerosLike(OpBuilder &b, BuildOp hoisted, Value elementWitness, Type type) {
  Location loc = hoisted.getLoc();
  Block *block = &hoisted.getBody().front();
  auto zeros = b.create<BuildOp>(loc, TypeRange{hoisted.getType(0)}, hoisted.getSize());
  OpBuilder::InsertionGuard guard(b);
  Block *zeroBlock = b.createBlock(&zeros.getBody(), {}, {b.getI64Type()}, {loc});
  IRMapping mapping;
  mapping.map(block->getArgument(0), zeroBlock->getArgument(0));
  Value element;
  if (elementWitness) {
    // The witness and what it reads in the hoisted body, copied in order.
    SetVector<Operation *> slice;
    SmallVector<Value> work{elementWitness};
    while (!work.empty()) {
      Value w = work.pop_back_val();
      Operation *def = w.getDefiningOp();
      if (!def || def->getBlock() != block || !slice.insert(def))
        continue;
      def->walk([&](Operation *user) {
        for (Value operand : user->getOperands())
          work.push_back(operand);
      });
    }
    for (Operation &op : block->without_terminator())
      if (slice.contains(&op))
        b.clone(op, mapping);
    element = mapping.lookup(elementWitness);
  } else {
    element = b.create<arith::ConstantOp>(loc, b.getZeroAttr(type));
  }
  b.create<YieldOp>(loc, element);
  return zeros.getResult(0);
}

bool Hoisting::run(Value c) {
  std::optional<Part> part = planVar(c, /*root=*/true);
  if (!part || *part == Part::Same)
    return false;
  // The outer loop's trip count, to give the hoisted build no element when
  // the loop runs no iteration.
  Value trips;
  OpBuilder b(loop);
  Location loc = c.getLoc();
  Operation *before = loop->getPrevNode();
  auto rollback = [&] {
    while (loop->getPrevNode() != before)
      erase(loop->getPrevNode());
    return false;
  };
  if (auto map = dyn_cast<MapOp>(loop)) {
    auto primal = llvm::find_if(map.getInputs(), [&](Value v) { return !isLinear(v); });
    if (primal == map.getInputs().end())
      return false;
    trips = b.create<DimOp>(loc, *primal, 0);
  } else {
    trips = cast<BuildOp>(loop).getSize();
  }
  if (isVariant(inner.getSize()))
    return rollback();
  copyPoint[&loop->getRegion(0).front()] = b.saveInsertionPoint();
  Value size = invPrimal(inner.getSize());
  if (!ok)
    return rollback();
  b.setInsertionPoint(loop);
  Value zero = b.create<arith::ConstantIntOp>(loc, 0, size.getType());
  Value any = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, trips, zero);
  size = b.create<arith::SelectOp>(loc, any, size, zero);
  auto hoisted = b.create<BuildOp>(loc, TypeRange{getArrayOfType(c.getType())}, size);
  Block &innerBody = inner.getBody().front();
  Block *block = b.createBlock(&hoisted.getBody(), {}, {b.getI64Type()}, {loc});
  primalCopies.map(innerBody.getArgument(0), block->getArgument(0));
  copyPoint[&innerBody] = OpBuilder::InsertPoint(block, block->end());
  copyPoint[&loop->getRegion(0).front()] = OpBuilder::InsertPoint(hoisted->getBlock(),
                                                                  hoisted->getIterator());
  Value invariantPart = inv(c);
  Operation *definition = invariantPart ? invariantPart.getDefiningOp() : nullptr;
  // Worth it only when the part saved per outer iteration is itself a loop
  // nest (work that grows with the extents, not a few scalar operations).
  if (!ok || !definition || definition->getBlock() != block || !hasLoop(definition))
    return rollback();
  Value elementWitness = state.shapeWitness(invariantPart);
  bool array = isa<RankedTensorType>(c.getType());
  Value outerWitness = array ? state.shapeWitness(c) : Value();
  if (array && (!elementWitness || cast<RankedTensorType>(c.getType()).getRank() != 1 ||
                !outerWitness || !visibleAfter(outerWitness, c.getDefiningOp())))
    return rollback();
  OpBuilder::atBlockEnd(block).create<YieldOp>(loc, invariantPart);

  b.setInsertionPoint(hoisted);
  Value witness = zerosLike(b, hoisted, array ? elementWitness : Value(), c.getType());
  mark(hoisted.getResult(0), witness);

  // The varying part stays; the body reads the invariant one.
  Value varying = applyVar(c);
  b.setInsertionPointAfterValue(c);
  Value index = innerBody.getArgument(0);
  auto build = c.getDefiningOp<BuildOp>();
  if (varying && build && array) {
    // A build of scalars adds the hoisted part in its body: no array of the
    // sum, and transposed, one more scalar accumulation in its loop.
    Block &body = build.getBody().front();
    Operation *yield = body.getTerminator();
    unsigned r = cast<OpResult>(c).getResultNumber();
    OpBuilder inBody = OpBuilder::atBlockTerminator(&body);
    Value element = mark(inBody.create<IndexOp>(loc, yield->getOperand(r).getType(),
                                                hoisted.getResult(0),
                                                ValueRange{index, body.getArgument(0)}));
    yield->setOperand(r, mark(inBody.create<AddOp>(loc, yield->getOperand(r), element)));
    finish(hoisted);
    return true;
  }
  Value element = mark(b.create<IndexOp>(loc, c.getType(), hoisted.getResult(0), ValueRange{index}),
                       array ? b.create<IndexOp>(loc, c.getType(), witness, ValueRange{index})
                                   .getResult()
                             : Value());
  Value total = element;
  Operation *sum = nullptr;
  if (varying) {
    if (array) {
      // An elementwise sum; its primal input gives the transpose its extent.
      auto map = b.create<MapOp>(loc, TypeRange{c.getType()},
                                 ValueRange{outerWitness, varying, element});
      Type elem = cast<RankedTensorType>(c.getType()).getElementType();
      OpBuilder::InsertionGuard guard(b);
      Block *mapBlock = b.createBlock(&map.getBody(), {}, {elem, elem, elem}, {loc, loc, loc});
      Value add = mark(b.create<AddOp>(loc, mark(mapBlock->getArgument(1)),
                                       mark(mapBlock->getArgument(2))));
      b.create<YieldOp>(loc, add);
      total = mark(map.getResult(0), outerWitness);
      sum = map;
    } else {
      auto add = b.create<AddOp>(loc, varying, element);
      total = mark(add);
      sum = add;
    }
  }
  c.replaceUsesWithIf(total, [&](OpOperand &use) { return use.getOwner() != sum; });
  finish(hoisted);
  return true;
}
} // namespace

void fad::hoistInvariantTangents(LinearizeState &state, Block &linear) {
  const auto &linearValues = state.getLinearValues();
  auto isLinearOp = [&](Operation *op) {
    return llvm::any_of(op->getResults(), [&](Value r) { return linearValues.contains(r); });
  };
  for (Operation &loop : llvm::make_early_inc_range(linear)) {
    if (!isa<MapOp, BuildOp>(loop) || !isLinearOp(&loop))
      continue;
    SmallVector<BuildOp> inners;
    for (Operation &op : loop.getRegion(0).front())
      if (auto build = dyn_cast<BuildOp>(op); build && isLinearOp(build))
        inners.push_back(build);
    for (BuildOp inner : inners) {
      // The last tangents first (they read the earlier ones); after a split,
      // which may have rebuilt maps, the candidates are collected again.
      auto splitOne = [&] {
        SmallVector<Value> candidates;
        for (Operation &op : inner.getBody().front())
          if (isa<MapOp, BuildOp, ReduceOp>(op))
            for (Value r : op.getResults())
              if (linearValues.contains(r) && !r.use_empty())
                candidates.push_back(r);
        return llvm::any_of(llvm::reverse(candidates),
                            [&](Value c) { return Hoisting(state, &loop, inner).run(c); });
      };
      // Each split leaves no invariant loop nest in its tangent; the bound
      // only guards against a rule that would undo another.
      for (unsigned round = 0; round < 8 && splitOne(); ++round) {
      }
    }
  }
}
