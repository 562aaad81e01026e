//===- FADDialect.td - The fad dialect definition ----------*- tablegen -*-===//
//
// The `fad` dialect is the mid-level IR of the fad compiler: a first-order,
// value-semantic array language whose structured ops (map, reduce, scan,
// build, loops) stay intact until after automatic differentiation and fusion.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_DIALECT_TD
#define FAD_DIALECT_TD

include "mlir/IR/OpBase.td"

def FAD_Dialect : Dialect {
  let name = "fad";
  let cppNamespace = "::fad";
  let summary = "A first-order functional array dialect for differentiation";
  let description = [{
    Values are scalars (`f64`, `f32`, `i64`, `i32`, `i1`) and arrays, which
    are ranked tensors of those scalars with dynamic extents
    (`tensor<?x?xf64>`). Tuples and arrays of tuples never appear: the
    frontend flattens a tuple into its components and an array of tuples into
    one array per component (structure of arrays). Functions are first order:
    lambdas and function parameters are removed by specialization in the
    frontend, so every structured op carries its function as a region.

    Structured ops keep their parallel structure (a `fad.map` is a parallel
    loop, a `fad.reduce` an associative fold) so that differentiation and
    fusion can reason about them. They lower to `scf`/`tensor` loops with
    `convert-fad-to-scf`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  // Folded integer arithmetic becomes arith.constant.
  let hasConstantMaterializer = 1;
}

#endif // FAD_DIALECT_TD
