//===- MapRules.cpp - Derivative rules of fad.map and fad.build ---*- C++ -*-===//
//
// This file implements the forward-mode rules of the parallel array
// constructors. The tangent of a map is a map:
//   jvp (map f xs) (xsTan) = map (\x xTan -> jvp f x xTan) xs xsTan
// so one fad.map computes, per element, the primal and the tangent (values
// the body captures bring their own tangents in). fad.build is the same with
// the index as an argument that has no tangent. Parallelism and the shape of
// the loop nest are preserved, which is what fusion needs afterwards.
//
//
// The transpose of a linearized map (or build) runs the transposed body once
// per element, in a loop whose state carries the adjoints of the linear
// inputs and of linear values the body captures: an element's input adjoint
// goes to position i (fad.add_at), a captured value's adjoint accumulates.
// The body's primal values are recomputed per element, except residuals
// (docs/AD.md): values costly to compute (scalars, and arrays of the same
// extents for every element), which the primal copy yields, stacked over the
// elements, in reverse mode.
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "StructuredTranspose.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/AD/Transpose.h"
#include "fad/AD/ADInterfaces.h"

using namespace mlir;
using namespace fad;
using namespace fad::detail;

namespace {
/// Reverse mode: a primal copy of the linearized map or build `linear`
/// (from `oldOp`) that also yields, per element, the values its linear ops
/// read and that cost something to compute (exp of the element, gmm's
/// Q (x - mu)); the linear op then reads them from those arrays (a map as
/// extra inputs, a build by index), so that its transpose does not
/// recompute them. Returns null (the primal is then a plain copy) when there
/// are none, or when one is an array whose extents may differ between
/// elements, which the transpose then recomputes anyway.
Operation *primalWithResiduals(OpBuilder &b, LinearizeState &state, Operation *oldOp,
                               Operation *linear) {
  Block &body = linear->getRegion(0).front();
  auto isLinearOp = [&](Operation *op) {
    return llvm::any_of(op->getResults(),
                        [&](Value r) { return state.getLinearValues().contains(r); });
  };
  // Each residual's result: one the op yields anyway (map exp xs), else a new one.
  unsigned m = oldOp->getNumResults();
  ValueRange yields = cast<YieldOp>(body.getTerminator()).getValues();
  SmallVector<Value> residuals, extra;
  SmallVector<unsigned> resultOf;
  DenseSet<Value> inside = valuesDefinedIn(body);
  for (Value v : costlyPrimalReads(body, isLinearOp)) {
    // A value that cannot be kept is recomputed by the transpose, with what
    // it reads: keeping the rest would only make the primal copy run in
    // addition.
    const DenseMap<Value, ArgShape> noArgShapes;
    if (!isa<FloatType>(v.getType()) && !extentsOutside(v, inside, noArgShapes))
      return nullptr;
    unsigned j = llvm::find(yields.take_front(m), v) - yields.begin();
    if (j == m) {
      j = m + extra.size();
      extra.push_back(v);
    }
    residuals.push_back(v);
    resultOf.push_back(j);
  }
  if (residuals.empty())
    return nullptr;
  Location loc = linear->getLoc();
  auto map = dyn_cast<MapOp>(linear);
  // The primal arguments: a map's primal inputs (its first ones), a build's index.
  unsigned numArgs = map ? cast<MapOp>(oldOp).getInputs().size() : 1;
  SmallVector<Type> types(oldOp->getResultTypes());
  for (Value v : extra)
    types.push_back(getArrayOfType(v.getType()));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(linear);
  Operation *primal =
      map ? b.create<MapOp>(loc, types, map.getInputs().take_front(numArgs)).getOperation()
          : b.create<BuildOp>(loc, types, cast<BuildOp>(linear).getSize()).getOperation();
  {
    OpBuilder::InsertionGuard bodyGuard(b);
    SmallVector<Type> argTypes;
    for (unsigned a = 0; a < numArgs; ++a)
      argTypes.push_back(body.getArgument(a).getType());
    Block *block = b.createBlock(&primal->getRegion(0), {}, argTypes,
                                 SmallVector<Location>(numArgs, loc));
    IRMapping mapping;
    for (unsigned a = 0; a < numArgs; ++a)
      mapping.map(body.getArgument(a), block->getArgument(a));
    for (Operation &op : body.without_terminator())
      if (!isLinearOp(&op))
        b.clone(op, mapping);
    SmallVector<Value> values;
    for (Value v : yields.take_front(m))
      values.push_back(mapping.lookupOrDefault(v));
    for (Value v : extra)
      values.push_back(mapping.lookup(v));
    b.create<YieldOp>(loc, values);
  }
  // The linear op reads the residuals' elements instead.
  OpBuilder::InsertionGuard bodyGuard(b);
  b.setInsertionPointToStart(&body);
  for (auto [v, j] : llvm::zip(residuals, resultOf)) {
    Value array = primal->getResult(j);
    Value element;
    if (map) {
      map.getInputsMutable().append(array);
      element = body.addArgument(v.getType(), loc);
    } else {
      element = b.create<IndexOp>(loc, v.getType(), array, ValueRange{body.getArgument(0)});
    }
    v.replaceAllUsesWith(element);
  }
  return primal;
}

struct MapLinearize : LinearizeOpInterface::ExternalModel<MapLinearize, MapOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto map = cast<MapOp>(op);
    if (!state.readsTangent(op))
      return cloneAsConstant(b, state, op);
    // Inputs: the primal arrays, then the tangent arrays that are non-zero.
    SmallVector<Value> inputs = state.primals(map.getInputs());
    SmallVector<ArgLayout> args;
    for (auto [k, input] : llvm::enumerate(map.getInputs())) {
      std::optional<unsigned> tan;
      if (Value inputTan = state.tangent(input)) {
        tan = inputs.size();
        inputs.push_back(inputTan);
      }
      args.push_back({(unsigned)k, tan});
    }
    SmallVector<Type> argTypes;
    for (Value input : inputs)
      argTypes.push_back(getElementOrRowType(cast<RankedTensorType>(input.getType())));
    SmallVector<unsigned> tangents = differentiableIndices(map.getResultTypes());
    auto newMap = b.create<MapOp>(map.getLoc(),
                                  withTangentTypes(state, map.getResultTypes(), tangents), inputs);
    if (failed(linearizeBody(b, state, map.getBody().front(), newMap.getBody(),
                             argTypes, args, tangents)))
      return failure();
    recordResults(state, map, newMap, tangents,
                  state.separatePrimal ? primalWithResiduals(b, state, map, newMap) : nullptr);
    return success();
  }
};

