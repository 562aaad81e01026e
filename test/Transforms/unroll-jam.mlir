// RUN: fad-opt %s --fad-unroll-jam=factor=2 --split-input-file | FileCheck %s
// RUN: fad-opt %s --fad-unroll-jam --split-input-file | FileCheck %s --check-prefix=FOUR

// The adjoint of Horner's rule per point, accumulated into xs's adjoint:
// two points per round, their recurrences in one inner loop (two carried
// floats, the accumulator once, added to by point 2r then 2r + 1), then the
// odd point left.
// CHECK-LABEL: func.func @horner_adjoint
// CHECK:         %[[ROUNDS:.*]] = fad.div %arg0, %[[TWO:.*]] : i64
// CHECK:         %[[DONE:.*]] = fad.mul %[[ROUNDS]], %[[TWO]] : i64
// CHECK:         %[[JAMMED:.*]] = fad.for %[[ROUNDS]] iter(%arg2) {fad.reduction}
// CHECK-NEXT:    ^bb0(%[[R:.*]]: i64, %[[ACC:.*]]: tensor<?xf64>):
// CHECK-NEXT:      %[[I0:.*]] = fad.mul %[[R]], %[[TWO]] : i64
// CHECK:           %[[I1:.*]] = fad.add %[[I0]], %{{.*}} : i64
// CHECK:           %[[T0:.*]] = fad.convert %[[I0]] : i64 to f64
// CHECK-NEXT:      %[[T1:.*]] = fad.convert %[[I1]] : i64 to f64
// CHECK-NEXT:      %[[IN:.*]]:3 = fad.for %[[M:.*]] iter(%[[T0]], %[[T1]], %[[ACC]])
// CHECK-NEXT:      ^bb0(%[[J:.*]]: i64, %[[A0:.*]]: f64, %[[A1:.*]]: f64, %[[X:.*]]: tensor<?xf64>):
// CHECK-NEXT:        %[[X0:.*]] = fad.add_at %[[X]][%[[J]]], %[[A0]]
// CHECK-NEXT:        %[[X1:.*]] = fad.add_at %[[X0]][%[[J]]], %[[A1]]
// CHECK-NEXT:        %[[N0:.*]] = fad.mul %[[A0]], %[[T0]] : f64
// CHECK-NEXT:        %[[N1:.*]] = fad.mul %[[A1]], %[[T1]] : f64
// CHECK-NEXT:        fad.yield %[[N0]], %[[N1]], %[[X1]]
// CHECK:           fad.yield %[[IN]]#2
// CHECK:         %[[LEFT:.*]] = fad.sub %arg0, %[[DONE]] : i64
// CHECK:         %[[REST:.*]] = fad.for %[[LEFT]] iter(%[[JAMMED]]) {fad.reduction}
// CHECK-NEXT:    ^bb0(%[[K:.*]]: i64, %{{.*}}: tensor<?xf64>):
// CHECK-NEXT:      %[[I:.*]] = fad.add %[[DONE]], %[[K]] : i64
// CHECK-NEXT:      fad.convert %[[I]] : i64 to f64
// CHECK:         return %[[REST]]
func.func @horner_adjoint(%n: i64, %m: i64, %init: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.for %n iter(%init) {fad.reduction} : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %t = fad.convert %i : i64 to f64
    %inner:2 = fad.for %m iter(%t, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %x: tensor<?xf64>):
      %x2 = fad.add_at %x[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %x2 : f64, tensor<?xf64>
    }
    fad.yield %inner#1 : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// Not jammed: the state is read (not only added to); the inner loop's trip
// count changes with the iteration; no float recurrence; a trace.
// CHECK-LABEL: func.func @not_jammed
// CHECK-NOT:     fad.div
// CHECK-COUNT-8: fad.for
// CHECK-NOT:     fad.for
func.func @not_jammed(%n: i64, %m: i64, %init: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) {
  %read = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %e = fad.index %acc[%i] : tensor<?xf64> -> f64
    %inner:2 = fad.for %m iter(%e, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %x: tensor<?xf64>):
      %x2 = fad.add_at %x[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %a : f64
      fad.yield %a2, %x2 : f64, tensor<?xf64>
    }
    fad.yield %inner#1 : tensor<?xf64>
  }
  %varying = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %t = fad.convert %i : i64 to f64
    %inner:2 = fad.for %i iter(%t, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %x: tensor<?xf64>):
      %x2 = fad.add_at %x[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %x2 : f64, tensor<?xf64>
    }
    fad.yield %inner#1 : tensor<?xf64>
  }
  %flat = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %t = fad.convert %i : i64 to f64
    %inner = fad.for %m iter(%acc) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%j: i64, %x: tensor<?xf64>):
      %x2 = fad.add_at %x[%j], %t : tensor<?xf64>, f64
      fad.yield %x2 : tensor<?xf64>
    }
    fad.yield %inner : tensor<?xf64>
  }
  %traced = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %t0 = fad.convert %i : i64 to f64
    %t = fad.trace "t" %t0 : f64
    %inner:2 = fad.for %m iter(%t, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %x: tensor<?xf64>):
      %x2 = fad.add_at %x[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %x2 : f64, tensor<?xf64>
    }
    fad.yield %inner#1 : tensor<?xf64>
  }
  return %read, %varying, %flat, %traced : tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>
}

