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

def FADVjp : Pass<"fad-vjp", "mlir::ModuleOp"> {
  let summary = "Reverse-mode AD: replace every fad.vjp by linearize then transpose";
  let description = [{
    Replaces each `fad.vjp` op, innermost first, by the transpose of its
    body's linearization: the body is linearized (forward mode) with the
    primal computation separated from the linear tangent computation, and the
    linear part is transposed op by op (TransposeOpInterface), last op first,
    from the op's cotangents to the adjoints of its arguments. Structured ops
    transpose into loops over their elements or iterations; loops keep their
    states on a tape (store-all). An op of the linear part without a
    transpose rule is a located error.

    Before:
    ```mlir
    %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
    ^bb0(%a: f64):
      %s = fad.sin %a : f64
      fad.yield %s : f64
    }
    ```
    After:
    ```mlir
    %y = fad.sin %x : f64
    %c = fad.cos %x : f64
    %xAdj = fad.mul %c, %yAdj : f64
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def FADAutodiff : Pass<"fad-ad", "mlir::ModuleOp"> {
  let summary = "All AD: replace every fad.jvp and fad.vjp, innermost first";
  let description = [{
    Runs the expansions of `fad-jvp` and `fad-vjp` over all AD ops in
    post-order, so that derivatives of derivatives, of either mode, are
    differentiated as programs. This is the pass the compiler's pipeline uses.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // FAD_TRANSFORMS_PASSES_TD
