// convert-fad-to-scf: structured ops become scf loops writing in place into a
// destination tensor; run-time checks call the runtime.
// RUN: fad-opt %s --convert-fad-to-scf | FileCheck %s
// RUN: fad-opt %s --fad-to-llvm | FileCheck %s --check-prefix=LLVM

// The runtime's error functions do not return, and LLVM is told so (values
// are not kept alive across a check's call).
// LLVM-DAG: llvm.func @fad_rt_index_error(!llvm.ptr, i64, i64) attributes {passthrough = ["noreturn", "cold"]
// LLVM-DAG: llvm.func @fad_rt_fail(!llvm.ptr) attributes {passthrough = ["noreturn", "cold"]

// CHECK-LABEL: func.func @square
// CHECK-SAME:    (%[[X:.*]]: tensor<?xf64>)
// CHECK:         %[[N:.*]] = tensor.dim %[[X]]
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?xf64>
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[D:.*]] = %[[INIT]])
// CHECK:           %[[E:.*]] = tensor.extract %[[X]][%[[I]]]
// CHECK:           %[[S:.*]] = arith.mulf %[[E]], %[[E]] : f64
// CHECK:           %[[D2:.*]] = tensor.insert %[[S]] into %[[D]][%[[I]]]
// CHECK:           scf.yield %[[D2]]
// LLVM-LABEL: llvm.func @square
func.func @square(%x: tensor<?xf64>) -> tensor<?xf64> {
  %y = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%e: f64):
    %s = fad.mul %e, %e : f64
    fad.yield %s : f64
  }
  return %y : tensor<?xf64>
}

// A map over two arrays checks that their sizes agree.
// CHECK-LABEL: func.func @add
// CHECK:         arith.cmpi eq
// CHECK:         scf.if
// CHECK:           func.call @fad_rt_fail
// CHECK:         scf.for
func.func @add(%x: tensor<?xf64>, %y: tensor<?xf64>) -> tensor<?xf64> {
  %z = fad.map (%x, %y) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64, %b: f64):
    %s = fad.add %a, %b : f64
    fad.yield %s : f64
  }
  return %z : tensor<?xf64>
}

// reduce carries the accumulator; integer ops use the integer arith forms.
// CHECK-LABEL: func.func @isum
// CHECK:         scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (i64)
// CHECK:           arith.addi %[[ACC]]
func.func @isum(%x: tensor<?xi64>, %z: i64) -> i64 {
  %r = fad.reduce inits(%z) arrays(%x) : (i64), (tensor<?xi64>) -> i64 {
  ^bb0(%a: i64, %b: i64):
    %t = fad.add %a, %b : i64
    fad.yield %t : i64
  }
  return %r : i64
}

// Indexing is bounds-checked and reports the index and the size.
// CHECK-LABEL: func.func @get
// CHECK:         func.call @fad_rt_index_error
// CHECK:         tensor.extract
func.func @get(%x: tensor<?xf64>, %i: i64) -> f64 {
  %e = fad.index %x[%i] : tensor<?xf64> -> f64
  return %e : f64
}

// Loops and conditionals map to their scf counterparts.
// CHECK-LABEL: func.func @loops
// CHECK:         scf.for
// CHECK:         scf.while
// CHECK:           scf.condition
// CHECK:         scf.if
func.func @loops(%n: i64, %z: f64) -> f64 {
  %f = fad.for %n iter(%z) : (f64) -> f64 {
  ^bb0(%i: i64, %s: f64):
    %t = fad.add %s, %s : f64
    fad.yield %t : f64
  }
  %w = fad.while iter(%f) : (f64) -> f64 cond {
  ^bb0(%s: f64):
    %c = arith.cmpf olt, %s, %z : f64
    fad.yield %c : i1
  } do {
  ^bb0(%s: f64):
    %t = fad.add %s, %s : f64
    fad.yield %t : f64
  }
  %c = arith.cmpf olt, %w, %z : f64
  %r = fad.if %c -> f64 {
    fad.yield %z : f64
  } else {
    %m = fad.max %w, %z : f64
    fad.yield %m : f64
  }
  return %r : f64
}

// A map of scalars may overwrite an input that nothing else uses: an array
// accumulator is added into in place (no array per iteration).
// CHECK-LABEL: func.func @row_sum
// CHECK:         scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<?xf64>)
// CHECK:           %[[ROW:.*]] = tensor.extract_slice
// CHECK-NOT:       tensor.empty
// CHECK:           scf.for %[[I:.*]] = {{.*}} iter_args(%[[D:.*]] = %[[ACC]])
// CHECK:             tensor.extract %[[D]][%[[I]]]
// CHECK:             tensor.extract %[[ROW]][%[[I]]]
// CHECK:             arith.addf
// CHECK:             tensor.insert {{.*}} into %[[D]][%[[I]]]
func.func @row_sum(%x: tensor<?x?xf64>, %z: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.reduce inits(%z) arrays(%x) : (tensor<?xf64>), (tensor<?x?xf64>) -> tensor<?xf64> {
  ^bb0(%a: tensor<?xf64>, %b: tensor<?xf64>):
    %t = fad.map (%a, %b) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%p: f64, %q: f64):
      %s = fad.add %p, %q : f64
      fad.yield %s : f64
    }
    fad.yield %t : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// A map with several results overwrites a different dead input with each
