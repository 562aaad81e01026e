// fad-vjp on scalar code: linearize, then transpose the linear ops in
// reverse order (scaling by a primal value transposes to scaling, a sum fans
// the adjoint out to both operands).
// RUN: fad-opt %s --fad-vjp --split-input-file | FileCheck %s
// RUN: fad-opt %s --fad-vjp --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=OPT

// CHECK-LABEL: func.func @sin
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: f64, %[[YADJ:[a-z0-9_]+]]: f64)
// CHECK:         %[[Y:[a-z0-9_]+]] = fad.sin %[[X]] : f64
// CHECK:         %[[COS:[a-z0-9_]+]] = fad.cos %[[X]] : f64
// CHECK:         %[[XADJ:[a-z0-9_]+]] = fad.mul %[[COS]], %[[YADJ]] : f64
// CHECK:         return %[[Y]], %[[XADJ]]
func.func @sin(%x: f64, %yAdj: f64) -> (f64, f64) {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %s = fad.sin %a : f64
    fad.yield %s : f64
  }
  return %y, %xAdj : f64, f64
}

// -----

// x * x: both partial products flow back to x and are summed.
// OPT-LABEL: func.func @square
// OPT-SAME:    (%[[X:[a-z0-9_]+]]: f64, %[[YADJ:[a-z0-9_]+]]: f64)
// OPT:         %[[T:[a-z0-9_]+]] = fad.mul %[[X]], %[[YADJ]] : f64
// OPT:         %[[S:[a-z0-9_]+]] = fad.add %[[T]], %[[T]] : f64
// OPT:         return %[[S]]
func.func @square(%x: f64, %yAdj: f64) -> f64 {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %p = fad.mul %a, %a : f64
    fad.yield %p : f64
  }
  return %xAdj : f64
}

// -----

// An argument the result does not depend on gets an explicit zero adjoint;
// integer arguments too.
// CHECK-LABEL: func.func @unused
// CHECK-DAG:     %[[ZERO:[a-z0-9_]+]] = arith.constant 0.000000e+00 : f64
// CHECK-DAG:     %[[IZERO:[a-z0-9_]+]] = arith.constant 0 : i64
// CHECK:         return %{{.*}}, %[[ZERO]], %[[IZERO]]
func.func @unused(%x: f64, %z: f64, %i: i64, %yAdj: f64) -> (f64, f64, i64) {
  %y, %xAdj, %zAdj, %iAdj = fad.vjp (%x, %z, %i) cotangents(%yAdj) : (f64, f64, i64), (f64) -> (f64, f64, f64, i64) {
  ^bb0(%a: f64, %b: f64, %c: i64):
    %s = fad.exp %a : f64
    fad.yield %s : f64
  }
  return %xAdj, %zAdj, %iAdj : f64, f64, i64
}
