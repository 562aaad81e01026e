//===- MLIRGen.h - From the fad AST to the fad dialect ------------*- C++ -*-===//
//
// Semantic analysis and IR generation in one walk: names are resolved, types
// inferred and checked, and every higher-order construct is specialized away
// (lambdas, partial applications and function parameters are inlined at their
// use, as Futhark's defunctionalization does), producing first-order fad IR.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_FRONTEND_MLIRGEN_H
#define FAD_FRONTEND_MLIRGEN_H

#include "fad/Frontend/AST.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <vector>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace fad {

/// Builds the fad-dialect module of a program made of `modules` (imports
/// first, the main file last; see loadProgram). Every entry point becomes a
/// `func.func @fad_entry_<name>` marked with `fad.entry`; every `def` whose
/// parameters are all data is type-checked even if unused. Errors are emitted
/// as located MLIR diagnostics; returns null after the first one.
struct MLIRGenOptions {
  /// Type-check defs and generate entries only of modules whose buffer id is
  /// at least this: fad-repl checks an input's defs once, when it is entered,
  /// and compiles only the entry of the expression at hand.
  unsigned newFrom = 0;
  /// Let entries without a result type take their body's type (fad-repl's
  /// expressions); a function value then gives an entry without results
  /// whose `fad.entry_type` is "a function". Every entry gets
  /// `fad.entry_type`, its result type.
  bool inferEntryResults = false;
  /// A later def replaces an earlier one of the same name (in fad-repl),
  /// instead of being an error; every use refers to the latest.
  bool allowRedefinition = false;
  /// Apply user defs by calling functions instead of inlining them, so that
  /// fad-repl compiles each def once: outside derivative code, a def
  /// applied to data (no function arguments) whose result is data becomes
  /// a `func.call` of a public function `fad_def_<name>_<key>` (attribute
  /// `fad.def`), one per def and argument types. Inside derivative code
  /// (the AD passes see one body) and for prelude functions, defs inline.
  bool callDefs = false;
};

mlir::OwningOpRef<mlir::ModuleOp>
mlirGen(mlir::MLIRContext &context, llvm::SourceMgr &sourceMgr,
        const std::vector<ast::Module> &modules, const MLIRGenOptions &options = {});

/// Parses `path` and, transitively, every `import "name"`: `name.fad` beside
/// the importing file, else in one of `searchDirs`. The prelude written in
/// .fad (stdlib/prelude.fad, built into the compiler) comes first. Returns
/// the modules in dependency order, or nullopt after printing a diagnostic.
std::optional<std::vector<ast::Module>>
loadProgram(llvm::SourceMgr &sourceMgr, llvm::StringRef path,
            llvm::ArrayRef<std::string> searchDirs);

} // namespace fad

#endif // FAD_FRONTEND_MLIRGEN_H