// -----

// An accumulator through a conditional (read once in each branch) is
// threaded through the copies' conditionals in turn.
// CHECK-LABEL: func.func @through_if
// CHECK:         fad.for %{{.*}} iter(%arg3)
// CHECK-NEXT:    ^bb0(%{{.*}}: i64, %[[ACC:.*]]: tensor<?xf64>):
// CHECK:           %[[IN:.*]]:3 = fad.for %arg1 iter(%{{.*}}, %{{.*}}, %[[ACC]])
// CHECK:           %[[IF0:.*]] = fad.if %{{.*}} -> tensor<?xf64> {
// CHECK-NEXT:        %[[A0:.*]] = fad.add_at %[[IN]]#2[%c0_i64], %[[IN]]#0
// CHECK-NEXT:        fad.yield %[[A0]]
// CHECK-NEXT:      } else {
// CHECK-NEXT:        fad.yield %[[IN]]#2
// CHECK:           %[[IF1:.*]] = fad.if %{{.*}} -> tensor<?xf64> {
// CHECK-NEXT:        %[[A1:.*]] = fad.add_at %[[IF0]][%c0_i64], %[[IN]]#1
// CHECK-NEXT:        fad.yield %[[A1]]
// CHECK-NEXT:      } else {
// CHECK-NEXT:        fad.yield %[[IF0]]
// CHECK:           fad.yield %[[IF1]]
func.func @through_if(%n: i64, %m: i64, %t: f64, %init: tensor<?xf64>) -> tensor<?xf64> {
  %zero = arith.constant 0 : i64
  %r = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %ti = fad.convert %i : i64 to f64
    %inner:2 = fad.for %m iter(%ti, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %x: tensor<?xf64>):
      %x2 = fad.add_at %x[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %x2 : f64, tensor<?xf64>
    }
    %positive = arith.cmpf ogt, %inner#0, %t : f64
    %next = fad.if %positive -> tensor<?xf64> {
      %y = fad.add_at %inner#1[%zero], %inner#0 : tensor<?xf64>, f64
      fad.yield %y : tensor<?xf64>
    } else {
      fad.yield %inner#1 : tensor<?xf64>
    }
    fad.yield %next : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// Not jammed: a version read twice (a second add_at whose sum is only asked
// for its extent).
// CHECK-LABEL: func.func @read_twice
// CHECK-NOT:     fad.div
func.func @read_twice(%n: i64, %m: i64, %init: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %t = fad.convert %i : i64 to f64
    %inner:2 = fad.for %m iter(%t, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %x: tensor<?xf64>):
      %x2 = fad.add_at %x[%j], %a : tensor<?xf64>, f64
      %x3 = fad.add_at %x[%j], %t : tensor<?xf64>, f64
      %d = fad.dim %x3[0] : tensor<?xf64>
      %df = fad.convert %d : i64 to f64
      %a2 = fad.mul %a, %df : f64
      fad.yield %a2, %x2 : f64, tensor<?xf64>
    }
    fad.yield %inner#1 : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// Two recurrences in one body, a check, a conditional inside the merged
// loop: both loops merged, the check and the conditional copied per point.
// CHECK-LABEL: func.func @two_recurrences
// CHECK:         fad.for %{{.*}} iter(%arg3)
// CHECK:           fad.assert
// CHECK:           fad.assert
// CHECK:           %[[F:.*]]:2 = fad.for %arg1 iter(%{{.*}}, %{{.*}}) : (f64, f64)
// CHECK:             fad.if
// CHECK:             fad.if
// CHECK:           %[[G:.*]]:3 = fad.for %arg1 iter(%[[F]]#0, %[[F]]#1, %{{.*}}) : (f64, f64, tensor<?xf64>)
// CHECK:             fad.add_at
// CHECK:             fad.add_at
func.func @two_recurrences(%n: i64, %m: i64, %t: f64, %init: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %ti = fad.convert %i : i64 to f64
    %ok = arith.cmpf oge, %ti, %t : f64
    fad.assert %ok, "i below t"
    %f = fad.for %m iter(%ti) : (f64) -> f64 {
    ^bb0(%j: i64, %a: f64):
      %big = arith.cmpf ogt, %a, %t : f64
      %a2 = fad.if %big -> f64 {
        %h = fad.mul %a, %t : f64
        fad.yield %h : f64
      } else {
        fad.yield %a : f64
      }
      fad.yield %a2 : f64
    }
    %g:2 = fad.for %m iter(%f, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %x: tensor<?xf64>):
      %x2 = fad.add_at %x[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %x2 : f64, tensor<?xf64>
    }
    fad.yield %g#1 : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// Not jammed: a loop that may not end in the body.
// CHECK-LABEL: func.func @may_not_end
// CHECK-NOT:     fad.div
func.func @may_not_end(%n: i64, %m: i64, %t: f64, %init: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %ti = fad.convert %i : i64 to f64
    %w = fad.while iter(%ti) : (f64) -> f64 cond {
    ^bb0(%a: f64):
      %go = arith.cmpf olt, %a, %t : f64
      fad.yield %go : i1
    } do {
    ^bb0(%a: f64):
      %a2 = fad.add %a, %t : f64
      fad.yield %a2 : f64
    }
    %g:2 = fad.for %m iter(%w, %acc) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
    ^bb0(%j: i64, %a: f64, %x: tensor<?xf64>):
      %x2 = fad.add_at %x[%j], %a : tensor<?xf64>, f64
      %a2 = fad.mul %a, %t : f64
      fad.yield %a2, %x2 : f64, tensor<?xf64>
    }
    fad.yield %g#1 : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// The transpose of a matrix-vector product by rows, x̄ += ȳ_r A_r: the
// copies' elementwise accumulations become one map that adds row 2r's term,
// then row 2r + 1's, to each element (x̄ read and written once per round;
// the shared input once), and no recurrence is needed for it to pay.
// CHECK-LABEL: func.func @rows_into_vector
// CHECK:         fad.for %{{.*}} iter(%arg3)
// CHECK-NEXT:    ^bb0(%{{.*}}: i64, %[[ACC:.*]]: tensor<?xf64>):
// CHECK:           %[[ROW0:.*]] = fad.index %arg1[%[[I0:.*]]] : tensor<?x?xf64> -> tensor<?xf64>
// CHECK-NEXT:      %[[ROW1:.*]] = fad.index %arg1[%[[I1:.*]]] : tensor<?x?xf64> -> tensor<?xf64>
// CHECK-NEXT:      %[[Y0:.*]] = fad.index %arg2[%[[I0]]] : tensor<?xf64> -> f64
// CHECK-NEXT:      %[[Y1:.*]] = fad.index %arg2[%[[I1]]] : tensor<?xf64> -> f64
// CHECK-NEXT:      %[[SUM:.*]] = fad.map(%[[ACC]], %[[ROW0]], %arg4, %[[ROW1]])
// CHECK-NEXT:      ^bb0(%[[A:.*]]: f64, %[[L0:.*]]: f64, %[[W:.*]]: f64, %[[L1:.*]]: f64):
// CHECK-NEXT:        %[[P0:.*]] = fad.mul %[[L0]], %[[Y0]] : f64
// CHECK-NEXT:        %[[Q0:.*]] = fad.mul %[[P0]], %[[W]] : f64
// CHECK-NEXT:        %[[S0:.*]] = fad.add %[[A]], %[[Q0]] : f64
// CHECK-NEXT:        %[[P1:.*]] = fad.mul %[[L1]], %[[Y1]] : f64
// CHECK-NEXT:        %[[Q1:.*]] = fad.mul %[[P1]], %[[W]] : f64
// CHECK-NEXT:        %[[S1:.*]] = fad.add %[[S0]], %[[Q1]] : f64
// CHECK-NEXT:        fad.yield %[[S1]] : f64
// CHECK:           fad.yield %[[SUM]]
// CHECK:         fad.for %{{.*}} iter(%{{.*}})
// CHECK:           fad.map(%{{.*}}, %{{.*}}, %arg4)
// CHECK-NOT:     fad.for
func.func @rows_into_vector(%n: i64, %a: tensor<?x?xf64>, %y: tensor<?xf64>, %init: tensor<?xf64>,
                            %w: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %row = fad.index %a[%i] : tensor<?x?xf64> -> tensor<?xf64>
    %yi = fad.index %y[%i] : tensor<?xf64> -> f64
    %next = fad.map(%row, %acc, %w) : (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%l: f64, %s: f64, %wk: f64):
      %p = fad.mul %l, %yi : f64
      %q = fad.mul %p, %wk : f64
      %t = fad.add %s, %q : f64
      fad.yield %t : f64
    }
    fad.yield %next : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// Forward mode through a dot product of 3-vectors with 3 tangent lanes: a
// scalar sum (the primal) and an elementwise accumulation (the lanes). Both
// are accumulators. By 2: a round of two terms, then the third, each a loop
// of one trip, which the pass's clean-up makes straight-line code; the
// rest's map then fuses into the round's. With 4 copies and a constant trip
// count of 3, all three terms run in one round. Either way: no loop, the
// sum's terms in order (0 + p0 folded to p0) and one map over the lanes.
// CHECK-LABEL: func.func @lanes_of_a_dot
// CHECK-NOT:     fad.for
// CHECK:         %[[P0:.*]] = fad.mul {{.*}} : f64
// CHECK-NEXT:    %[[P1:.*]] = fad.mul {{.*}} : f64
// CHECK-NEXT:    %[[S1:.*]] = fad.add %[[P0]], %[[P1]] : f64
// CHECK:         %[[P2:.*]] = fad.mul {{.*}} : f64
// CHECK-NEXT:    %[[S2:.*]] = fad.add %[[S1]], %[[P2]] : f64
// CHECK-NEXT:    %[[M:.*]] = fad.map(%arg3, %{{.*}}, %{{.*}}, %{{.*}}) : (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
// CHECK-NOT:     fad.for
// CHECK:         return %[[S2]], %[[M]]
// FOUR-LABEL: func.func @lanes_of_a_dot
// FOUR-NOT:     fad.for
// FOUR:         %[[P0:.*]] = fad.mul {{.*}} : f64
// FOUR-NEXT:    %[[P1:.*]] = fad.mul {{.*}} : f64
// FOUR-NEXT:    %[[P2:.*]] = fad.mul {{.*}} : f64
// FOUR-NEXT:    %[[S1:.*]] = fad.add %[[P0]], %[[P1]] : f64
// FOUR-NEXT:    %[[S2:.*]] = fad.add %[[S1]], %[[P2]] : f64
// FOUR-NEXT:    %[[M:.*]] = fad.map(%arg3, %{{.*}}, %{{.*}}, %{{.*}}) : (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64>
// FOUR-NOT:     fad.for
// FOUR:         return %[[S2]], %[[M]]
func.func @lanes_of_a_dot(%r: tensor<?xf64>, %p: tensor<?xf64>, %dr: tensor<?x?xf64>,
                          %zero: tensor<?xf64>) -> (f64, tensor<?xf64>) {
  %c3 = arith.constant 3 : i64
  %cst = arith.constant 0.0 : f64
  %out:2 = fad.for %c3 iter(%cst, %zero) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
  ^bb0(%j: i64, %s: f64, %acc: tensor<?xf64>):
    %rj = fad.index %r[%j] : tensor<?xf64> -> f64
    %pj = fad.index %p[%j] : tensor<?xf64> -> f64
    %lanes = fad.index %dr[%j] : tensor<?x?xf64> -> tensor<?xf64>
    %prod = fad.mul %rj, %pj : f64
    %s2 = fad.add %s, %prod : f64
    %acc2 = fad.map(%acc, %lanes) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%a: f64, %l: f64):
      %t = fad.mul %pj, %l : f64
      %u = fad.add %a, %t : f64
      fad.yield %u : f64
    }
    fad.yield %s2, %acc2 : f64, tensor<?xf64>
  }
  return %out#0, %out#1 : f64, tensor<?xf64>
}

