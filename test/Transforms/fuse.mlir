// RUN: fad-opt %s -fad-fuse -split-input-file | FileCheck %s

// map into map: one map whose body is f then g, over both inputs.
// CHECK-LABEL: func.func @map_map
// CHECK:         %[[M:.*]] = fad.map(%arg0, %arg1) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
// CHECK-NEXT:    ^bb0(%[[A:.*]]: f64, %[[B:.*]]: f64):
// CHECK-NEXT:      %[[E:.*]] = fad.exp %[[A]] : f64
// CHECK-NEXT:      %[[S:.*]] = fad.add %[[E]], %[[B]] : f64
// CHECK-NEXT:      fad.yield %[[S]] : f64
// CHECK-NOT:     fad.map
// CHECK:         return %[[M]]
func.func @map_map(%x: tensor<?xf64>, %y: tensor<?xf64>) -> tensor<?xf64> {
  %e = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %t = fad.exp %a : f64
    fad.yield %t : f64
  }
  %s = fad.map (%e, %y) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64, %b: f64):
    %t = fad.add %a, %b : f64
    fad.yield %t : f64
  }
  return %s : tensor<?xf64>
}

// -----

// map into reduce: a loop that indexes the inputs (unchecked: i < n), applies
// f and combines, after checking that the inputs agree in extent.
// CHECK-LABEL: func.func @map_reduce
// CHECK:         %[[N:.*]] = fad.dim %arg0[0]
// CHECK:         %[[N2:.*]] = fad.dim %arg1[0]
// CHECK:         %[[SAME:.*]] = arith.cmpi eq, %[[N]], %[[N2]]
// CHECK:         fad.assert %[[SAME]], "map: arrays of different sizes"
// CHECK:         %[[R:.*]] = fad.for %[[N]] iter(%{{.*}}) {fad.reduction} : (f64) -> f64 {
// CHECK-NEXT:    ^bb0(%[[I:.*]]: i64, %[[ACC:.*]]: f64):
// CHECK-NEXT:      %[[A:.*]] = fad.index %arg0[%[[I]]] {fad.in_bounds}
// CHECK-NEXT:      %[[B:.*]] = fad.index %arg1[%[[I]]] {fad.in_bounds}
// CHECK-NEXT:      %[[P:.*]] = fad.mul %[[A]], %[[B]] : f64
// CHECK-NEXT:      %[[T:.*]] = fad.add %[[ACC]], %[[P]] : f64
// CHECK-NEXT:      fad.yield %[[T]] : f64
// CHECK-NOT:     fad.map
// CHECK-NOT:     fad.reduce
// CHECK:         return %[[R]]
func.func @map_reduce(%x: tensor<?xf64>, %y: tensor<?xf64>) -> f64 {
  %zero = arith.constant 0.0 : f64
  %p = fad.map (%x, %y) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64, %b: f64):
    %t = fad.mul %a, %b : f64
    fad.yield %t : f64
  }
  %s = fad.reduce inits(%zero) arrays(%p) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %v: f64):
    %t = fad.add %acc, %v : f64
    fad.yield %t : f64
  }
  return %s : f64
}

// -----

// A map whose result is used twice is not fused (it would be computed twice).
// CHECK-LABEL: func.func @shared
// CHECK:         fad.map
// CHECK:         fad.reduce
// CHECK:         fad.map
func.func @shared(%x: tensor<?xf64>) -> (f64, tensor<?xf64>) {
  %zero = arith.constant 0.0 : f64
  %e = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %t = fad.exp %a : f64
    fad.yield %t : f64
  }
  %s = fad.reduce inits(%zero) arrays(%e) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %v: f64):
    %t = fad.add %acc, %v : f64
    fad.yield %t : f64
  }
  %d = fad.map (%e) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %t = fad.mul %a, %a : f64
    fad.yield %t : f64
  }
  return %s, %d : f64, tensor<?xf64>
}

// -----

// Horizontal fusion: two maps over the same inputs read them once.
// CHECK-LABEL: func.func @siblings
// CHECK:         %[[M:.*]]:2 = fad.map(%arg0) : (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
// CHECK-NEXT:    ^bb0(%[[A:.*]]: f64):
// CHECK-NEXT:      %[[E:.*]] = fad.exp %[[A]] : f64
// CHECK-NEXT:      %[[S:.*]] = fad.sin %[[A]] : f64
// CHECK-NEXT:      fad.yield %[[E]], %[[S]] : f64, f64
// CHECK-NOT:     fad.map
// CHECK:         return %[[M]]#0, %[[M]]#1
func.func @siblings(%x: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  %e = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %t = fad.exp %a : f64
    fad.yield %t : f64
  }
  %s = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %t = fad.sin %a : f64
    fad.yield %t : f64
  }
  return %e, %s : tensor<?xf64>, tensor<?xf64>
}

// -----

// build into index: the element is computed alone, after a bounds check.
// CHECK-LABEL: func.func @build_index
// CHECK-NOT:     fad.build
// CHECK:         %[[OK:.*]] = arith.andi
// CHECK:         fad.assert %[[OK]], "index out of bounds of a built array"
// CHECK:         %[[F:.*]] = fad.convert %arg1 : i64 to f64
// CHECK:         %[[R:.*]] = fad.mul %[[F]], %[[F]] : f64
// CHECK:         return %[[R]]
func.func @build_index(%n: i64, %i: i64) -> f64 {
  %b = fad.build %n : tensor<?xf64> {
  ^bb0(%j: i64):
    %f = fad.convert %j : i64 to f64
    %sq = fad.mul %f, %f : f64
    fad.yield %sq : f64
  }
  %r = fad.index %b[%i] : tensor<?xf64> -> f64
  return %r : f64
}

// -----

// Loop-invariant ops leave the body; an index (which can fail) stays.
// CHECK-LABEL: func.func @hoist
// CHECK:         %[[C:.*]] = fad.mul %arg1, %arg1 : f64
// CHECK:         fad.map(%arg0)
// CHECK-NEXT:    ^bb0(%[[A:.*]]: f64):
// CHECK-NEXT:      %[[I:.*]] = fad.index %arg2[%arg3]
// CHECK-NEXT:      %[[M:.*]] = fad.mul %[[A]], %[[C]] : f64
// CHECK-NEXT:      %[[S:.*]] = fad.add %[[M]], %[[I]] : f64
// CHECK-NEXT:      fad.yield %[[S]] : f64
func.func @hoist(%x: tensor<?xf64>, %c: f64, %y: tensor<?xf64>, %i: i64) -> tensor<?xf64> {
  %r = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %e = fad.index %y[%i] : tensor<?xf64> -> f64
    %cc = fad.mul %c, %c : f64
    %m = fad.mul %a, %cc : f64
    %s = fad.add %m, %e : f64
    fad.yield %s : f64
  }
  return %r : tensor<?xf64>
}

// -----

// A build of constant size whose body cannot fail (jacfwd's identity seed,
// through an `if`) leaves a loop it is invariant in; one of a size that may
// be negative stays.
// CHECK-LABEL: func.func @hoist_constant_build
// CHECK:         %[[SEED:.*]] = fad.build %c3_i64 : tensor<?xf64> {
// CHECK:           fad.if
// CHECK:         fad.map(%arg0)
// CHECK-NEXT:    ^bb0(%{{.*}}: f64):
// CHECK-NEXT:      %[[OTHER:.*]] = fad.build %arg1 : tensor<?xf64> {
// CHECK:           fad.for %{{.*}} iter(%[[SEED]])
// CHECK:           fad.for %{{.*}} iter(%[[OTHER]])
func.func @hoist_constant_build(%x: tensor<?xf64>, %n: i64) -> tensor<?xf64> {
  %r = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %c3 = arith.constant 3 : i64
    %seed = fad.build %c3 : tensor<?xf64> {
    ^bb0(%k: i64):
      %zero = arith.constant 0 : i64
      %first = arith.cmpi eq, %k, %zero : i64
      %e = fad.if %first -> f64 {
        %one = arith.constant 1.0 : f64
        fad.yield %one : f64
      } else {
        %z = arith.constant 0.0 : f64
        fad.yield %z : f64
      }
      fad.yield %e : f64
    }
    %other = fad.build %n : tensor<?xf64> {
    ^bb0(%k: i64):
      %one = arith.constant 1.0 : f64
      fad.yield %one : f64
    }
    %t = fad.for %c3 iter(%seed) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%k: i64, %acc: tensor<?xf64>):
      %acc2 = fad.add_at %acc[%k], %a : tensor<?xf64>, f64
      fad.yield %acc2 : tensor<?xf64>
    }
    %u = fad.for %c3 iter(%other) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%k: i64, %acc: tensor<?xf64>):
      %acc2 = fad.add_at %acc[%k], %a : tensor<?xf64>, f64
      fad.yield %acc2 : tensor<?xf64>
    }
    %c0 = arith.constant 0 : i64
    %e1 = fad.index %t[%c0] : tensor<?xf64> -> f64
    %e2 = fad.index %u[%c0] : tensor<?xf64> -> f64
    %e = fad.add %e1, %e2 : f64
    %s = fad.mul %a, %e : f64
    fad.yield %s : f64
  }
  return %r : tensor<?xf64>
}

// -----

