// fad-vjp through array ops: indexing transposes to accumulation in place
// (fad.add_at), an array literal to indexing, transpose to transpose.
// RUN: fad-opt %s --fad-vjp --split-input-file | FileCheck %s
// RUN: fad-opt %s --fad-vjp --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=OPT

// CHECK-LABEL: func.func @index
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: tensor<?xf64>, %[[I:[a-z0-9_]+]]: i64, %[[YADJ:[a-z0-9_]+]]: f64)
// CHECK:         %[[ZERO:[a-z0-9_]+]] = fad.zeros_like %[[X]]
// CHECK:         %[[XADJ:[a-z0-9_]+]] = fad.add_at %[[ZERO]][%[[I]]], %{{.*}}
// CHECK:         return %[[XADJ]]
func.func @index(%x: tensor<?xf64>, %i: i64, %yAdj: f64) -> tensor<?xf64> {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (tensor<?xf64>), (f64) -> (f64, tensor<?xf64>) {
  ^bb0(%a: tensor<?xf64>):
    %e = fad.index %a[%i] : tensor<?xf64> -> f64
    %s = fad.mul %e, %e : f64
    fad.yield %s : f64
  }
  return %xAdj : tensor<?xf64>
}

// -----

// [a, b] with a cotangent c: aAdj = c[0], bAdj = c[1].
// OPT-LABEL: func.func @literal
// OPT-SAME:    (%{{.*}}: f64, %{{.*}}: f64, %[[C:[a-z0-9_]+]]: tensor<?xf64>)
// OPT-DAG:     %[[A:[a-z0-9_]+]] = fad.index %[[C]][%{{.*}}] : tensor<?xf64> -> f64
// OPT-DAG:     %[[B:[a-z0-9_]+]] = fad.index %[[C]][%{{.*}}] : tensor<?xf64> -> f64
// OPT:         return %{{.*}}, %{{.*}}
func.func @literal(%a: f64, %b: f64, %c: tensor<?xf64>) -> (f64, f64) {
  %y, %aAdj, %bAdj = fad.vjp (%a, %b) cotangents(%c) : (f64, f64), (tensor<?xf64>) -> (tensor<?xf64>, f64, f64) {
  ^bb0(%p: f64, %q: f64):
    %arr = fad.array %p, %q : f64, f64 -> tensor<?xf64>
    fad.yield %arr : tensor<?xf64>
  }
  return %aAdj, %bAdj : f64, f64
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK-SAME:    (%{{.*}}: tensor<?x?xf64>, %[[C:[a-z0-9_]+]]: tensor<?x?xf64>)
// CHECK:         %[[T:[a-z0-9_]+]] = fad.transpose %[[C]]
// CHECK:         return %[[T]]
func.func @transpose(%m: tensor<?x?xf64>, %c: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %y, %mAdj = fad.vjp (%m) cotangents(%c) : (tensor<?x?xf64>), (tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  ^bb0(%a: tensor<?x?xf64>):
    %t = fad.transpose %a : tensor<?x?xf64>
    fad.yield %t : tensor<?x?xf64>
  }
  return %mAdj : tensor<?x?xf64>
}

// -----

// update: the new row's adjoint is the result's adjoint at i, the array's is
// the result's adjoint with row i zeroed.
// OPT-LABEL: func.func @update_row
// OPT-SAME:    (%[[M:[a-z0-9_]+]]: tensor<?x?xf64>, %[[I:[a-z0-9_]+]]: i64, %[[R:[a-z0-9_]+]]: tensor<?xf64>, %[[YADJ:[a-z0-9_]+]]: tensor<?x?xf64>)
// OPT:         %[[RADJ:.*]] = fad.index %[[YADJ]][%[[I]]] : tensor<?x?xf64> -> tensor<?xf64>
// OPT:         %[[ZERO:.*]] = fad.zeros_like %[[RADJ]]
// OPT:         %[[MADJ:.*]] = fad.update %[[YADJ]][%[[I]]], %[[ZERO]]
// OPT:         return %{{.*}}, %[[MADJ]], %[[RADJ]]
func.func @update_row(%m: tensor<?x?xf64>, %i: i64, %r: tensor<?xf64>, %yAdj: tensor<?x?xf64>)
    -> (tensor<?x?xf64>, tensor<?x?xf64>, tensor<?xf64>) {
  %y, %mAdj, %rAdj = fad.vjp (%m, %r) cotangents(%yAdj)
      : (tensor<?x?xf64>, tensor<?xf64>), (tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>, tensor<?xf64>) {
  ^bb0(%a: tensor<?x?xf64>, %v: tensor<?xf64>):
    %u = fad.update %a[%i], %v : tensor<?x?xf64>, tensor<?xf64>
    fad.yield %u : tensor<?x?xf64>
  }
  return %y, %mAdj, %rAdj : tensor<?x?xf64>, tensor<?x?xf64>, tensor<?xf64>
}
