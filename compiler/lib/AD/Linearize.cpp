//===- Linearize.cpp - The forward-mode (linearization) engine ----*- C++ -*-===//
//
// This file implements LinearizeState: forward-mode differentiation of fad IR
// by one walk over the ops (docs/AD.md, "Forward mode"). For each op:
//   1. an op with its own rule (LinearizeOpInterface) emits primal and
//      tangent itself (structured ops; rules in AD/Rules);
//   2. otherwise the op is cloned as the primal computation; if no operand
//      has a tangent, or no result is a float, its tangents are zero;
//   3. otherwise a scalar op contributes sum_i partial_i * operandTan_i,
//      with its partials from ScalarPartialsOpInterface; zero tangents are
//      skipped, so no zero is ever multiplied;
//   4. anything else is a located error: never a wrong derivative.
//
//===----------------------------------------------------------------------===//

#include "fad/AD/Linearize.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/AD/ADInterfaces.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace fad;

bool fad::isDifferentiableType(Type t) {
  if (auto tensor = dyn_cast<RankedTensorType>(t))
    t = tensor.getElementType();
  return isa<FloatType>(t);
}

Value fad::buildZeroLike(OpBuilder &b, Location loc, Value like) {
  if (isa<RankedTensorType>(like.getType()))
    return b.create<ZerosLikeOp>(loc, like);
  return b.create<arith::ConstantOp>(loc, b.getZeroAttr(like.getType()));
}

unsigned fad::primalCount(Operation *op) {
  auto attr = op->getAttrOfType<IntegerAttr>(kPrimalCountAttr);
  return attr ? attr.getInt() : 0;
}

bool fad::isTangentSumOf(Value v, Value acc, Value x) {
  auto unscaled = [](Value w) {
    if (auto mul = w.getDefiningOp<MulOp>())
      for (auto [factor, other] : {std::pair(mul.getLhs(), mul.getRhs()),
                                   std::pair(mul.getRhs(), mul.getLhs())}) {
        FloatAttr one;
        if (matchPattern(factor, m_Constant(&one)) && one.getValueAsDouble() == 1.0)
          return other;
      }
    return w;
  };
  auto add = v.getDefiningOp<AddOp>();
  if (!add)
    return false;
  Value lhs = unscaled(add.getLhs()), rhs = unscaled(add.getRhs());
  return (lhs == acc && rhs == x) || (lhs == x && rhs == acc);
}

void LinearizeState::eraseOp(Operation *op) {
  op->walk([&](Operation *inner) {
    for (Value v : inner->getResults())
      forget(v);
    for (Region &region : inner->getRegions())
      for (Block &block : region)
        for (Value arg : block.getArguments())
          forget(arg);
  });
  op->erase();
}

Operation *fad::cloneWithOuterValues(OpBuilder &b, Operation *op, IRMapping &mapping) {
  if (op->getNumRegions() == 0)
    return b.clone(*op, mapping);
  DenseSet<Value> inside;
  op->walk([&](Block *block) { inside.insert(block->args_begin(), block->args_end()); });
  op->walk([&](Operation *inner) {
    if (inner != op)
      inside.insert(inner->result_begin(), inner->result_end());
  });
  IRMapping outer;
  op->walk([&](Operation *inner) {
    for (Value v : inner->getOperands())
      if (!inside.contains(v))
        outer.map(v, mapping.lookupOrDefault(v));
  });
  Operation *clone = b.clone(*op, outer);
  for (auto [from, to] : llvm::zip(op->getResults(), clone->getResults()))
    mapping.map(from, to);
  return clone;
}

SmallVector<Value> LinearizeState::primals(ValueRange vs) const {
  SmallVector<Value> result;
  for (Value v : vs)
    result.push_back(primal(v));
  return result;
}

Type LinearizeState::tangentType(Type primal) const {
  return batchSize ? Type(getArrayOfType(primal)) : primal;
}

