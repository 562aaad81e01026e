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
// arith.select (which partials such as those of max and abs use, so it shows
// up when derivatives are differentiated) is linear in its two values:
//   z = c ? a : b    ->  zTan = c ? aTan : bTan;  aAdj += c ? zAdj : 0, ...
//
//===----------------------------------------------------------------------===//

#include "BodyLinearization.h"
#include "fad/AD/Linearize.h"
#include "fad/AD/Transpose.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/AD/ADInterfaces.h"

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
struct SelectLinearize
    : LinearizeOpInterface::ExternalModel<SelectLinearize, arith::SelectOp> {
  LogicalResult linearize(Operation *op, OpBuilder &b, LinearizeState &state) const {
    auto select = cast<arith::SelectOp>(op);
    b.clone(*op, state.primalMapping());
    Value trueTan = state.tangent(select.getTrueValue());
    Value falseTan = state.tangent(select.getFalseValue());
    if (!trueTan && !falseTan)
      return success();
    Location loc = select.getLoc();
    Value resultTan = b.create<arith::SelectOp>(
        loc, state.primal(select.getCondition()),
        state.materializedTangent(b, loc, select.getTrueValue()),
        state.materializedTangent(b, loc, select.getFalseValue()));
    state.setTangent(select.getResult(), resultTan);
    return success();
  }
};

struct SelectTranspose
    : TransposeOpInterface::ExternalModel<SelectTranspose, arith::SelectOp> {
  LogicalResult transpose(Operation *op, OpBuilder &b, TransposeState &state) const {
    auto select = cast<arith::SelectOp>(op);
    Location loc = select.getLoc();
    Value resultAdj = state.adjoint(select.getResult());
    Value cond = state.primal(select.getCondition());
    Value zero = buildZeroLike(b, loc, resultAdj);
    if (state.isLinear(select.getTrueValue()))
      state.addAdjoint(b, loc, select.getTrueValue(),
                       b.create<arith::SelectOp>(loc, cond, resultAdj, zero));
    if (state.isLinear(select.getFalseValue()))
      state.addAdjoint(b, loc, select.getFalseValue(),
                       b.create<arith::SelectOp>(loc, cond, zero, resultAdj));
    return success();
  }
};
} // namespace

void fad::detail::registerElementwiseRules(MLIRContext *ctx) {
  arith::SelectOp::attachInterface<SelectLinearize, SelectTranspose>(*ctx);
  AddOp::attachInterface<SumTranspose<AddOp, 1, 1>>(*ctx);
  SubOp::attachInterface<SumTranspose<SubOp, 1, -1>>(*ctx);
  NegOp::attachInterface<SumTranspose<NegOp, -1, 0>>(*ctx);
  MulOp::attachInterface<MulTranspose>(*ctx);
}