// An update checks its index: invariant, it still stays in a body that may
// run zero times (a map over an empty array must not fail).
// CHECK-LABEL: func.func @hoist_update
// CHECK:         fad.map(%arg0)
// CHECK-NEXT:    ^bb0(%{{.*}}: f64):
// CHECK-NEXT:      fad.update
func.func @hoist_update(%x: tensor<?xf64>, %y: tensor<?xf64>, %i: i64, %v: f64) -> tensor<?xf64> {
  %r = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %u = fad.update %y[%i], %v : tensor<?xf64>, f64
    %zero = arith.constant 0 : i64
    %e = fad.index %u[%zero] : tensor<?xf64> -> f64
    %s = fad.add %a, %e : f64
    fad.yield %s : f64
  }
  return %r : tensor<?xf64>
}

// -----

// Speculatable ops climb out of nested loops (a loop in a build here); an
// integer division (which fails on zero) stays in the loop body, which may
// run no iteration, and a float division leaves it.
// CHECK-LABEL: func.func @hoist_division
// CHECK:         %[[F:.*]] = fad.div %arg2, %arg2 : f64
// CHECK:         fad.build %arg0
// CHECK:           fad.for %arg1
// CHECK-NEXT:      ^bb0(%{{.*}}: i64, %{{.*}}: f64):
// CHECK-NEXT:        fad.div %arg3, %arg4 : i64
func.func @hoist_division(%n: i64, %k: i64, %c: f64, %a: i64, %b: i64) -> tensor<?xf64> {
  %r = fad.build %n : tensor<?xf64> {
  ^bb0(%i: i64):
    %zero = arith.constant 0.0 : f64
    %s = fad.for %k iter(%zero) : (f64) -> f64 {
    ^bb0(%j: i64, %acc: f64):
      %q = fad.div %a, %b : i64
      %qf = fad.convert %q : i64 to f64
      %f = fad.div %c, %c : f64
      %t = fad.add %acc, %f : f64
      %u = fad.add %t, %qf : f64
      fad.yield %u : f64
    }
    fad.yield %s : f64
  }
  return %r : tensor<?xf64>
}

// -----

// An array used only for its extent is not computed (the extent comes from
// the map's input), and an unused map whose only effects are checks is
// erased with them.
// CHECK-LABEL: func.func @dead
// CHECK-NOT:     fad.map
// CHECK-NOT:     fad.assert
// CHECK:         %[[N:.*]] = fad.dim %arg0[0] : tensor<?xf64>
// CHECK-NEXT:    return %[[N]]
func.func @dead(%x: tensor<?xf64>, %y: tensor<?xf64>) -> i64 {
  %m = fad.map (%x, %y) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64, %b: f64):
    %t = fad.add %a, %b : f64
    fad.yield %t : f64
  }
  %unused = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %ok = arith.constant true
    fad.assert %ok, "a check"
    fad.yield %a : f64
  }
  %n = fad.dim %m[0] : tensor<?xf64>
  return %n : i64
}

// -----

// An unused map nested in an unused map: both go, the outer one with the
// inner one in it (the inner one was read after its erasure: a crash).
// CHECK-LABEL: func.func @dead_nested
// CHECK-NOT:     fad.map
// CHECK:         return %arg0
func.func @dead_nested(%x: tensor<?xf64>) -> tensor<?xf64> {
  %outer = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %inner = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%b: f64):
      %ok = arith.constant true
      fad.assert %ok, "a check"
      fad.yield %b : f64
    }
    fad.yield %a : f64
  }
  return %x : tensor<?xf64>
}

// -----

// build into reduce: a loop over the index, after the build's size check.
// CHECK-LABEL: func.func @build_reduce
// CHECK:         %[[OK:.*]] = arith.cmpi sge, %arg0, %{{.*}} : i64
// CHECK:         fad.assert %[[OK]], "negative array size"
// CHECK:         %[[R:.*]] = fad.for %arg0 iter(%{{.*}}) {fad.reduction} : (f64) -> f64 {
// CHECK-NEXT:    ^bb0(%[[I:.*]]: i64, %[[ACC:.*]]: f64):
// CHECK-NEXT:      %[[F:.*]] = fad.convert %[[I]] : i64 to f64
// CHECK-NEXT:      %[[T:.*]] = fad.add %[[ACC]], %[[F]] : f64
// CHECK-NEXT:      fad.yield %[[T]] : f64
// CHECK-NOT:     fad.build
// CHECK:         return %[[R]]
func.func @build_reduce(%n: i64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %b = fad.build %n : tensor<?xf64> {
  ^bb0(%j: i64):
    %f = fad.convert %j : i64 to f64
    fad.yield %f : f64
  }
  %s = fad.reduce inits(%zero) arrays(%b) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %v: f64):
    %t = fad.add %acc, %v : f64
    fad.yield %t : f64
  }
  return %s : f64
}

// -----

// build into map: one build whose body is f then g; the map's other input
// is indexed unchecked after a check that it has n elements.
// CHECK-LABEL: func.func @build_map
// CHECK:         %[[N2:.*]] = fad.dim %arg1[0]
// CHECK:         %[[SAME:.*]] = arith.cmpi eq, %arg0, %[[N2]]
// CHECK:         fad.assert %[[SAME]], "map: arrays of different sizes"
// CHECK:         %[[B:.*]] = fad.build %arg0 : tensor<?xf64> {
// CHECK-NEXT:    ^bb0(%[[I:.*]]: i64):
// CHECK-NEXT:      %[[F:.*]] = fad.convert %[[I]] : i64 to f64
// CHECK-NEXT:      %[[Y:.*]] = fad.index %arg1[%[[I]]] {fad.in_bounds}
// CHECK-NEXT:      %[[S:.*]] = fad.mul %[[F]], %[[Y]] : f64
// CHECK-NEXT:      fad.yield %[[S]] : f64
// CHECK-NOT:     fad.map
// CHECK:         return %[[B]]
func.func @build_map(%n: i64, %y: tensor<?xf64>) -> tensor<?xf64> {
  %b = fad.build %n : tensor<?xf64> {
  ^bb0(%i: i64):
    %f = fad.convert %i : i64 to f64
    fad.yield %f : f64
  }
  %m = fad.map (%b, %y) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64, %c: f64):
    %t = fad.mul %a, %c : f64
    fad.yield %t : f64
  }
  return %m : tensor<?xf64>
}

// -----

// map of several results into a reduce of all of them: one loop.
// CHECK-LABEL: func.func @map2_reduce
// CHECK:         %[[R:.*]]:2 = fad.for %{{.*}} iter(%{{.*}}, %{{.*}}) {fad.reduction} : (f64, f64) -> (f64, f64) {
// CHECK-NEXT:    ^bb0(%[[I:.*]]: i64, %[[S:.*]]: f64, %[[T:.*]]: f64):
// CHECK-NEXT:      %[[A:.*]] = fad.index %arg0[%[[I]]] {fad.in_bounds}
// CHECK-NEXT:      %[[E:.*]] = fad.exp %[[A]] : f64
// CHECK-NEXT:      %[[S2:.*]] = fad.add %[[S]], %[[A]] : f64
// CHECK-NEXT:      %[[T2:.*]] = fad.add %[[T]], %[[E]] : f64
// CHECK-NEXT:      fad.yield %[[S2]], %[[T2]] : f64, f64
// CHECK-NOT:     fad.map
// CHECK:         return %[[R]]#1, %[[R]]#0
func.func @map2_reduce(%x: tensor<?xf64>) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %m:2 = fad.map (%x) : (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: f64):
    %e = fad.exp %a : f64
    fad.yield %e, %a : f64, f64
  }
  %s:2 = fad.reduce inits(%zero, %zero) arrays(%m#1, %m#0) : (f64, f64), (tensor<?xf64>, tensor<?xf64>) -> f64, f64 {
  ^bb0(%p: f64, %q: f64, %u: f64, %v: f64):
    %t = fad.add %p, %u : f64
    %w = fad.add %q, %v : f64
    fad.yield %t, %w : f64, f64
  }
  return %s#1, %s#0 : f64, f64
}

// -----

// map into a loop that reads it only at its counter (the position of a
// minimum): the element is computed in the loop; a count that is not the
// map's extent is checked against it.
// CHECK-LABEL: func.func @map_for
// CHECK:         %[[N:.*]] = fad.dim %arg0[0]
// CHECK:         %[[LE:.*]] = arith.cmpi sle, %arg1, %[[N]]
// CHECK:         fad.assert %[[LE]], "index out of bounds of a mapped array"
// CHECK:         fad.for %arg1 iter
// CHECK-NEXT:    ^bb0(%[[I:.*]]: i64, %{{.*}}: f64, %{{.*}}: i64):
// CHECK-NEXT:      %[[A:.*]] = fad.index %arg0[%[[I]]] {fad.in_bounds}
// CHECK-NEXT:      %[[E:.*]] = fad.mul %[[A]], %[[A]] : f64
// CHECK-NEXT:      fad.min %{{.*}}, %[[E]]
// CHECK-NOT:     fad.map
func.func @map_for(%x: tensor<?xf64>, %n: i64) -> (f64, i64) {
  %inf = arith.constant 0x7FF0000000000000 : f64
  %none = arith.constant -1 : i64
  %m = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %e = fad.mul %a, %a : f64
    fad.yield %e : f64
  }
  %r:2 = fad.for %n iter(%inf, %none) : (f64, i64) -> (f64, i64) {
  ^bb0(%i: i64, %best: f64, %at: i64):
    %v = fad.index %m[%i] : tensor<?xf64> -> f64
    %lo = fad.min %best, %v : f64
    %moved = arith.cmpf une, %lo, %best : f64
    %pos = arith.select %moved, %i, %at : i64
    fad.yield %lo, %pos : f64, i64
  }
  return %r#0, %r#1 : f64, i64
}

