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

// -----

// An if whose results are not differentiable (a loop condition's &&) is
// primal code: it is cloned, with no tangent code in its branches, even
// though it reads an array that has a tangent.
// CHECK-LABEL: func.func @bool_if
// CHECK:         fad.if %{{.*}} -> i1 {
// CHECK-NEXT:      %{{.*}} = arith.constant 0 : i64
// CHECK-NEXT:      %[[E:.*]] = fad.index %arg0[%{{.*}}] : tensor<?xf64> -> f64
// CHECK-NEXT:      %{{.*}} = arith.constant
// CHECK-NEXT:      %[[B:.*]] = arith.cmpf ogt, %[[E]], %{{.*}} : f64
// CHECK-NEXT:      fad.yield %[[B]] : i1
// CHECK-NEXT:    } else {
func.func @bool_if(%x: tensor<?xf64>, %dx: tensor<?xf64>, %c: i1) -> (f64, f64) {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (tensor<?xf64>), (tensor<?xf64>) -> (f64, f64) {
  ^bb0(%a: tensor<?xf64>):
    %r = fad.if %c -> i1 {
      %i = arith.constant 0 : i64
      %e = fad.index %a[%i] : tensor<?xf64> -> f64
      %half = arith.constant 0.5 : f64
      %b = arith.cmpf ogt, %e, %half : f64
      fad.yield %b : i1
    } else {
      %f = arith.constant false
      fad.yield %f : i1
    }
    %j = arith.constant 1 : i64
    %v = fad.index %a[%j] : tensor<?xf64> -> f64
    %z = arith.constant 0.0 : f64
    %s = arith.select %r, %v, %z : f64
    fad.yield %s : f64
  }
  return %y, %dy : f64, f64
}