// -----

// A scalar state that is multiplied, not only added to, is no accumulator:
// the loop stays as it is.
// CHECK-LABEL: func.func @product_state
// CHECK-COUNT-1: fad.for
// CHECK-NOT:     fad.for
// FOUR-LABEL: func.func @product_state
// FOUR-COUNT-1: fad.for
// FOUR-NOT:     fad.for
func.func @product_state(%p: tensor<?xf64>, %dr: tensor<?x?xf64>,
                         %zero: tensor<?xf64>) -> (f64, tensor<?xf64>) {
  %c3 = arith.constant 3 : i64
  %one = arith.constant 1.0 : f64
  %out:2 = fad.for %c3 iter(%one, %zero) : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
  ^bb0(%j: i64, %s: f64, %acc: tensor<?xf64>):
    %pj = fad.index %p[%j] : tensor<?xf64> -> f64
    %lanes = fad.index %dr[%j] : tensor<?x?xf64> -> tensor<?xf64>
    %s2 = fad.mul %s, %pj : f64
    %acc2 = fad.map(%acc, %lanes) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%a: f64, %l: f64):
      %u = fad.add %a, %l : f64
      fad.yield %u : f64
    }
    fad.yield %s2, %acc2 : f64, tensor<?xf64>
  }
  return %out#0, %out#1 : f64, tensor<?xf64>
}