// -----

// A map read at another index than the counter stays.
// CHECK-LABEL: func.func @map_for_shifted
// CHECK:         fad.map
func.func @map_for_shifted(%x: tensor<?xf64>, %n: i64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1 : i64
  %m = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %e = fad.exp %a : f64
    fad.yield %e : f64
  }
  %r = fad.for %n iter(%zero) : (f64) -> f64 {
  ^bb0(%i: i64, %acc: f64):
    %j = arith.addi %i, %one : i64
    %v = fad.index %m[%j] : tensor<?xf64> -> f64
    %s = fad.add %acc, %v : f64
    fad.yield %s : f64
  }
  return %r : f64
}

// -----

// Accumulating a map over a one-hot array (the adjoint of a minimum reaches
// the element it selected): only the selected row is computed and added,
// when the selected position is in range; both maps' extent checks stay.
// CHECK-LABEL: func.func @one_hot
// CHECK:         %[[N:.*]] = fad.dim %arg0[0]
// CHECK:         %[[NACC:.*]] = fad.dim %arg1[0]
// CHECK:         %[[SAME:.*]] = arith.cmpi eq, %[[N]], %[[NACC]]
// CHECK:         fad.assert %[[SAME]], "map: arrays of different sizes"
// CHECK:         %[[OK:.*]] = arith.andi
// CHECK:         %[[R:.*]] = fad.if %[[OK]] -> tensor<?x?xf64> {
// CHECK:           %[[ROW:.*]] = fad.index %arg0[%arg2] {fad.in_bounds} : tensor<?x?xf64> -> tensor<?xf64>
// CHECK:           %[[C:.*]] = fad.map(%[[ROW]])
// CHECK:             fad.mul %{{.*}}, %arg3 : f64
// CHECK:           %[[U:.*]] = fad.add_at %arg1[%arg2], %[[C]] : tensor<?x?xf64>, tensor<?xf64>
// CHECK:           fad.yield %[[U]]
// CHECK:         } else {
// CHECK:           fad.yield %arg1
// CHECK-NOT:     fad.build
// CHECK:         return %[[R]]
func.func @one_hot(%x: tensor<?x?xf64>, %acc: tensor<?x?xf64>, %j: i64, %v: f64) -> tensor<?x?xf64> {
  %zero = arith.constant 0.0 : f64
  %n = fad.dim %x[0] : tensor<?x?xf64>
  %hot = fad.build %n : tensor<?xf64> {
  ^bb0(%i: i64):
    %is = arith.cmpi eq, %i, %j : i64
    %e = arith.select %is, %v, %zero : f64
    fad.yield %e : f64
  }
  %c = fad.map (%x, %hot) : (tensor<?x?xf64>, tensor<?xf64>) -> tensor<?x?xf64> {
  ^bb0(%row: tensor<?xf64>, %s: f64):
    %r = fad.map (%row) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%a: f64):
      %t = fad.mul %a, %s : f64
      fad.yield %t : f64
    }
    fad.yield %r : tensor<?xf64>
  }
  %sum = fad.map (%acc, %c) : (tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%a: tensor<?xf64>, %b: tensor<?xf64>):
    %r = fad.map (%a, %b) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%p: f64, %q: f64):
      %t = fad.add %p, %q : f64
      fad.yield %t : f64
    }
    fad.yield %r : tensor<?xf64>
  }
  return %sum : tensor<?x?xf64>
}

// -----

// Not when the map is not zero where the one-hot array is (here x + s).
// CHECK-LABEL: func.func @one_hot_affine
// CHECK-NOT:     fad.add_at
// CHECK:         return
func.func @one_hot_affine(%x: tensor<?xf64>, %acc: tensor<?xf64>, %j: i64, %v: f64) -> tensor<?xf64> {
  %zero = arith.constant 0.0 : f64
  %n = fad.dim %x[0] : tensor<?xf64>
  %hot = fad.build %n : tensor<?xf64> {
  ^bb0(%i: i64):
    %is = arith.cmpi eq, %i, %j : i64
    %e = arith.select %is, %v, %zero : f64
    fad.yield %e : f64
  }
  %c = fad.map (%x, %hot) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64, %s: f64):
    %t = fad.add %a, %s : f64
    fad.yield %t : f64
  }
  %sum = fad.map (%acc, %c) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%p: f64, %q: f64):
    %t = fad.add %p, %q : f64
    fad.yield %t : f64
  }
  return %sum : tensor<?xf64>
}

// -----

// A loop whose state keeps its extent (rebuilt with the same size each
// iteration) and whose result is only asked for its extent and a zero array
// of its shape is not run: both come from its init (and the zeros of the
// init's shape, a build, from the build's size).
// CHECK-LABEL: func.func @loop_shape
// CHECK-NOT:     fad.for
// CHECK:         %[[Z:.*]] = fad.build %arg0 : tensor<?xf64> {
// CHECK-NEXT:    ^bb0(%{{.*}}: i64):
// CHECK-NEXT:      fad.yield %cst : f64
// CHECK-NOT:     fad.for
// CHECK:         return %arg0, %[[Z]]
func.func @loop_shape(%n: i64, %steps: i64) -> (i64, tensor<?xf64>) {
  %init = fad.build %n : tensor<?xf64> {
  ^bb0(%i: i64):
    %z = arith.constant 0.0 : f64
    fad.yield %z : f64
  }
  %r = fad.for %steps iter(%init) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%t: i64, %y: tensor<?xf64>):
    %next = fad.build %n : tensor<?xf64> {
    ^bb0(%i: i64):
      %e = fad.index %y[%i] : tensor<?xf64> -> f64
      %s = fad.exp %e : f64
      fad.yield %s : f64
    }
    fad.yield %next : tensor<?xf64>
  }
  %d = fad.dim %r[0] : tensor<?xf64>
  %zeros = fad.zeros_like %r : tensor<?xf64>
  return %d, %zeros : i64, tensor<?xf64>
}

// -----

// A two-dimensional state keeps its extents when every iteration checks the
// extents it yields against values from outside the loop, and the init was
// checked against the same values before the loop (fadc's checks of a
// function's argument and result sizes): zeros_like of the result is
// zeros_like of the init, and the loop does not run for its shape.
// CHECK-LABEL: func.func @checked_loop_shape
// CHECK-SAME:    (%[[INIT:[a-z0-9_]+]]: tensor<?x?xf64>
// CHECK-NOT:     fad.for
// CHECK:         %[[Z:.*]] = fad.zeros_like %[[INIT]]
// CHECK-NOT:     fad.for
// CHECK:         return %[[Z]]
func.func @checked_loop_shape(%init: tensor<?x?xf64>, %l: i64, %b: i64, %steps: i64) -> tensor<?x?xf64> {
  %l0 = fad.dim %init[0] : tensor<?x?xf64>
  %okl0 = arith.cmpi eq, %l0, %l : i64
  fad.assert %okl0, "argument size l"
  %b0 = fad.dim %init[1] : tensor<?x?xf64>
  %okb0 = arith.cmpi eq, %b0, %b : i64
  fad.assert %okb0, "argument size b"
  %r = fad.for %steps iter(%init) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%t: i64, %y: tensor<?x?xf64>):
    %next = fad.map(%y) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
    ^bb0(%row: tensor<?xf64>):
      %e = fad.map(%row) : (tensor<?xf64>) -> tensor<?xf64> {
      ^bb0(%v: f64):
        %s = fad.exp %v : f64
        fad.yield %s : f64
      }
      fad.yield %e : tensor<?xf64>
    }
    %l1 = fad.dim %next[0] : tensor<?x?xf64>
    %okl1 = arith.cmpi eq, %l1, %l : i64
    fad.assert %okl1, "result size l"
    %b1 = fad.dim %next[1] : tensor<?x?xf64>
    %okb1 = arith.cmpi eq, %b, %b1 : i64
    fad.assert %okb1, "result size b"
    fad.yield %next : tensor<?x?xf64>
  }
  %zeros = fad.zeros_like %r : tensor<?x?xf64>
  return %zeros : tensor<?x?xf64>
}

// -----

