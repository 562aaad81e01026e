// RUN: fad-opt %s --fad-tighten-buffer-layouts --split-input-file | FileCheck %s

// Both branches yield a memref<3xf64> cast to a fully dynamic layout: the
// result takes memref<3xf64>, and the load after it reads that buffer
// (static stride 1), not the fully dynamic cast.
// CHECK-LABEL: func.func @alike
// CHECK:         %[[IF:.*]] = scf.if %{{.*}} -> (memref<3xf64>) {
// CHECK-NEXT:      scf.yield %{{.*}} : memref<3xf64>
// CHECK-NEXT:    } else {
// CHECK:           scf.yield %{{.*}} : memref<3xf64>
// CHECK:         memref.load %[[IF]][%{{.*}}] : memref<3xf64>
func.func @alike(%c: i1, %a: memref<3xf64>, %i: index) -> f64 {
  %r = scf.if %c -> (memref<?xf64, strided<[?], offset: ?>>) {
    %x = memref.cast %a : memref<3xf64> to memref<?xf64, strided<[?], offset: ?>>
    scf.yield %x : memref<?xf64, strided<[?], offset: ?>>
  } else {
    %b = memref.alloc() : memref<3xf64>
    %y = memref.cast %b : memref<3xf64> to memref<?xf64, strided<[?], offset: ?>>
    scf.yield %y : memref<?xf64, strided<[?], offset: ?>>
  }
  %v = memref.load %r[%i] : memref<?xf64, strided<[?], offset: ?>>
  return %v : f64
}

// -----

// A row of a matrix and a fresh vector of another length: what they share
// is stride 1 (the offset and the length differ).
// CHECK-LABEL: func.func @row_or_fresh
// CHECK:         scf.if %{{.*}} -> (memref<?xf64, strided<[1], offset: ?>>)
// CHECK:         memref.load %{{.*}} : memref<?xf64, strided<[1], offset: ?>>
func.func @row_or_fresh(%c: i1, %m: memref<?x?xf64>, %i: index, %j: index) -> f64 {
  %c1 = arith.constant 1 : index
  %n = memref.dim %m, %c1 : memref<?x?xf64>
  %r = scf.if %c -> (memref<?xf64, strided<[?], offset: ?>>) {
    %row = memref.subview %m[%i, 0] [1, %n] [1, 1] : memref<?x?xf64> to memref<?xf64, strided<[1], offset: ?>>
    %x = memref.cast %row : memref<?xf64, strided<[1], offset: ?>> to memref<?xf64, strided<[?], offset: ?>>
    scf.yield %x : memref<?xf64, strided<[?], offset: ?>>
  } else {
    %b = memref.alloc() : memref<4xf64>
    %y = memref.cast %b : memref<4xf64> to memref<?xf64, strided<[?], offset: ?>>
    scf.yield %y : memref<?xf64, strided<[?], offset: ?>>
  }
  %v = memref.load %r[%j] : memref<?xf64, strided<[?], offset: ?>>
  return %v : f64
}

// -----

// Two matrices of different extents: the identity layout they share (the
// row stride is each one's row length), with dynamic extents.
// CHECK-LABEL: func.func @identity_shapes
// CHECK:         scf.if %{{.*}} -> (memref<3x?xf64>)
func.func @identity_shapes(%c: i1, %a: memref<3x4xf64>, %b: memref<3x5xf64>) -> memref<?x?xf64, strided<[?, ?], offset: ?>> {
  %r = scf.if %c -> (memref<?x?xf64, strided<[?, ?], offset: ?>>) {
    %x = memref.cast %a : memref<3x4xf64> to memref<?x?xf64, strided<[?, ?], offset: ?>>
    scf.yield %x : memref<?x?xf64, strided<[?, ?], offset: ?>>
  } else {
    %y = memref.cast %b : memref<3x5xf64> to memref<?x?xf64, strided<[?, ?], offset: ?>>
    scf.yield %y : memref<?x?xf64, strided<[?, ?], offset: ?>>
  }
  return %r : memref<?x?xf64, strided<[?, ?], offset: ?>>
}

// -----