// (fad-unroll-jam's merged maps, adding a row to each point's array): two
// accumulators carried by a loop are added into in place. The row, read by
// both results, is overwritten by neither.
// CHECK-LABEL: func.func @two_sums
// CHECK:         scf.for {{.*}} iter_args(%[[A:.*]] = %{{.*}}, %[[B:.*]] = %{{.*}}) -> (tensor<?xf64>, tensor<?xf64>)
// CHECK:           %[[ROW:.*]] = tensor.extract_slice
// CHECK-NOT:       tensor.empty
// CHECK:           scf.for %[[I:.*]] = {{.*}} iter_args(%[[DA:.*]] = %[[A]], %[[DB:.*]] = %[[B]])
// CHECK:             tensor.extract %[[DA]][%[[I]]]
// CHECK:             tensor.extract %[[ROW]][%[[I]]]
// CHECK:             tensor.extract %[[DB]][%[[I]]]
// CHECK:             tensor.insert {{.*}} into %[[DA]][%[[I]]]
// CHECK:             tensor.insert {{.*}} into %[[DB]][%[[I]]]
func.func @two_sums(%x: tensor<?x?xf64>, %z: tensor<?xf64>, %w: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  %n = fad.dim %x[0] : tensor<?x?xf64>
  %r:2 = fad.for %n iter(%z, %w) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%i: i64, %a: tensor<?xf64>, %b: tensor<?xf64>):
    %row = fad.index %x[%i] : tensor<?x?xf64> -> tensor<?xf64>
    %t:2 = fad.map (%a, %row, %b) : (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
    ^bb0(%p: f64, %q: f64, %s: f64):
      %u = fad.add %p, %q : f64
      %v = fad.mul %s, %q : f64
      fad.yield %u, %v : f64, f64
    }
    fad.yield %t#0, %t#1 : tensor<?xf64>, tensor<?xf64>
  }
  return %r#0, %r#1 : tensor<?xf64>, tensor<?xf64>
}

// An input used again later keeps its value: the map writes a new array.
// CHECK-LABEL: func.func @still_used
// CHECK:         %[[Y:.*]] = tensor.empty
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[Y]])
func.func @still_used(%x: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  %y = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%e: f64):
    %s = fad.exp %e : f64
    fad.yield %s : f64
  }
  %z = fad.map (%y) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%e: f64):
    %s = fad.neg %e : f64
    fad.yield %s : f64
  }
  return %y, %z : tensor<?xf64>, tensor<?xf64>
}

// Rows built over the extent of a row of another array (gmm's y = Q_j (x -
// mu_j) per point and component): the rows' extents are known before the
// loop, so the result is allocated once, up front (the loop can then run in
// parallel).
// CHECK-LABEL: func.func @rows_of_known_extent
// CHECK-NOT:     opaque_zero
// CHECK:         %[[OUT:.*]] = tensor.empty(%{{.*}}, %{{.*}}, %{{.*}}) : tensor<?x?x?xf64>
// CHECK-NOT:     opaque_zero
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[OUT]])
// CHECK-NOT:       opaque_zero
// CHECK:         return
func.func @rows_of_known_extent(%x: tensor<?xf64>, %q: tensor<?x?xf64>, %k: i64) -> tensor<?x?x?xf64> {
  %r = fad.map (%x) : (tensor<?xf64>) -> tensor<?x?x?xf64> {
  ^bb0(%e: f64):
    %rows = fad.build %k : tensor<?x?xf64> {
    ^bb0(%j: i64):
      %qj = fad.index %q[%j] : tensor<?x?xf64> -> tensor<?xf64>
      %d = fad.dim %qj[0] : tensor<?xf64>
      %y = fad.build %d : tensor<?xf64> {
      ^bb0(%i: i64):
        %v = fad.index %qj[%i] : tensor<?xf64> -> f64
        %s = fad.mul %v, %e : f64
        fad.yield %s : f64
      }
      fad.yield %y : tensor<?xf64>
    }
    fad.yield %rows : tensor<?x?xf64>
  }
  return %r : tensor<?x?x?xf64>
}

// A splat (a build yielding a scalar from outside) is a fill, not a loop.
// CHECK-LABEL: func.func @splat
// CHECK-NOT:     scf.for
// CHECK:         %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?xf64>
// CHECK:         %[[F:.*]] = linalg.fill ins(%arg1 : f64) outs(%[[E]] : tensor<?xf64>)
// CHECK:         return %[[F]]
func.func @splat(%n: i64, %c: f64) -> tensor<?xf64> {
  %b = fad.build %n : tensor<?xf64> {
  ^bb0(%i: i64):
    fad.yield %c : f64
  }
  return %b : tensor<?xf64>
}

