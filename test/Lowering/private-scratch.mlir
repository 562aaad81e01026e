// RUN: fad-opt %s --fad-private-scratch | FileCheck %s

// Every use of an empty tensor gets its own, just before its user: CSE had
// merged them, and bufferization would give all users one buffer.

// A chunk loop (fad.chunks) and a sequential loop each get their own scratch
// in the body (fad-hoist-loop-buffers allocates the sequential one once).
// CHECK-LABEL: func.func @loops
// CHECK-NOT:     tensor.empty
// CHECK:         scf.for
// CHECK-NEXT:      %[[OWN:.*]] = tensor.empty(%arg1)
// CHECK-NEXT:      tensor.insert %{{.*}} into %[[OWN]]
// CHECK:         } {fad.chunks}
// CHECK:         scf.for
// CHECK-NEXT:      %[[OTHER:.*]] = tensor.empty(%arg1)
// CHECK-NEXT:      tensor.insert %{{.*}} into %[[OTHER]]
func.func @loops(%n: index, %d: index, %x: f64) -> (f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty(%d) : tensor<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%s = %x) -> f64 {
    %t = tensor.insert %x into %e[%c0] : tensor<?xf64>
    %v = tensor.extract %t[%c0] : tensor<?xf64>
    %a = arith.addf %s, %v : f64
    scf.yield %a : f64
  } {fad.chunks}
  %q = scf.for %i = %c0 to %n step %c1 iter_args(%s = %x) -> f64 {
    %t = tensor.insert %x into %e[%c0] : tensor<?xf64>
    %v = tensor.extract %t[%c0] : tensor<?xf64>
    %a = arith.addf %s, %v : f64
    scf.yield %a : f64
  }
  return %r, %q : f64, f64
}

