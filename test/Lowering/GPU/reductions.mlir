// fad-gpu-reductions: a reducing scf.parallel becomes reduction-free
// parallel loops (per-thread strided folds, then tree levels in a host loop).
// RUN: fad-opt %s --fad-gpu-reductions | FileCheck %s --implicit-check-not='scf.reduce('

// CHECK-LABEL: func.func @sum
// CHECK-SAME:    (%[[A:.*]]: memref<?xf64>, %[[INIT:.*]]: f64)
// CHECK:         %[[N:.*]] = arith.maxsi
// CHECK:         %[[PER:.*]] = arith.maxui
// CHECK:         %[[T:.*]] = arith.divui
// CHECK:         %[[P:.*]] = memref.alloc(%[[T]]) : memref<?xf64>
// Level 1: thread t starts with iteration t and strides by the thread count.
// CHECK:         scf.parallel (%[[TID:.*]]) = (%{{.*}}) to (%[[T]])
// CHECK:           %[[FIRST:.*]] = arith.addi %{{.*}}, %[[TID]]
// CHECK:           %[[X0:.*]] = memref.load %[[A]][%[[FIRST]]]
// CHECK:           %[[NEXT:.*]] = arith.addi %[[FIRST]], %[[T]]
// CHECK:           %[[FOLD:.*]] = scf.for %[[I:.*]] = %[[NEXT]] to %{{.*}} step %[[T]] iter_args(%[[ACC:.*]] = %[[X0]])
// CHECK:             %[[X:.*]] = memref.load %[[A]][%[[I]]]
// CHECK:             %[[S:.*]] = arith.addf %[[ACC]], %[[X]]
// CHECK:             scf.yield %[[S]]
// CHECK:           memref.store %[[FOLD]], %[[P]][%[[TID]]]
// Tree levels: partials[i] += partials[i + h] while more than one is left.
// CHECK:         scf.while (%[[M:.*]] = %[[T]])
// CHECK:           arith.cmpi ugt, %[[M]]
// CHECK:         do {
// CHECK:           scf.parallel
// CHECK:             memref.load %[[P]]
// CHECK:             memref.load %[[P]]
// CHECK:             arith.addf
// CHECK:             memref.store
// The initial value combined with the whole, or alone when n = 0.
// CHECK:         %[[R:.*]] = scf.if
// CHECK:           %[[W:.*]] = memref.load %[[P]][%{{.*}}]
// CHECK:           %[[RW:.*]] = arith.addf %[[INIT]], %[[W]]
// CHECK:           scf.yield %[[RW]]
// CHECK:         } else {
// CHECK:           scf.yield %[[INIT]]
// CHECK:         memref.dealloc %[[P]]
// CHECK:         return %[[R]]
func.func @sum(%a: memref<?xf64>, %init: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %r = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%init) -> f64 {
    %x = memref.load %a[%i] : memref<?xf64>
    scf.reduce(%x : f64) {
    ^bb0(%l: f64, %r: f64):
      %s = arith.addf %l, %r : f64
      scf.reduce.return %s : f64
    }
  }
  return %r : f64
}

// A maximum (compare and select) and a product at once: one partial buffer
// each, the combiners cloned as they are.
// CHECK-LABEL: func.func @max_and_product
// CHECK-COUNT-2: memref.alloc
// CHECK:         scf.parallel
// CHECK:           arith.cmpf uge
// CHECK:           arith.select
// CHECK:           arith.muli
// CHECK:         scf.while
func.func @max_and_product(%a: memref<?xf64>, %b: memref<?xi64>) -> (f64, i64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ninf = arith.constant 0xFFF0000000000000 : f64
  %one = arith.constant 1 : i64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %r:2 = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%ninf, %one) -> (f64, i64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %y = memref.load %b[%i] : memref<?xi64>
    scf.reduce(%x, %y : f64, i64) {
    ^bb0(%l: f64, %r: f64):
      %c = arith.cmpf uge, %l, %r : f64
      %m = arith.select %c, %l, %r : f64
      scf.reduce.return %m : f64
    }, {
    ^bb0(%l: i64, %r: i64):
      %p = arith.muli %l, %r : i64
      scf.reduce.return %p : i64
    }
  }
  return %r#0, %r#1 : f64, i64
}

// A loop without reductions is left to the upstream mapping.
// CHECK-LABEL: func.func @map
// CHECK:         scf.parallel
// CHECK-NOT:     scf.while
func.func @map(%a: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %x = memref.load %a[%i] : memref<?xf64>
    %y = arith.mulf %x, %x : f64
    memref.store %y, %a[%i] : memref<?xf64>
    scf.reduce
  }
  return
}

// A maximum alone is idempotent: each thread's fold starts from the initial
// value combined with its first element, so that an element (a NaN, which
// fad.max's comparison skips) never takes the accumulator's place.
// CHECK-LABEL: func.func @max
// CHECK-SAME:    (%[[A:.*]]: memref<?xf64>, %[[INIT:.*]]: f64)
// CHECK:         scf.parallel
// CHECK:           %[[X0:.*]] = memref.load %[[A]]
// CHECK:           %[[C0:.*]] = arith.cmpf uge, %[[INIT]], %[[X0]]
// CHECK:           %[[M0:.*]] = arith.select %[[C0]], %[[INIT]], %[[X0]]
// CHECK:           scf.for {{.*}} iter_args(%{{.*}} = %[[M0]])
// CHECK:         scf.while
func.func @max(%a: memref<?xf64>, %init: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %r = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%init) -> f64 {
    %x = memref.load %a[%i] : memref<?xf64>
    scf.reduce(%x : f64) {
    ^bb0(%l: f64, %r: f64):
      %c = arith.cmpf uge, %l, %r : f64
      %m = arith.select %c, %l, %r : f64
      scf.reduce.return %m : f64
    }
  }
  return %r : f64
}
