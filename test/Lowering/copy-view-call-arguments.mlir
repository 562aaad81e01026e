// RUN: fad-opt %s --fad-copy-view-call-arguments | FileCheck %s

// A row passed to a function that takes whole buffers: the cast to the
// identity layout would drop the row's offset; the callee gets a copy.
// CHECK-LABEL: func.func @row
// CHECK:         %[[VIEW:.*]] = memref.subview
// CHECK:         %[[N:.*]] = memref.dim %[[VIEW]], %c0
// CHECK-NEXT:    %[[COPY:.*]] = memref.alloc(%[[N]]) : memref<?xf64>
// CHECK-NEXT:    memref.copy %[[VIEW]], %[[COPY]]
// CHECK-NEXT:    call @sum(%[[COPY]])
func.func private @sum(memref<?xf64>) -> f64
func.func @row(%m: memref<?x?xf64>, %i: index) -> f64 {
  %c1 = arith.constant 1 : index
  %n = memref.dim %m, %c1 : memref<?x?xf64>
  %view = memref.subview %m[%i, 0] [1, %n] [1, 1] : memref<?x?xf64> to memref<?xf64, strided<[1], offset: ?>>
  %cast = memref.cast %view : memref<?xf64, strided<[1], offset: ?>> to memref<?xf64>
  %s = func.call @sum(%cast) : (memref<?xf64>) -> f64
  return %s : f64
}

// A cast between identity layouts (static to dynamic extents) is no view.
// CHECK-LABEL: func.func @whole
// CHECK-NOT:     memref.alloc
// CHECK:         call @sum(%{{.*}})
func.func @whole(%v: memref<4xf64>) -> f64 {
  %cast = memref.cast %v : memref<4xf64> to memref<?xf64>
  %s = func.call @sum(%cast) : (memref<?xf64>) -> f64
  return %s : f64
}
