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
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Interfaces/ADInterfaces.h"

using namespace mlir;
using namespace fad;
using namespace fad::detail;

namespace {
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
                                  withTangentTypes(map.getResultTypes(), tangents), inputs);
    if (failed(linearizeBody(b, state, map.getBody().front(), newMap.getBody(),
                             argTypes, args, tangents)))
      return failure();
    recordResults(state, map, newMap, tangents);
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
                                      withTangentTypes(build.getResultTypes(), tangents),
                                      state.primal(build.getSize()));
    if (failed(linearizeBody(b, state, build.getBody().front(), newBuild.getBody(),
                             {b.getI64Type()}, {{0, std::nullopt}}, tangents)))
      return failure();
    recordResults(state, build, newBuild, tangents);
    return success();
  }
};
} // namespace

void fad::detail::registerMapRules(MLIRContext *ctx) {
  MapOp::attachInterface<MapLinearize>(*ctx);
  BuildOp::attachInterface<BuildLinearize>(*ctx);
}