/// Zeros shaped like `like` with an extra innermost dimension of `n`.
static Value buildBatchedZeros(OpBuilder &b, Location loc, Value like, Value n) {
  Type type = like.getType();
  OpBuilder::InsertionGuard guard(b);
  if (auto array = dyn_cast<RankedTensorType>(type)) {
    auto map = b.create<MapOp>(loc, TypeRange{getArrayOfType(array)}, like);
    Block *body = b.createBlock(&map.getBody(), {}, {getElementOrRowType(array)}, {loc});
    b.create<YieldOp>(loc, buildBatchedZeros(b, loc, body->getArgument(0), n));
    return map.getResult(0);
  }
  auto build = b.create<BuildOp>(loc, TypeRange{getArrayOfType(type)}, n);
  b.createBlock(&build.getBody(), {}, {b.getI64Type()}, {loc});
  b.create<YieldOp>(loc, ValueRange{b.create<arith::ConstantOp>(loc, b.getZeroAttr(type))});
  return build.getResult(0);
}

Value LinearizeState::materializedTangent(OpBuilder &b, Location loc, Value v) {
  if (Value vTan = tangent(v))
    return vTan;
  if (batchSize)
    return buildBatchedZeros(b, loc, primal(v), batchSize);
  return buildZeroLike(b, loc, primal(v));
}

Value LinearizeState::scaleTangent(OpBuilder &b, Location loc, Value scale, Value vTan) {
  if (!batchSize)
    return b.create<MulOp>(loc, scale, vTan);
  auto batch = cast<RankedTensorType>(vTan.getType());
  auto map = b.create<MapOp>(loc, TypeRange{batch}, vTan);
  OpBuilder::InsertionGuard guard(b);
  Block *body = b.createBlock(&map.getBody(), {}, {batch.getElementType()}, {loc});
  b.create<YieldOp>(loc, ValueRange{b.create<MulOp>(loc, scale, body->getArgument(0))});
  return map.getResult(0);
}

LogicalResult LinearizeState::linearizeBlock(OpBuilder &b, Block &block) {
  for (Operation &op : block.without_terminator())
    if (failed(linearizeOp(b, &op)))
      return failure();
  return success();
}

bool LinearizeState::readsTangent(Operation *op) const {
  WalkResult walk = op->walk([&](Operation *inner) {
    for (Value v : inner->getOperands())
      if (tangent(v))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return walk.wasInterrupted();
}

LogicalResult LinearizeState::linearizeOp(OpBuilder &b, Operation *op) {
  // An op with results but none of a differentiable type (a while loop's
  // condition, an `if` of booleans, an integer loop) passes no tangent on,
  // whatever it reads: it is primal code, regions included. (Linearizing
  // its regions would put tangent code where the transpose only replays
  // primal code.)
  if (op->getNumResults() > 0 && llvm::none_of(op->getResultTypes(), isDifferentiableType)) {
    cloneWithOuterValues(b, op, mapping);
    return success();
  }
  if (auto rule = dyn_cast<LinearizeOpInterface>(op))
    return rule.linearize(b, *this);

  if (taylorOrder && readsTangent(op) &&
      llvm::any_of(op->getResultTypes(), isDifferentiableType)) {
    if (auto rule = dyn_cast<TaylorOpInterface>(op))
      return rule.propagateTaylor(b, *this);
    if (isa<ScalarPartialsOpInterface>(op))
      return op->emitOpError("has no Taylor-mode rule");
  }
  Operation *clone = cloneWithOuterValues(b, op, mapping);
  if (!readsTangent(op) ||
      llvm::none_of(op->getResultTypes(), isDifferentiableType))
    return success();

  auto scalar = dyn_cast<ScalarPartialsOpInterface>(clone);
  if (!scalar || op->getNumRegions() != 0 || op->getNumResults() != 1)
    return op->emitOpError("has no derivative rule");
  Location loc = op->getLoc();
  SmallVector<Value> partials = scalar.buildPartials(b);
  // A partials list of the wrong length would drop an operand's tangent
  // (a silently wrong derivative); test/unittests/Dialect checks every op.
  if (partials.size() != op->getNumOperands())
    return op->emitOpError("states ") << partials.size() << " partial derivatives for "
                                      << op->getNumOperands() << " operands";
  Value resultTan;
  for (auto [operand, partial] : llvm::zip_equal(op->getOperands(), partials)) {
    Value operandTan = tangent(operand);
    if (!operandTan || !partial)
      continue;
    Value term = scaleTangent(b, loc, partial, operandTan);
    markLinear(term);
    resultTan = resultTan ? buildElementwiseAdd(b, loc, resultTan, term) : term;
    markLinear(resultTan);
  }
  setTangent(op->getResult(0), resultTan);
  return success();
}
