// RUN: fad-opt %s --fad-empty-overwritten-states -split-input-file | FileCheck %s

// A tape of rows: the loop writes row i, whole, in iteration i, so it starts
// from an empty tensor and the zeros it was given are erased.
// CHECK-LABEL: func.func @tape_of_rows
// CHECK-NOT:     linalg.fill
// CHECK:         %[[E:.*]] = tensor.empty(%arg1, %arg2) : tensor<?x?xf64>
// CHECK-NEXT:    scf.for %{{.*}} = %c0 to %arg1 step %c1 iter_args(%{{.*}} = %[[E]])
func.func @tape_of_rows(%x: tensor<?xf64>, %n: index, %m: index) -> tensor<?x?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n, %m) : tensor<?x?xf64>
  %zeros = linalg.fill ins(%zero : f64) outs(%empty : tensor<?x?xf64>) -> tensor<?x?xf64>
  %t = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zeros) -> (tensor<?x?xf64>) {
    %d = tensor.dim %acc, %c1 : tensor<?x?xf64>
    %w = tensor.insert_slice %x into %acc[%i, 0] [1, %d] [1, 1] : tensor<?xf64> into tensor<?x?xf64>
    scf.yield %w : tensor<?x?xf64>
  }
  return %t : tensor<?x?xf64>
}

// -----

// Two tapes that CSE gave one initial value, built by a loop of zero rows:
// each starts from its own empty tensor, and the zeros' loop is erased. The
// second row's extent is measured on the empty tensor the zeros started as.
// CHECK-LABEL: func.func @two_tapes_one_init
// CHECK-NOT:     scf.for
// CHECK:         tensor.empty(%arg1, %arg2)
// CHECK-NEXT:    %[[A:.*]] = tensor.empty(%arg1, %arg2)
// CHECK-NEXT:    %[[B:.*]] = tensor.empty(%arg1, %arg2)
// CHECK-NEXT:    scf.for {{.*}} iter_args(%{{.*}} = %[[A]], %{{.*}} = %[[B]])
// CHECK-NOT:     scf.for
func.func @two_tapes_one_init(%x: tensor<?xf64>, %n: index, %m: index) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n, %m) : tensor<?x?xf64>
  %zeros = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?x?xf64>) {
    %row = tensor.empty(%m) : tensor<?xf64>
    %z = linalg.fill ins(%zero : f64) outs(%row : tensor<?xf64>) -> tensor<?xf64>
    %w = tensor.insert_slice %z into %acc[%i, 0] [1, %m] [1, 1] : tensor<?xf64> into tensor<?x?xf64>
    scf.yield %w : tensor<?x?xf64>
  }
  %t:2 = scf.for %i = %c0 to %n step %c1 iter_args(%a = %zeros, %b = %zeros) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
    %da = tensor.dim %a, %c1 : tensor<?x?xf64>
    %wa = tensor.insert_slice %x into %a[%i, 0] [1, %da] [1, 1] : tensor<?xf64> into tensor<?x?xf64>
    %db = tensor.dim %empty, %c1 : tensor<?x?xf64>
    %wb = tensor.insert_slice %x into %b[%i, 0] [1, %db] [1, 1] : tensor<?xf64> into tensor<?x?xf64>
    scf.yield %wa, %wb : tensor<?x?xf64>, tensor<?x?xf64>
  }
  return %t#0, %t#1 : tensor<?x?xf64>, tensor<?x?xf64>
}

// -----

// A tape of scalars of static extent, written by tensor.insert at [i].
// CHECK-LABEL: func.func @tape_of_scalars
// CHECK-NOT:     linalg.fill
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<8xf64>
// CHECK-NEXT:    scf.for {{.*}} iter_args(%{{.*}} = %[[E]])
func.func @tape_of_scalars(%s: f64) -> tensor<8xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty() : tensor<8xf64>
  %zeros = linalg.fill ins(%zero : f64) outs(%empty : tensor<8xf64>) -> tensor<8xf64>
  %t = scf.for %i = %c0 to %c8 step %c1 iter_args(%acc = %zeros) -> (tensor<8xf64>) {
    %w = tensor.insert %s into %acc[%i] : tensor<8xf64>
    scf.yield %w : tensor<8xf64>
  }
  return %t : tensor<8xf64>
}

// -----

// The initial value has another reader: the loop starts empty, and the
// zeros stay for that reader.
// CHECK-LABEL: func.func @init_read_elsewhere
// CHECK:         %[[Z:.*]] = linalg.fill
// CHECK:         %[[E:.*]] = tensor.empty(%arg0)
// CHECK-NEXT:    %[[T:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[E]])
// CHECK:         return %[[T]], %[[Z]]
func.func @init_read_elsewhere(%n: index, %s: f64) -> (tensor<?xf64>, tensor<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n) : tensor<?xf64>
  %zeros = linalg.fill ins(%zero : f64) outs(%empty : tensor<?xf64>) -> tensor<?xf64>
  %t = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zeros) -> (tensor<?xf64>) {
    %w = tensor.insert %s into %acc[%i] : tensor<?xf64>
    scf.yield %w : tensor<?xf64>
  }
  return %t, %zeros : tensor<?xf64>, tensor<?xf64>
}

