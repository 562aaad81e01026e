// RUN: fad-opt %s --fad-hoist-extents -split-input-file | FileCheck %s

// Extents move to just after their array's definition: a loop's state at
// the start of its body, a loop's result right after the loop.
// CHECK-LABEL: func.func @to_definitions
// CHECK:         %[[R:.*]] = scf.for {{.*}} iter_args(%[[T:.*]] = %{{.*}})
// CHECK-NEXT:      %[[D:.*]] = tensor.dim %[[T]], %c1
// CHECK-NEXT:      tensor.empty
// CHECK:           tensor.insert_slice %{{.*}} into %[[T]][%{{.*}}, 0] [1, %[[D]]]
// CHECK:         }
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    tensor.dim %[[R]], %[[C0]]
// CHECK-NEXT:    arith.constant 2.000000e+00
func.func @to_definitions(%init: tensor<?x?xf64>, %n: index, %m: index) -> (tensor<?x?xf64>, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f64
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%t = %init) -> (tensor<?x?xf64>) {
    %e = tensor.empty(%m) : tensor<?xf64>
    %row = linalg.fill ins(%one : f64) outs(%e : tensor<?xf64>) -> tensor<?xf64>
    %d = tensor.dim %t, %c1 : tensor<?x?xf64>
    %w = tensor.insert_slice %row into %t[%i, 0] [1, %d] [1, 1] : tensor<?xf64> into tensor<?x?xf64>
    scf.yield %w : tensor<?x?xf64>
  }
  %two = arith.constant 2.0 : f64
  %k = arith.constant 0 : index
  %rows = tensor.dim %r, %k : tensor<?x?xf64>
  return %r, %rows : tensor<?x?xf64>, index
}

// -----

// An index that is not a constant, defined after the array, keeps the
// extent where it was.
// CHECK-LABEL: func.func @computed_index
// CHECK:         arith.addi
// CHECK-NEXT:    tensor.dim %arg0, %{{.*}}
func.func @computed_index(%a: tensor<?x?xf64>, %i: index) -> index {
  %c1 = arith.constant 1 : index
  %j = arith.addi %i, %c1 : index
  %d = tensor.dim %a, %j : tensor<?x?xf64>
  return %d : index
}
