// fad-vjp on structured ops. A map transposes to a loop over its elements
// that stores each element's adjoint at its position (fad.add_at); a fold
// records its accumulators on a tape, then runs backwards.
// RUN: fad-opt %s --fad-vjp --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @map
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: tensor<?xf64>, %[[YADJ:[a-z0-9_]+]]: tensor<?xf64>)
// CHECK:         %[[ZERO:[a-z0-9_]+]] = fad.zeros_like %[[X]]
// CHECK:         %[[R:[a-z0-9_]+]] = fad.for %{{.*}} iter(%[[ZERO]])
// CHECK:         ^bb0(%[[I:[a-z0-9_]+]]: i64, %[[ACC:[a-z0-9_]+]]: tensor<?xf64>):
// CHECK:           %[[E:[a-z0-9_]+]] = fad.index %[[X]][%[[I]]]
// CHECK:           %[[EADJ:[a-z0-9_]+]] = fad.index %{{.*}}[%[[I]]]
// CHECK:           %[[EXP:[a-z0-9_]+]] = fad.exp %[[E]]
// CHECK:           %[[ARGADJ:[a-z0-9_]+]] = fad.mul %[[EXP]], %[[EADJ]]
// CHECK:           %[[NEXT:[a-z0-9_]+]] = fad.add_at %[[ACC]][%[[I]]], %[[ARGADJ]]
// CHECK:           fad.yield %[[NEXT]]
// CHECK:         return %[[R]]
func.func @map(%x: tensor<?xf64>, %yAdj: tensor<?xf64>) -> tensor<?xf64> {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (tensor<?xf64>), (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: tensor<?xf64>):
    %m = fad.map (%a) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%e: f64):
      %s = fad.exp %e : f64
      fad.yield %s : f64
    }
    fad.yield %m : tensor<?xf64>
  }
  return %xAdj : tensor<?xf64>
}

// -----

// CHECK-LABEL: func.func @product
// The tape: the accumulator before each element.
// CHECK:         %[[TAPE:[a-z0-9_]+]]:2 = fad.for
// CHECK:           fad.add_at
// The reverse sweep: iteration i = n - 1 - j, reading the tape.
// CHECK:         fad.for
// CHECK:           %[[LAST:[a-z0-9_]+]] = fad.sub %{{.*}}, %{{.*}} : i64
// CHECK:           %[[I:[a-z0-9_]+]] = fad.sub %[[LAST]], %{{.*}} : i64
// CHECK:           fad.index %[[TAPE]]#1[%[[I]]]
// CHECK:           fad.add_at
func.func @product(%x: tensor<?xf64>, %yAdj: f64) -> tensor<?xf64> {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (tensor<?xf64>), (f64) -> (f64, tensor<?xf64>) {
  ^bb0(%a: tensor<?xf64>):
    %one = arith.constant 1.0 : f64
    %r = fad.reduce inits(%one) arrays(%a) : (f64), (tensor<?xf64>) -> f64 {
    ^bb0(%p: f64, %q: f64):
      %t = fad.mul %p, %q : f64
      fad.yield %t : f64
    }
    fad.yield %r : f64
  }
  return %xAdj : tensor<?xf64>
}

// -----

// A branch transposes to a branch on the same (primal) condition.
// CHECK-LABEL: func.func @branch
// CHECK:         fad.if %{{.*}} -> f64 {
// CHECK:           fad.mul
// CHECK:         } else {
func.func @branch(%x: f64, %c: i1, %yAdj: f64) -> f64 {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %r = fad.if %c -> f64 {
      %s = fad.mul %a, %a : f64
      fad.yield %s : f64
    } else {
      fad.yield %a : f64
    }
    fad.yield %r : f64
  }
  return %xAdj : f64
}