// -----

// A map that also runs over a matrix's rows (its argument is a row, not a
// number): the merged map's argument keeps the row type.
// CHECK-LABEL: func.func @row_argument
// CHECK:         fad.map(%{{.*}}, %{{.*}}, %arg2, %{{.*}}) : (tensor<?xf64>, tensor<?xf64>, tensor<?x?xf64>, tensor<?xf64>) -> tensor<?xf64> {
// CHECK-NEXT:    ^bb0(%{{.*}}: f64, %{{.*}}: f64, %{{.*}}: tensor<?xf64>, %{{.*}}: f64):
// FOUR-LABEL: func.func @row_argument
// FOUR:         ^bb0(%{{.*}}: f64, %{{.*}}: f64, %{{.*}}: tensor<?xf64>, %{{.*}}: f64, %{{.*}}: f64, %{{.*}}: f64):
func.func @row_argument(%n: i64, %a: tensor<?x?xf64>, %m: tensor<?x?xf64>,
                        %init: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.for %n iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %row = fad.index %a[%i] : tensor<?x?xf64> -> tensor<?xf64>
    %next = fad.map(%acc, %row, %m) : (tensor<?xf64>, tensor<?xf64>, tensor<?x?xf64>) -> tensor<?xf64> {
    ^bb0(%s: f64, %l: f64, %mrow: tensor<?xf64>):
      %t = fad.add %s, %l : f64
      fad.yield %t : f64
    }
    fad.yield %next : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// The transpose of a matrix-vector product per point (gmm's reverse
// sweep): each point adds rows of A to an array of its own (zbar) and adds
// ybar_r z to row r of L. The row loop is jammed first (two rows a round:
// one map adding both rows, and one loop per row into L, kept apart); then
// the point loop, two points a round: the points' row loops become one
// carrying both zbars, whose maps become one map reading A's rows once
// (two results, each written over its own zbar), and whose loops into the
// same row of L become one, adding both points' terms to each element.
// The rows of A and the extents are computed once for both points.
// CHECK-LABEL: func.func @points_share_rows
// CHECK:         fad.for %{{.*}} iter(%arg4, %arg5) : (tensor<?x?xf64>, tensor<?xf64>)
// CHECK:           %[[Z0:.*]] = fad.index %arg2[%{{.*}}] : tensor<?x?xf64> -> tensor<?xf64>
// CHECK:           %[[Z1:.*]] = fad.index %arg2[%{{.*}}] : tensor<?x?xf64> -> tensor<?xf64>
// CHECK:           %[[ROUNDS:.*]] = fad.div %arg1, %{{.*}} : i64
// CHECK-NOT:       fad.div
// CHECK:           fad.for %[[ROUNDS]] iter(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<?xf64>, tensor<?xf64>, tensor<?x?xf64>)
// CHECK-NEXT:      ^bb0(%{{.*}}: i64, %[[B0:.*]]: tensor<?xf64>, %[[B1:.*]]: tensor<?xf64>, %{{.*}}: tensor<?x?xf64>):
// CHECK:             %[[A0:.*]] = fad.index %arg0[%{{.*}}] : tensor<?x?xf64> -> tensor<?xf64>
// CHECK-NEXT:        %[[A1:.*]] = fad.index %arg0[%{{.*}}] : tensor<?x?xf64> -> tensor<?xf64>
// CHECK-NOT:         fad.index %arg0
// CHECK:             fad.map(%[[B0]], %[[A0]], %[[A1]], %[[B1]]) : (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>)
// CHECK:             fad.for %arg1 iter(%{{.*}}) : (tensor<?x?xf64>) -> tensor<?x?xf64>
// CHECK-NEXT:        ^bb0(%[[C:.*]]: i64, %[[L:.*]]: tensor<?x?xf64>):
// CHECK-NEXT:          fad.index %[[Z0]][%[[C]]]
// CHECK-NEXT:          fad.index %[[Z1]][%[[C]]]
// CHECK:               %[[L0:.*]] = fad.add_at %[[L]][%[[R0:.*]], %[[C]]]
// CHECK-NEXT:          fad.add_at %[[L0]][%[[R0]], %[[C]]]
// CHECK-NEXT:          fad.yield
// CHECK:             fad.for %arg1 iter(%{{.*}}) : (tensor<?x?xf64>) -> tensor<?x?xf64>
func.func @points_share_rows(%a: tensor<?x?xf64>, %d: i64, %x: tensor<?x?xf64>, %ybar: tensor<?x?xf64>,
                             %lacc: tensor<?x?xf64>, %macc: tensor<?xf64>, %n: i64)
    -> (tensor<?x?xf64>, tensor<?xf64>) {
  %r:2 = fad.for %n iter(%lacc, %macc) : (tensor<?x?xf64>, tensor<?xf64>) -> (tensor<?x?xf64>, tensor<?xf64>) {
  ^bb0(%i: i64, %l: tensor<?x?xf64>, %m: tensor<?xf64>):
    %z = fad.index %x[%i] : tensor<?x?xf64> -> tensor<?xf64>
    %yb = fad.index %ybar[%i] : tensor<?x?xf64> -> tensor<?xf64>
    %zero = fad.zeros_like %z : tensor<?xf64>
    %rows:2 = fad.for %d iter(%zero, %l) : (tensor<?xf64>, tensor<?x?xf64>) -> (tensor<?xf64>, tensor<?x?xf64>) {
    ^bb0(%row: i64, %zb: tensor<?xf64>, %ll: tensor<?x?xf64>):
      %s = fad.index %yb[%row] : tensor<?xf64> -> f64
      %ar = fad.index %a[%row] : tensor<?x?xf64> -> tensor<?xf64>
      %zb2 = fad.map(%zb, %ar) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
      ^bb0(%p: f64, %q: f64):
        %t = fad.mul %q, %s : f64
        %u = fad.add %p, %t : f64
        fad.yield %u : f64
      }
      %ll2 = fad.for %d iter(%ll) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
      ^bb0(%c: i64, %l3: tensor<?x?xf64>):
        %zc = fad.index %z[%c] : tensor<?xf64> -> f64
        %t = fad.mul %zc, %s : f64
        %l4 = fad.add_at %l3[%row, %c], %t : tensor<?x?xf64>, f64
        fad.yield %l4 : tensor<?x?xf64>
      }
      fad.yield %zb2, %ll2 : tensor<?xf64>, tensor<?x?xf64>
    }
    %m2 = fad.map(%m, %rows#0) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%p: f64, %q: f64):
      %u = fad.add %p, %q : f64
      fad.yield %u : f64
    }
    fad.yield %rows#1, %m2 : tensor<?x?xf64>, tensor<?xf64>
  }
  return %r#0, %r#1 : tensor<?x?xf64>, tensor<?xf64>
}

