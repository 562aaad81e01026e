//===- Rules.h - Derivative rules of the fad ops ------------------*- C++ -*-===//
//
// Registers the derivative rules of the fad ops that are not stated on their
// ODS records (structured ops, conversions, array ops) as external models of
// the AD interfaces. Tools and passes that differentiate call this.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_AD_RULES_H
#define FAD_AD_RULES_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace fad {
void registerDerivativeRules(mlir::DialectRegistry &registry);
} // namespace fad

#endif // FAD_AD_RULES_H
