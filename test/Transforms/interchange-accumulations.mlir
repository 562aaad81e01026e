// RUN: fad-opt %s --fad-interchange-accumulations --split-input-file | FileCheck %s

// Per point i a scalar (a sum over the point's row: stored first) and the
// row x[i]; per component j a matrix m[j] and a matrix block of the
// accumulator: j outside, i inside, the row at i recomputed, the scalar read.
// CHECK-LABEL: func.func @components_inside
// CHECK:         %[[S:.*]] = fad.build %arg0 : tensor<?xf64> {
// CHECK-NEXT:    ^bb0(%[[I0:.*]]: i64):
// CHECK-NEXT:      %[[X0:.*]] = fad.index %arg3[%[[I0]]]
// CHECK-NEXT:      %[[SUM:.*]] = fad.reduce
// CHECK:           fad.yield %[[SUM]] : f64
// CHECK:         %[[R:.*]] = fad.for %arg1 iter(%arg5)
// CHECK-NEXT:    ^bb0(%[[J:.*]]: i64, %[[A:.*]]: tensor<?x?x?xf64>):
// CHECK-NEXT:      %[[OVERI:.*]] = fad.for %arg0 iter(%[[A]])
// CHECK-NEXT:      ^bb0(%[[I:.*]]: i64, %[[B:.*]]: tensor<?x?x?xf64>):
// CHECK-NEXT:        %[[X:.*]] = fad.index %arg3[%[[I]]] : tensor<?x?xf64> -> tensor<?xf64>
// CHECK-NEXT:        %[[SI:.*]] = fad.index %[[S]][%[[I]]] {fad.in_bounds} : tensor<?xf64> -> f64
// CHECK-NEXT:        %[[M:.*]] = fad.index %arg4[%[[J]]] : tensor<?x?x?xf64> -> tensor<?x?xf64>
// CHECK:               fad.index %[[X]][%{{.*}}]
// CHECK:               fad.mul %{{.*}}, %[[SI]]
// CHECK:               fad.add_at %{{.*}}[%[[J]], %{{.*}}, %{{.*}}]
// CHECK:        fad.yield %{{.*}} : tensor<?x?x?xf64>
// CHECK:      fad.yield %[[OVERI]] : tensor<?x?x?xf64>
// CHECK:    return %[[R]]
func.func @components_inside(%n: i64, %k: i64, %d: i64, %x: tensor<?x?xf64>, %m: tensor<?x?x?xf64>,
                             %init: tensor<?x?x?xf64>) -> tensor<?x?x?xf64> {
  %zero = arith.constant 0.0 : f64
  %r = fad.for %n iter(%init) : (tensor<?x?x?xf64>) -> tensor<?x?x?xf64> {
  ^bb0(%i: i64, %acc: tensor<?x?x?xf64>):
    %xi = fad.index %x[%i] : tensor<?x?xf64> -> tensor<?xf64>
    %s = fad.reduce inits(%zero) arrays(%xi) : (f64), (tensor<?xf64>) -> f64 {
    ^bb0(%u: f64, %v: f64):
      %w = fad.add %u, %v : f64
      fad.yield %w : f64
    }
    %inner = fad.for %k iter(%acc) : (tensor<?x?x?xf64>) -> tensor<?x?x?xf64> {
    ^bb0(%j: i64, %a: tensor<?x?x?xf64>):
      %mj = fad.index %m[%j] : tensor<?x?x?xf64> -> tensor<?x?xf64>
      %rows = fad.for %d iter(%a) : (tensor<?x?x?xf64>) -> tensor<?x?x?xf64> {
      ^bb0(%row: i64, %a2: tensor<?x?x?xf64>):
        %mr = fad.index %mj[%row] : tensor<?x?xf64> -> tensor<?xf64>
        %cols = fad.for %d iter(%a2) : (tensor<?x?x?xf64>) -> tensor<?x?x?xf64> {
        ^bb0(%col: i64, %a3: tensor<?x?x?xf64>):
          %v = fad.index %mr[%col] : tensor<?xf64> -> f64
          %xc = fad.index %xi[%col] : tensor<?xf64> -> f64
          %p = fad.mul %v, %xc : f64
          %q = fad.mul %p, %s : f64
          %a4 = fad.add_at %a3[%j, %row, %col], %q : tensor<?x?x?xf64>, f64
          fad.yield %a4 : tensor<?x?x?xf64>
        }
        fad.yield %cols : tensor<?x?x?xf64>
      }
      fad.yield %rows : tensor<?x?x?xf64>
    }
    fad.yield %inner : tensor<?x?x?xf64>
  }
  return %r : tensor<?x?x?xf64>
}