// A buffer of unknown layout in one branch (a function argument of the
// general type): nothing more static is shared, the if is unchanged.
// CHECK-LABEL: func.func @unknown_layout
// CHECK:         scf.if %{{.*}} -> (memref<?xf64, strided<[?], offset: ?>>)
// CHECK:         memref.load %{{.*}} : memref<?xf64, strided<[?], offset: ?>>
func.func @unknown_layout(%c: i1, %a: memref<3xf64>, %g: memref<?xf64, strided<[?], offset: ?>>, %i: index) -> f64 {
  %r = scf.if %c -> (memref<?xf64, strided<[?], offset: ?>>) {
    %x = memref.cast %a : memref<3xf64> to memref<?xf64, strided<[?], offset: ?>>
    scf.yield %x : memref<?xf64, strided<[?], offset: ?>>
  } else {
    scf.yield %g : memref<?xf64, strided<[?], offset: ?>>
  }
  %v = memref.load %r[%i] : memref<?xf64, strided<[?], offset: ?>>
  return %v : f64
}

// -----

// A loop carries a buffer that each iteration either keeps or replaces by
// a fresh one: the loop and the if inside it carry memref<3xf64>.
// CHECK-LABEL: func.func @carried
// CHECK:         scf.for {{.*}} iter_args(%[[B:.*]] = %{{.*}}) -> (memref<3xf64>)
// CHECK:           scf.if %{{.*}} -> (memref<3xf64>)
// CHECK-NEXT:        scf.yield %[[B]] : memref<3xf64>
// CHECK:           scf.yield %{{.*}} : memref<3xf64>
// CHECK:         memref.load %{{.*}} : memref<3xf64>
func.func @carried(%a: memref<3xf64>, %n: index, %i: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %init = memref.cast %a : memref<3xf64> to memref<?xf64, strided<[?], offset: ?>>
  %r = scf.for %k = %c0 to %n step %c1 iter_args(%b = %init) -> (memref<?xf64, strided<[?], offset: ?>>) {
    %even = arith.remui %k, %c2 : index
    %keep = arith.cmpi eq, %even, %c0 : index
    %next = scf.if %keep -> (memref<?xf64, strided<[?], offset: ?>>) {
      scf.yield %b : memref<?xf64, strided<[?], offset: ?>>
    } else {
      %f = memref.alloc() : memref<3xf64>
      %y = memref.cast %f : memref<3xf64> to memref<?xf64, strided<[?], offset: ?>>
      scf.yield %y : memref<?xf64, strided<[?], offset: ?>>
    }
    scf.yield %next : memref<?xf64, strided<[?], offset: ?>>
  }
  %v = memref.load %r[%i] : memref<?xf64, strided<[?], offset: ?>>
  return %v : f64
}

// -----

// A loop whose iterations may yield a buffer of unknown layout keeps its type.
// CHECK-LABEL: func.func @carried_unknown
// CHECK:         scf.for {{.*}} -> (memref<?xf64, strided<[?], offset: ?>>)
func.func @carried_unknown(%a: memref<3xf64>, %g: memref<?xf64, strided<[?], offset: ?>>, %n: index) -> memref<?xf64, strided<[?], offset: ?>> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %init = memref.cast %a : memref<3xf64> to memref<?xf64, strided<[?], offset: ?>>
  %r = scf.for %k = %c0 to %n step %c1 iter_args(%b = %init) -> (memref<?xf64, strided<[?], offset: ?>>) {
    scf.yield %g : memref<?xf64, strided<[?], offset: ?>>
  }
  return %r : memref<?xf64, strided<[?], offset: ?>>
}

// -----

// The branches' buffers share stride 1 but not the offset, which the
// result's identity type states (0): a type with a dynamic offset would
// lose that, the if is unchanged.
// CHECK-LABEL: func.func @no_loss
// CHECK:         scf.if %{{.*}} -> (memref<?xf64>)
func.func @no_loss(%c: i1, %m: memref<?x?xf64>, %i: index) -> memref<?xf64> {
  %c1 = arith.constant 1 : index
  %n = memref.dim %m, %c1 : memref<?x?xf64>
  %r = scf.if %c -> (memref<?xf64>) {
    %row = memref.subview %m[%i, 0] [1, %n] [1, 1] : memref<?x?xf64> to memref<?xf64, strided<[1], offset: ?>>
    %x = memref.cast %row : memref<?xf64, strided<[1], offset: ?>> to memref<?xf64>
    scf.yield %x : memref<?xf64>
  } else {
    %b = memref.alloc() : memref<3xf64>
    %y = memref.cast %b : memref<3xf64> to memref<?xf64>
    scf.yield %y : memref<?xf64>
  }
  return %r : memref<?xf64>
}
