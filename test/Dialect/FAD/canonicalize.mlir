// RUN: fad-opt %s --canonicalize --split-input-file | FileCheck %s
// The canonicalization patterns of fad ops (FADCanonicalize.cpp): the outer
// extent and zeros of a map's or build's result from its operands, and a
// map's or build's results that nobody reads or that are its inputs.

// dim 0 of a map's result is its input's; of a build's, its size. Dim 1 is
// not known from the operands.
// CHECK-LABEL: func.func @outer_extent
// CHECK-DAG:     %[[D:.*]] = fad.dim %arg0[0] : tensor<?x?xf64>
// CHECK-DAG:     %[[M:.*]] = fad.map(%arg0)
// CHECK-DAG:     %[[D1:.*]] = fad.dim %[[M]][1] : tensor<?x?xf64>
// CHECK:         return %[[D]], %arg1, %[[D1]]
func.func @outer_extent(%m: tensor<?x?xf64>, %n: i64) -> (i64, i64, i64) {
  %e = fad.map (%m) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%row: tensor<?xf64>):
    %z = fad.zeros_like %row : tensor<?xf64>
    fad.yield %z : tensor<?xf64>
  }
  %b = fad.build %n : tensor<?xi64> {
  ^bb0(%i: i64):
    fad.yield %i : i64
  }
  %d0 = fad.dim %e [0] : tensor<?x?xf64>
  %db = fad.dim %b [0] : tensor<?xi64>
  %d1 = fad.dim %e [1] : tensor<?x?xf64>
  return %d0, %db, %d1 : i64, i64, i64
}

// -----

// zeros_like of a map's or build's one-dimensional result needs only its
// extent: the map is not computed.
// CHECK-LABEL: func.func @zeros_of_computed
// CHECK-NOT:     fad.exp
// CHECK-NOT:     fad.zeros_like
// CHECK:         %[[Z:.*]] = fad.build %{{.*}} : tensor<?xf64> {
// CHECK:           fad.yield %cst : f64
// CHECK:         return %[[Z]]
func.func @zeros_of_computed(%x: tensor<?xf64>) -> tensor<?xf64> {
  %e = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %v = fad.exp %a : f64
    fad.yield %v : f64
  }
  %z = fad.zeros_like %e : tensor<?xf64>
  return %z : tensor<?xf64>
}

// -----

// Zeros of a matrix, or of an array no map or build computed, stay.
// CHECK-LABEL: func.func @zeros_kept
// CHECK:         fad.zeros_like %{{.*}} : tensor<?x?xf64>
// CHECK:         fad.zeros_like %arg1 : tensor<?xf64>
func.func @zeros_kept(%m: tensor<?x?xf64>, %x: tensor<?xf64>) -> (tensor<?x?xf64>, tensor<?xf64>) {
  %e = fad.map (%m) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%row: tensor<?xf64>):
    %r = fad.zeros_like %row : tensor<?xf64>
    fad.yield %r : tensor<?xf64>
  }
  %z = fad.zeros_like %e : tensor<?x?xf64>
  %zx = fad.zeros_like %x : tensor<?xf64>
  return %z, %zx : tensor<?x?xf64>, tensor<?xf64>
}

// -----

// Unused results of a map and of a build are dropped.
// CHECK-LABEL: func.func @unused_results
// CHECK:         %[[M:.*]] = fad.map(%arg0) : (tensor<?xf64>) -> tensor<?xf64> {
// CHECK-NOT:       fad.sin
// CHECK:           fad.yield %{{.*}} : f64
// CHECK:         %[[B:.*]] = fad.build %arg1 : tensor<?xi64> {
// CHECK-NEXT:    ^bb0(%[[I:.*]]: i64):
// CHECK-NEXT:      fad.yield %[[I]] : i64
// CHECK:         return %[[M]], %[[B]]
func.func @unused_results(%x: tensor<?xf64>, %n: i64) -> (tensor<?xf64>, tensor<?xi64>) {
  %m:2 = fad.map (%x) : (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: f64):
    %s = fad.sin %a : f64
    %e = fad.exp %a : f64
    fad.yield %s, %e : f64, f64
  }
  %b:2 = fad.build %n : tensor<?xf64>, tensor<?xi64> {
  ^bb0(%i: i64):
    %f = fad.convert %i : i64 to f64
    fad.yield %f, %i : f64, i64
  }
  return %m#1, %b#1 : tensor<?xf64>, tensor<?xi64>
}