// Without the check of the init's inner extent (the state's rows could
// change size in the first iteration) the loop must run.
// CHECK-LABEL: func.func @unchecked_loop_shape
// CHECK:         %[[R:.*]] = fad.for
// CHECK:         fad.zeros_like %[[R]]
func.func @unchecked_loop_shape(%init: tensor<?x?xf64>, %l: i64, %b: i64, %steps: i64) -> tensor<?x?xf64> {
  %l0 = fad.dim %init[0] : tensor<?x?xf64>
  %okl0 = arith.cmpi eq, %l0, %l : i64
  fad.assert %okl0, "argument size l"
  %r = fad.for %steps iter(%init) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%t: i64, %y: tensor<?x?xf64>):
    %next = fad.build %l : tensor<?x?xf64> {
    ^bb0(%i: i64):
      %row = fad.build %b : tensor<?xf64> {
      ^bb0(%j: i64):
        %z = arith.constant 1.0 : f64
        fad.yield %z : f64
      }
      fad.yield %row : tensor<?xf64>
    }
    %l1 = fad.dim %next[0] : tensor<?x?xf64>
    %okl1 = arith.cmpi eq, %l1, %l : i64
    fad.assert %okl1, "result size l"
    %b1 = fad.dim %next[1] : tensor<?x?xf64>
    %okb1 = arith.cmpi eq, %b1, %b : i64
    fad.assert %okb1, "result size b"
    fad.yield %next : tensor<?x?xf64>
  }
  %zeros = fad.zeros_like %r : tensor<?x?xf64>
  return %zeros : tensor<?x?xf64>
}

// -----

// zeros_like of a tape's row: the tape is filled only by add_at from rows
// zeros_like(r), so every row has r's shape; the read's bounds check stays.
// The tape is then only written: the loop drops it from its state.
// CHECK-LABEL: func.func @tape_row_shape
// CHECK-SAME:    (%[[N:[a-z0-9_]+]]: i64, %[[R:[a-z0-9_]+]]: tensor<?x?xf64>, %{{.*}}: tensor<?x?xf64>, %[[J:[a-z0-9_]+]]: i64
// CHECK:         %[[S:.*]] = fad.for %[[N]] iter(%{{.*}}) : (f64) -> f64
// CHECK-NOT:     fad.add_at
// CHECK:         fad.assert %{{.*}}, "index out of bounds"
// CHECK:         %[[Z:.*]] = fad.zeros_like %[[R]]
// CHECK:         return %[[S]], %[[Z]]
func.func @tape_row_shape(%n: i64, %r: tensor<?x?xf64>, %state: tensor<?x?xf64>, %j: i64) -> (f64, tensor<?x?xf64>) {
  %zero = arith.constant 0.0 : f64
  %t0 = fad.build %n : tensor<?x?x?xf64> {
  ^bb0(%i: i64):
    %z = fad.zeros_like %r : tensor<?x?xf64>
    fad.yield %z : tensor<?x?xf64>
  }
  %res:2 = fad.for %n iter(%zero, %t0) : (f64, tensor<?x?x?xf64>) -> (f64, tensor<?x?x?xf64>) {
  ^bb0(%i: i64, %s: f64, %tape: tensor<?x?x?xf64>):
    %x = fad.convert %i : i64 to f64
    %e = fad.exp %x : f64
    %s2 = fad.add %s, %e : f64
    %u = fad.add_at %tape[%i], %state : tensor<?x?x?xf64>, tensor<?x?xf64>
    fad.yield %s2, %u : f64, tensor<?x?x?xf64>
  }
  %row = fad.index %res#1[%j] : tensor<?x?x?xf64> -> tensor<?x?xf64>
  %zr = fad.zeros_like %row : tensor<?x?xf64>
  return %res#0, %zr : f64, tensor<?x?xf64>
}

// -----

// A tape whose rows are read is kept.
// CHECK-LABEL: func.func @tape_row_read
// CHECK:         fad.for %{{.*}} : (f64, tensor<?x?x?xf64>) -> (f64, tensor<?x?x?xf64>)
// CHECK:         fad.add_at
func.func @tape_row_read(%n: i64, %r: tensor<?x?xf64>, %state: tensor<?x?xf64>, %j: i64) -> (f64, tensor<?x?xf64>) {
  %zero = arith.constant 0.0 : f64
  %t0 = fad.build %n : tensor<?x?x?xf64> {
  ^bb0(%i: i64):
    fad.yield %r : tensor<?x?xf64>
  }
  %res:2 = fad.for %n iter(%zero, %t0) : (f64, tensor<?x?x?xf64>) -> (f64, tensor<?x?x?xf64>) {
  ^bb0(%i: i64, %s: f64, %tape: tensor<?x?x?xf64>):
    %x = fad.convert %i : i64 to f64
    %e = fad.exp %x : f64
    %s2 = fad.add %s, %e : f64
    %u = fad.add_at %tape[%i], %state : tensor<?x?x?xf64>, tensor<?x?xf64>
    fad.yield %s2, %u : f64, tensor<?x?x?xf64>
  }
  %row = fad.index %res#1[%j] : tensor<?x?x?xf64> -> tensor<?x?xf64>
  return %res#0, %row : f64, tensor<?x?xf64>
}

// -----

// A tape written row by row (in-bounds updates, as reverse mode records
// one) whose rows nobody reads is dropped like one added into; an update
// that checks its index is kept (its check may fail).
// CHECK-LABEL: func.func @tape_rows_written
// CHECK:         fad.for %{{.*}} iter(%{{.*}}) : (f64) -> f64
// CHECK-NOT:       fad.update
// CHECK:         fad.for %{{.*}} : (f64, tensor<?x?x?xf64>) -> (f64, tensor<?x?x?xf64>)
// CHECK:           fad.update
func.func @tape_rows_written(%n: i64, %r: tensor<?x?xf64>, %state: tensor<?x?xf64>) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %t0 = fad.build %n : tensor<?x?x?xf64> {
  ^bb0(%i: i64):
    fad.yield %r : tensor<?x?xf64>
  }
  %a:2 = fad.for %n iter(%zero, %t0) : (f64, tensor<?x?x?xf64>) -> (f64, tensor<?x?x?xf64>) {
  ^bb0(%i: i64, %s: f64, %tape: tensor<?x?x?xf64>):
    %x = fad.convert %i : i64 to f64
    %s2 = fad.add %s, %x : f64
    %u = fad.update %tape[%i], %state {fad.in_bounds} : tensor<?x?x?xf64>, tensor<?x?xf64>
    fad.yield %s2, %u : f64, tensor<?x?x?xf64>
  }
  %b:2 = fad.for %n iter(%zero, %t0) : (f64, tensor<?x?x?xf64>) -> (f64, tensor<?x?x?xf64>) {
  ^bb0(%i: i64, %s: f64, %tape: tensor<?x?x?xf64>):
    %x = fad.convert %i : i64 to f64
    %s2 = fad.add %s, %x : f64
    %u = fad.update %tape[%i], %state : tensor<?x?x?xf64>, tensor<?x?xf64>
    fad.yield %s2, %u : f64, tensor<?x?x?xf64>
  }
  return %a#0, %b#0 : f64, f64
}

// -----

// A row adjoint collected in private zeros and then added to row i of the
// outer adjoint accumulates there directly, through a nested loop too.
// CHECK-LABEL: func.func @accumulate_into_row
// CHECK-SAME:    (%[[OUTER:[a-z0-9_]+]]: tensor<?x?xf64>, %{{.*}}: tensor<?xf64>, %[[I:[a-z0-9_]+]]: i64
// CHECK-NOT:     fad.zeros_like
// CHECK:         %[[R:.*]] = fad.for %{{.*}} iter(%[[OUTER]]) : (tensor<?x?xf64>) -> tensor<?x?xf64>
// CHECK:           fad.for %{{.*}} iter(%{{.*}}) : (tensor<?x?xf64>) -> tensor<?x?xf64>
// CHECK:             fad.add_at %{{.*}}[%[[I]], %{{.*}}], %{{.*}} : tensor<?x?xf64>, f64
// CHECK:           fad.add_at %{{.*}}[%[[I]], %{{.*}}], %{{.*}} : tensor<?x?xf64>, f64
// CHECK:         return %[[R]]
func.func @accumulate_into_row(%outer: tensor<?x?xf64>, %row: tensor<?xf64>, %i: i64, %n: i64, %v: f64) -> tensor<?x?xf64> {
  %z = fad.zeros_like %row : tensor<?xf64>
  %acc = fad.for %n iter(%z) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%j: i64, %a: tensor<?xf64>):
    %in = fad.for %j iter(%a) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%c: i64, %e: tensor<?xf64>):
      %f = fad.add_at %e[%c], %v : tensor<?xf64>, f64
      fad.yield %f : tensor<?xf64>
    }
    %b = fad.add_at %in[%j], %v : tensor<?xf64>, f64
    fad.yield %b : tensor<?xf64>
  }
  %r = fad.add_at %outer[%i], %acc : tensor<?x?xf64>, tensor<?xf64>
  return %r : tensor<?x?xf64>
}


// -----

// Not when the loop reads its accumulator (it must start from zeros).
// CHECK-LABEL: func.func @reads_accumulator
// CHECK:         fad.zeros_like
// CHECK:         fad.add_at %{{.*}}[%{{.*}}], %{{.*}} : tensor<?x?xf64>, tensor<?xf64>
func.func @reads_accumulator(%outer: tensor<?x?xf64>, %row: tensor<?xf64>, %i: i64, %n: i64) -> tensor<?x?xf64> {
  %z = fad.zeros_like %row : tensor<?xf64>
  %acc = fad.for %n iter(%z) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%j: i64, %a: tensor<?xf64>):
    %v = fad.index %a[%j] : tensor<?xf64> -> f64
    %b = fad.add_at %a[%j], %v : tensor<?xf64>, f64
    fad.yield %b : tensor<?xf64>
  }
  %r = fad.add_at %outer[%i], %acc : tensor<?x?xf64>, tensor<?xf64>
  return %r : tensor<?x?xf64>
}

