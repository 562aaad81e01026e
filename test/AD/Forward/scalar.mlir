// fad-jvp on scalar ops: the tangent is the sum of partial * operand tangent,
// with the partials stated on each op's ODS record; zero tangents are skipped.
// RUN: fad-opt %s --fad-jvp --split-input-file | FileCheck %s
// RUN: fad-opt %s --fad-jvp --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=OPT

// CHECK-LABEL: func.func @sin
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: f64, %[[XTAN:[a-z0-9_]+]]: f64)
// CHECK:         %[[Y:[a-z0-9_]+]] = fad.sin %[[X]] : f64
// CHECK:         %[[COS:[a-z0-9_]+]] = fad.cos %[[X]] : f64
// CHECK:         %[[YTAN:[a-z0-9_]+]] = fad.mul %[[COS]], %[[XTAN]] : f64
// CHECK:         return %[[Y]], %[[YTAN]]
func.func @sin(%x: f64, %dx: f64) -> (f64, f64) {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %s = fad.sin %a : f64
    fad.yield %s : f64
  }
  return %y, %dy : f64, f64
}

// -----

// The product rule; a captured value (%c) is a constant: no tangent term.
// CHECK-LABEL: func.func @product
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: f64, %[[C:[a-z0-9_]+]]: f64, %[[XTAN:[a-z0-9_]+]]: f64)
// CHECK:         %[[P:[a-z0-9_]+]] = fad.mul %[[X]], %[[C]] : f64
// CHECK:         %[[PTAN:[a-z0-9_]+]] = fad.mul %[[C]], %[[XTAN]] : f64
// CHECK-NOT:     fad.mul
// CHECK:         return %[[PTAN]]
func.func @product(%x: f64, %c: f64, %dx: f64) -> f64 {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %p = fad.mul %a, %c : f64
    fad.yield %p : f64
  }
  return %dy : f64
}

// -----

// x * x: both partials contribute, then sum.
// CHECK-LABEL: func.func @square
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: f64, %[[XTAN:[a-z0-9_]+]]: f64)
// CHECK:         fad.mul %[[X]], %[[X]] : f64
// CHECK:         %[[T1:[a-z0-9_]+]] = fad.mul %[[X]], %[[XTAN]] : f64
// CHECK:         %[[T2:[a-z0-9_]+]] = fad.mul %[[X]], %[[XTAN]] : f64
// CHECK:         fad.add %[[T1]], %[[T2]] : f64
// OPT-LABEL: func.func @square
// OPT:         %[[T:[a-z0-9_]+]] = fad.mul %{{.*}}, %{{.*}} : f64
// OPT-NOT:     fad.mul
// OPT:         fad.add %[[T]], %[[T]] : f64
func.func @square(%x: f64, %dx: f64) -> f64 {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %p = fad.mul %a, %a : f64
    fad.yield %p : f64
  }
  return %dy : f64
}

// -----

// A result that does not depend on the argument has a zero tangent,
// materialized as a constant.
// CHECK-LABEL: func.func @constant
// CHECK:         %[[ZERO:[a-z0-9_]+]] = arith.constant 0.000000e+00 : f64
// CHECK:         return %[[ZERO]]
func.func @constant(%x: f64, %c: f64, %dx: f64) -> f64 {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %e = fad.exp %c : f64
    fad.yield %e : f64
  }
  return %dy : f64
}

// -----

// Integer ops and comparisons are constants of the differentiation; floor
// has derivative zero.
// CHECK-LABEL: func.func @nondifferentiable
// CHECK-NOT:     fad.mul
// CHECK:         return
func.func @nondifferentiable(%x: f64, %dx: f64) -> f64 {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %f = fad.floor %a : f64
    fad.yield %f : f64
  }
  return %dy : f64
}
