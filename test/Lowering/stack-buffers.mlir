// RUN: fad-opt %s --fad-promote-buffers-to-stack --split-input-file | FileCheck %s
// RUN: fad-opt %s --fad-promote-buffers-to-stack="max-bytes=16" --split-input-file | FileCheck %s --check-prefix=SMALL

// A small buffer of fixed extents used and freed within one iteration gets
// one stack slot at the start of the function; its dealloc goes.
// CHECK-LABEL: func.func @per_iteration
// CHECK-NEXT:    %[[S:.*]] = memref.alloca() {alignment = 64 : i64} : memref<3xf64>
// CHECK-NOT:     memref.alloc(
// CHECK:         scf.for
// CHECK:           memref.store %{{.*}}, %[[S]]
// CHECK-NOT:       memref.dealloc
// CHECK:         return
// The limit on one buffer's bytes: 24 > 16.
// SMALL-LABEL: func.func @per_iteration
// SMALL:         memref.alloc()
// SMALL:         memref.dealloc
func.func @per_iteration(%n: index, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %b = memref.alloc() {alignment = 64 : i64} : memref<3xf64>
    memref.store %x, %b[%c1] : memref<3xf64>
    %v = memref.subview %b[1] [2] [1] : memref<3xf64> to memref<2xf64, strided<[1], offset: 1>>
    %y = memref.load %v[%c0] : memref<2xf64, strided<[1], offset: 1>>
    memref.dealloc %b : memref<3xf64>
    %s = arith.addf %acc, %y : f64
    scf.yield %s : f64
  }
  return %r : f64
}

// -----

// Buffers that an scf.if yields, promoted on both branches: the dealloc of
// the result goes with them.
// CHECK-LABEL: func.func @both_branches
// CHECK-COUNT-2: memref.alloca()
// CHECK-NOT:     memref.alloc(
// CHECK-NOT:     memref.dealloc
func.func @both_branches(%c: i1, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %r = scf.if %c -> memref<2xf64> {
    %a = memref.alloc() : memref<2xf64>
    memref.store %x, %a[%c0] : memref<2xf64>
    scf.yield %a : memref<2xf64>
  } else {
    %b = memref.alloc() : memref<2xf64>
    scf.yield %b : memref<2xf64>
  }
  %y = memref.load %r[%c0] : memref<2xf64>
  memref.dealloc %r : memref<2xf64>
  return %y : f64
}

// -----

// A branch yields a buffer that is not promoted (an argument): the other
// branch's buffer, freed through the result, stays on the heap.
// CHECK-LABEL: func.func @mixed_branches
// CHECK-NOT:     memref.alloca
// CHECK:         memref.alloc()
// CHECK:         memref.dealloc
func.func @mixed_branches(%c: i1, %arg: memref<2xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %r = scf.if %c -> memref<2xf64> {
    %a = memref.alloc() : memref<2xf64>
    scf.yield %a : memref<2xf64>
  } else {
    scf.yield %arg : memref<2xf64>
  }
  %y = memref.load %r[%c0] : memref<2xf64>
  scf.if %c {
    memref.dealloc %r : memref<2xf64>
  }
  return %y : f64
}

// -----

// Buffers that outlive their block stay on the heap: a loop's next state,
// a result, a call's argument; so do buffers of dynamic extents.
// CHECK-LABEL: func.func @escaping
// CHECK-NOT:     memref.alloca
// CHECK-COUNT-4: memref.alloc(
func.func private @use(memref<2xf64>)
func.func @escaping(%n: index, %d: index) -> memref<2xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %init = memref.alloc() : memref<2xf64>
  %last = scf.for %i = %c0 to %n step %c1 iter_args(%s = %init) -> memref<2xf64> {
    %next = memref.alloc() : memref<2xf64>
    memref.copy %s, %next : memref<2xf64> to memref<2xf64>
    memref.dealloc %s : memref<2xf64>
    scf.yield %next : memref<2xf64>
  }
  %passed = memref.alloc() : memref<2xf64>
  func.call @use(%passed) : (memref<2xf64>) -> ()
  memref.dealloc %passed : memref<2xf64>
  %dynamic = memref.alloc(%d) : memref<?xf64>
  memref.dealloc %dynamic : memref<?xf64>
  return %last : memref<2xf64>
}

