//===- PartialsInterface.td - Ops with scalar partials -----*- tablegen -*-===//
//
// The one AD interface the dialect itself knows: a scalar op states its
// partial derivatives on its ODS record (`partials`), and the AD engine
// (lib/AD) builds every mode of differentiation from them. It takes only a
// builder, so the dialect depends on nothing above it.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_DIALECT_FAD_IR_PARTIALSINTERFACE_TD
#define FAD_DIALECT_FAD_IR_PARTIALSINTERFACE_TD

include "mlir/IR/OpBase.td"

def FAD_ScalarPartialsOpInterface : OpInterface<"ScalarPartialsOpInterface"> {
  let cppNamespace = "::fad";
  let description = [{
    An elementwise scalar op with one result whose derivative is given by its
    partial derivatives: the tangent of the result is
    `sum_i partial_i * tangent(operand_i)`. The partials are declared once,
    on the op's ODS record, and shared by every mode of differentiation.
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/[{
        Builds, at the insertion point of `b`, the partial derivative of the
        result with respect to each operand, in operand order, each a value of
        the result's type. Must only read this op's operands and result, and
        only create ops (no erasure). A partial that is identically zero may
        be returned as a null Value.
      }],
      /*retTy=*/"::llvm::SmallVector<::mlir::Value>",
      /*methodName=*/"buildPartials",
      /*args=*/(ins "::mlir::OpBuilder &":$b)>
  ];
}

#endif // FAD_DIALECT_FAD_IR_PARTIALSINTERFACE_TD