// -----

// A points loop whose only work is a two-loop nest adding an outer product
// to an accumulator element by element (gmm's L-bar once Q^T y-bar has left
// the points loop): jammed, the copies' nests merge (they add at the merged
// loops' steps), each element getting both points' terms at once.
// CHECK-LABEL: func.func @points_outer_product
// CHECK:         %[[ROUNDS:.*]] = fad.div %arg3, %{{.*}} : i64
// CHECK:         fad.for %[[ROUNDS]] iter(%arg2) : (tensor<?x?xf64>) -> tensor<?x?xf64>
// CHECK:           fad.for %arg4 iter(%{{.*}}) : (tensor<?x?xf64>) -> tensor<?x?xf64>
// CHECK-NEXT:      ^bb0(%[[R:.*]]: i64, %{{.*}}: tensor<?x?xf64>):
// CHECK:             fad.for %arg4 iter(%{{.*}}) : (tensor<?x?xf64>) -> tensor<?x?xf64>
// CHECK-NEXT:        ^bb0(%[[C:.*]]: i64, %[[L:.*]]: tensor<?x?xf64>):
// CHECK:               %[[L0:.*]] = fad.add_at %[[L]][%[[R]], %[[C]]]
// CHECK-NEXT:          fad.add_at %[[L0]][%[[R]], %[[C]]]
// CHECK-NEXT:          fad.yield
// CHECK-NOT:         fad.for %arg4
// CHECK:           fad.yield
// A nest three loops deep around the accumulation is left alone (jamming
// the outer loop would only copy whole nests).
// CHECK-LABEL: func.func @three_deep
// CHECK-NOT:     fad.div
// CHECK:         return
func.func @points_outer_product(%x: tensor<?x?xf64>, %ybar: tensor<?x?xf64>, %lacc: tensor<?x?xf64>,
                                %n: i64, %d: i64) -> tensor<?x?xf64> {
  %r = fad.for %n iter(%lacc) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%i: i64, %l: tensor<?x?xf64>):
    %z = fad.index %x[%i] : tensor<?x?xf64> -> tensor<?xf64>
    %yb = fad.index %ybar[%i] : tensor<?x?xf64> -> tensor<?xf64>
    %rows = fad.for %d iter(%l) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
    ^bb0(%row: i64, %ll: tensor<?x?xf64>):
      %s = fad.index %yb[%row] : tensor<?xf64> -> f64
      %ll2 = fad.for %d iter(%ll) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
      ^bb0(%c: i64, %l3: tensor<?x?xf64>):
        %zc = fad.index %z[%c] : tensor<?xf64> -> f64
        %t = fad.mul %zc, %s : f64
        %l4 = fad.add_at %l3[%row, %c], %t : tensor<?x?xf64>, f64
        fad.yield %l4 : tensor<?x?xf64>
      }
      fad.yield %ll2 : tensor<?x?xf64>
    }
    fad.yield %rows : tensor<?x?xf64>
  }
  return %r : tensor<?x?xf64>
}

