//===- Passes.td - fad transformation passes ---------------*- tablegen -*-===//
//
// Declares the passes that transform fad IR into fad IR: the AD passes.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_TRANSFORMS_PASSES_TD
#define FAD_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FADJvp : Pass<"fad-jvp", "mlir::ModuleOp"> {
  let summary = "Forward-mode AD: replace every fad.jvp by its linearization";
  let description = [{
    Replaces each `fad.jvp` op by its body, linearized: the primal ops and,
    interleaved with them, the ops computing the tangents of their results
    from the tangents of the op's arguments. Innermost ops go first, so a
    derivative nested in a differentiated function is differentiated as a
    program (no perturbation confusion). Zero tangents are symbolic: they are
    skipped, and only materialized (as constants or `fad.zeros_like`) where a
    structured op's shape needs them.

    Before:
    ```mlir
    %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
    ^bb0(%a: f64):
      %s = fad.sin %a : f64
      fad.yield %s : f64
    }
    ```
    After:
    ```mlir
    %y = fad.sin %x : f64
    %c = fad.cos %x : f64
    %dy = fad.mul %c, %dx : f64
    ```
    An op that has float results, reads a tangent and has no derivative rule
    is a located error.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // FAD_TRANSFORMS_PASSES_TD