struct BuildLinearize : LinearizeOpInterface::ExternalModel<BuildLinearize, BuildOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto build = cast<BuildOp>(op);
    if (!state.readsTangent(op))
      return cloneAsConstant(b, state, op);
    SmallVector<unsigned> tangents = differentiableIndices(build.getResultTypes());
    auto newBuild = b.create<BuildOp>(build.getLoc(),
                                      withTangentTypes(state, build.getResultTypes(), tangents),
                                      state.primal(build.getSize()));
    if (failed(linearizeBody(b, state, build.getBody().front(), newBuild.getBody(),
                             {b.getI64Type()}, {{0, std::nullopt}}, tangents)))
      return failure();
    recordResults(state, build, newBuild, tangents,
                  state.separatePrimal ? primalWithResiduals(b, state, build, newBuild) : nullptr);
    return success();
  }
};
/// The transpose of a linearized map (`inputs` feed the body arguments in
/// order) or build (`indexArg`: the body's argument is the index).
LogicalResult transposeElementwise(OpBuilder &b, TransposeState &state, Operation *op,
                                   Value n, ValueRange inputs, bool indexArg) {
  Location loc = op->getLoc();
  Block &body = op->getRegion(0).front();
  unsigned offset = indexArg ? 1 : 0;
  Slots slots;
  for (Value input : inputs)
    if (state.isLinear(input))
      slots.values.insert(input);
  for (Value captured : state.capturedLinearValues(op->getRegion(0)))
    slots.values.insert(captured);
  SmallVector<Value> resultAdjs;
  for (Value result : op->getResults())
    resultAdjs.push_back(state.adjoint(result));
  ValueRange yields = cast<YieldOp>(body.getTerminator()).getValues();
  bool ok = true;
  SmallVector<Value> finals = buildCountedLoop(
      b, loc, n, slots.initialState(b, loc, state), /*reverse=*/false,
      [&](Value i, ValueRange stateArgs) {
        slots.enter(state, stateArgs);
        if (indexArg)
          state.primalMapping().map(body.getArgument(0), i);
        for (auto [k, input] : llvm::enumerate(inputs))
          if (!state.isLinear(input))
            state.primalMapping().map(body.getArgument(offset + k),
                                      buildIndex(b, loc, state.primal(input), i));
        for (auto [resultAdj, yielded] : llvm::zip(resultAdjs, yields))
          if (resultAdj && state.isLinear(yielded))
            state.addAdjoint(b, loc, yielded, buildIndex(b, loc, resultAdj, i));
        ok &= succeeded(state.transposeBlock(b, body));
        for (auto [k, input] : llvm::enumerate(inputs)) {
          Value argAdj = state.isLinear(input) ? state.adjoint(body.getArgument(offset + k))
                                               : Value();
          if (!argAdj)
            continue;
          Value inputAdj = state.materializedAdjoint(b, loc, input);
          state.setAdjoint(input, b.create<AddAtOp>(loc, inputAdj, ValueRange{i}, argAdj));
        }
        return slots.currentState(b, loc, state);
      });
  slots.leave(state, finals);
  return success(ok);
}

