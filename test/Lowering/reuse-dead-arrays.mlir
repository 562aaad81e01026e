// RUN: fad-opt %s --fad-reuse-dead-arrays -split-input-file | FileCheck %s

// The tape's last reader scales it: the result starts from the tape and
// each iteration reads the element it then overwrites.
// CHECK-LABEL: func.func @scale_tape
// CHECK:         %[[E:.*]] = scf.for
// CHECK:         scf.for %[[I:.*]] = %c0 to %arg1 step %c1 iter_args(%[[ACC:.*]] = %[[E]])
// CHECK-NEXT:      %[[X:.*]] = tensor.extract %[[ACC]][%[[I]]]
// CHECK-NEXT:      %[[Y:.*]] = arith.mulf %[[X]], %arg2
// CHECK-NEXT:      tensor.insert %[[Y]] into %[[ACC]][%[[I]]]
func.func @scale_tape(%x: tensor<?xf64>, %n: index, %s: f64) -> tensor<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %empty = tensor.empty(%n) : tensor<?xf64>
  %e = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %w = math.exp %v : f64
    %t2 = tensor.insert %w into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  } {fad.parallel}
  %m = tensor.dim %e, %c0 : tensor<?xf64>
  %g = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %e[%i] : tensor<?xf64>
    %w = arith.mulf %v, %s : f64
    %acc2 = tensor.insert %w into %acc[%i] : tensor<?xf64>
    scf.yield %acc2 : tensor<?xf64>
  } {fad.parallel}
  return %g : tensor<?xf64>
}

// -----

// The tape's extent is the extent of the array it was computed from, which
// was created with the result's extent %n: the same.
// CHECK-LABEL: func.func @extent_of_extent
// CHECK:         %[[E:.*]] = scf.for
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[E]])
func.func @extent_of_extent(%n: index, %s: f64) -> tensor<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %empty = tensor.empty(%n) : tensor<?xf64>
  %x = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %t2 = tensor.insert %s into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  }
  %d = tensor.dim %x, %c0 : tensor<?xf64>
  %empty2 = tensor.empty(%d) : tensor<?xf64>
  %e = scf.for %i = %c0 to %d step %c1 iter_args(%t = %empty2) -> (tensor<?xf64>) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %w = math.exp %v : f64
    %t2 = tensor.insert %w into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  }
  %g = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %e[%i] : tensor<?xf64>
    %acc2 = tensor.insert %v into %acc[%i] : tensor<?xf64>
    scf.yield %acc2 : tensor<?xf64>
  }
  return %g : tensor<?xf64>
}

// -----

// A nest of two loops writing [i, j] (here [j, i]: each element once) of
// an array built from an empty tensor of the same sizes; the read sits in
// a conditional before the write; the array's other reader comes before
// the nest, its extent is read after it.
// CHECK-LABEL: func.func @nest
// CHECK:         %[[A:.*]] = scf.for
// CHECK:         scf.for %[[I:.*]] = {{.*}} iter_args(%[[OUTER:.*]] = %[[A]])
// CHECK:           scf.for %[[J:.*]] = {{.*}} iter_args(%[[INNER:.*]] = %[[OUTER]])
// CHECK:             scf.if
// CHECK-NEXT:          tensor.extract %[[INNER]][%[[J]], %[[I]]]
// CHECK:             tensor.insert %{{.*}} into %[[INNER]][%[[J]], %[[I]]]
func.func @nest(%n: index, %m: index, %p: i1) -> (tensor<?x?xf64>, f64, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %e1 = tensor.empty(%n, %m) : tensor<?x?xf64>
  %a = scf.for %i = %c0 to %n step %c1 iter_args(%t = %e1) -> (tensor<?x?xf64>) {
    %t2 = tensor.insert %one into %t[%i, %c0] : tensor<?x?xf64>
    scf.yield %t2 : tensor<?x?xf64>
  }
  %first = tensor.extract %a[%c0, %c0] : tensor<?x?xf64>
  %e2 = tensor.empty(%n, %m) : tensor<?x?xf64>
  %g = scf.for %i = %c0 to %m step %c1 iter_args(%outer = %e2) -> (tensor<?x?xf64>) {
    %r = scf.for %j = %c0 to %n step %c1 iter_args(%inner = %outer) -> (tensor<?x?xf64>) {
      %v = scf.if %p -> (f64) {
        %x = tensor.extract %a[%j, %i] : tensor<?x?xf64>
        scf.yield %x : f64
      } else {
        scf.yield %zero : f64
      }
      %w = arith.addf %v, %one : f64
      %inner2 = tensor.insert %w into %inner[%j, %i] : tensor<?x?xf64>
      scf.yield %inner2 : tensor<?x?xf64>
    }
    scf.yield %r : tensor<?x?xf64>
  }
  %d = tensor.dim %a, %c1 : tensor<?x?xf64>
  return %g, %first, %d : tensor<?x?xf64>, f64, index
}

// -----

