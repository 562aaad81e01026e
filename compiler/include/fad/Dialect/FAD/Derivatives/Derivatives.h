//===- Derivatives.h - Derivative rules of the fad ops ------------*- C++ -*-===//
//
// Registers the derivative rules of the fad ops that are not stated on their
// ODS records (structured ops, conversions, array ops) as external models of
// the AD interfaces. Tools and passes that differentiate call this.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_DIALECT_FAD_DERIVATIVES_DERIVATIVES_H
#define FAD_DIALECT_FAD_DERIVATIVES_DERIVATIVES_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace fad {
void registerDerivativeRules(mlir::DialectRegistry &registry);
} // namespace fad

#endif // FAD_DIALECT_FAD_DERIVATIVES_DERIVATIVES_H
