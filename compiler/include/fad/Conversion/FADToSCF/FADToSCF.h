//===- FADToSCF.h - Lower fad to scf, tensor, arith and math ------*- C++ -*-===//
//
// Exposes the patterns of convert-fad-to-scf and the runtime declarations
// they share with other lowerings.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_CONVERSION_FADTOSCF_FADTOSCF_H
#define FAD_CONVERSION_FADTOSCF_FADTOSCF_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace fad {
/// Adds the patterns that rewrite every fad op into scf/tensor/arith/math/
/// linalg ops and calls of the fad runtime's error reporting. They are a
/// dialect conversion's (applyPartialConversion, with fad illegal; one is an
/// OpConversionPattern) and expect the maps that may write into an input to
/// be marked first, as the convert-fad-to-scf pass does: use the pass.
void populateFADToSCFPatterns(mlir::RewritePatternSet &patterns);

/// Adds the patterns of populateFADToSCFPatterns that lower fad.solve and
/// fad.slogdet to calls of the runtime's linear algebra (LinalgLowering.cpp).
void populateLinalgLoweringPatterns(mlir::RewritePatternSet &patterns);

/// Adds the patterns of populateFADToSCFPatterns that lower the processes'
/// ops and collectives to calls of the runtime (CollectiveLowering.cpp).
void populateCollectiveLoweringPatterns(mlir::RewritePatternSet &patterns);

/// The runtime's name suffix ("f64", "f32", "i64", "i32", "bool") and kind
/// code of scalar type `t`.
std::pair<llvm::StringRef, int64_t> runtimeKind(mlir::Type t);

/// `tensor` (a ranked tensor) as an unranked memref with an identity layout
/// that the runtime reads.
mlir::Value readOnlyBuffer(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor);

/// Declares (once, in the enclosing module) the fad runtime function `name`
/// of type `type`; see runtime/include/fad/Runtime/FADRuntime.h.
mlir::func::FuncOp getRuntimeFunction(mlir::OpBuilder &b, llvm::StringRef name,
                                      mlir::FunctionType type);

/// "file:line:col" of the innermost file location in `loc`, or "": how the
/// runtime's messages name a place in the program.
std::string locationText(mlir::Location loc);

/// A pointer (`!llvm.ptr`) to a private NUL-terminated global holding
/// `text`; equal texts share one global.
mlir::Value buildStringPointer(mlir::OpBuilder &b, mlir::Location loc,
                               llvm::StringRef text);
} // namespace fad

#endif // FAD_CONVERSION_FADTOSCF_FADTOSCF_H