// -----

// A cheap result of a map of several results, reduced and read by nothing
// else, is computed again in the reduction (fused) instead of being stored:
// the other result stays in the map. A costly one (exp) is not.
// CHECK-LABEL: func.func @split_for_reduce
// CHECK:         %[[M:.*]] = fad.map(%arg0, %arg1) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
// CHECK-NOT:       fad.mul
// CHECK:         %[[S:.*]] = fad.for %{{.*}} iter(%cst) {fad.reduction} : (f64) -> f64 {
// CHECK:           fad.index %arg0[%{{.*}}] {fad.in_bounds}
// CHECK:           fad.index %arg1[%{{.*}}] {fad.in_bounds}
// CHECK:           fad.mul
// CHECK:         %[[E:.*]]:2 = fad.map(%arg0) : (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
// CHECK:         fad.reduce inits(%cst) arrays(%[[E]]#1)
// CHECK:         return %[[M]], %[[S]], %[[E]]#0
func.func @split_for_reduce(%x: tensor<?xf64>, %y: tensor<?xf64>) -> (tensor<?xf64>, f64, tensor<?xf64>, f64) {
  %zero = arith.constant 0.0 : f64
  %m:2 = fad.map (%x, %y) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: f64, %b: f64):
    %s = fad.add %a, %b : f64
    %p = fad.mul %a, %b : f64
    fad.yield %s, %p : f64, f64
  }
  %sum = fad.reduce inits(%zero) arrays(%m#1) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %v: f64):
    %t = fad.add %acc, %v : f64
    fad.yield %t : f64
  }
  %e:2 = fad.map (%x) : (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: f64):
    %s = fad.sin %a : f64
    %x2 = fad.exp %a : f64
    fad.yield %s, %x2 : f64, f64
  }
  %esum = fad.reduce inits(%zero) arrays(%e#1) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %v: f64):
    %t = fad.add %acc, %v : f64
    fad.yield %t : f64
  }
  return %m#0, %sum, %e#0, %esum : tensor<?xf64>, f64, tensor<?xf64>, f64
}

// -----

// A reduction of a map's result next to the map's input: one loop.
// CHECK-LABEL: func.func @reduce_result_and_input
// CHECK:         %[[R:.*]]:2 = fad.for %{{.*}} iter(%cst, %cst) {fad.reduction} : (f64, f64) -> (f64, f64) {
// CHECK-NEXT:    ^bb0(%[[I:.*]]: i64, %[[S:.*]]: f64, %[[T:.*]]: f64):
// CHECK-NEXT:      %[[A:.*]] = fad.index %arg0[%[[I]]] {fad.in_bounds}
// CHECK-NEXT:      %[[E:.*]] = fad.exp %[[A]] : f64
// CHECK-NEXT:      %[[S2:.*]] = fad.add %[[S]], %[[E]] : f64
// CHECK-NEXT:      %[[T2:.*]] = fad.add %[[T]], %[[A]] : f64
// CHECK:         return %[[R]]#0, %[[R]]#1
func.func @reduce_result_and_input(%x: tensor<?xf64>) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %e = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %v = fad.exp %a : f64
    fad.yield %v : f64
  }
  %r:2 = fad.reduce inits(%zero, %zero) arrays(%e, %x) : (f64, f64), (tensor<?xf64>, tensor<?xf64>) -> f64, f64 {
  ^bb0(%s: f64, %t: f64, %a: f64, %b: f64):
    %s2 = fad.add %s, %a : f64
    %t2 = fad.add %t, %b : f64
    fad.yield %s2, %t2 : f64, f64
  }
  return %r#0, %r#1 : f64, f64
}

// -----

// A broadcast (a build yielding a value from outside) is inlined into every
// reader, however many (the map stays a map, of the other input, and could
// still overwrite it); an index marked in bounds is not checked again.
// CHECK-LABEL: func.func @broadcast
// CHECK-NOT:     "index out of bounds
// CHECK:         %[[M:.*]] = fad.map(%arg0) : (tensor<?xf64>) -> tensor<?xf64> {
// CHECK-NEXT:    ^bb0(%[[A:.*]]: f64):
// CHECK-NEXT:      fad.mul %[[A]], %arg2 : f64
// CHECK-NOT:     fad.build
// CHECK-NOT:     "index out of bounds
// CHECK:         return %[[M]], %arg2
func.func @broadcast(%x: tensor<?xf64>, %i: i64, %c: f64) -> (tensor<?xf64>, f64) {
  %n = fad.dim %x[0] : tensor<?xf64>
  %b = fad.build %n : tensor<?xf64> {
  ^bb0(%j: i64):
    fad.yield %c : f64
  }
  %m = fad.map (%x, %b) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64, %v: f64):
    %p = fad.mul %a, %v : f64
    fad.yield %p : f64
  }
  %e = fad.index %b[%i] {fad.in_bounds} : tensor<?xf64> -> f64
  return %m, %e : tensor<?xf64>, f64
}

// -----

// A loop spreading values into fresh zeros at its counter (each element
// written once) is a build per such state; a state accumulated elsewhere
// (at i - 1 here) or from zeros of an unknown extent stays in the loop.
// CHECK-LABEL: func.func @elementwise_accumulation
// CHECK:         %[[B:.*]] = fad.build %[[N:.*]] : tensor<?xf64> {
// CHECK-NEXT:    ^bb0(%[[I:.*]]: i64):
// CHECK-NEXT:      %[[X:.*]] = fad.index %arg0[%[[I]]] : tensor<?xf64> -> f64
// CHECK-NEXT:      %[[V:.*]] = fad.mul %[[X]], %arg2 : f64
// CHECK-NEXT:      fad.yield %[[V]] : f64
// CHECK:         %[[L:.*]]:2 = fad.for %[[N]] iter(%{{.*}}, %{{.*}}) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
// CHECK-NOT:       fad.mul
// CHECK:         return %[[B]], %[[L]]#0, %[[L]]#1
func.func @elementwise_accumulation(%x: tensor<?xf64>, %y: tensor<?xf64>, %c: f64) -> (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) {
  %one = arith.constant 1 : i64
  %n = fad.dim %x[0] : tensor<?xf64>
  %z = fad.zeros_like %x : tensor<?xf64>
  %w = fad.zeros_like %y : tensor<?xf64>
  %r:3 = fad.for %n iter(%z, %z, %w) : (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%i: i64, %a: tensor<?xf64>, %b: tensor<?xf64>, %d: tensor<?xf64>):
    %e = fad.index %x[%i] : tensor<?xf64> -> f64
    %v = fad.mul %e, %c : f64
    %a2 = fad.add_at %a[%i], %v : tensor<?xf64>, f64
    %j = fad.sub %i, %one : i64
    %b2 = fad.add_at %b[%j], %e : tensor<?xf64>, f64
    %d2 = fad.add_at %d[%i], %e : tensor<?xf64>, f64
    fad.yield %a2, %b2, %d2 : tensor<?xf64>, tensor<?xf64>, tensor<?xf64>
  }
  return %r#0, %r#1, %r#2 : tensor<?xf64>, tensor<?xf64>, tensor<?xf64>
}

// -----

// A state every iteration yields unchanged is its init: the loop drops it.
// CHECK-LABEL: func.func @unchanged_state
// CHECK:         %[[R:.*]] = fad.for %arg0 iter(%arg2) : (f64) -> f64 {
// CHECK-NEXT:    ^bb0(%{{.*}}: i64, %[[S:.*]]: f64):
// CHECK-NEXT:      %[[T:.*]] = fad.add %[[S]], %arg1 : f64
// CHECK-NEXT:      fad.yield %[[T]] : f64
// CHECK:         return %arg1, %[[R]]
func.func @unchanged_state(%n: i64, %c: f64, %x: f64) -> (f64, f64) {
  %r:2 = fad.for %n iter(%c, %x) : (f64, f64) -> (f64, f64) {
  ^bb0(%i: i64, %k: f64, %s: f64):
    %t = fad.add %s, %k : f64
    fad.yield %k, %t : f64, f64
  }
  return %r#0, %r#1 : f64, f64
}

// -----

// A costly build (exp) read inside a loop is not fused into the read: it
// would run once per iteration instead of once. A cheap one is.
// CHECK-LABEL: func.func @costly_build_in_loop
// CHECK:         %[[E:.*]] = fad.build %arg0 : tensor<?xf64> {
// CHECK:           fad.exp
// CHECK:         fad.for %arg1
// CHECK-NOT:       fad.exp
// CHECK:           fad.index %[[E]]
// CHECK-NOT:       fad.exp
// CHECK:         return
func.func @costly_build_in_loop(%n: i64, %m: i64, %j: i64) -> (f64, f64) {
  %zero = arith.constant 0.0 : f64
  %e = fad.build %n : tensor<?xf64> {
  ^bb0(%i: i64):
    %f = fad.convert %i : i64 to f64
    %x = fad.exp %f : f64
    fad.yield %x : f64
  }
  %c = fad.build %n : tensor<?xf64> {
  ^bb0(%i: i64):
    %f = fad.convert %i : i64 to f64
    fad.yield %f : f64
  }
  %r:2 = fad.for %m iter(%zero, %zero) : (f64, f64) -> (f64, f64) {
  ^bb0(%t: i64, %s: f64, %u: f64):
    %v = fad.index %e[%j] : tensor<?xf64> -> f64
    %w = fad.index %c[%j] : tensor<?xf64> -> f64
    %s2 = fad.add %s, %v : f64
    %u2 = fad.add %u, %w : f64
    fad.yield %s2, %u2 : f64, f64
  }
  return %r#0, %r#1 : f64, f64
}

