// RUN: fad-opt %s --fad-hoist-loop-buffers --split-input-file | FileCheck %s
// RUN: fad-opt %s --fad-expand-strided-copies --split-input-file | FileCheck %s --check-prefix=COPY

// A buffer freed in the iteration that allocates it, with sizes from outside
// the loops, is allocated once before the outer loop.
// CHECK-LABEL: func.func @per_iteration
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0
// CHECK-NEXT:    %[[C1:.*]] = arith.constant 1
// CHECK-NEXT:    %[[B:.*]] = memref.alloc(%arg1)
// CHECK-NEXT:    scf.for
// CHECK-NEXT:      scf.for
// CHECK-NOT:         memref.alloc
// CHECK:             memref.store %{{.*}}, %[[B]]
// CHECK-NOT:         memref.dealloc
// CHECK:         memref.dealloc %[[B]]
// CHECK-NEXT:    return
func.func @per_iteration(%n: index, %d: index, %x: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %n step %c1 {
      %b = memref.alloc(%d) : memref<?xf64>
      memref.store %x, %b[%c0] : memref<?xf64>
      memref.dealloc %b : memref<?xf64>
    }
  }
  return
}

// -----

// Sizes computed in the iteration, and buffers that outlive it, stay.
// CHECK-LABEL: func.func @stays
// CHECK:         scf.for %[[I:[a-z0-9]+]] =
// CHECK-NEXT:      memref.alloc(%[[I]])
// CHECK:           %[[K:.*]] = memref.alloc(%arg1)
// CHECK:           scf.yield %[[K]]
func.func @stays(%n: index, %d: index, %x: f64, %init: memref<?xf64>) -> memref<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> memref<?xf64> {
    %b = memref.alloc(%i) : memref<?xf64>
    memref.store %x, %b[%c0] : memref<?xf64>
    memref.dealloc %b : memref<?xf64>
    %k = memref.alloc(%d) : memref<?xf64>
    scf.yield %k : memref<?xf64>
  }
  return %r : memref<?xf64>
}

// -----

// Each thread of a parallel loop needs its own buffer.
// CHECK-LABEL: func.func @parallel
// CHECK:         scf.parallel
// CHECK-NEXT:      memref.alloc
func.func @parallel(%n: index, %d: index, %x: f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %b = memref.alloc(%d) : memref<?xf64>
    memref.store %x, %b[%c0] : memref<?xf64>
    memref.dealloc %b : memref<?xf64>
    scf.reduce
  }
  return
}

// -----

// A row written into a matrix: a loop of loads and stores; contiguous
// copies stay memref.copy (memcpy).
// COPY-LABEL: func.func @row
// COPY:         %[[N:.*]] = memref.dim %arg0, %c0
// COPY:         scf.for %[[J:.*]] = %{{.*}} to %[[N]]
// COPY-NEXT:      %[[E:.*]] = memref.load %arg0[%[[J]]]
// COPY-NEXT:      memref.store %[[E]], %{{.*}}[%[[J]]]
// COPY:         memref.copy %arg0, %arg2 : memref<?xf64> to memref<?xf64>
func.func @row(%r: memref<?xf64>, %m: memref<?x?xf64>, %s: memref<?xf64>, %i: index) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %r, %c0 : memref<?xf64>
  %view = memref.subview %m[%i, 0] [1, %n] [1, 1] : memref<?x?xf64> to memref<?xf64, strided<[1], offset: ?>>
  memref.copy %r, %view : memref<?xf64> to memref<?xf64, strided<[1], offset: ?>>
  memref.copy %r, %s : memref<?xf64> to memref<?xf64>
  return
}