struct MapTranspose : TransposeOpInterface::ExternalModel<MapTranspose, MapOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto map = cast<MapOp>(op);
    // A linearized map always has its primal inputs: they give the extent.
    auto primalInput = llvm::find_if(map.getInputs(), [&](Value v) { return !state.isLinear(v); });
    if (primalInput == map.getInputs().end())
      return op->emitOpError("cannot be transposed: no primal input gives its size");
    SetVector<Value> captured = state.capturedLinearValues(map.getBody());
    if (llvm::any_of(captured, [](Value v) { return isa<RankedTensorType>(v.getType()); })) {
      Value n = b.create<DimOp>(map.getLoc(), state.primal(*primalInput), 0);
      return transposeElementwise(b, state, op, n, map.getInputs(), /*indexArg=*/false);
    }
    return transposeAsMap(b, state, map, captured.getArrayRef());
  }

  /// Without captured linear arrays, elements are independent both ways: the
  /// transpose is a parallel map over the primal inputs and the results'
  /// adjoints that yields the adjoints of the linear inputs' elements and,
  /// for each captured linear scalar (softmax's maximum, a scale), the
  /// element's contribution to its adjoint, which a sum then adds up.
  static LogicalResult transposeAsMap(OpBuilder &b, TransposeState &state, MapOp map,
                                      ArrayRef<Value> captured) {
    Location loc = map.getLoc();
    Block &body = map.getBody().front();
    ValueRange yields = cast<YieldOp>(body.getTerminator()).getValues();
    SmallVector<Value> inputs;
    SmallVector<unsigned> primalArgs, linearArgs, seeded;
    for (auto [k, input] : llvm::enumerate(map.getInputs())) {
      if (state.isLinear(input)) {
        linearArgs.push_back(k);
      } else {
        primalArgs.push_back(k);
        inputs.push_back(state.primal(input));
      }
    }
    for (auto [j, result] : llvm::enumerate(map.getResults()))
      if (Value resultAdj = state.adjoint(result); resultAdj && state.isLinear(yields[j])) {
        seeded.push_back(j);
        inputs.push_back(resultAdj);
      }
    SmallVector<Type> argTypes, resultTypes;
    for (Value input : inputs)
      argTypes.push_back(getElementOrRowType(cast<RankedTensorType>(input.getType())));
    for (unsigned k : linearArgs)
      resultTypes.push_back(map.getInputs()[k].getType());
    for (Value v : captured)
      resultTypes.push_back(RankedTensorType::get({ShapedType::kDynamic}, v.getType()));
    // The body accumulates each element's contributions from zero.
    SmallVector<Value> saved;
    for (Value v : captured) {
      saved.push_back(state.adjoint(v));
      state.setAdjoint(v, Value());
    }
    auto transposed = b.create<MapOp>(loc, resultTypes, inputs);
    {
      OpBuilder::InsertionGuard guard(b);
      SmallVector<Location> locs(argTypes.size(), loc);
      Block *block = b.createBlock(&transposed.getBody(), {}, argTypes, locs);
      for (auto [a, k] : llvm::enumerate(primalArgs))
        state.primalMapping().map(body.getArgument(k), block->getArgument(a));
      for (auto [s, j] : llvm::enumerate(seeded))
        state.addAdjoint(b, loc, yields[j], block->getArgument(primalArgs.size() + s));
      if (failed(state.transposeBlock(b, body)))
        return failure();
      SmallVector<Value> argAdjs;
      for (unsigned k : linearArgs)
        argAdjs.push_back(state.materializedAdjoint(b, loc, body.getArgument(k)));
      for (Value v : captured)
        argAdjs.push_back(state.materializedAdjoint(b, loc, v));
      b.create<YieldOp>(loc, argAdjs);
    }
    for (auto [t, k] : llvm::enumerate(linearArgs))
      state.addAdjoint(b, loc, map.getInputs()[k], transposed.getResult(t));
    for (auto [c, v] : llvm::enumerate(captured)) {
      state.setAdjoint(v, saved[c]);
      Value contributions = transposed.getResult(linearArgs.size() + c);
      Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(v.getType()));
      auto sum = b.create<ReduceOp>(loc, TypeRange{v.getType()}, ValueRange{zero},
                                    ValueRange{contributions});
      OpBuilder::InsertionGuard guard(b);
      Block *block = b.createBlock(&sum.getBody(), {}, {v.getType(), v.getType()}, {loc, loc});
      b.create<YieldOp>(loc, ValueRange{b.create<AddOp>(loc, block->getArgument(0),
                                                        block->getArgument(1))});
      b.setInsertionPointAfter(sum);
      state.addAdjoint(b, loc, v, sum.getResult(0));
    }
    return success();
  }
};

struct BuildTranspose : TransposeOpInterface::ExternalModel<BuildTranspose, BuildOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto build = cast<BuildOp>(op);
    return transposeElementwise(b, state, op, state.primal(build.getSize()), {},
                                /*indexArg=*/true);
  }
};
} // namespace

void fad::detail::registerMapRules(MLIRContext *ctx) {
  MapOp::attachInterface<MapLinearize>(*ctx);
  BuildOp::attachInterface<BuildLinearize>(*ctx);
  MapOp::attachInterface<MapTranspose>(*ctx);
  BuildOp::attachInterface<BuildTranspose>(*ctx);
}