// -----

// In a parallel region each thread gets its own slot, at the region's start.
// CHECK-LABEL: func.func @per_thread
// CHECK:         omp.parallel {
// CHECK-NEXT:      memref.alloca() : memref<4xf64>
// CHECK:           omp.wsloop
// CHECK-NOT:       memref.alloc(
func.func @per_thread(%n: index, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        %b = memref.alloc() : memref<4xf64>
        %x = memref.load %b[%c0] : memref<4xf64>
        memref.store %x, %out[%i] : memref<?xf64>
        memref.dealloc %b : memref<4xf64>
        omp.yield
      }
      omp.terminator
    }
    omp.terminator
  }
  return
}

// -----

// Extents that are the same constant on every path: the rows sized by the
// array an scf.if chose (both branches yield a 3 x 15 buffer behind a
// cast) get a static type and a stack slot; so do the branches' buffers.
// CHECK-LABEL: func.func @extent_through_if
// CHECK-COUNT-3: memref.alloca() {{.*}}: memref<{{3x15|15}}xf64>
// CHECK-NOT:     memref.alloc(
// CHECK-NOT:     memref.dim
// CHECK-NOT:     memref.dealloc
func.func @extent_through_if(%c: i1, %n: index, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %m = scf.if %c -> memref<?x?xf64> {
      %a = memref.alloc() : memref<3x15xf64>
      %ca = memref.cast %a : memref<3x15xf64> to memref<?x?xf64>
      scf.yield %ca : memref<?x?xf64>
    } else {
      %b = memref.alloc() : memref<3x15xf64>
      memref.store %x, %b[%c0, %c0] : memref<3x15xf64>
      %cb = memref.cast %b : memref<3x15xf64> to memref<?x?xf64>
      scf.yield %cb : memref<?x?xf64>
    }
    %lanes = memref.dim %m, %c1 : memref<?x?xf64>
    %row = memref.alloc(%lanes) : memref<?xf64>
    %v = memref.load %m[%c0, %c0] : memref<?x?xf64>
    memref.store %v, %row[%c0] : memref<?xf64>
    %y = memref.load %row[%c0] : memref<?xf64>
    memref.dealloc %row : memref<?xf64>
    memref.dealloc %m : memref<?x?xf64>
    %s = arith.addf %acc, %y : f64
    scf.yield %s : f64
  }
  return %r : f64
}

// -----

// Branches that disagree on the extent keep it dynamic: the row stays on
// the heap.
// CHECK-LABEL: func.func @extents_differ
// CHECK:         memref.dim
// CHECK:         memref.alloc(
// CHECK:         memref.dealloc
func.func @extents_differ(%c: i1, %x: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %m = scf.if %c -> memref<?xf64> {
    %a = memref.alloc() : memref<3xf64>
    %ca = memref.cast %a : memref<3xf64> to memref<?xf64>
    scf.yield %ca : memref<?xf64>
  } else {
    %b = memref.alloc() : memref<4xf64>
    %cb = memref.cast %b : memref<4xf64> to memref<?xf64>
    scf.yield %cb : memref<?xf64>
  }
  %lanes = memref.dim %m, %c0 : memref<?xf64>
  %row = memref.alloc(%lanes) : memref<?xf64>
  memref.store %x, %row[%c0] : memref<?xf64>
  %y = memref.load %row[%c0] : memref<?xf64>
  memref.dealloc %row : memref<?xf64>
  memref.dealloc %m : memref<?xf64>
  return %y : f64
}
