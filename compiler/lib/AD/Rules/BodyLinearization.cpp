//===- BodyLinearization.cpp - Shared step of structured-op rules -*- C++ -*-===//
//
// This file implements the body linearization that every structured op's
// forward-mode rule shares (see BodyLinearization.h).
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace fad;
using namespace fad::detail;

LogicalResult fad::detail::linearizeBody(OpBuilder &b, LinearizeState &state,
                                    Block &oldBody, Region &newRegion,
                                    TypeRange newArgTypes, ArrayRef<ArgLayout> args,
                                    ArrayRef<unsigned> tangentYields) {
  OpBuilder::InsertionGuard guard(b);
  Location loc = oldBody.getParentOp()->getLoc();
  SmallVector<Location> locs(newArgTypes.size(), loc);
  Block *block = b.createBlock(&newRegion, {}, newArgTypes, locs);
  for (auto [oldArg, layout] : llvm::zip(oldBody.getArguments(), args)) {
    state.mapPrimal(oldArg, block->getArgument(layout.primal));
    if (layout.tan)
      state.setTangent(oldArg, block->getArgument(*layout.tan));
  }
  if (failed(state.linearizeBlock(b, oldBody)))
    return failure();
  ValueRange oldYields = cast<YieldOp>(oldBody.getTerminator()).getValues();
  SmallVector<Value> yields = state.primals(oldYields);
  for (unsigned j : tangentYields)
    yields.push_back(state.materializedTangent(b, loc, oldYields[j]));
  b.create<YieldOp>(loc, yields);
  return success();
}

SmallVector<unsigned> fad::detail::differentiableIndices(TypeRange types) {
  SmallVector<unsigned> indices;
  for (auto [k, t] : llvm::enumerate(types))
    if (isDifferentiableType(t))
      indices.push_back(k);
  return indices;
}

SmallVector<Type> fad::detail::withTangentTypes(const LinearizeState &state,
                                                TypeRange results,
                                                ArrayRef<unsigned> tangents) {
  SmallVector<Type> types(results);
  for (unsigned j : tangents)
    types.push_back(state.tangentType(results[j]));
  return types;
}

void fad::detail::recordResults(LinearizeState &state, Operation *oldOp, Operation *newOp,
                           ArrayRef<unsigned> tangents, Operation *primal) {
  unsigned m = oldOp->getNumResults();
  // Transpose rules need to tell primal from tangent operands and results.
  newOp->setAttr(kPrimalCountAttr, IntegerAttr::get(IntegerType::get(newOp->getContext(), 64), m));
  // In reverse mode the primal results come from a plain copy of the op, so
  // that the linearized op is used only for its (linear) tangents.
  if (!primal)
    primal = newOp;
  if (state.separatePrimal && primal == newOp) {
    OpBuilder b(newOp->getContext());
    b.setInsertionPoint(newOp);
    primal = cloneWithOuterValues(b, oldOp, state.primalMapping());
  }
  for (unsigned j = 0; j < m; ++j)
    state.mapPrimal(oldOp->getResult(j), primal->getResult(j));
  for (auto [t, j] : llvm::enumerate(tangents))
    state.setTangent(oldOp->getResult(j), newOp->getResult(m + t));
}

LogicalResult fad::detail::cloneAsConstant(OpBuilder &b, LinearizeState &state,
                                      Operation *op) {
  cloneWithOuterValues(b, op, state.primalMapping());
  return success();
}

DenseSet<Value> fad::detail::valuesDefinedIn(Block &body) {
  DenseSet<Value> defined(body.args_begin(), body.args_end());
  body.walk([&](Block *block) { defined.insert(block->args_begin(), block->args_end()); });
  body.walk([&](Operation *op) { defined.insert(op->result_begin(), op->result_end()); });
  return defined;
}

