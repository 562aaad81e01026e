//===- ADInterfaces.td - How fad ops state their derivatives -*- tablegen -*-===//
//
// The op interfaces through which the AD engine asks an op for its derivative
// rules. The engine never switches on op names: an op either states its
// scalar partials on its ODS record (PartialsInterface.td, in the dialect),
// implements one of these, is non-differentiable by type (no float results),
// or is an error. The rules that implement them live in lib/AD/Rules/, one
// file per op family, attached as external models (registerDerivativeRules).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_AD_ADINTERFACES_TD
#define FAD_AD_ADINTERFACES_TD

include "mlir/IR/OpBase.td"

def FAD_LinearizeOpInterface : OpInterface<"LinearizeOpInterface"> {
  let cppNamespace = "::fad";
  let description = [{
    An op with a forward-mode (linearization) rule of its own: structured ops
    whose tangent is another structured op, and ops whose tangent is not a
    sum of scalar partials. The rules live in
    lib/AD/Rules/, one file per op family.
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/[{
        Emits, at the insertion point of `b`, this op's primal computation on
        the primal values `state` maps its operands to, and the computation of
        its results' tangents from its operands' tangents (`state.tangent`,
        null for a zero tangent). Records the new primal results with
        `state.mapPrimal` and every non-zero result tangent with
        `state.setTangent`. Must not modify or erase this op. Returns failure
        after emitting a located error when the op cannot be differentiated.
      }],
      /*retTy=*/"::mlir::LogicalResult",
      /*methodName=*/"linearize",
      /*args=*/(ins "::mlir::OpBuilder &":$b, "::fad::LinearizeState &":$state)>
  ];
}

def FAD_TaylorOpInterface : OpInterface<"TaylorOpInterface"> {
  let cppNamespace = "::fad";
  let description = [{
    A scalar op with a Taylor-mode rule: how the truncated Taylor series of
    its result follows from its operands' series (the standard recurrences:
    Cauchy products, exp/log/sin-cos/div/sqrt/tanh recurrences). Structured
    ops need no Taylor rule: in Taylor mode their forward-mode rules carry
    each value's coefficients as an innermost dimension.
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/[{
        Emits, at the insertion point of `b`, this op's primal computation
        (recorded with `state.mapPrimal`) and the coefficients 1..K of its
        result's series (`state.taylorOrder` = K) as one array, recorded with
        `state.setTangent`. An operand's coefficients are `state.tangent`
        (null: a constant, all coefficients zero), its value the primal.
      }],
      /*retTy=*/"::mlir::LogicalResult",
      /*methodName=*/"propagateTaylor",
      /*args=*/(ins "::mlir::OpBuilder &":$b, "::fad::LinearizeState &":$state)>
  ];
}

def FAD_TransposeOpInterface : OpInterface<"TransposeOpInterface"> {
  let cppNamespace = "::fad";
  let description = [{
    A linear op (of a linearized program) with a transpose rule: given the
    adjoints of its linear results, it adds the adjoints of its linear
    operands (and of linear values its regions capture). Only the small set
    of linear ops needs one: add, sub, neg, scaling (mul by a primal value),
    convert, array literals, indexing, transpose, and the structured ops
    whose bodies are linear in their tangent arguments.
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/[{
        Emits, at the insertion point of `b`, the transpose of this op: reads
        the adjoints of its linear results (`state.adjoint`, null for zero),
        primal values through `state.primal`, and accumulates into the
        adjoints of its linear operands with `state.addAdjoint`. Called in
        reverse program order, after every use of the op's results was
        transposed. Must not modify this op.
      }],
      /*retTy=*/"::mlir::LogicalResult",
      /*methodName=*/"transpose",
      /*args=*/(ins "::mlir::OpBuilder &":$b, "::fad::TransposeState &":$state)>
  ];
}

def FAD_TaylorBoundOpInterface : OpInterface<"TaylorBoundOpInterface"> {
  let cppNamespace = "::fad";
  let description = [{
    A scalar f64 op that `taylor_bound` can enclose: how the interval Taylor
    enclosure of its result (Enclosure.h) follows from its operands'.
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/[{
        Builds with `b` the enclosure of this op's result from its operands'
        (`operands`, in operand order; a value from outside the bounded
        function is a constant enclosure) into `result`. Must not modify
        this op. Returns failure after emitting a located error when the op
        cannot be enclosed (e.g. a non-constant exponent).
      }],
      /*retTy=*/"::mlir::LogicalResult",
      /*methodName=*/"enclose",
      /*args=*/(ins "::fad::EnclosureBuilder &":$b,
                    "::llvm::ArrayRef<::fad::Enclosure>":$operands,
                    "::fad::Enclosure &":$result)>
  ];
}

#endif // FAD_AD_ADINTERFACES_TD