// -----

// A map result that is one of its arguments unchanged is that input.
// CHECK-LABEL: func.func @forwarded_argument
// CHECK:         %[[M:.*]] = fad.map(%arg0, %arg1) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
// CHECK:         return %arg1, %[[M]]
func.func @forwarded_argument(%x: tensor<?xf64>, %y: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  %m:2 = fad.map (%x, %y) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: f64, %b: f64):
    %p = fad.mul %a, %b : f64
    fad.yield %b, %p : f64, f64
  }
  return %m#0, %m#1 : tensor<?xf64>, tensor<?xf64>
}

// -----

// A row's extent is the array's next one. After a check that an extent is
// a constant, its uses read the constant, but not before the check, nor
// after a check against a non-constant. The same extent asked again is
// another value until CSE merges the two (the pipeline canonicalizes again
// after CSE).
// CHECK-LABEL: func.func @checked_extent
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : i64
// CHECK-DAG:     %[[D:.*]] = fad.dim %arg0[1] : tensor<?x?xf64>
// CHECK:         %[[TWICE:.*]] = fad.add %[[D]], %[[D]] : i64
// CHECK:         fad.assert
// CHECK:         %[[AGAIN:.*]] = fad.dim %arg0[1] : tensor<?x?xf64>
// CHECK:         %[[N:.*]] = fad.dim %arg0[0] : tensor<?x?xf64>
// CHECK:         %[[OK:.*]] = arith.cmpi eq, %[[N]], %arg1 : i64
// CHECK:         fad.assert %[[OK]]
// CHECK:         return %[[TWICE]], %[[C3]], %[[AGAIN]], %[[N]]
func.func @checked_extent(%m: tensor<?x?xf64>, %i: i64) -> (i64, i64, i64, i64) {
  %c3 = arith.constant 3 : i64
  %row = fad.index %m[%i] : tensor<?x?xf64> -> tensor<?xf64>
  %before = fad.dim %row[0] : tensor<?xf64>
  %twice = fad.add %before, %before : i64
  %ok = arith.cmpi eq, %before, %c3 : i64
  fad.assert %ok, "rows of 3"
  %again = fad.dim %m[1] : tensor<?x?xf64>
  %n = fad.dim %m[0] : tensor<?x?xf64>
  %same = arith.cmpi eq, %n, %i : i64
  fad.assert %same, "as many rows as i"
  return %twice, %before, %again, %n : i64, i64, i64, i64
}

// -----

// Integer max/min against a constant <= 0 fold when the other operand is
// known to be at least 0 (extents, their sums, products and bounds): a
// reversed loop's trip count max(n, 0). An unknown sign, a positive
// constant or floats (NaN) keep the op.
// CHECK-LABEL: func.func @known_sign_bounds
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : i64
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : i64
// CHECK-DAG:     %[[D:.*]] = fad.dim %arg0[0] : tensor<?xf64>
// CHECK-DAG:     %[[S:.*]] = fad.add %[[D]], %[[D]] : i64
// CHECK-DAG:     %[[U:.*]] = fad.max %arg1, %[[C0]] : i64
// CHECK-DAG:     %[[P:.*]] = fad.max %[[D]], %[[C1]] : i64
// CHECK-DAG:     %[[F:.*]] = fad.max %arg2, %{{.*}} : f64
// CHECK:         return %[[D]], %[[S]], %[[C0]], %[[U]], %[[P]], %[[F]]
func.func @known_sign_bounds(%x: tensor<?xf64>, %n: i64, %f: f64) -> (i64, i64, i64, i64, i64, f64) {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %fz = arith.constant 0.0 : f64
  %d = fad.dim %x [0] : tensor<?xf64>
  %a = fad.max %d, %c0 : i64
  %s = fad.add %d, %d : i64
  %b = fad.max %c0, %s : i64
  %c = fad.min %s, %c0 : i64
  %u = fad.max %n, %c0 : i64
  %p = fad.max %d, %c1 : i64
  %g = fad.max %f, %fz : f64
  return %a, %b, %c, %u, %p, %g : i64, i64, i64, i64, i64, f64
}

