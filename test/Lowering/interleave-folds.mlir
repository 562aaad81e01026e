// RUN: fad-opt %s --fad-interleave-folds -split-input-file | FileCheck %s

// A maximum (lse's, fad.max lowered: the accumulator kept on ties and
// against NaN): eight folds over iterations i, i + 1, ..., i + 7 from the
// initial value, folded in lane order, then the last n mod 8 iterations.
// CHECK-LABEL: func.func @maximum
// CHECK:         %[[C8:.*]] = arith.constant 8 : index
// CHECK:         %[[LEN:.*]] = arith.maxsi
// CHECK:         %[[REM:.*]] = arith.remui %[[LEN]], %[[C8]]
// CHECK:         %[[MAIN:.*]] = arith.subi %[[LEN]], %[[REM]]
// CHECK:         %[[END:.*]] = arith.addi %[[LB:.*]], %[[MAIN]]
// CHECK:         %[[L:.*]]:8 = scf.for %[[I:.*]] = %{{.*}} to %[[END]] step %[[C8]] iter_args(%[[A0:.*]] = %arg2, %[[A1:.*]] = %arg2, %{{.*}} = %arg2, %{{.*}} = %arg2, %{{.*}} = %arg2, %{{.*}} = %arg2, %{{.*}} = %arg2, %[[A7:.*]] = %arg2) -> (f64, f64, f64, f64, f64, f64, f64, f64) {
// CHECK:           %[[X0:.*]] = memref.load %arg0[%[[I]]]
// CHECK:           %[[G0:.*]] = arith.cmpf uge, %[[A0]], %[[X0]]
// CHECK:           %[[S0:.*]] = arith.select %[[G0]], %[[A0]], %[[X0]]
// CHECK:           %[[I1:.*]] = arith.addi %[[I]], %c1
// CHECK:           %[[X1:.*]] = memref.load %arg0[%[[I1]]]
// CHECK:           arith.cmpf uge, %[[A1]], %[[X1]]
// CHECK-COUNT-6:   arith.select
// CHECK:           scf.yield %[[S0]], {{.*}} : f64, f64, f64, f64, f64, f64, f64, f64
// CHECK:         }
// CHECK:         %[[G1:.*]] = arith.cmpf uge, %[[L]]#0, %[[L]]#1
// CHECK:         %[[F1:.*]] = arith.select %[[G1]], %[[L]]#0, %[[L]]#1
// CHECK:         %[[G2:.*]] = arith.cmpf uge, %[[F1]], %[[L]]#2
// CHECK-COUNT-6: arith.select
// CHECK:         %[[R:.*]] = scf.for %{{.*}} = %[[END]] to %arg1 step %c1 iter_args(%[[ACC:.*]] = %{{.*}}) -> (f64) {
// CHECK:           arith.cmpf uge, %[[ACC]]
// CHECK:         }
// CHECK:         return %[[R]]
func.func @maximum(%a: memref<?xf64>, %n: index, %init: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %ge = arith.cmpf uge, %acc, %x : f64
    %s = arith.select %ge, %acc, %x : f64
    scf.yield %s : f64
  }
  return %m : f64
}

// -----

// The element first, several folds at once (a minimum and a maximum of
// one computed element): each lane carries both.
// CHECK-LABEL: func.func @two_folds
// CHECK:         scf.for {{.*}} -> (f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64) {
// CHECK-COUNT-8:   math.sin
// CHECK:         }
// CHECK:         arith.cmpf olt, %{{.*}}#2, %{{.*}}#0
// CHECK:         scf.for {{.*}} -> (f64, f64) {
func.func @two_folds(%a: memref<?xf64>, %n: index, %lo: f64, %hi: f64) -> (f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%min = %lo, %max = %hi) -> (f64, f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %y = math.sin %x : f64
    %lt = arith.cmpf olt, %y, %min : f64
    %s = arith.select %lt, %y, %min : f64
    %gt = arith.cmpf ugt, %max, %y : f64
    %t = arith.select %gt, %max, %y : f64
    scf.yield %s, %t : f64, f64
  }
  return %r#0, %r#1 : f64, f64
}

