//===- Builtins.h - The builtin functions of fad ------------------*- C++ -*-===//
//
// Private to the frontend. The builtins are the prelude functions and
// operators implemented in C++ rather than in stdlib/prelude.fad: one table
// maps each name to its arity, its typing and the builder that turns it,
// applied to all its arguments, into fad ops.
//
// The scalar functions and arithmetic operators are not written in the
// table: each fad op that declares itself a builtin of the language
// (LanguageBuiltinOpInterface, the `builtin` of FAD_UnaryOp and
// FAD_BinaryOp in FADOps.td) becomes one, found among the fad dialect's
// registered operations. Everything else (arrays, comparisons, conversions,
// derivatives) is listed in Builtins.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_FRONTEND_BUILTINS_H
#define FAD_LIB_FRONTEND_BUILTINS_H

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SMLoc.h"

#include <optional>
#include <string>

namespace fad::frontend {

class Elaborator;
struct Val;
struct Builtin;

/// Elaborates builtin `self` applied to `args` (exactly its arity of them)
/// at `at`: checks the arguments and builds fad ops.
using BuiltinBuilder = Val (*)(Elaborator &e, const Builtin &self,
                               llvm::ArrayRef<Val> args, llvm::SMLoc at);

/// A builtin function of the language.
struct Builtin {
  std::string name;
  /// The number of arguments it takes (curried: it runs once it has them all).
  unsigned arity = 0;
  /// Typing of a scalar op's builtin: the fad op it builds, and whether its
  /// operands may be integers (else only floats), both from the op's
  /// declaration. The other builtins have no `op`: their builders check
  /// their arguments, whose types (for those taking functions) are known
  /// only once the functions are applied.
  std::optional<mlir::OperationName> op;
  bool acceptsIntegers = true;
  BuiltinBuilder build = nullptr;
};

/// Every builtin of the language, by name.
class BuiltinTable {
public:
  /// The builtins written in Builtins.cpp and those declared by the ops of
  /// the fad dialect (which it loads into `ctx`).
  explicit BuiltinTable(mlir::MLIRContext &ctx);

  /// The builtin called `name`, or null.
  const Builtin *lookup(llvm::StringRef name) const {
    auto it = table.find(name);
    return it == table.end() ? nullptr : &it->second;
  }

private:
  void add(Builtin builtin);
  llvm::StringMap<Builtin> table;
};

} // namespace fad::frontend

#endif // FAD_LIB_FRONTEND_BUILTINS_H