// -----

// A state of private zeros that is then added into a row of an outer array
// is accumulated there in place (AccumulateIntoRow), not turned into a
// build that would be added afterwards.
// CHECK-LABEL: func.func @row_accumulation_stays_in_place
// CHECK-NOT:     fad.build
// CHECK:         %[[R:.*]] = fad.for %{{.*}} iter(%arg0) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
// CHECK:           fad.add_at %{{.*}}[%arg2, %{{.*}}], %{{.*}} : tensor<?x?xf64>, f64
// CHECK:         return %[[R]]
func.func @row_accumulation_stays_in_place(%outer: tensor<?x?xf64>, %row: tensor<?xf64>, %i: i64, %c: f64) -> tensor<?x?xf64> {
  %n = fad.dim %row[0] : tensor<?xf64>
  %z = fad.zeros_like %row : tensor<?xf64>
  %acc = fad.for %n iter(%z) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%k: i64, %a: tensor<?xf64>):
    %v = fad.index %row[%k] : tensor<?xf64> -> f64
    %p = fad.mul %v, %c : f64
    %a2 = fad.add_at %a[%k], %p : tensor<?xf64>, f64
    fad.yield %a2 : tensor<?xf64>
  }
  %r = fad.add_at %outer[%i], %acc : tensor<?x?xf64>, tensor<?xf64>
  return %r : tensor<?x?xf64>
}

// -----

// In a sequential loop, a row of scalars added to a row of an accumulator
// (here computed by a map, and by a build) is added element by element where
// it goes: a fad.for over the row, after the add_at's own checks (the
// index, the row's extent); no row array is built.
// CHECK-LABEL: func.func @add_row_in_loop
// CHECK:         fad.for %arg2 iter(%arg0)
// CHECK:           "index out of bounds"
// CHECK:           "arrays of different sizes"
// CHECK:           %[[M:.*]] = fad.for %{{.*}} iter(%{{.*}}) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
// CHECK-NEXT:      ^bb0(%[[J:.*]]: i64, %[[A:.*]]: tensor<?x?xf64>):
// CHECK-NEXT:        %[[X:.*]] = fad.index %arg1[%[[J]]] {fad.in_bounds}
// CHECK-NEXT:        %[[P:.*]] = fad.mul %[[X]], %arg3 : f64
// CHECK-NEXT:        fad.add_at %[[A]][%{{.*}}, %[[J]]], %[[P]] {fad.in_bounds} : tensor<?x?xf64>, f64
// CHECK:           %[[B:.*]] = fad.for %{{.*}} iter(%[[M]]) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
// CHECK-NEXT:      ^bb0(%[[K:.*]]: i64, %[[C:.*]]: tensor<?x?xf64>):
// CHECK-NEXT:        %[[F:.*]] = fad.convert %[[K]] : i64 to f64
// CHECK-NEXT:        fad.add_at %[[C]][%{{.*}}, %[[K]]], %[[F]] {fad.in_bounds} : tensor<?x?xf64>, f64
// CHECK-NOT:     fad.map
// CHECK-NOT:     fad.build
func.func @add_row_in_loop(%acc: tensor<?x?xf64>, %x: tensor<?xf64>, %n: i64, %c: f64) -> tensor<?x?xf64> {
  %r = fad.for %n iter(%acc) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%i: i64, %a: tensor<?x?xf64>):
    %row = fad.map(%x) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%e: f64):
      %p = fad.mul %e, %c : f64
      fad.yield %p : f64
    }
    %a2 = fad.add_at %a[%i], %row : tensor<?x?xf64>, tensor<?xf64>
    %m = fad.dim %x[0] : tensor<?xf64>
    %ramp = fad.build %m : tensor<?xf64> {
    ^bb0(%k: i64):
      %f = fad.convert %k : i64 to f64
      fad.yield %f : f64
    }
    %a3 = fad.add_at %a2[%i], %ramp : tensor<?x?xf64>, tensor<?xf64>
    fad.yield %a3 : tensor<?x?xf64>
  }
  return %r : tensor<?x?xf64>
}

// -----

// Outside sequential loops the map stays (it may run in parallel).
// CHECK-LABEL: func.func @add_row_outside_loop
// CHECK:         %[[M:.*]] = fad.map(%arg1)
// CHECK:         fad.add_at %arg0[%arg2], %[[M]] : tensor<?x?xf64>, tensor<?xf64>
func.func @add_row_outside_loop(%acc: tensor<?x?xf64>, %x: tensor<?xf64>, %i: i64, %c: f64) -> tensor<?x?xf64> {
  %row = fad.map(%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%e: f64):
    %p = fad.mul %e, %c : f64
    fad.yield %p : f64
  }
  %r = fad.add_at %acc[%i], %row : tensor<?x?xf64>, tensor<?xf64>
  return %r : tensor<?x?xf64>
}

// -----

// The transpose of a dot product of two rows yields both adjoints from one
// map; each cheap result goes into its own consumer (a map adding it to a
// state, an add_at into a row), so the map is split and each part fuses:
// no array of either adjoint is built.
// CHECK-LABEL: func.func @split_for_consumers
// CHECK:         fad.for
// CHECK:           %[[XA:.*]] = fad.map(%arg1, %arg2, %{{.*}}) : (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
// CHECK-NEXT:      ^bb0(%[[L:.*]]: f64, %{{.*}}: f64, %[[S:.*]]: f64):
// CHECK-NEXT:        %[[P:.*]] = fad.mul %[[L]], %arg3 : f64
// CHECK-NEXT:        fad.add %[[S]], %[[P]] : f64
// CHECK:           fad.for %{{.*}} iter(%{{.*}}) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
// CHECK:             fad.index %arg2[%{{.*}}] {fad.in_bounds}
// CHECK:             fad.add_at %{{.*}} {fad.in_bounds} : tensor<?x?xf64>, f64
// CHECK-NOT:     fad.map(%arg1, %arg2)
func.func @split_for_consumers(%lbar: tensor<?x?xf64>, %l: tensor<?xf64>, %z: tensor<?xf64>, %c: f64, %zbar: tensor<?xf64>, %n: i64) -> (tensor<?xf64>, tensor<?x?xf64>) {
  %r:2 = fad.for %n iter(%zbar, %lbar) : (tensor<?xf64>, tensor<?x?xf64>) -> (tensor<?xf64>, tensor<?x?xf64>) {
  ^bb0(%i: i64, %s: tensor<?xf64>, %a: tensor<?x?xf64>):
    %adj:2 = fad.map(%l, %z) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
    ^bb0(%le: f64, %ze: f64):
      %p = fad.mul %le, %c : f64
      %q = fad.mul %ze, %c : f64
      fad.yield %p, %q : f64, f64
    }
    %s2 = fad.map(%s, %adj#0) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%u: f64, %v: f64):
      %w = fad.add %u, %v : f64
      fad.yield %w : f64
    }
    %a2 = fad.add_at %a[%i], %adj#1 : tensor<?x?xf64>, tensor<?xf64>
    fad.yield %s2, %a2 : tensor<?xf64>, tensor<?x?xf64>
  }
  return %r#0, %r#1 : tensor<?xf64>, tensor<?x?xf64>
}

// -----

// An element of a map read once is computed alone, after the map's checks.
// CHECK-LABEL: func.func @map_into_index
// CHECK-NOT:     fad.map
// CHECK:         "map: arrays of different sizes"
// CHECK:         "index out of bounds of a mapped array"
// CHECK:         %[[A:.*]] = fad.index %arg0[%arg2] {fad.in_bounds}
// CHECK:         %[[B:.*]] = fad.index %arg1[%arg2] {fad.in_bounds}
// CHECK:         %[[S:.*]] = fad.sub %[[A]], %[[B]] : f64
// CHECK:         return %[[S]]
func.func @map_into_index(%x: tensor<?xf64>, %y: tensor<?xf64>, %i: i64) -> f64 {
  %m = fad.map(%x, %y) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64, %b: f64):
    %d = fad.sub %a, %b : f64
    fad.yield %d : f64
  }
  %e = fad.index %m[%i] : tensor<?xf64> -> f64
  return %e : f64
}

// -----

// A broadcast added elementwise stays an elementwise sum of the state
// (acc[i] + c), which fad-split-accumulations recognizes.
// CHECK-LABEL: func.func @broadcast_into_sum
// CHECK:         fad.build
// CHECK:           %[[A:.*]] = fad.index %{{.*}}[%{{.*}}] {fad.in_bounds}
// CHECK-NEXT:      fad.add %[[A]], %arg1 : f64
func.func @broadcast_into_sum(%acc: tensor<?xf64>, %c: f64) -> tensor<?xf64> {
  %n = fad.dim %acc[0] : tensor<?xf64>
  %b = fad.build %n : tensor<?xf64> {
  ^bb0(%j: i64):
    fad.yield %c : f64
  }
  %s = fad.map(%acc, %b) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%u: f64, %v: f64):
    %w = fad.add %u, %v : f64
    fad.yield %w : f64
  }
  return %s : tensor<?xf64>
}