// The outer loop's result and the inner loop's state started from one
// empty: with one buffer, the inner loop overwrote the rows already built.
// CHECK-LABEL: func.func @nested
// CHECK:         %[[RESULT:.*]] = tensor.empty(%arg0)
// CHECK-NEXT:    scf.for {{.*}} iter_args(%{{.*}} = %[[RESULT]])
// CHECK-NEXT:      %[[SCRATCH:.*]] = tensor.empty(%arg0)
// CHECK-NEXT:      scf.for {{.*}} iter_args(%{{.*}} = %[[SCRATCH]])
func.func @nested(%n: index, %x: tensor<?xf64>) -> tensor<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty(%n) : tensor<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %e) -> tensor<?xf64> {
    %w = scf.for %j = %c0 to %n step %c1 iter_args(%s = %e) -> tensor<?xf64> {
      %v = tensor.extract %x[%j] : tensor<?xf64>
      %s2 = tensor.insert %v into %s[%j] : tensor<?xf64>
      scf.yield %s2 : tensor<?xf64>
    }
    %v = tensor.extract %w[%i] : tensor<?xf64>
    %acc2 = tensor.insert %v into %acc[%i] : tensor<?xf64>
    scf.yield %acc2 : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// Two writers in one block from one empty (with a cast between, as static
// shapes make): one-shot bufferization missed that the second overwrote the
// first's result, which is read later.
// CHECK-LABEL: func.func @same_block
// CHECK:         %[[A:.*]] = tensor.empty(%arg0)
// CHECK-NEXT:    tensor.insert %{{.*}} into %[[A]]
// CHECK-NEXT:    %[[B:.*]] = tensor.empty(%arg0)
// CHECK-NEXT:    tensor.insert %{{.*}} into %[[B]]
func.func @same_block(%n: index, %x: f64, %y: f64) -> (tensor<?xf64>, tensor<?xf64>) {
  %c0 = arith.constant 0 : index
  %e = tensor.empty(%n) : tensor<?xf64>
  %a = tensor.insert %x into %e[%c0] : tensor<?xf64>
  %b = tensor.insert %y into %e[%c0] : tensor<?xf64>
  return %a, %b : tensor<?xf64>, tensor<?xf64>
}

// An empty behind a cast (static shapes) used as two loop states: each gets
// its own empty and cast (they had shared one buffer).
// CHECK-LABEL: func.func @cast_twice
// CHECK:         %[[E1:.*]] = tensor.empty() : tensor<3xf64>
// CHECK-NEXT:    %[[C1:.*]] = tensor.cast %[[E1]]
// CHECK-NEXT:    %[[E2:.*]] = tensor.empty() : tensor<3xf64>
// CHECK-NEXT:    %[[C2:.*]] = tensor.cast %[[E2]]
// CHECK-NEXT:    scf.for {{.*}} iter_args(%{{.*}} = %[[C2]], %{{.*}} = %[[C1]])
func.func @cast_twice(%x: f64, %y: f64) -> (tensor<?xf64>, tensor<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %e = tensor.empty() : tensor<3xf64>
  %cast = tensor.cast %e : tensor<3xf64> to tensor<?xf64>
  %r:2 = scf.for %i = %c0 to %c3 step %c1 iter_args(%a = %cast, %b = %cast) -> (tensor<?xf64>, tensor<?xf64>) {
    %a2 = tensor.insert %x into %a[%i] : tensor<?xf64>
    %b2 = tensor.insert %y into %b[%i] : tensor<?xf64>
    scf.yield %a2, %b2 : tensor<?xf64>, tensor<?xf64>
  }
  return %r#0, %r#1 : tensor<?xf64>, tensor<?xf64>
}

// A for loop yielding one tensor as two states: one-shot bufferization would
// give both results the yielded buffer, and an in-place write to one would
// change the other. States that start alike are merged (both results are
// the first), others get a copy.
// CHECK-LABEL: func.func @repeated_yield
// CHECK:         %[[L:.*]]:4 = scf.for {{.*}} iter_args(%[[A:.*]] = %arg1, %[[B:.*]] = %arg1, %[[C:.*]] = %arg1, %[[D:.*]] = %arg2)
// CHECK:           %[[V:.*]] = tensor.insert %{{.*}} into %[[A]]
// CHECK:           %[[W:.*]] = tensor.insert %{{.*}} into %[[A]]
// CHECK:           %[[COPY:.*]] = bufferization.alloc_tensor() copy(%[[V]])
// CHECK:           scf.yield %[[V]], %[[B]], %[[W]], %[[COPY]]
// CHECK:         return %[[L]]#0, %[[L]]#0, %[[L]]#2, %[[L]]#3
func.func @repeated_yield(%n: index, %a: tensor<4xf64>, %b: tensor<4xf64>, %x: f64)
    -> (tensor<4xf64>, tensor<4xf64>, tensor<4xf64>, tensor<4xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:4 = scf.for %i = %c0 to %n step %c1 iter_args(%s = %a, %t = %a, %u = %a, %w = %b)
      -> (tensor<4xf64>, tensor<4xf64>, tensor<4xf64>, tensor<4xf64>) {
    %v = tensor.insert %x into %s[%c0] : tensor<4xf64>
    %y = tensor.insert %x into %t[%c1] : tensor<4xf64>
    scf.yield %v, %v, %y, %v : tensor<4xf64>, tensor<4xf64>, tensor<4xf64>, tensor<4xf64>
  }
  return %r#0, %r#1, %r#2, %r#3 : tensor<4xf64>, tensor<4xf64>, tensor<4xf64>, tensor<4xf64>
}

// Yields of another state's argument and of a value from outside the loop
// share a buffer with it just as well: copied.
// CHECK-LABEL: func.func @foreign_yield
// CHECK:         scf.for {{.*}} iter_args(%[[S:.*]] = %arg1, %[[T:.*]] = %arg2)
// CHECK-DAG:       %[[C1:.*]] = bufferization.alloc_tensor() copy(%[[S]])
// CHECK-DAG:       %[[C2:.*]] = bufferization.alloc_tensor() copy(%arg2)
// CHECK:           scf.yield %[[C2]], %[[C1]]
func.func @foreign_yield(%n: index, %a: tensor<4xf64>, %b: tensor<4xf64>) -> (tensor<4xf64>, tensor<4xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%s = %a, %t = %b) -> (tensor<4xf64>, tensor<4xf64>) {
    scf.yield %b, %s : tensor<4xf64>, tensor<4xf64>
  }
  return %r#0, %r#1 : tensor<4xf64>, tensor<4xf64>
}

// A while loop forwarding one tensor twice: the second gets a copy.
// CHECK-LABEL: func.func @repeated_while
// CHECK:         %[[XC:.*]] = bufferization.alloc_tensor() copy(%[[X:[^)]*]])
// CHECK-NEXT:    scf.condition(%{{.*}}) %[[X]], %[[XC]] :
// CHECK:         %[[Y:.*]] = tensor.insert
// CHECK-NEXT:    %[[YC:.*]] = bufferization.alloc_tensor() copy(%[[Y]])
// CHECK-NEXT:    scf.yield %[[Y]], %[[YC]] :
func.func @repeated_while(%a: tensor<4xf64>, %b: tensor<4xf64>, %x: f64) -> (tensor<4xf64>, tensor<4xf64>) {
  %c0 = arith.constant 0 : index
  %r:2 = scf.while (%s = %a, %t = %b) : (tensor<4xf64>, tensor<4xf64>) -> (tensor<4xf64>, tensor<4xf64>) {
    %v = tensor.extract %s[%c0] : tensor<4xf64>
    %go = arith.cmpf olt, %v, %x : f64
    scf.condition(%go) %s, %s : tensor<4xf64>, tensor<4xf64>
  } do {
  ^bb0(%s: tensor<4xf64>, %t: tensor<4xf64>):
    %v = tensor.insert %x into %s[%c0] : tensor<4xf64>
    scf.yield %v, %v : tensor<4xf64>, tensor<4xf64>
  }
  return %r#0, %r#1 : tensor<4xf64>, tensor<4xf64>
}
