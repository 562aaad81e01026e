// fad-jvp on structured ops: the tangent of a map is a map over the primal
// and tangent arrays, of a reduce a reduce over (value, tangent) pairs, of a
// loop the loop over (state, tangent).
// RUN: fad-opt %s --fad-jvp --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @map
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: tensor<?xf64>, %[[XTAN:[a-z0-9_]+]]: tensor<?xf64>)
// CHECK:         %[[R:[a-z0-9_]+]]:2 = fad.map(%[[X]], %[[XTAN]]) {{.*}}: (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>)
// CHECK:         ^bb0(%[[E:[a-z0-9_]+]]: f64, %[[ETAN:[a-z0-9_]+]]: f64):
// CHECK:           %[[S:[a-z0-9_]+]] = fad.exp %[[E]]
// CHECK:           %[[STAN:[a-z0-9_]+]] = fad.mul %[[S]], %[[ETAN]]
// CHECK:           fad.yield %[[S]], %[[STAN]] : f64, f64
// CHECK:         return %[[R]]#1
func.func @map(%x: tensor<?xf64>, %dx: tensor<?xf64>) -> tensor<?xf64> {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (tensor<?xf64>), (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: tensor<?xf64>):
    %m = fad.map (%a) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%e: f64):
      %s = fad.exp %e : f64
      fad.yield %s : f64
    }
    fad.yield %m : tensor<?xf64>
  }
  return %dy : tensor<?xf64>
}

// -----

// CHECK-LABEL: func.func @sum
// CHECK:         %[[R:[a-z0-9_]+]]:2 = fad.reduce inits(%{{.*}}, %{{.*}}) arrays(%{{.*}}, %{{.*}}) {{.*}}: (f64, f64), (tensor<?xf64>, tensor<?xf64>) -> f64, f64
// CHECK:         ^bb0(%[[A:[a-z0-9_]+]]: f64, %[[ATAN:[a-z0-9_]+]]: f64, %[[B:[a-z0-9_]+]]: f64, %[[BTAN:[a-z0-9_]+]]: f64):
// CHECK:           fad.add %[[A]], %[[B]]
// CHECK:         return %[[R]]#1
func.func @sum(%x: tensor<?xf64>, %dx: tensor<?xf64>) -> f64 {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (tensor<?xf64>), (tensor<?xf64>) -> (f64, f64) {
  ^bb0(%a: tensor<?xf64>):
    %z = arith.constant 0.0 : f64
    %r = fad.reduce inits(%z) arrays(%a) : (f64), (tensor<?xf64>) -> f64 {
    ^bb0(%p: f64, %q: f64):
      %t = fad.add %p, %q : f64
      fad.yield %t : f64
    }
    fad.yield %r : f64
  }
  return %dy : f64
}

// -----

// CHECK-LABEL: func.func @loop
// CHECK:         %[[R:[a-z0-9_]+]]:2 = fad.for %{{.*}} iter(%{{.*}}, %{{.*}}) {{.*}}: (f64, f64) -> (f64, f64)
// CHECK:         ^bb0(%{{.*}}: i64, %[[S:[a-z0-9_]+]]: f64, %[[STAN:[a-z0-9_]+]]: f64):
// CHECK:         return %[[R]]#1
func.func @loop(%x: f64, %dx: f64, %n: i64) -> f64 {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %r = fad.for %n iter(%a) : (f64) -> f64 {
    ^bb0(%i: i64, %s: f64):
      %t = fad.mul %s, %s : f64
      fad.yield %t : f64
    }
    fad.yield %r : f64
  }
  return %dy : f64
}