// -----

// A build that yields its index is no broadcast: fused into a map of
// several inputs, the map becomes a build over it.
// CHECK-LABEL: func.func @index_build_into_map
// CHECK:         %[[B:.*]] = fad.build %{{.*}} : tensor<?xf64> {
// CHECK-NEXT:    ^bb0(%[[I:.*]]: i64):
// CHECK:           fad.convert %[[I]]
// CHECK-NOT:     fad.map
// CHECK:         return %[[B]]
func.func @index_build_into_map(%x: tensor<?xf64>) -> tensor<?xf64> {
  %n = fad.dim %x[0] : tensor<?xf64>
  %b = fad.build %n : tensor<?xi64> {
  ^bb0(%j: i64):
    fad.yield %j : i64
  }
  %m = fad.map(%x, %b) : (tensor<?xf64>, tensor<?xi64>) -> tensor<?xf64> {
  ^bb0(%a: f64, %v: i64):
    %f = fad.convert %v : i64 to f64
    %p = fad.mul %a, %f : f64
    fad.yield %p : f64
  }
  return %m : tensor<?xf64>
}

// -----

// The transpose of m[r][c] in a loop over c: a one-hot row added to the
// adjoint's row becomes one add_at at [r, c] (no cleared row per element).
// CHECK-LABEL: func.func @one_hot_row
// CHECK:         fad.for %arg1 iter(%arg3)
// CHECK-NEXT:    ^bb0(%[[C:.*]]: i64, %[[A:.*]]: tensor<?x?xf64>):
// CHECK-NEXT:      %[[S:.*]] = fad.add_at %[[A]][%arg2, %[[C]]], %arg4 : tensor<?x?xf64>, f64
// CHECK-NEXT:      fad.yield %[[S]]
// CHECK-NOT:     zeros_like
func.func @one_hot_row(%m: tensor<?x?xf64>, %n: i64, %r: i64, %init: tensor<?x?xf64>, %v: f64) -> tensor<?x?xf64> {
  %out = fad.for %n iter(%init) : (tensor<?x?xf64>) -> tensor<?x?xf64> {
  ^bb0(%c: i64, %acc: tensor<?x?xf64>):
    %row = fad.index %m[%r] : tensor<?x?xf64> -> tensor<?xf64>
    %zero = fad.zeros_like %row : tensor<?xf64>
    %hot = fad.add_at %zero[%c], %v : tensor<?xf64>, f64
    %sum = fad.add_at %acc[%r], %hot : tensor<?x?xf64>, tensor<?xf64>
    fad.yield %sum : tensor<?x?xf64>
  }
  return %out : tensor<?x?xf64>
}

// -----

// Not when the one-hot array is read by something else too.
// CHECK-LABEL: func.func @one_hot_row_read_twice
// CHECK:         fad.zeros_like
// CHECK:         fad.add_at %{{.*}}[%arg2], %{{.*}} : tensor<?x?xf64>, tensor<?xf64>
func.func @one_hot_row_read_twice(%m: tensor<?x?xf64>, %n: i64, %r: i64, %init: tensor<?x?xf64>, %v: f64)
    -> (tensor<?x?xf64>, tensor<?xf64>) {
  %row = fad.index %m[%r] : tensor<?x?xf64> -> tensor<?xf64>
  %zero = fad.zeros_like %row : tensor<?xf64>
  %c0 = arith.constant 0 : i64
  %hot = fad.add_at %zero[%c0], %v : tensor<?xf64>, f64
  %sum = fad.add_at %init[%r], %hot : tensor<?x?xf64>, tensor<?xf64>
  return %sum, %hot : tensor<?x?xf64>, tensor<?xf64>
}

// -----

// A sum of a build of two results (a value and its tangent lanes, as
// jacfwd makes of `sum (build n f)`): one loop carrying both sums.
// CHECK-LABEL: func.func @build_pair_into_reduce
// CHECK-NOT:     fad.build %arg0
// CHECK-NOT:     fad.reduce
// CHECK:         %[[L:.*]]:2 = fad.for %arg0 iter(%{{.*}}, %arg1) {fad.reduction} : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>)
// CHECK:         return %[[L]]#0, %[[L]]#1
func.func @build_pair_into_reduce(%n: i64, %zeros: tensor<?xf64>, %t: tensor<?xf64>) -> (f64, tensor<?xf64>) {
  %z = arith.constant 0.0 : f64
  %b:2 = fad.build %n : tensor<?xf64>, tensor<?x?xf64> {
  ^bb0(%i: i64):
    %f = fad.convert %i : i64 to f64
    %s = fad.map(%t) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%e: f64):
      %m = fad.mul %e, %f : f64
      fad.yield %m : f64
    }
    fad.yield %f, %s : f64, tensor<?xf64>
  }
  %r:2 = fad.reduce inits(%z, %zeros) arrays(%b#0, %b#1) : (f64, tensor<?xf64>), (tensor<?xf64>, tensor<?x?xf64>) -> f64, tensor<?xf64> {
  ^bb0(%a: f64, %av: tensor<?xf64>, %x: f64, %xv: tensor<?xf64>):
    %s = fad.add %a, %x : f64
    %sv = fad.map(%av, %xv) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%p: f64, %q: f64):
      %w = fad.add %p, %q : f64
      fad.yield %w : f64
    }
    fad.yield %s, %sv : f64, tensor<?xf64>
  }
  return %r#0, %r#1 : f64, tensor<?xf64>
}

// -----

// acc + (if c then 0 else e) -> if c then acc else acc + e, for a scalar
// and for tangent lanes (zeros of the lanes' extent, which the zero branch
// still checks against the accumulator's): a weighted sum skips its zero
// weights.
// CHECK-LABEL: func.func @add_only_nonzero_branch
// CHECK:         fad.for %arg0 iter(%{{.*}}, %arg2) {fad.reduction}
// CHECK:           %[[R:.*]]:2 = fad.if %{{.*}} -> f64, tensor<?xf64> {
// CHECK:             %[[D:.*]] = fad.dim %[[ACCV:.*]][0] : tensor<?xf64>
// CHECK:             fad.assert %{{.*}}, "map: arrays of different sizes" sizes(%arg3, %[[D]])
// CHECK:             fad.yield %[[ACC:.*]], %[[ACCV]] : f64, tensor<?xf64>
// CHECK:           } else {
// CHECK:             %[[S:.*]] = fad.add %[[ACC]], %{{.*}} : f64
// CHECK:             %[[SV:.*]] = fad.map(%[[ACCV]], %arg1)
// CHECK:             fad.yield %[[S]], %[[SV]] : f64, tensor<?xf64>
// CHECK:           fad.yield %[[R]]#0, %[[R]]#1
func.func @add_only_nonzero_branch(%n: i64, %w: tensor<?xf64>, %init: tensor<?xf64>, %lanes: i64) -> (f64, tensor<?xf64>) {
  %z = arith.constant 0.0 : f64
  %r:2 = fad.for %n iter(%z, %init) {fad.reduction} : (f64, tensor<?xf64>) -> (f64, tensor<?xf64>) {
  ^bb0(%i: i64, %acc: f64, %accv: tensor<?xf64>):
    %wi = fad.index %w[%i] : tensor<?xf64> -> f64
    %c = arith.cmpf oeq, %wi, %z : f64
    %t:2 = fad.if %c -> f64, tensor<?xf64> {
      %zeros = fad.build %lanes : tensor<?xf64> {
      ^bb0(%k: i64):
        fad.yield %z : f64
      }
      fad.yield %z, %zeros : f64, tensor<?xf64>
    } else {
      %sq = fad.mul %wi, %wi : f64
      fad.yield %sq, %w : f64, tensor<?xf64>
    }
    %s = fad.add %acc, %t#0 : f64
    %sv = fad.map(%accv, %t#1) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%p: f64, %q: f64):
      %a = fad.add %p, %q : f64
      fad.yield %a : f64
    }
    fad.yield %s, %sv : f64, tensor<?xf64>
  }
  return %r#0, %r#1 : f64, tensor<?xf64>
}

// -----

// Not rewritten: the term is read twice, neither branch is zero, or the
// sum is a product.
// CHECK-LABEL: func.func @add_only_nonzero_branch_kept
// CHECK:         %[[A:.*]] = fad.if
// CHECK-NEXT:      fad.yield %cst : f64
// CHECK:         fad.add %arg1, %[[A]]
// CHECK:         fad.mul %arg1, %[[A]]
// CHECK:         %[[B:.*]] = fad.if
// CHECK:         fad.add %arg1, %[[B]]
// CHECK:         %[[C:.*]] = fad.if
// CHECK-NEXT:      fad.yield %cst : f64
// CHECK:         fad.mul %arg1, %[[C]]
func.func @add_only_nonzero_branch_kept(%c: i1, %acc: f64, %x: f64) -> (f64, f64, f64, f64) {
  %z = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %a = fad.if %c -> f64 {
    fad.yield %z : f64
  } else {
    fad.yield %x : f64
  }
  %s = fad.add %acc, %a : f64
  %p = fad.mul %acc, %a : f64
  %b = fad.if %c -> f64 {
    fad.yield %one : f64
  } else {
    fad.yield %x : f64
  }
  %t = fad.add %acc, %b : f64
  %d = fad.if %c -> f64 {
    fad.yield %z : f64
  } else {
    fad.yield %x : f64
  }
  %q = fad.mul %acc, %d : f64
  return %s, %p, %t, %q : f64, f64, f64, f64
}

