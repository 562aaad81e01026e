//===- Passes.td - fad conversion passes -------------------*- tablegen -*-===//
//
// Declares the passes that lower the fad dialect to upstream dialects.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_CONVERSION_PASSES_TD
#define FAD_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertFADToSCF : Pass<"convert-fad-to-scf", "mlir::ModuleOp"> {
  let summary = "Lower fad ops to scf loops on tensors, arith and math";
  let description = [{
    Lowers every fad op to value-semantic upstream IR that one-shot
    bufferization accepts:

    | fad | lowered to |
    |---|---|
    | scalar arithmetic and math | `arith` / `math` (integer or float form by type) |
    | `fad.map`, `fad.build` | `scf.for` filling a destination tensor in place |
    | `fad.reduce`, `fad.scan` | `scf.for` carrying the accumulator |
    | `fad.for`, `fad.while`, `fad.if` | `scf.for`, `scf.while`, `scf.if` |
    | `fad.index`, `fad.array`, `fad.dim` | `tensor` ops, with bounds checks |
    | `fad.transpose` | `linalg.transpose` |
    | `fad.assert` | a call of the runtime's `fad_rt_fail` |

    Run-time checks (bounds, equal extents, regular rows) call the fad runtime
    with a message that names the source location. With `check-nans`, every
    scalar float op that computes a value (arithmetic, math functions,
    conversions; after AD, so derivative code too) is followed by a check
    that its result is finite: the first NaN or infinity stops the program
    with the op's source location.

    Before:
    ```mlir
    %y = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%e: f64):
      %s = fad.mul %e, %e : f64
      fad.yield %s : f64
    }
    ```
    After (abridged):
    ```mlir
    %n = tensor.dim %x, %c0 : tensor<?xf64>
    %init = tensor.empty(%n) : tensor<?xf64>
    %y = scf.for %i = %c0 to %n step %c1 iter_args(%d = %init) -> tensor<?xf64> {
      %e = tensor.extract %x[%i] : tensor<?xf64>
      %s = arith.mulf %e, %e : f64
      %d2 = tensor.insert %s into %d[%i] : tensor<?xf64>
      scf.yield %d2 : tensor<?xf64>
    }
    ```
  }];
  let options = [
    Option<"checkNans", "check-nans", "bool", /*default=*/"false",
           "Stop at the first NaN or infinity a scalar float op computes">
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::math::MathDialect",
    "mlir::scf::SCFDialect", "mlir::tensor::TensorDialect",
    "mlir::linalg::LinalgDialect", "mlir::func::FuncDialect",
    "mlir::LLVM::LLVMDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::memref::MemRefDialect"
  ];
}

#endif // FAD_CONVERSION_PASSES_TD
