//===- LanguageBuiltinInterface.td - Ops that are builtins -*- tablegen -*-===//
//
// A scalar op may declare that it is a builtin function of the fad language
// (`exp x` in a program is `fad.exp`): the frontend finds such ops among the
// fad dialect's registered operations and makes each a builtin of its name,
// so a new scalar op needs nothing written in the frontend. The methods are
// static, asked of the registered operation without an op. FAD_UnaryOp and
// FAD_BinaryOp (FADOps.td) implement them from their `builtin` argument.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_DIALECT_FAD_IR_LANGUAGEBUILTININTERFACE_TD
#define FAD_DIALECT_FAD_IR_LANGUAGEBUILTININTERFACE_TD

include "mlir/IR/OpBase.td"

def FAD_LanguageBuiltinOpInterface : OpInterface<"LanguageBuiltinOpInterface"> {
  let cppNamespace = "::fad";
  let description = [{
    A scalar op that a fad program applies by name: a function of one number
    (`exp x`) or an operator or function of two numbers of one type
    (`x + y`, `max x y`); applied to its arguments, the builtin builds the op
    on them (after the checks and literal typing of operators for two).
  }];
  let methods = [
    StaticInterfaceMethod<
      "The name of the builtin in fad programs (an operator such as `+`, or a function name).",
      "::llvm::StringRef", "getBuiltinName">,
    StaticInterfaceMethod<"The number of its arguments: 1 or 2 (its operands).",
      "unsigned", "getBuiltinArity">,
    StaticInterfaceMethod<
      "Whether its arguments may be integers; if not, only floats (f64, f32).",
      "bool", "acceptsIntegers">
  ];
}

#endif // FAD_DIALECT_FAD_IR_LANGUAGEBUILTININTERFACE_TD