// -----

// With no scalar to store, the outer body's check runs first in a loop of
// its own.
// CHECK-LABEL: func.func @check_first
// CHECK:         fad.for %arg0 iter() : () -> () {
// CHECK-NEXT:    ^bb0(%[[I0:.*]]: i64):
// CHECK:           fad.assert %{{.*}}, "i in range"
// CHECK-NEXT:      fad.yield
// CHECK:         fad.for %arg1 iter(%arg4)
// CHECK:           fad.for %arg0 iter(
// CHECK-NOT:         fad.assert
// CHECK:             fad.add_at
func.func @check_first(%n: i64, %k: i64, %x: tensor<?x?xf64>, %m: tensor<?x?xf64>,
                       %init: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %r = fad.for %n iter(%init) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%i: i64, %acc: tensor<?x?xf64>):
    %ok = arith.cmpi slt, %i, %k : i64
    fad.assert %ok, "i in range"
    %inner = fad.for %k iter(%acc) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
    ^bb0(%j: i64, %a: tensor<?x?xf64>):
      %mj = fad.index %m[%j] : tensor<?x?xf64> -> tensor<?xf64>
      %cols = fad.for %k iter(%a) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
      ^bb0(%col: i64, %a2: tensor<?x?xf64>):
        %v = fad.index %mj[%col] : tensor<?xf64> -> f64
        %a3 = fad.add_at %a2[%j, %col], %v : tensor<?x?xf64>, f64
        fad.yield %a3 : tensor<?x?xf64>
      }
      fad.yield %cols : tensor<?x?xf64>
    }
    fad.yield %inner : tensor<?x?xf64>
  }
  return %r : tensor<?x?xf64>
}

// -----

