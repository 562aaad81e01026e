// fad-vjp on structured ops. A map transposes to a parallel map over the
// primal elements and the results' adjoints (which also yields each
// element's contribution to the adjoints of captured linear scalars, summed
// after); when its body captures linear arrays, to a loop over the elements
// that stores each element's adjoint at its position (fad.add_at) and
// accumulates the captured values' adjoints. Scalars of the body that cost
// transcendentals to compute come from the primal map (residuals). A fold records its
// accumulators on a tape, then runs backwards.
// RUN: fad-opt %s --fad-vjp --split-input-file | FileCheck %s
// RUN: fad-opt %s --fad-vjp --canonicalize --split-input-file | FileCheck %s --check-prefix=CLEAN

// Residuals: the transposed map reads exp(x[i]) from the primal map's
// result instead of recomputing it.
// CHECK-LABEL: func.func @map
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: tensor<?xf64>, %[[YADJ:[a-z0-9_]+]]: tensor<?xf64>)
// CHECK:         %[[P:[a-z0-9_]+]] = fad.map(%[[X]]) : (tensor<?xf64>) -> tensor<?xf64>
// CHECK:           %[[PEXP:[a-z0-9_]+]] = fad.exp
// CHECK:           fad.yield %[[PEXP]]
// CHECK:         %[[R:[a-z0-9_]+]] = fad.map(%[[X]], %[[P]], %[[YADJ]]) : (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
// CHECK:         ^bb0(%{{.*}}: f64, %[[EXP:[a-z0-9_]+]]: f64, %[[EADJ:[a-z0-9_]+]]: f64):
// CHECK:           %[[ARGADJ:[a-z0-9_]+]] = fad.mul %[[EXP]], %[[EADJ]]
// CHECK:           fad.yield %[[ARGADJ]]
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

// A captured linear scalar (c's tangent): the transposed map also yields
// each element's contribution to c's adjoint, x[i] * yAdj[i], summed after.
// CHECK-LABEL: func.func @captured
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: tensor<?xf64>, %[[C:[a-z0-9_]+]]: f64, %[[YADJ:[a-z0-9_]+]]: tensor<?xf64>)
// CHECK:         %[[T:[a-z0-9_]+]]:2 = fad.map(%[[X]], %[[YADJ]]) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>)
// CHECK:         ^bb0(%[[E:[a-z0-9_]+]]: f64, %[[EADJ:[a-z0-9_]+]]: f64):
// CHECK-DAG:       %[[TOC:[a-z0-9_]+]] = fad.mul %[[E]], %[[EADJ]] : f64
// CHECK-DAG:       %[[TOX:[a-z0-9_]+]] = fad.mul %[[C]], %[[EADJ]] : f64
// CHECK:           fad.yield %[[TOX]], %[[TOC]]
// CHECK:         %[[CADJ:[a-z0-9_]+]] = fad.reduce inits(%{{.*}}) arrays(%[[T]]#1)
// CHECK:           fad.add
// CHECK:         return %[[T]]#0, %[[CADJ]]
func.func @captured(%x: tensor<?xf64>, %c: f64, %yAdj: tensor<?xf64>) -> (tensor<?xf64>, f64) {
  %y, %xAdj, %cAdj = fad.vjp (%x, %c) cotangents(%yAdj) : (tensor<?xf64>, f64), (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>, f64) {
  ^bb0(%a: tensor<?xf64>, %s: f64):
    %m = fad.map (%a) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%e: f64):
      %p = fad.mul %e, %s : f64
      fad.yield %p : f64
    }
    fad.yield %m : tensor<?xf64>
  }
  return %xAdj, %cAdj : tensor<?xf64>, f64
}

// -----

// A captured linear array (v's tangent, read at the element's position)
// makes the transpose a loop that carries v's adjoint and the input's
// adjoint array.
// CHECK-LABEL: func.func @captured_array
// CHECK:         %[[R:[a-z0-9_]+]]:2 = fad.for %{{.*}} iter(%{{.*}}, %{{.*}}) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>)
// CHECK:         ^bb0(%[[I:[a-z0-9_]+]]: i64, %[[ACC:[a-z0-9_]+]]: tensor<?xf64>, %[[VADJ:[a-z0-9_]+]]: tensor<?xf64>):
// CHECK-DAG:       fad.add_at %[[VADJ]][%{{.*}}], %{{.*}}
// CHECK-DAG:       fad.add_at %[[ACC]][%[[I]]], %{{.*}}
// CHECK:         return %[[R]]#0, %[[R]]#1
func.func @captured_array(%x: tensor<?xf64>, %v: tensor<?xf64>, %yAdj: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  %y, %xAdj, %vAdj = fad.vjp (%x, %v) cotangents(%yAdj) : (tensor<?xf64>, tensor<?xf64>), (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: tensor<?xf64>, %w: tensor<?xf64>):
    %zero = arith.constant 0 : i64
    %m = fad.map (%a) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%e: f64):
      %first = fad.index %w[%zero] : tensor<?xf64> -> f64
      %p = fad.mul %e, %first : f64
      fad.yield %p : f64
    }
    fad.yield %m : tensor<?xf64>
  }
  return %xAdj, %vAdj : tensor<?xf64>, tensor<?xf64>
}

// -----

// CHECK-LABEL: func.func @product
// The tape: the accumulator before each element, written at row i.
// CHECK:         %[[TAPE:[a-z0-9_]+]]:2 = fad.for
// CHECK:           fad.update {{.*}} {fad.in_bounds}
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

// -----

// An array residual: each row's exponentials (one array per row, of the
// row's extent) are kept by the primal map, stacked, and read by the
// transposed map; the reverse pass computes no exponential. (The primal
// result, unused, is dropped by map's canonicalization.)
// CLEAN-LABEL: func.func @row_residual
// CLEAN:         %[[P:[a-z0-9_]+]] = fad.map(%{{.*}}) : (tensor<?x?xf64>) -> tensor<?x?xf64>
// CLEAN:           fad.exp
// CLEAN-NOT:     fad.exp
// CLEAN:         fad.map(%{{.*}}, %[[P]], %{{.*}})
// CLEAN-NOT:     fad.exp
// CLEAN:         return
func.func @row_residual(%m: tensor<?x?xf64>, %yAdj: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %y, %mAdj = fad.vjp (%m) cotangents(%yAdj) : (tensor<?x?xf64>), (tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  ^bb0(%a: tensor<?x?xf64>):
    %r = fad.map(%a) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
    ^bb0(%row: tensor<?xf64>):
      %e = fad.map(%row) : (tensor<?xf64>) -> tensor<?xf64> {
      ^bb0(%v: f64):
        %t = fad.exp %v : f64
        fad.yield %t : f64
      }
      %p = fad.map(%e, %row) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
      ^bb0(%u: f64, %v: f64):
        %t = fad.mul %u, %v : f64
        fad.yield %t : f64
      }
      fad.yield %p : tensor<?xf64>
    }
    fad.yield %r : tensor<?x?xf64>
  }
  return %mAdj : tensor<?x?xf64>
}
