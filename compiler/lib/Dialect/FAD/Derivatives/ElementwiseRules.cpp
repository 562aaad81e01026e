//===- ElementwiseRules.cpp - Transpose rules of linear scalar ops -*- C++ -*-===//
//
// This file implements the transpose rules of the scalar ops that appear in
// linearized programs. Their forward rules are the partials on the ODS
// records; these are the adjoints of the linear maps those partials build:
//   z = a + c        ->  aAdj += zAdj,  cAdj += zAdj
//   z = a - c        ->  aAdj += zAdj,  cAdj -= zAdj
//   z = -a           ->  aAdj -= zAdj
//   z = p * t        ->  tAdj += p * zAdj     (p primal: scaling is linear)
// Multiplying two linear values is not linear and has no transpose.
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/AD/Transpose.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Interfaces/ADInterfaces.h"

using namespace mlir;
using namespace fad;

namespace {
/// Linear combinations: z = sign_0 * op_0 + sign_1 * op_1 (for add, sub, neg).
template <typename OpTy, int Sign0, int Sign1>
struct SumTranspose : TransposeOpInterface::ExternalModel<SumTranspose<OpTy, Sign0, Sign1>, OpTy> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    Location loc = op->getLoc();
    Value resultAdj = state.adjoint(op->getResult(0));
    int signs[] = {Sign0, Sign1};
    for (auto [k, operand] : llvm::enumerate(op->getOperands())) {
      if (!state.isLinear(operand))
        continue;
      Value contribution = signs[k] > 0 ? resultAdj : b.create<NegOp>(loc, resultAdj).getResult();
      state.addAdjoint(b, loc, operand, contribution);
    }
    return success();
  }
};

struct MulTranspose : TransposeOpInterface::ExternalModel<MulTranspose, MulOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto mul = cast<MulOp>(op);
    bool lhsLinear = state.isLinear(mul.getLhs()), rhsLinear = state.isLinear(mul.getRhs());
    if (lhsLinear == rhsLinear)
      return op->emitOpError("is not linear: it multiplies two tangents");
    Value linear = lhsLinear ? mul.getLhs() : mul.getRhs();
    Value scale = state.primal(lhsLinear ? mul.getRhs() : mul.getLhs());
    state.addAdjoint(b, mul.getLoc(), linear,
                     b.create<MulOp>(mul.getLoc(), scale, state.adjoint(mul.getResult())));
    return success();
  }
};
} // namespace

void fad::detail::registerElementwiseRules(MLIRContext *ctx) {
  AddOp::attachInterface<SumTranspose<AddOp, 1, 1>>(*ctx);
  SubOp::attachInterface<SumTranspose<SubOp, 1, -1>>(*ctx);
  NegOp::attachInterface<SumTranspose<NegOp, -1, 0>>(*ctx);
  MulOp::attachInterface<MulTranspose>(*ctx);
}