// Not interchanged: as much data per point as per component (a row each:
// k-means); per component only scalars; the inner trip count changes with
// i; an array computed per point; the state read besides by the inner loop.
// CHECK-LABEL: func.func @not_interchanged
// CHECK-NOT:     fad.build
// CHECK-NOT:     iter()
func.func @not_interchanged(%n: i64, %k: i64, %x: tensor<?x?xf64>, %c: tensor<?x?xf64>, %y: tensor<?xf64>,
                            %init: tensor<?x?xf64>, %init1: tensor<?xf64>)
    -> (tensor<?x?xf64>, tensor<?xf64>, tensor<?x?xf64>, tensor<?x?xf64>, tensor<?x?xf64>) {
  %rows = fad.for %n iter(%init) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%i: i64, %acc: tensor<?x?xf64>):
    %xi = fad.index %x[%i] : tensor<?x?xf64> -> tensor<?xf64>
    %inner = fad.for %k iter(%acc) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
    ^bb0(%j: i64, %a: tensor<?x?xf64>):
      %cj = fad.index %c[%j] : tensor<?x?xf64> -> tensor<?xf64>
      %cols = fad.for %k iter(%a) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
      ^bb0(%col: i64, %a2: tensor<?x?xf64>):
        %u = fad.index %cj[%col] : tensor<?xf64> -> f64
        %v = fad.index %xi[%col] : tensor<?xf64> -> f64
        %w = fad.mul %u, %v : f64
        %a3 = fad.add_at %a2[%j, %col], %w : tensor<?x?xf64>, f64
        fad.yield %a3 : tensor<?x?xf64>
      }
      fad.yield %cols : tensor<?x?xf64>
    }
    fad.yield %inner : tensor<?x?xf64>
  }
  %scalars = fad.for %n iter(%init1) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %yi = fad.index %y[%i] : tensor<?xf64> -> f64
    %inner = fad.for %k iter(%acc) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%j: i64, %a: tensor<?xf64>):
      %a2 = fad.add_at %a[%j], %yi : tensor<?xf64>, f64
      fad.yield %a2 : tensor<?xf64>
    }
    fad.yield %inner : tensor<?xf64>
  }
  %varying = fad.for %n iter(%init) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%i: i64, %acc: tensor<?x?xf64>):
    %inner = fad.for %i iter(%acc) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
    ^bb0(%j: i64, %a: tensor<?x?xf64>):
      %cj = fad.index %c[%j] : tensor<?x?xf64> -> tensor<?xf64>
      %cols = fad.for %k iter(%a) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
      ^bb0(%col: i64, %a2: tensor<?x?xf64>):
        %u = fad.index %cj[%col] : tensor<?xf64> -> f64
        %a3 = fad.add_at %a2[%j, %col], %u : tensor<?x?xf64>, f64
        fad.yield %a3 : tensor<?x?xf64>
      }
      fad.yield %cols : tensor<?x?xf64>
    }
    fad.yield %inner : tensor<?x?xf64>
  }
  %computed = fad.for %n iter(%init) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%i: i64, %acc: tensor<?x?xf64>):
    %xi = fad.index %x[%i] : tensor<?x?xf64> -> tensor<?xf64>
    %sq = fad.map(%xi) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%e: f64):
      %e2 = fad.mul %e, %e : f64
      fad.yield %e2 : f64
    }
    %inner = fad.for %k iter(%acc) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
    ^bb0(%j: i64, %a: tensor<?x?xf64>):
      %cj = fad.index %c[%j] : tensor<?x?xf64> -> tensor<?xf64>
      %cols = fad.for %k iter(%a) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
      ^bb0(%col: i64, %a2: tensor<?x?xf64>):
        %u = fad.index %cj[%col] : tensor<?xf64> -> f64
        %v = fad.index %sq[%j] : tensor<?xf64> -> f64
        %w = fad.mul %u, %v : f64
        %a3 = fad.add_at %a2[%j, %col], %w : tensor<?x?xf64>, f64
        fad.yield %a3 : tensor<?x?xf64>
      }
      fad.yield %cols : tensor<?x?xf64>
    }
    fad.yield %inner : tensor<?x?xf64>
  }
  %read = fad.for %n iter(%init) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%i: i64, %acc: tensor<?x?xf64>):
    %zero = arith.constant 0 : i64
    %e = fad.index %acc[%zero, %zero] : tensor<?x?xf64> -> f64
    %inner = fad.for %k iter(%acc) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
    ^bb0(%j: i64, %a: tensor<?x?xf64>):
      %cj = fad.index %c[%j] : tensor<?x?xf64> -> tensor<?xf64>
      %cols = fad.for %k iter(%a) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
      ^bb0(%col: i64, %a2: tensor<?x?xf64>):
        %u = fad.index %cj[%col] : tensor<?xf64> -> f64
        %w = fad.mul %u, %e : f64
        %a3 = fad.add_at %a2[%j, %col], %w : tensor<?x?xf64>, f64
        fad.yield %a3 : tensor<?x?xf64>
      }
      fad.yield %cols : tensor<?x?xf64>
    }
    fad.yield %inner : tensor<?x?xf64>
  }
  return %rows, %scalars, %varying, %computed, %read
      : tensor<?x?xf64>, tensor<?xf64>, tensor<?x?xf64>, tensor<?x?xf64>, tensor<?x?xf64>
}