// A build checks that its size is not negative, unless the size is known
// not to be: an array's extent, a bound max(n, 0).
// CHECK-LABEL: func.func @size_checks
// CHECK:         arith.cmpi sge
// CHECK:         func.call @fad_rt_fail
// CHECK:         linalg.fill
// CHECK-NOT:     func.call @fad_rt_fail
// CHECK:         linalg.fill
// CHECK-NOT:     func.call @fad_rt_fail
// CHECK:         linalg.fill
// CHECK:         return
func.func @size_checks(%n: i64, %x: tensor<?xf64>, %c: f64) -> (tensor<?xf64>, tensor<?xf64>, tensor<?xf64>) {
  %a = fad.build %n : tensor<?xf64> {
  ^bb0(%i: i64):
    fad.yield %c : f64
  }
  %m = fad.dim %x[0] : tensor<?xf64>
  %b = fad.build %m : tensor<?xf64> {
  ^bb0(%i: i64):
    fad.yield %c : f64
  }
  %zero = arith.constant 0 : i64
  %k = fad.max %n, %zero : i64
  %d = fad.build %k : tensor<?xf64> {
  ^bb0(%i: i64):
    fad.yield %c : f64
  }
  return %a, %b, %d : tensor<?xf64>, tensor<?xf64>, tensor<?xf64>
}

// update checks the index and the new row's size, then stores the row.
// CHECK-LABEL: func.func @update_row
// CHECK-SAME:    (%[[M:.*]]: tensor<?x?xf64>, %{{.*}}: i64, %[[R:.*]]: tensor<?xf64>)
// CHECK:         func.call @fad_rt_index_error
// CHECK:         func.call @fad_rt_fail
// CHECK:         tensor.insert_slice %[[R]] into %[[M]]
func.func @update_row(%m: tensor<?x?xf64>, %i: i64, %r: tensor<?xf64>) -> tensor<?x?xf64> {
  %u = fad.update %m[%i], %r : tensor<?x?xf64>, tensor<?xf64>
  return %u : tensor<?x?xf64>
}

// A nested literal of constants is one dense constant: the rows are lowered
// first, and the outer literal sees their lowered values (one insert per
// element made bufferization's analysis grow with the cube of the length).
// CHECK-LABEL: func.func @nested_literal
// CHECK:         %[[C:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf64>
// CHECK-NOT:     tensor.insert
// CHECK:         return %[[C]]
func.func @nested_literal() -> tensor<2x2xf64> {
  %a = arith.constant 1.0 : f64
  %b = arith.constant 2.0 : f64
  %c = arith.constant 3.0 : f64
  %d = arith.constant 4.0 : f64
  %r0 = fad.array %a, %b : f64, f64 -> tensor<2xf64>
  %r1 = fad.array %c, %d : f64, f64 -> tensor<2xf64>
  %m = fad.array %r0, %r1 : tensor<2xf64>, tensor<2xf64> -> tensor<2x2xf64>
  return %m : tensor<2x2xf64>
}

// A build inside a map that yields the map's element is a fill; the map is
// lowered first, so the element is an argument of a block that lowering moved.
// CHECK-LABEL: func.func @splat_of_element
// CHECK:         scf.for
// CHECK:           %[[E:.*]] = tensor.extract
// CHECK:           linalg.fill ins(%[[E]] : f64)
func.func @splat_of_element(%x: tensor<?xf64>, %n: i64) -> tensor<?x?xf64> {
  %y = fad.map (%x) : (tensor<?xf64>) -> tensor<?x?xf64> {
  ^bb0(%e: f64):
    %row = fad.build %n : tensor<?xf64> {
    ^bb0(%i: i64):
      fad.yield %e : f64
    }
    fad.yield %row : tensor<?xf64>
  }
  return %y : tensor<?x?xf64>
}

// An add_at of a row adds into the extracted row itself (the loop's
// destination), so that the insert puts back the buffer it came from
// (bufferization writes the row in place, no copy); one marked in bounds
// (fad-fuse's, whose indices it checked) has no check.
// CHECK-LABEL: func.func @add_row
// CHECK:         %[[ROW:.*]] = tensor.extract_slice %arg0[%{{.*}}, 0]
// CHECK:         %[[SUM:.*]] = scf.for %{{.*}} iter_args(%[[D:.*]] = %[[ROW]]) -> (tensor<?xf64>)
// CHECK:         tensor.insert_slice %[[SUM]] into %arg0
func.func @add_row(%a: tensor<?x?xf64>, %v: tensor<?xf64>, %i: i64) -> tensor<?x?xf64> {
  %r = fad.add_at %a[%i], %v : tensor<?x?xf64>, tensor<?xf64>
  return %r : tensor<?x?xf64>
}
// CHECK-LABEL: func.func @add_in_bounds
// CHECK-NOT:     fad_rt_index_error
// CHECK:         tensor.insert
func.func @add_in_bounds(%a: tensor<?xf64>, %v: f64, %i: i64) -> tensor<?xf64> {
  %r = fad.add_at %a[%i], %v {fad.in_bounds} : tensor<?xf64>, f64
  return %r : tensor<?xf64>
}
