// fad-ad: every fad.jvp, fad.vjp and fad.taylor_bound, innermost first
// whatever its kind, so derivatives of derivatives of either mode are
// differentiated as programs.
// RUN: fad-opt %s --fad-ad --canonicalize --cse --split-input-file | FileCheck %s

// Forward over reverse: the Hessian-vector product of sin is -sin(x) v.
// CHECK-LABEL: func.func @jvp_of_vjp
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: f64, %[[V:[a-z0-9_]+]]: f64)
// CHECK-NOT:     fad.jvp
// CHECK-NOT:     fad.vjp
// CHECK:         %[[S:[a-z0-9_]+]] = fad.sin %[[X]] : f64
// CHECK-NEXT:    %[[N:[a-z0-9_]+]] = fad.neg %[[S]] : f64
// CHECK-NEXT:    %[[H:[a-z0-9_]+]] = fad.mul %[[N]], %[[V]] : f64
// CHECK-NEXT:    return %[[H]] : f64
func.func @jvp_of_vjp(%x: f64, %v: f64) -> f64 {
  %one = arith.constant 1.0 : f64
  %g, %hv = fad.jvp (%x) tangents(%v) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %y, %ga = fad.vjp (%a) cotangents(%one) : (f64), (f64) -> (f64, f64) {
    ^bb0(%b: f64):
      %s = fad.sin %b : f64
      fad.yield %s : f64
    }
    fad.yield %ga : f64
  }
  return %hv : f64
}

// -----

// Reverse over forward: the gradient of the directional derivative
// cos(x) v with respect to x is -sin(x) v.
// CHECK-LABEL: func.func @vjp_of_jvp
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: f64, %[[V:[a-z0-9_]+]]: f64)
// CHECK-NOT:     fad.jvp
// CHECK-NOT:     fad.vjp
// CHECK:         %[[S:[a-z0-9_]+]] = fad.sin %[[X]] : f64
// CHECK:         %[[N:[a-z0-9_]+]] = fad.neg %[[S]] : f64
// CHECK:         %[[H:[a-z0-9_]+]] = fad.mul %[[N]], %[[V]] : f64
// CHECK:         return %[[H]] : f64
func.func @vjp_of_jvp(%x: f64, %v: f64) -> f64 {
  %one = arith.constant 1.0 : f64
  %d, %xAdj = fad.vjp (%x) cotangents(%one) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %y, %dy = fad.jvp (%a) tangents(%v) : (f64), (f64) -> (f64, f64) {
    ^bb0(%b: f64):
      %s = fad.sin %b : f64
      fad.yield %s : f64
    }
    fad.yield %dy : f64
  }
  return %xAdj : f64
}

// -----

// fad.taylor_bound becomes interval Taylor arithmetic: the coefficients of
// x * x at x0 are (x0 x0, x0 + x0).
// CHECK-LABEL: func.func @taylor_bound
// CHECK-SAME:    (%[[X0:[a-z0-9_]+]]: f64, %{{[a-z0-9_]+}}: f64, %{{[a-z0-9_]+}}: f64)
// CHECK-NOT:     fad.taylor_bound
// CHECK-DAG:     %[[C0:[a-z0-9_]+]] = fad.mul %[[X0]], %[[X0]] : f64
// CHECK-DAG:     %[[C1:[a-z0-9_]+]] = fad.add %[[X0]], %[[X0]] : f64
// CHECK:         %[[C:[a-z0-9_]+]] = fad.array %[[C0]], %[[C1]] : f64, f64 -> tensor<?xf64>
// CHECK-NEXT:    return %[[C]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} : tensor<?xf64>, f64, f64
func.func @taylor_bound(%x0: f64, %a: f64, %b: f64) -> (tensor<?xf64>, f64, f64) {
  %c, %lo, %hi = fad.taylor_bound (%x0, %a, %b) order 1 : tensor<?xf64>, f64, f64 {
  ^bb0(%x: f64):
    %y = fad.mul %x, %x : f64
    fad.yield %y : f64
  }
  return %c, %lo, %hi : tensor<?xf64>, f64, f64
}
