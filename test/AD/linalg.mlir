// fad-vjp and fad-jvp through dense linear algebra: matrix-level rules.
// The adjoint of solve's right-hand side is one solve with A^T; the tangent
// of solve is a solve of bTan - ATan x; the adjoint of log|det A| is
// lAdj A^-T, from one solve with A^T of the identity.
// RUN: fad-opt %s --fad-ad --canonicalize --cse --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @solve_rhs
// CHECK-SAME:    (%[[A:[a-z0-9_]+]]: tensor<?x?xf64>, %{{.*}}: tensor<?xf64>, %[[XADJ:[a-z0-9_]+]]: tensor<?xf64>)
// CHECK-NEXT:    %[[BADJ:.*]] = fad.solve %[[A]], %[[XADJ]] {transpose} : tensor<?x?xf64>, tensor<?xf64>
// CHECK-NEXT:    return %[[BADJ]]
func.func @solve_rhs(%a: tensor<?x?xf64>, %b: tensor<?xf64>, %xAdj: tensor<?xf64>) -> tensor<?xf64> {
  %x, %bAdj = fad.vjp (%b) cotangents(%xAdj) : (tensor<?xf64>), (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%v: tensor<?xf64>):
    %s = fad.solve %a, %v : tensor<?x?xf64>, tensor<?xf64>
    fad.yield %s : tensor<?xf64>
  }
  return %bAdj : tensor<?xf64>
}

// -----

// CHECK-LABEL: func.func @slogdet
// CHECK-SAME:    (%[[A:[a-z0-9_]+]]: tensor<?x?xf64>, %[[LADJ:[a-z0-9_]+]]: f64)
// CHECK:         %[[EYE:.*]] = fad.build
// CHECK:         %[[INVT:.*]] = fad.solve %[[A]], %[[EYE]] {transpose} : tensor<?x?xf64>, tensor<?x?xf64>
// CHECK:         fad.for
// CHECK:           fad.index %[[INVT]]
// CHECK:           fad.mul
// CHECK-NOT:     fad.solve
// CHECK:         return
func.func @slogdet(%a: tensor<?x?xf64>, %lAdj: f64) -> tensor<?x?xf64> {
  %l, %aAdj = fad.vjp (%a) cotangents(%lAdj) : (tensor<?x?xf64>), (f64) -> (f64, tensor<?x?xf64>) {
  ^bb0(%m: tensor<?x?xf64>):
    %s, %d = fad.slogdet %m : tensor<?x?xf64> -> f64, f64
    fad.yield %d : f64
  }
  return %aAdj : tensor<?x?xf64>
}

// -----

// CHECK-LABEL: func.func @solve_both
// CHECK-SAME:    (%[[A:[a-z0-9_]+]]: tensor<?x?xf64>, %[[B:[a-z0-9_]+]]: tensor<?xf64>, %{{.*}}: tensor<?x?xf64>, %{{.*}}: tensor<?xf64>)
// CHECK:         %[[X:.*]] = fad.solve %[[A]], %[[B]] : tensor<?x?xf64>, tensor<?xf64>
// CHECK:         fad.index %[[X]]
// CHECK:         %[[RHS:.*]] = fad.map
// CHECK:         %[[XTAN:.*]] = fad.solve %[[A]], %[[RHS]] : tensor<?x?xf64>, tensor<?xf64>
// CHECK-NEXT:    return %[[XTAN]]
func.func @solve_both(%a: tensor<?x?xf64>, %b: tensor<?xf64>, %da: tensor<?x?xf64>, %db: tensor<?xf64>) -> tensor<?xf64> {
  %x, %xTan = fad.jvp (%a, %b) tangents(%da, %db) : (tensor<?x?xf64>, tensor<?xf64>), (tensor<?x?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%m: tensor<?x?xf64>, %v: tensor<?xf64>):
    %s = fad.solve %m, %v : tensor<?x?xf64>, tensor<?xf64>
    fad.yield %s : tensor<?xf64>
  }
  return %xTan : tensor<?xf64>
}