func.func @three_deep(%x: tensor<?x?xf64>, %ybar: tensor<?x?xf64>, %lacc: tensor<?x?x?xf64>,
                      %n: i64, %d: i64) -> tensor<?x?x?xf64> {
  %r = fad.for %n iter(%lacc) : (tensor<?x?x?xf64>) -> tensor<?x?x?xf64> {
  ^bb0(%i: i64, %l: tensor<?x?x?xf64>):
    %z = fad.index %x[%i] : tensor<?x?xf64> -> tensor<?xf64>
    %yb = fad.index %ybar[%i] : tensor<?x?xf64> -> tensor<?xf64>
    %p = fad.for %d iter(%l) : (tensor<?x?x?xf64>) -> tensor<?x?x?xf64> {
    ^bb0(%j: i64, %lj: tensor<?x?x?xf64>):
      %rows = fad.for %d iter(%lj) : (tensor<?x?x?xf64>) -> tensor<?x?x?xf64> {
      ^bb0(%row: i64, %ll: tensor<?x?x?xf64>):
        %s = fad.index %yb[%row] : tensor<?xf64> -> f64
        %ll2 = fad.for %d iter(%ll) : (tensor<?x?x?xf64>) -> tensor<?x?x?xf64> {
        ^bb0(%c: i64, %l3: tensor<?x?x?xf64>):
          %zc = fad.index %z[%c] : tensor<?xf64> -> f64
          %t = fad.mul %zc, %s : f64
          %l4 = fad.add_at %l3[%j, %row, %c], %t : tensor<?x?x?xf64>, f64
          fad.yield %l4 : tensor<?x?x?xf64>
        }
        fad.yield %ll2 : tensor<?x?x?xf64>
      }
      fad.yield %rows : tensor<?x?x?xf64>
    }
    fad.yield %p : tensor<?x?x?xf64>
  }
  return %r : tensor<?x?x?xf64>
}