static std::optional<SmallVector<Extent>>
extentsOutside(Value v, const DenseSet<Value> &inside, const DenseMap<Value, ArgShape> &argShapes,
               unsigned depth) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || depth > 16)
    return std::nullopt;
  auto all = [](Value array, unsigned drop) {
    SmallVector<Extent> extents;
    for (int64_t d = drop; d < cast<RankedTensorType>(array.getType()).getRank(); ++d)
      extents.push_back({array, d});
    return extents;
  };
  if (!inside.contains(v))
    return all(v, 0);
  if (auto it = argShapes.find(v); it != argShapes.end())
    return all(it->second.array, it->second.drop);
  auto of = [&](Value w, unsigned drop) -> std::optional<SmallVector<Extent>> {
    std::optional<SmallVector<Extent>> extents = extentsOutside(w, inside, argShapes, depth + 1);
    if (!extents)
      return std::nullopt;
    return SmallVector<Extent>(ArrayRef<Extent>(*extents).drop_front(drop));
  };
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (auto map = dyn_cast<MapOp>(owner))
      return of(map.getInputs()[arg.getArgNumber()], 1);
    if (auto loop = dyn_cast<ForOp>(owner); loop && arg.getArgNumber() > 0)
      return of(loop.getInits()[arg.getArgNumber() - 1], 0);
    return std::nullopt;
  }
  Operation *def = v.getDefiningOp();
  unsigned k = cast<OpResult>(v).getResultNumber();
  // A map's or build's outer extent, then its yielded rows'.
  auto stacked = [&](std::optional<Extent> outer,
                     Region &body) -> std::optional<SmallVector<Extent>> {
    if (!outer)
      return std::nullopt;
    SmallVector<Extent> extents{*outer};
    if (type.getRank() == 1)
      return extents;
    std::optional<SmallVector<Extent>> rows = of(body.front().getTerminator()->getOperand(k), 0);
    if (!rows)
      return std::nullopt;
    llvm::append_range(extents, *rows);
    return extents;
  };
  if (auto build = dyn_cast<BuildOp>(def)) {
    Value size = build.getSize();
    std::optional<Extent> outer;
    if (!inside.contains(size))
      outer = Extent{size};
    else if (auto dim = size.getDefiningOp<DimOp>())
      if (std::optional<SmallVector<Extent>> extents = of(dim.getArray(), dim.getDim()))
        outer = extents->front();
    return stacked(outer, build.getBody());
  }
  if (auto map = dyn_cast<MapOp>(def)) {
    std::optional<SmallVector<Extent>> input = of(map.getInputs().front(), 0);
    return stacked(input ? std::optional<Extent>(input->front()) : std::nullopt, map.getBody());
  }
  if (auto index = dyn_cast<IndexOp>(def))
    return of(index.getArray(), index.getIndices().size());
  if (isa<ZerosLikeOp, AddAtOp, UpdateOp>(def))
    return of(def->getOperand(0), 0);
  if (auto loop = dyn_cast<ForOp>(def))
    return of(loop.getInits()[k], 0);
  if (auto loop = dyn_cast<WhileOp>(def))
    return of(loop.getInits()[k], 0);
  return std::nullopt;
}

std::optional<SmallVector<Extent>>
fad::detail::extentsOutside(Value v, const DenseSet<Value> &inside,
                            const DenseMap<Value, ArgShape> &argShapes) {
  return ::extentsOutside(v, inside, argShapes, 0);
}

SmallVector<Value> fad::detail::costlyPrimalReads(Block &body,
                                                  function_ref<bool(Operation *)> isLinearOp) {
  // Forward through the body: which ops read (transitively) an argument,
  // and which are costly or read a costly op's values. A fold is costly: it
  // reads a whole array for each value it gives (a dot product, a row's
  // maximum), so recomputing it costs that array where keeping it costs one
  // value.
  DenseSet<Value> varying(body.args_begin(), body.args_end());
  DenseSet<Operation *> costly;
  for (Operation &op : body.without_terminator()) {
    bool readsVarying = false, isCostlyOp = false;
    op.walk([&](Operation *inner) {
      isCostlyOp |= isCostlyToRecompute(inner) || isa<ReduceOp>(inner);
      for (Value v : inner->getOperands()) {
        readsVarying |= varying.contains(v);
        isCostlyOp |= costly.contains(v.getDefiningOp());
      }
    });
    if (readsVarying)
      varying.insert(op.result_begin(), op.result_end());
    if (isCostlyOp)
      costly.insert(&op);
  }
  SetVector<Value> reads;
  for (Operation &op : body.without_terminator()) {
    if (!isLinearOp(&op))
      continue;
    op.walk([&](Operation *user) {
      for (OpOperand &operand : user->getOpOperands()) {
        // A map input whose elements the body does not read only gives the
        // extent (the primal inputs of a linearized map). A fold's input
        // arrays are not kept either: a sum's transpose does not read them,
        // and another fold's reruns its steps from them (recomputed, as
        // before residuals).
        auto map = dyn_cast<MapOp>(user);
        if (map && map.getBody().front().getArgument(operand.getOperandNumber()).use_empty())
          continue;
        auto reduce = dyn_cast<ReduceOp>(user);
        auto scan = dyn_cast<ScanOp>(user);
        if ((reduce && llvm::is_contained(reduce.getInputs(), operand.get())) ||
            (scan && llvm::is_contained(scan.getInputs(), operand.get())))
          continue;
        Value v = operand.get();
        Operation *def = v.getDefiningOp();
        if (def && def->getBlock() == &body && !isLinearOp(def) && costly.contains(def) &&
            varying.contains(v))
          reads.insert(v);
      }
    });
  }
  return SmallVector<Value>(reads.getArrayRef());
}
