//===- ReduceRules.cpp - Derivative rules of fad.reduce and fad.scan -*- C++ -*-===//
//
// This file implements the forward-mode rules of the associative folds. The
// tangent of a fold with operator `op` is a fold, over (value, tangent)
// pairs, with the linearized operator
//   (a, aTan) (+) (x, xTan) = (op a x, d1op(a, x) aTan + d2op(a, x) xTan)
// and neutral element (ne, neTan). This operator is associative whenever
// `op` is (it is `op` on the dual numbers), so the fold keeps its freedom of
// evaluation order and its parallelism; a scan is the same with every prefix.
// (Reverse mode will override this for `*`, min and max: Futhark's
// diffMulReduce/diffMinMaxReduce.)
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Interfaces/ADInterfaces.h"

using namespace mlir;
using namespace fad;
using namespace fad::detail;

namespace {
template <typename FoldOp>
struct FoldLinearize : LinearizeOpInterface::ExternalModel<FoldLinearize<FoldOp>, FoldOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto fold = cast<FoldOp>(op);
    if (!state.readsTangent(op))
      return cloneAsConstant(b, state, op);
    Location loc = fold.getLoc();
    unsigned k = fold.getInits().size();
    // The element types of the fold; each differentiable one gets a tangent.
    SmallVector<unsigned> tangents = differentiableIndices(fold.getInits().getTypes());
    unsigned d = tangents.size();
    SmallVector<Value> inits = state.primals(fold.getInits());
    SmallVector<Value> inputs = state.primals(fold.getInputs());
    for (unsigned j : tangents) {
      inits.push_back(state.materializedTangent(b, loc, fold.getInits()[j]));
      inputs.push_back(state.materializedTangent(b, loc, fold.getInputs()[j]));
    }
    // Block arguments: (acc, accTan) then (x, xTan), each k + d long.
    SmallVector<Type> elemTypes;
    for (Value init : inits)
      elemTypes.push_back(init.getType());
    SmallVector<Type> argTypes(elemTypes);
    argTypes.append(elemTypes);
    SmallVector<ArgLayout> args(2 * k);
    for (unsigned j = 0; j < k; ++j) {
      args[j] = {j, std::nullopt};
      args[k + j] = {k + d + j, std::nullopt};
    }
    for (auto [t, j] : llvm::enumerate(tangents)) {
      args[j].tan = k + t;
      args[k + j].tan = k + d + k + t;
    }
    SmallVector<Type> resultTypes;
    if constexpr (std::is_same_v<FoldOp, ScanOp>)
      for (Type t : elemTypes)
        resultTypes.push_back(getArrayOfType(t));
    else
      resultTypes = elemTypes;
    auto newFold = b.create<FoldOp>(loc, resultTypes, inits, inputs);
    if (failed(linearizeBody(b, state, fold.getBody().front(), newFold.getBody(),
                             argTypes, args, tangents)))
      return failure();
    recordResults(state, fold, newFold, tangents);
    return success();
  }
};
} // namespace

void fad::detail::registerReduceRules(MLIRContext *ctx) {
  ReduceOp::attachInterface<FoldLinearize<ReduceOp>>(*ctx);
  ScanOp::attachInterface<FoldLinearize<ScanOp>>(*ctx);
}