// -----

// Integer arithmetic on constants folds, except a division by zero and
// the one quotient that overflows (both fail at run time); floats do not.
// CHECK-LABEL: func.func @integer_constants
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : i64
// CHECK-DAG:     %[[CM:.*]] = arith.constant -9223372036854775808 : i64
// CHECK-DAG:     %[[CN:.*]] = arith.constant -1 : i64
// CHECK-DAG:     %[[C7:.*]] = arith.constant 7 : i64
// CHECK-DAG:     %[[C10:.*]] = arith.constant 10 : i64
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : i64
// CHECK-DAG:     %[[C21:.*]] = arith.constant 21 : i64
// CHECK-DAG:     %[[CM2:.*]] = arith.constant -2 : i64
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : i64
// CHECK-DAG:     %[[Z:.*]] = fad.div %[[C7]], %[[C0]] : i64
// CHECK-DAG:     %[[O:.*]] = fad.div %[[CM]], %[[CN]] : i64
// CHECK-DAG:     %[[R:.*]] = fad.rem %[[C7]], %[[C0]] : i64
// CHECK-DAG:     %[[F:.*]] = fad.add %{{.*}}, %{{.*}} : f64
// CHECK:         return %[[C10]], %[[C4]], %[[C21]], %[[CM2]], %[[CN]], %[[C7]], %[[C3]], %[[Z]], %[[O]], %[[R]], %[[F]]
func.func @integer_constants() -> (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, f64) {
  %c0 = arith.constant 0 : i64
  %c3 = arith.constant 3 : i64
  %c7 = arith.constant 7 : i64
  %cm7 = arith.constant -7 : i64
  %min = arith.constant -9223372036854775808 : i64
  %m1 = arith.constant -1 : i64
  %f = arith.constant 1.5 : f64
  %add = fad.add %c7, %c3 : i64
  %sub = fad.sub %c7, %c3 : i64
  %mul = fad.mul %c7, %c3 : i64
  %div = fad.div %cm7, %c3 : i64
  %rem = fad.rem %cm7, %c3 : i64
  %max = fad.max %c7, %c3 : i64
  %min2 = fad.min %c7, %c3 : i64
  %byzero = fad.div %c7, %c0 : i64
  %overflow = fad.div %min, %m1 : i64
  %remzero = fad.rem %c7, %c0 : i64
  %fadd = fad.add %f, %f : f64
  return %add, %sub, %mul, %div, %rem, %max, %min2, %byzero, %overflow, %remzero, %fadd
      : i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, f64
}

// -----

// A loop of a constant trip count of at most one: no loop. One trip runs
// the body once with the counter 0 (a state yielded unchanged is the init);
// none gives the inits; an unknown count keeps the loop.
// CHECK-LABEL: func.func @single_trip
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : i64
// CHECK:         %[[I:.*]] = fad.convert %[[C0]] : i64 to f64
// CHECK:         %[[S:.*]] = fad.add %arg0, %[[I]] : f64
// CHECK:         %[[L:.*]] = fad.for %arg1 iter(%arg0)
// CHECK:         return %[[S]], %arg0, %arg0, %[[L]]
func.func @single_trip(%x: f64, %n: i64) -> (f64, f64, f64, f64) {
  %c1 = arith.constant 1 : i64
  %c0 = arith.constant 0 : i64
  %one:2 = fad.for %c1 iter(%x, %x) : (f64, f64) -> (f64, f64) {
  ^bb0(%i: i64, %a: f64, %b: f64):
    %f = fad.convert %i : i64 to f64
    %s = fad.add %a, %f : f64
    fad.yield %s, %b : f64, f64
  }
  %none = fad.for %c0 iter(%x) : (f64) -> f64 {
  ^bb0(%i: i64, %a: f64):
    %s = fad.mul %a, %a : f64
    fad.yield %s : f64
  }
  %some = fad.for %n iter(%x) : (f64) -> f64 {
  ^bb0(%i: i64, %a: f64):
    %s = fad.mul %a, %a : f64
    fad.yield %s : f64
  }
  return %one#0, %one#1, %none, %some : f64, f64, f64, f64
}
