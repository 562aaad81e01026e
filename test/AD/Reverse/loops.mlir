// fad-vjp through loops and scans: states are recorded on a tape (store-all)
// and the transposed body runs from the last iteration to the first; a while
// loop first counts its iterations, and the reverse sweep runs that count.
// RUN: fad-opt %s --fad-vjp --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @while
// The trip count: a primal copy of the loop with a counter.
// CHECK:         %[[COUNT:[a-z0-9_]+]]:2 = fad.while iter(%{{.*}}, %{{.*}}) : (f64, i64) -> (f64, i64)
// The tape, then the reverse sweep, both of that many iterations.
// CHECK:         fad.for %[[COUNT]]#1
// CHECK:         fad.for %[[COUNT]]#1
func.func @while(%x: f64, %lim: f64, %yAdj: f64) -> f64 {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %r = fad.while iter(%a) : (f64) -> f64 cond {
    ^bb0(%s: f64):
      %c = arith.cmpf olt, %s, %lim : f64
      fad.yield %c : i1
    } do {
    ^bb0(%s: f64):
      %t = fad.mul %s, %s : f64
      fad.yield %t : f64
    }
    fad.yield %r : f64
  }
  return %xAdj : f64
}

// -----

// A scan adds each output's adjoint to the carried accumulator adjoint.
// CHECK-LABEL: func.func @cumsum
// CHECK:         fad.for
// CHECK:         fad.for %{{.*}} iter(%{{.*}}, %{{.*}})
// CHECK:           fad.index %[[YADJ:[a-z0-9_]+]][%{{.*}}]
// CHECK:           fad.add
// CHECK:           fad.add_at
func.func @cumsum(%x: tensor<?xf64>, %yAdj: tensor<?xf64>) -> tensor<?xf64> {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (tensor<?xf64>), (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: tensor<?xf64>):
    %z = arith.constant 0.0 : f64
    %s = fad.scan inits(%z) arrays(%a) : (f64), (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%p: f64, %q: f64):
      %t = fad.add %p, %q : f64
      fad.yield %t : f64
    }
    fad.yield %s : tensor<?xf64>
  }
  return %xAdj : tensor<?xf64>
}

// -----

// Residuals: what the transposed body reads and costs something to compute
// (exp of the state) is recorded on the tape next to the state, each
// iteration writing its row; the reverse sweep reads it back instead of
// running exp again.
// RUN: fad-opt %s --fad-vjp=checkpoint=store-all --canonicalize --split-input-file | FileCheck %s --check-prefix=TAPE
// TAPE-LABEL: func.func @residual
// TAPE:         %[[TAPES:[a-z0-9_]+]]:3 = fad.for %{{.*}} iter(
// TAPE:           %[[E:[a-z0-9_]+]] = fad.exp
// TAPE:           fad.update
// TAPE:           fad.update %{{.*}}[%{{.*}}], %[[E]] {fad.in_bounds}
// TAPE:           fad.yield
// TAPE:         fad.for
// TAPE-NOT:       fad.exp
// TAPE:           fad.index %[[TAPES]]#1
// TAPE-NOT:       fad.exp
// TAPE:           fad.index %[[TAPES]]#2
// TAPE-NOT:       fad.exp
// TAPE:         return
func.func @residual(%x: f64, %n: i64, %yAdj: f64) -> f64 {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %r = fad.for %n iter(%a) : (f64) -> f64 {
    ^bb0(%i: i64, %s: f64):
      %e = fad.exp %s : f64
      %t = fad.mul %e, %s : f64
      fad.yield %t : f64
    }
    fad.yield %r : f64
  }
  return %xAdj : f64
}

// -----

// An array residual: the map's exponentials (kept by its primal copy for its
// transpose) are recorded per iteration, with the extent of the state; the
// reverse sweep computes no exponential.
// TAPE-LABEL: func.func @array_residual
// TAPE:         fad.for
// TAPE:           fad.exp
// TAPE:           fad.update
// TAPE:           fad.update
// TAPE:           fad.yield
// TAPE:         fad.for
// TAPE-NOT:       fad.exp
// TAPE:         return
func.func @array_residual(%x: tensor<?xf64>, %n: i64, %yAdj: tensor<?xf64>) -> tensor<?xf64> {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (tensor<?xf64>), (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: tensor<?xf64>):
    %r = fad.for %n iter(%a) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%i: i64, %s: tensor<?xf64>):
      %e = fad.map(%s) : (tensor<?xf64>) -> tensor<?xf64> {
      ^bb0(%v: f64):
        %t = fad.exp %v : f64
        fad.yield %t : f64
      }
      %m = fad.map(%e, %s) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
      ^bb0(%u: f64, %v: f64):
        %t = fad.mul %u, %v : f64
        fad.yield %t : f64
      }
      fad.yield %m : tensor<?xf64>
    }
    fad.yield %r : tensor<?xf64>
  }
  return %xAdj : tensor<?xf64>
}

// -----

// A fold's tape records its step's residuals too: exp of each element.
// TAPE-LABEL: func.func @fold_residual
// TAPE:         fad.for
// TAPE:           fad.exp
// TAPE:           fad.update
// TAPE:           fad.update
// TAPE:           fad.yield
// TAPE:         fad.for
// TAPE-NOT:       fad.exp
// TAPE:         return
func.func @fold_residual(%x: tensor<?xf64>, %yAdj: f64) -> tensor<?xf64> {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (tensor<?xf64>), (f64) -> (f64, tensor<?xf64>) {
  ^bb0(%a: tensor<?xf64>):
    %one = arith.constant 1.0 : f64
    %p = fad.reduce inits(%one) arrays(%a) : (f64), (tensor<?xf64>) -> f64 {
    ^bb0(%acc: f64, %v: f64):
      %e = fad.exp %v : f64
      %t = fad.mul %acc, %e : f64
      fad.yield %t : f64
    }
    fad.yield %p : f64
  }
  return %xAdj : tensor<?xf64>
}
