//===- FrontendFuzzer.cpp - libFuzzer target: parser and elaborator -----===//
//
// Parses the input as a .fad module after the prelude and elaborates it into
// the fad dialect, as fadc does. A malformed program must give diagnostics,
// never a crash, a sanitizer report or a hang (tools/fuzz.sh frontend).
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADDialect.h"
#include "fad/Frontend/Loader.h"
#include "fad/Frontend/MLIRGen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/SourceMgr.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // One context for every input, as fad-repl keeps one for every line.
  static mlir::MLIRContext *context = [] {
    auto *c = new mlir::MLIRContext(mlir::MLIRContext::Threading::DISABLED);
    c->loadDialect<fad::FADDialect, mlir::arith::ArithDialect, mlir::func::FuncDialect>();
    return c;
  }();
  llvm::SourceMgr sourceMgr;
  fad::Loader loader(sourceMgr, {});
  if (!loader.loadPrelude())
    __builtin_trap(); // the prelude is part of the compiler: it must load
  if (!loader.loadText(llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.fad"))
    return 0;
  mlir::OwningOpRef<mlir::ModuleOp> module = fad::mlirGen(*context, sourceMgr, loader.modules());
  return 0;
}