// Left alone, each for its own reason: the array is read after the loop;
// it is read at another element; it is read after the element is written;
// it is the function's argument; its extent may differ (another size);
// the result does not start from an empty tensor; the loop writes one
// element twice over (not at its induction variable); the array comes
// from outside the loop's block; the array grows in the loop building it;
// a view of the array is read after the loop.
// CHECK-LABEL: func.func @left_alone
// CHECK:         %[[EMPTY:.*]] = tensor.empty(%arg1)
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         %[[EMPTYK:.*]] = tensor.empty(%arg2)
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTYK]])
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %arg4)
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]{{[,)]}}
// CHECK-NOT:     scf.for
// CHECK:         return
func.func @left_alone(%x: tensor<?xf64>, %n: index, %k: index, %s: f64, %init: tensor<?xf64>)
    -> (tensor<?xf64>, f64, tensor<?xf64>, tensor<?xf64>, f64, tensor<?xf64>, tensor<?xf64>,
        tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<4xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %empty = tensor.empty(%n) : tensor<?xf64>
  %e = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %t2 = tensor.insert %s into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  }
  // Read after the loop.
  %g1 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %e[%i] : tensor<?xf64>
    %acc2 = tensor.insert %v into %acc[%i] : tensor<?xf64>
    scf.yield %acc2 : tensor<?xf64>
  }
  %later = tensor.extract %e[%c0] : tensor<?xf64>
  %e2 = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %t2 = tensor.insert %s into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  }
  // Read at another element too (the first, which iteration 0 overwrites).
  %g2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %e2[%i] : tensor<?xf64>
    %f = tensor.extract %e2[%c0] : tensor<?xf64>
    %w = arith.addf %v, %f : f64
    %acc2 = tensor.insert %w into %acc[%i] : tensor<?xf64>
    scf.yield %acc2 : tensor<?xf64>
  }
  %e3 = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %t2 = tensor.insert %s into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  }
  // Read after the write (bufferized in place, it would read the new value).
  %g3, %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty, %partial = %s)
      -> (tensor<?xf64>, f64) {
    %acc2 = tensor.insert %s into %acc[%i] : tensor<?xf64>
    %v = tensor.extract %e3[%i] : tensor<?xf64>
    %partial2 = arith.addf %partial, %v : f64
    scf.yield %acc2, %partial2 : tensor<?xf64>, f64
  }
  // The caller's array.
  %g4 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %acc2 = tensor.insert %v into %acc[%i] : tensor<?xf64>
    scf.yield %acc2 : tensor<?xf64>
  }
  // Extents that may differ: %k elements against %n.
  %emptyk = tensor.empty(%k) : tensor<?xf64>
  %e5 = scf.for %i = %c0 to %k step %c1 iter_args(%t = %emptyk) -> (tensor<?xf64>) {
    %t2 = tensor.insert %s into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  }
  %g5 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %e5[%i] : tensor<?xf64>
    %acc2 = tensor.insert %v into %acc[%i] : tensor<?xf64>
    scf.yield %acc2 : tensor<?xf64>
  }
  %e6 = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %t2 = tensor.insert %s into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  }
  // Starts from the caller's values, which the unwritten elements keep.
  %g6 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (tensor<?xf64>) {
    %v = tensor.extract %e6[%i] : tensor<?xf64>
    %acc2 = tensor.insert %v into %acc[%i] : tensor<?xf64>
    scf.yield %acc2 : tensor<?xf64>
  }
  %e7 = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %t2 = tensor.insert %s into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  }
  // Every iteration writes element 0.
  %g7 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %e7[%c0] : tensor<?xf64>
    %acc2 = tensor.insert %v into %acc[%c0] : tensor<?xf64>
    scf.yield %acc2 : tensor<?xf64>
  }
  %e8 = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %t2 = tensor.insert %s into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  }
  // The array is built outside the loop around the nest's block: the next
  // round of that loop would read it again.
  %g8 = scf.for %r = %c0 to %k step %c1 iter_args(%round = %empty) -> (tensor<?xf64>) {
    %inner = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?xf64>) {
      %v = tensor.extract %e8[%i] : tensor<?xf64>
      %acc2 = tensor.insert %v into %acc[%i] : tensor<?xf64>
      scf.yield %acc2 : tensor<?xf64>
    }
    scf.yield %inner : tensor<?xf64>
  }
  // The array grows by one element per round of the loop building it, so
  // its extent is not that of the empty tensor it starts from.
  %grown = scf.for %r = %c0 to %k step %c1 iter_args(%a = %empty) -> (tensor<?xf64>) {
    %m = tensor.dim %a, %c0 : tensor<?xf64>
    %m1 = arith.addi %m, %c1 : index
    %b = tensor.empty(%m1) : tensor<?xf64>
    %b2 = tensor.insert %s into %b[%m] : tensor<?xf64>
    scf.yield %b2 : tensor<?xf64>
  }
  %g9 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %grown[%i] : tensor<?xf64>
    %acc2 = tensor.insert %v into %acc[%i] : tensor<?xf64>
    scf.yield %acc2 : tensor<?xf64>
  }
  %e10 = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %t2 = tensor.insert %s into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  }
  // A view of the array, made before the loop, is read after it.
  %view = tensor.cast %e10 : tensor<?xf64> to tensor<4xf64>
  %g10 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %e10[%i] : tensor<?xf64>
    %acc2 = tensor.insert %v into %acc[%i] : tensor<?xf64>
    scf.yield %acc2 : tensor<?xf64>
  }
  return %g1, %later, %g2, %g3, %sum, %g4, %g5, %g6, %g7, %g8, %g9, %g10, %view
      : tensor<?xf64>, f64, tensor<?xf64>, tensor<?xf64>, f64, tensor<?xf64>, tensor<?xf64>,
        tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<?xf64>, tensor<4xf64>
}