// -----

// build n (\k -> if k == j then v else a[k]) of a value and its tangent:
// the arrays with element j updated when they have n elements and j is
// in bounds (checked at run time), else the build as it was.
// CHECK-LABEL: func.func @single_element_build
// CHECK-DAG:     %[[GE:.*]] = arith.cmpi sge, %arg4, %{{.*}} : i64
// CHECK-DAG:     %[[LT:.*]] = arith.cmpi slt, %arg4, %arg0 : i64
// CHECK:         %[[IN:.*]] = arith.andi {{.*}} : i1
// CHECK:         %[[DA:.*]] = fad.dim %arg1[0]
// CHECK:         %[[EA:.*]] = arith.cmpi eq, %[[DA]], %arg0 : i64
// CHECK:         %[[OK:.*]] = arith.andi %[[IN]], %[[EA]] : i1
// CHECK:         %[[DT:.*]] = fad.dim %arg2[0]
// CHECK:         %[[ET:.*]] = arith.cmpi eq, %[[DT]], %arg0 : i64
// CHECK:         %[[OK2:.*]] = arith.andi %[[OK]], %[[ET]] : i1
// CHECK:         %[[R:.*]]:2 = fad.if %[[OK2]] -> tensor<?x?xf64>, tensor<?x?x?xf64> {
// CHECK-NEXT:      %[[U:.*]] = fad.update %arg1[%arg4], %arg3 : tensor<?x?xf64>, tensor<?xf64>
// CHECK-NEXT:      %[[UT:.*]] = fad.update %arg2[%arg4], %arg5 : tensor<?x?x?xf64>, tensor<?x?xf64>
// CHECK-NEXT:      fad.yield %[[U]], %[[UT]]
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[B:.*]]:2 = fad.build %arg0
// CHECK:           fad.yield %[[B]]#0, %[[B]]#1
// CHECK:         return %[[R]]#0, %[[R]]#1
func.func @single_element_build(%n: i64, %a: tensor<?x?xf64>, %t: tensor<?x?x?xf64>, %v: tensor<?xf64>,
                                %j: i64, %vt: tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?x?xf64>) {
  %b:2 = fad.build %n : tensor<?x?xf64>, tensor<?x?x?xf64> {
  ^bb0(%k: i64):
    %c = arith.cmpi eq, %k, %j : i64
    %r:2 = fad.if %c -> tensor<?xf64>, tensor<?x?xf64> {
      fad.yield %v, %vt : tensor<?xf64>, tensor<?x?xf64>
    } else {
      %ak = fad.index %a[%k] : tensor<?x?xf64> -> tensor<?xf64>
      %tk = fad.index %t[%k] : tensor<?x?x?xf64> -> tensor<?x?xf64>
      fad.yield %ak, %tk : tensor<?xf64>, tensor<?x?xf64>
    }
    fad.yield %r#0, %r#1 : tensor<?xf64>, tensor<?x?xf64>
  }
  return %b#0, %b#1 : tensor<?x?xf64>, tensor<?x?x?xf64>
}

// -----

// Not an update: the other elements are not a's at k, or the new element
// is computed in the build. (Both fuse into the return's... nothing: the
// builds stay builds.)
// CHECK-LABEL: func.func @not_single_element_builds
// CHECK-NOT:     fad.update
// CHECK:         return
func.func @not_single_element_builds(%n: i64, %a: tensor<?xf64>, %j: i64, %v: f64) -> (tensor<?xf64>, tensor<?xf64>) {
  %c1 = arith.constant 1 : i64
  %shifted = fad.build %n : tensor<?xf64> {
  ^bb0(%k: i64):
    %c = arith.cmpi eq, %k, %j : i64
    %r = fad.if %c -> f64 {
      fad.yield %v : f64
    } else {
      %k1 = fad.add %k, %c1 : i64
      %e = fad.index %a[%k1] : tensor<?xf64> -> f64
      fad.yield %e : f64
    }
    fad.yield %r : f64
  }
  %computed = fad.build %n : tensor<?xf64> {
  ^bb0(%k: i64):
    %c = arith.cmpi eq, %k, %j : i64
    %r = fad.if %c -> f64 {
      %w = fad.convert %k : i64 to f64
      fad.yield %w : f64
    } else {
      %e = fad.index %a[%k] : tensor<?xf64> -> f64
      fad.yield %e : f64
    }
    fad.yield %r : f64
  }
  return %shifted, %computed : tensor<?xf64>, tensor<?xf64>
}

// -----

// A sum of products with a factor that is the same at every element: the
// factor times the sum of the other factor's array, which the map yields
// already (the softmax's 1/s in a transposed log-sum-exp), or which is an
// input of the map, the factor a broadcast input (the map's extent check
// stays). The map's product result is then unused and dropped.
// CHECK-LABEL: func.func @factor_out_of_sum
// CHECK:         %[[M:.*]] = fad.map(%arg0) : (tensor<?xf64>) -> tensor<?xf64> {
// CHECK:           fad.exp
// CHECK-NOT:       fad.mul
// CHECK:         }
// CHECK:         %[[S:.*]] = fad.reduce inits(%{{.*}}) arrays(%[[M]])
// CHECK:         %[[KS:.*]] = fad.mul %arg1, %[[S]] : f64
// CHECK:         %[[N:.*]] = fad.dim %arg0[0]
// CHECK:         fad.dim %arg2[0]
// CHECK:         fad.assert {{.*}} "map: arrays of different sizes"
// CHECK:         %[[T:.*]] = fad.reduce inits(%{{.*}}) arrays(%arg2)
// CHECK:         %[[KT:.*]] = fad.mul %arg1, %[[T]] : f64
// CHECK:         return %[[M]], %[[KS]], %[[KT]]
func.func @factor_out_of_sum(%x: tensor<?xf64>, %k: f64, %y: tensor<?xf64>)
    -> (tensor<?xf64>, f64, f64) {
  %z = arith.constant 0.0 : f64
  %m:2 = fad.map(%x) : (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: f64):
    %e = fad.exp %a : f64
    %s = fad.mul %e, %k : f64
    fad.yield %e, %s : f64, f64
  }
  %r = fad.reduce inits(%z) arrays(%m#1) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %v: f64):
    %t = fad.add %acc, %v : f64
    fad.yield %t : f64
  }
  %n = fad.dim %x[0] : tensor<?xf64>
  %b = fad.build %n : tensor<?xf64> {
  ^bb0(%i: i64):
    fad.yield %k : f64
  }
  %p = fad.map(%b, %y) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%c: f64, %v: f64):
    %t = fad.mul %c, %v : f64
    fad.yield %t : f64
  }
  %q = fad.reduce inits(%z) arrays(%p) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %v: f64):
    %t = fad.add %v, %acc : f64
    fad.yield %t : f64
  }
  return %m#0, %r, %q : tensor<?xf64>, f64, f64
}

// -----

// Not factored: both factors vary, the other factor's array does not exist
// (it would be computed only for the sum), the sum starts from 1, the fold
// is a product. Each map fuses into its fold instead.
// CHECK-LABEL: func.func @factor_out_of_sum_kept
// CHECK-NOT:     fad.reduce
// CHECK:         fad.for
// CHECK:           fad.mul %{{.*}}, %{{.*}} : f64
// CHECK:         fad.for
// CHECK:           fad.exp
// CHECK:           fad.mul %arg1, %{{.*}} : f64
// CHECK:         fad.for
// CHECK:           fad.mul %{{.*}}, %arg1 : f64
// CHECK:         fad.for
// CHECK:           fad.mul %{{.*}}, %arg1 : f64
// CHECK-NOT:     fad.reduce
func.func @factor_out_of_sum_kept(%x: tensor<?xf64>, %k: f64) -> (f64, f64, f64, f64) {
  %z = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %sq = fad.map(%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %t = fad.mul %a, %a : f64
    fad.yield %t : f64
  }
  %r1 = fad.reduce inits(%z) arrays(%sq) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %v: f64):
    %t = fad.add %acc, %v : f64
    fad.yield %t : f64
  }
  %ke = fad.map(%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %e = fad.exp %a : f64
    %t = fad.mul %k, %e : f64
    fad.yield %t : f64
  }
  %r2 = fad.reduce inits(%z) arrays(%ke) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %v: f64):
    %t = fad.add %acc, %v : f64
    fad.yield %t : f64
  }
  %kx = fad.map(%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %t = fad.mul %a, %k : f64
    fad.yield %t : f64
  }
  %r3 = fad.reduce inits(%one) arrays(%kx) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %v: f64):
    %t = fad.add %acc, %v : f64
    fad.yield %t : f64
  }
  %kx2 = fad.map(%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %t = fad.mul %a, %k : f64
    fad.yield %t : f64
  }
  %r4 = fad.reduce inits(%z) arrays(%kx2) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %v: f64):
    %t = fad.mul %acc, %v : f64
    fad.yield %t : f64
  }
  return %r1, %r2, %r3, %r4 : f64, f64, f64, f64
}
