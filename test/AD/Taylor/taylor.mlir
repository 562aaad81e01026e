// Taylor mode (fad.jvp with taylor_order): each value carries its
// coefficients 1..K as an array; scalar ops apply their series recurrences.
// RUN: fad-opt %s --fad-jvp --canonicalize --cse --split-input-file | FileCheck %s

// exp: z1 = x1 z0, z2 = (x1 z1 + 2 x2 z0) / 2 with x = (x0, 1, 0): z1 = z0,
// z2 = z1 / 2.
// CHECK-LABEL: func.func @exp
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: f64)
// CHECK:         arith.constant 5.000000e-01 : f64
// CHECK:         %[[Z0:[a-z0-9_]+]] = fad.exp %[[X]] : f64
// z1 = x1 z0 = z0 exactly, z2 = (1/2)(...): the 1/k factor of the recurrence.
// CHECK:         fad.array %[[Z0]], %{{[a-z0-9_]+}} : f64, f64 -> tensor<?xf64>
func.func @exp(%x: f64) -> tensor<?xf64> {
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %series = fad.array %one, %zero : f64, f64 -> tensor<?xf64>
  %y, %c = fad.jvp (%x) tangents(%series) batched {taylor_order = 2 : i64} : (f64), (tensor<?xf64>) -> (f64, tensor<?xf64>) {
  ^bb0(%a: f64):
    %e = fad.exp %a : f64
    fad.yield %e : f64
  }
  return %c : tensor<?xf64>
}

// -----

// A product is a Cauchy product: (t * t) has coefficients (2 x0, 1).
// CHECK-LABEL: func.func @square
// CHECK:         %[[TWO:[a-z0-9_]+]] = fad.add %[[X:[a-z0-9_]+]], %[[X]] : f64
// CHECK:         fad.array %[[TWO]], %{{.*}} : f64, f64 -> tensor<?xf64>
func.func @square(%x: f64) -> tensor<?xf64> {
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %series = fad.array %one, %zero : f64, f64 -> tensor<?xf64>
  %y, %c = fad.jvp (%x) tangents(%series) batched {taylor_order = 2 : i64} : (f64), (tensor<?xf64>) -> (f64, tensor<?xf64>) {
  ^bb0(%a: f64):
    %s = fad.mul %a, %a : f64
    fad.yield %s : f64
  }
  return %c : tensor<?xf64>
}
