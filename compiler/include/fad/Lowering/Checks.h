//===- Checks.h - The run-time checks of lowered code -----------*- C++ -*-===//
//
// convert-fad-to-scf lowers a run-time check to `scf.if %failed { call a
// check failure }`; these recognize it. Used by fad-parallelize and
// fad-hoist-checks.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LOWERING_CHECKS_H
#define FAD_LOWERING_CHECKS_H

namespace mlir {
class CallOpInterface;
namespace scf {
class IfOp;
} // namespace scf
} // namespace mlir

namespace fad {

/// Whether `call` calls one of the runtime's check failures.
bool isCheckCall(mlir::CallOpInterface call);

/// Whether `op` is `scf.if %c { call a check failure }` without results or
/// else branch: after it, %c is false.
bool isCheckIf(mlir::scf::IfOp op);

} // namespace fad

#endif // FAD_LOWERING_CHECKS_H