// -----

// Left alone: a loop that also sums (not every carried value is a
// compare-and-select fold), one that writes, an element that reads the
// accumulator, an accumulator read elsewhere, an integer fold, a position
// carried with the maximum, a step of 2, a body with a region, a loop of 15
// iterations (fewer than two rounds of lanes), a fold that a NaN element
// enters (`acc ogt x ? acc : x`: the NaN stays until the next element, so
// lanes would not fold alike), a fold by equality.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-11: scf.for
// CHECK-NOT:     scf.for
// CHECK-NOT:     step %c8
func.func @kept(%a: memref<?xf64>, %b: memref<?xi64>, %n: index, %init: f64) -> (f64, f64, f64, f64, f64, i64, f64, index, f64, f64, f64, f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f64
  %z = arith.constant 0 : i64
  %s1:2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init, %sum = %zero) -> (f64, f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %ge = arith.cmpf uge, %acc, %x : f64
    %s = arith.select %ge, %acc, %x : f64
    %t = arith.addf %sum, %x : f64
    scf.yield %s, %t : f64, f64
  }
  %s2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    memref.store %acc, %a[%i] : memref<?xf64>
    %ge = arith.cmpf uge, %acc, %x : f64
    %s = arith.select %ge, %acc, %x : f64
    scf.yield %s : f64
  }
  %s3 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (f64) {
    %x0 = memref.load %a[%i] : memref<?xf64>
    %x = arith.mulf %x0, %acc : f64
    %ge = arith.cmpf uge, %acc, %x : f64
    %s = arith.select %ge, %acc, %x : f64
    scf.yield %s : f64
  }
  %s4 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %ge = arith.cmpf uge, %acc, %x : f64
    %s = arith.select %ge, %acc, %x : f64
    %other = arith.negf %acc : f64
    scf.yield %s : f64
  }
  %s5 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %z) -> (i64) {
    %x = memref.load %b[%i] : memref<?xi64>
    %ge = arith.cmpi sge, %acc, %x : i64
    %s = arith.select %ge, %acc, %x : i64
    scf.yield %s : i64
  }
  %s6:2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init, %at = %c0) -> (f64, index) {
    %x = memref.load %a[%i] : memref<?xf64>
    %ge = arith.cmpf uge, %acc, %x : f64
    %s = arith.select %ge, %acc, %x : f64
    %p = arith.select %ge, %at, %i : index
    scf.yield %s, %p : f64, index
  }
  %s7 = scf.for %i = %c0 to %n step %c2 iter_args(%acc = %init) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %ge = arith.cmpf uge, %acc, %x : f64
    %s = arith.select %ge, %acc, %x : f64
    scf.yield %s : f64
  }
  %s8 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %pos = arith.cmpf ogt, %x, %zero : f64
    %y = scf.if %pos -> (f64) {
      scf.yield %x : f64
    } else {
      scf.yield %zero : f64
    }
    %ge = arith.cmpf uge, %acc, %y : f64
    %s = arith.select %ge, %acc, %y : f64
    scf.yield %s : f64
  }
  %c3 = arith.constant 3 : index
  %c18 = arith.constant 18 : index
  %s9 = scf.for %i = %c3 to %c18 step %c1 iter_args(%acc = %init) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %ge = arith.cmpf uge, %acc, %x : f64
    %s = arith.select %ge, %acc, %x : f64
    scf.yield %s : f64
  }
  %s10 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %gt = arith.cmpf ogt, %acc, %x : f64
    %s = arith.select %gt, %acc, %x : f64
    scf.yield %s : f64
  }
  %s11 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %eq = arith.cmpf ueq, %acc, %x : f64
    %s = arith.select %eq, %acc, %x : f64
    scf.yield %s : f64
  }
  return %s1#0, %s1#1, %s2, %s3, %s4, %s5, %s6#0, %s6#1, %s7, %s8, %s9, %s10, %s11 : f64, f64, f64, f64, f64, i64, f64, index, f64, f64, f64, f64, f64
}
