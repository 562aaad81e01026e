// fad-inline-alloca-scopes: a memref.alloca_scope without a memref.alloca
// (what convert-scf-to-openmp wraps around a parallel body) is inlined, its
// results replaced by the values it returned; one holding an alloca stays.
// RUN: fad-opt %s --fad-inline-alloca-scopes --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @no_alloca
// CHECK-SAME:    (%[[B:[a-z0-9_]+]]: memref<?xf64>, %[[I:[a-z0-9_]+]]: index, %[[X:[a-z0-9_]+]]: f64)
// CHECK-NOT:     memref.alloca_scope
// CHECK:         %[[E:[a-z0-9_]+]] = math.exp %[[X]] : f64
// CHECK-NEXT:    memref.store %[[E]], %[[B]][%[[I]]] : memref<?xf64>
// CHECK-NEXT:    return
func.func @no_alloca(%b: memref<?xf64>, %i: index, %x: f64) {
  memref.alloca_scope {
    %e = math.exp %x : f64
    memref.store %e, %b[%i] : memref<?xf64>
  }
  return
}

// -----

// The scope's results become the returned values.
// CHECK-LABEL: func.func @with_results
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: f64)
// CHECK-NOT:     memref.alloca_scope
// CHECK:         %[[S:[a-z0-9_]+]] = arith.addf %[[X]], %[[X]] : f64
// CHECK-NEXT:    return %[[S]] : f64
func.func @with_results(%x: f64) -> f64 {
  %r = memref.alloca_scope -> (f64) {
    %s = arith.addf %x, %x : f64
    memref.alloca_scope.return %s : f64
  }
  return %r : f64
}

// -----

// A scope in a loop body, calling a function, as the OpenMP lowering leaves
// it: inlined in place.
// CHECK-LABEL: func.func @in_loop
// CHECK:         scf.for
// CHECK-NOT:       memref.alloca_scope
// CHECK:           func.call @work(%{{.*}}) : (index) -> ()
// CHECK-NEXT:    }
func.func private @work(index)
func.func @in_loop(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    memref.alloca_scope {
      func.call @work(%i) : (index) -> ()
    }
  }
  return
}

// -----

// A stack allocation, even nested, keeps its scope (which releases it).
// CHECK-LABEL: func.func @keeps_alloca
// CHECK:         memref.alloca_scope {
// CHECK:           scf.if
// CHECK:             memref.alloca() : memref<4xf64>
func.func @keeps_alloca(%c: i1, %x: f64) {
  memref.alloca_scope {
    scf.if %c {
      %t = memref.alloca() : memref<4xf64>
      %z = arith.constant 0 : index
      memref.store %x, %t[%z] : memref<4xf64>
    }
  }
  return
}