// -----

// Computing the initial value has an effect (a check that may stop the
// program): the loop starts empty, and that computation stays.
// CHECK-LABEL: func.func @init_with_effect
// CHECK:         scf.for
// CHECK:           func.call @check
// CHECK:         %[[E:.*]] = tensor.empty(%arg0)
// CHECK-NEXT:    scf.for {{.*}} iter_args(%{{.*}} = %[[E]])
func.func private @check()
func.func @init_with_effect(%n: index, %s: f64) -> tensor<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n) : tensor<?xf64>
  %zeros = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?xf64>) {
    func.call @check() : () -> ()
    %w = tensor.insert %zero into %acc[%i] : tensor<?xf64>
    scf.yield %w : tensor<?xf64>
  }
  %t = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zeros) -> (tensor<?xf64>) {
    %w = tensor.insert %s into %acc[%i] : tensor<?xf64>
    scf.yield %w : tensor<?xf64>
  }
  return %t : tensor<?xf64>
}

// -----

// Left alone: the loop reads the state (an accumulation, not a record).
// CHECK-LABEL: func.func @reads_state
// CHECK:         %[[Z:.*]] = linalg.fill
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[Z]])
func.func @reads_state(%n: index, %s: f64) -> tensor<?xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n) : tensor<?xf64>
  %zeros = linalg.fill ins(%zero : f64) outs(%empty : tensor<?xf64>) -> tensor<?xf64>
  %t = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zeros) -> (tensor<?xf64>) {
    %v = tensor.extract %acc[%i] : tensor<?xf64>
    %a = arith.addf %v, %s : f64
    %w = tensor.insert %a into %acc[%i] : tensor<?xf64>
    scf.yield %w : tensor<?xf64>
  }
  return %t : tensor<?xf64>
}

// -----

// Left alone: the body reads the row it wrote.
// CHECK-LABEL: func.func @reads_written
// CHECK:         %[[Z:.*]] = linalg.fill
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[Z]]
func.func @reads_written(%n: index, %s: f64) -> (tensor<?xf64>, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n) : tensor<?xf64>
  %zeros = linalg.fill ins(%zero : f64) outs(%empty : tensor<?xf64>) -> tensor<?xf64>
  %t:2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zeros, %sum = %zero) -> (tensor<?xf64>, f64) {
    %w = tensor.insert %s into %acc[%i] : tensor<?xf64>
    %v = tensor.extract %w[%c0] : tensor<?xf64>
    %a = arith.addf %sum, %v : f64
    scf.yield %w, %a : tensor<?xf64>, f64
  }
  return %t#0, %t#1 : tensor<?xf64>, f64
}

// -----

// Left alone: rows left unwritten (the loop starts at 1, or runs to another
// bound than the extent), a row written in part, a row written only
// conditionally.
// CHECK-LABEL: func.func @not_every_row
// CHECK:         %[[Z:.*]] = linalg.fill
// CHECK:         scf.for %{{.*}} = %c1 to {{.*}} iter_args(%{{.*}} = %[[Z]])
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[Z]])
// CHECK:         %[[Z2:.*]] = linalg.fill
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[Z2]])
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[Z]])
func.func @not_every_row(%x: tensor<?xf64>, %n: index, %m: index, %k: index, %cond: i1)
    -> (tensor<?xf64>, tensor<?xf64>, tensor<?x?xf64>, tensor<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n) : tensor<?xf64>
  %zeros = linalg.fill ins(%zero : f64) outs(%empty : tensor<?xf64>) -> tensor<?xf64>
  %a = scf.for %i = %c1 to %n step %c1 iter_args(%acc = %zeros) -> (tensor<?xf64>) {
    %w = tensor.insert %zero into %acc[%i] : tensor<?xf64>
    scf.yield %w : tensor<?xf64>
  }
  %b = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zeros) -> (tensor<?xf64>) {
    %w = tensor.insert %zero into %acc[%i] : tensor<?xf64>
    scf.yield %w : tensor<?xf64>
  }
  %empty2 = tensor.empty(%n, %m) : tensor<?x?xf64>
  %zeros2 = linalg.fill ins(%zero : f64) outs(%empty2 : tensor<?x?xf64>) -> tensor<?x?xf64>
  %p = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zeros2) -> (tensor<?x?xf64>) {
    %part = tensor.extract_slice %x[0] [%k] [1] : tensor<?xf64> to tensor<?xf64>
    %w = tensor.insert_slice %part into %acc[%i, 0] [1, %k] [1, 1] : tensor<?xf64> into tensor<?x?xf64>
    scf.yield %w : tensor<?x?xf64>
  }
  %d = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zeros) -> (tensor<?xf64>) {
    %w = scf.if %cond -> (tensor<?xf64>) {
      %u = tensor.insert %zero into %acc[%i] : tensor<?xf64>
      scf.yield %u : tensor<?xf64>
    } else {
      scf.yield %acc : tensor<?xf64>
    }
    scf.yield %w : tensor<?xf64>
  }
  return %a, %b, %p, %d : tensor<?xf64>, tensor<?xf64>, tensor<?x?xf64>, tensor<?xf64>
}
