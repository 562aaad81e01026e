// RUN: fad-opt %s --fad-overlap-recurrences --split-input-file | FileCheck %s

// A polynomial fit's reverse sweep: per point, Horner's rule (the first
// recurrence), a check, the residual, then the adjoint's powers of t adding
// to x's adjoint (the second, the only reader of the state). Point 0's first
// part runs before the loop if there is a point; the loop runs point g's
// adjoint in one inner loop with point g + 1's Horner steps, and carries
// t and the residual from one round to the next; the last point's adjoint
// runs after it.
// CHECK-LABEL: func.func @fit_adjoint
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1 : i64
// CHECK:         %[[ANY:.*]] = arith.cmpi sgt, %arg0, %[[ZERO]] : i64
// CHECK:         %[[FIRST:.*]]:2 = fad.if %[[ANY]] -> f64, f64 {
// CHECK:           %[[T0:.*]] = fad.convert %[[ZERO]] : i64 to f64
// CHECK:           %[[P0:.*]] = fad.for %arg1 iter(%{{.*}}) : (f64) -> f64
// CHECK:           fad.assert
// CHECK:           %[[R0:.*]] = fad.sub %{{.*}}, %[[P0]] : f64
// CHECK:           fad.yield %[[T0]], %[[R0]] : f64, f64
// CHECK:         } else {
// CHECK:           fad.yield %{{.*}}, %{{.*}} : f64, f64
// CHECK:         %[[MAX:.*]] = fad.max %arg0, %[[ONE]] : i64
// CHECK:         %[[ROUNDS:.*]] = fad.sub %[[MAX]], %[[ONE]] : i64
// CHECK:         %[[LOOP:.*]]:3 = fad.for %[[ROUNDS]] iter(%arg3, %[[FIRST]]#0, %[[FIRST]]#1) {fad.reduction}
// CHECK-NEXT:    ^bb0(%[[G:.*]]: i64, %[[ACC:.*]]: tensor<?xf64>, %[[T:.*]]: f64, %[[R:.*]]: f64):
// CHECK-NEXT:      %[[NEXT:.*]] = fad.add %[[G]], %[[ONE]] : i64
// CHECK-NEXT:      %[[TN:.*]] = fad.convert %[[NEXT]] : i64 to f64
// CHECK-NEXT:      %[[BOTH:.*]]:3 = fad.for %arg1 iter(%{{.*}}, %[[R]], %[[ACC]])
// CHECK-NEXT:      ^bb0(%[[J:.*]]: i64, %[[H:.*]]: f64, %[[A:.*]]: f64, %[[X:.*]]: tensor<?xf64>):
// CHECK-NEXT:        %[[K:.*]] = fad.sub %arg1, %[[J]] : i64
// CHECK:             %[[C:.*]] = fad.index %arg2[%{{.*}}]
// CHECK-NEXT:        %[[HT:.*]] = fad.mul %[[H]], %[[TN]] : f64
// CHECK-NEXT:        %[[H2:.*]] = fad.add %[[HT]], %[[C]] : f64
// CHECK-NEXT:        %[[X2:.*]] = fad.add_at %[[X]][%[[J]]], %[[A]]
// CHECK-NEXT:        %[[A2:.*]] = fad.mul %[[A]], %[[T]] : f64
// CHECK-NEXT:        fad.yield %[[H2]], %[[A2]], %[[X2]]
// CHECK:           fad.assert
// CHECK:           %[[RN:.*]] = fad.sub %{{.*}}, %[[BOTH]]#0 : f64
// CHECK:           fad.yield %[[BOTH]]#2, %[[TN]], %[[RN]]
// CHECK:         %[[LAST:.*]] = fad.if %[[ANY]] -> tensor<?xf64> {
// CHECK:           %[[TAIL:.*]]:2 = fad.for %arg1 iter(%[[LOOP]]#2, %[[LOOP]]#0)
// CHECK:             fad.mul %{{.*}}, %[[LOOP]]#1 : f64
// CHECK:           fad.yield %[[TAIL]]#1
// CHECK:         } else {
// CHECK-NEXT:      fad.yield %arg3 : tensor<?xf64>
// CHECK:         return %[[LAST]]
func.func @fit_adjoint(%n: i64, %m: i64, %x: tensor<?xf64>, %init: tensor<?xf64>) -> tensor<?xf64> {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %r = fad.for %n iter(%init) {fad.reduction} : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %t = fad.convert %i : i64 to f64
    %p = fad.for %m iter(%zero) : (f64) -> f64 {
    ^bb0(%j: i64, %h: f64):
      %k = fad.sub %m, %j : i64
      %c1 = arith.constant 1 : i64
      %k1 = fad.sub %k, %c1 : i64
      %c = fad.index %x[%k1] : tensor<?xf64> -> f64
      %ht = fad.mul %h, %t : f64
      %h2 = fad.add %ht, %c : f64
      fad.yield %h2 : f64
    }
    %ok = arith.cmpf olt, %p, %one : f64
    fad.assert %ok, "residual out of range"
    %res = fad.sub %one, %p : f64
    %adj:2 = fad.for %m iter(%res, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %xb: tensor<?xf64>):
      %xb2 = fad.add_at %xb[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %xb2 : f64, tensor<?xf64>
    }
    fad.yield %adj#1 : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// Left alone: the first recurrence reads the state; the two trip counts
// differ; the second recurrence checks; an early op makes an array; the
// trip count changes with the iteration; the first loop is not a
// recurrence (no float carried).
// CHECK-LABEL: func.func @not_overlapped
// CHECK-NOT:     fad.if
// CHECK-COUNT-18: fad.for
// CHECK-NOT:     fad.for
func.func @not_overlapped(%n: i64, %m: i64, %m2: i64, %init: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) {
  %zero = arith.constant 0.0 : f64
  %reads = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %t = fad.convert %i : i64 to f64
    %p = fad.for %m iter(%zero) : (f64) -> f64 {
    ^bb0(%j: i64, %h: f64):
      %e = fad.index %acc[%j] : tensor<?xf64> -> f64
      %h2 = fad.add %h, %e : f64
      fad.yield %h2 : f64
    }
    %adj:2 = fad.for %m iter(%p, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %xb: tensor<?xf64>):
      %xb2 = fad.add_at %xb[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %xb2 : f64, tensor<?xf64>
    }
    fad.yield %adj#1 : tensor<?xf64>
  }
  %counts = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %t = fad.convert %i : i64 to f64
    %p = fad.for %m iter(%zero) : (f64) -> f64 {
    ^bb0(%j: i64, %h: f64):
      %h2 = fad.mul %h, %t : f64
      fad.yield %h2 : f64
    }
    %adj:2 = fad.for %m2 iter(%p, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %xb: tensor<?xf64>):
      %xb2 = fad.add_at %xb[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %xb2 : f64, tensor<?xf64>
    }
    fad.yield %adj#1 : tensor<?xf64>
  }
  %checks = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %t = fad.convert %i : i64 to f64
    %p = fad.for %m iter(%zero) : (f64) -> f64 {
    ^bb0(%j: i64, %h: f64):
      %h2 = fad.mul %h, %t : f64
      fad.yield %h2 : f64
    }
    %adj:2 = fad.for %m iter(%p, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %xb: tensor<?xf64>):
      %ok = arith.cmpf olt, %a, %t : f64
      fad.assert %ok, "too large"
      %xb2 = fad.add_at %xb[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %xb2 : f64, tensor<?xf64>
    }
    fad.yield %adj#1 : tensor<?xf64>
  }
  %arrays = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %t = fad.convert %i : i64 to f64
    %row = fad.zeros_like %init : tensor<?xf64>
    %p = fad.for %m iter(%zero) : (f64) -> f64 {
    ^bb0(%j: i64, %h: f64):
      %e = fad.index %row[%j] : tensor<?xf64> -> f64
      %h2 = fad.add %h, %e : f64
      fad.yield %h2 : f64
    }
    %adj:2 = fad.for %m iter(%p, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %xb: tensor<?xf64>):
      %xb2 = fad.add_at %xb[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %xb2 : f64, tensor<?xf64>
    }
    fad.yield %adj#1 : tensor<?xf64>
  }
  %varying = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %t = fad.convert %i : i64 to f64
    %p = fad.for %i iter(%zero) : (f64) -> f64 {
    ^bb0(%j: i64, %h: f64):
      %h2 = fad.mul %h, %t : f64
      fad.yield %h2 : f64
    }
    %adj:2 = fad.for %i iter(%p, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %xb: tensor<?xf64>):
      %xb2 = fad.add_at %xb[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %xb2 : f64, tensor<?xf64>
    }
    fad.yield %adj#1 : tensor<?xf64>
  }
  %counter = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %t = fad.convert %i : i64 to f64
    %p = fad.for %m iter(%i) : (i64) -> i64 {
    ^bb0(%j: i64, %h: i64):
      %h2 = fad.add %h, %j : i64
      fad.yield %h2 : i64
    }
    %pf = fad.convert %p : i64 to f64
    %adj:2 = fad.for %m iter(%pf, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %xb: tensor<?xf64>):
      %xb2 = fad.add_at %xb[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %xb2 : f64, tensor<?xf64>
    }
    fad.yield %adj#1 : tensor<?xf64>
  }
  return %reads, %counts, %checks, %arrays, %varying, %counter : tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>
}
