// RUN: fad-opt %s --fad-fuse-lowered-loops -split-input-file | FileCheck %s

// A sum of an array as it is built: one loop computes each exponential,
// stores it and adds it (the sum's trip count is the array's extent).
// CHECK-LABEL: func.func @sum_as_built
// CHECK:         %[[R:.*]]:2 = scf.for %[[I:.*]] = %c0 to %arg1 step %c1 iter_args(%[[T:.*]] = %{{.*}}, %[[ACC:.*]] = %{{.*}}) -> (tensor<?xf64>, f64) {
// CHECK:           %[[E:.*]] = math.exp
// CHECK:           %[[T2:.*]] = tensor.insert %[[E]] into %[[T]][%[[I]]]
// CHECK-NOT:       tensor.extract %{{.*}}[%[[I]]] : tensor<?xf64>
// CHECK:           %[[A:.*]] = arith.addf %[[ACC]], %[[E]]
// CHECK:           scf.yield %[[T2]], %[[A]]
// CHECK:         } {fad.parallel}
// CHECK-NOT:     scf.for
// CHECK:         return %[[R]]#0, %[[R]]#1
func.func @sum_as_built(%x: tensor<?xf64>, %n: index) -> (tensor<?xf64>, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n) : tensor<?xf64>
  %e = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %w = math.exp %v : f64
    %t2 = tensor.insert %w into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  } {fad.parallel}
  %m = tensor.dim %e, %c0 : tensor<?xf64>
  %s = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %e[%i] : tensor<?xf64>
    %a = arith.addf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  return %e, %s : tensor<?xf64>, f64
}

// -----

// Three loops in a chain: each reader joins the loop that built its input.
// CHECK-LABEL: func.func @chain
// CHECK:         scf.for {{.*}} -> (tensor<?xf64>, tensor<?xf64>, f64) {
// CHECK:         } {fad.parallel}
// CHECK-NOT:     scf.for
func.func @chain(%x: tensor<?xf64>, %n: index) -> (tensor<?xf64>, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n) : tensor<?xf64>
  %empty2 = tensor.empty(%n) : tensor<?xf64>
  %e = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %w = math.exp %v : f64
    %t2 = tensor.insert %w into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  } {fad.parallel}
  %f = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty2) -> (tensor<?xf64>) {
    %v = tensor.extract %e[%i] : tensor<?xf64>
    %w = arith.mulf %v, %v : f64
    %t2 = tensor.insert %w into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  } {fad.parallel}
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %f[%i] : tensor<?xf64>
    %a = arith.addf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  return %e, %s : tensor<?xf64>, f64
}

// -----

// The element written may come from outside the builder (a broadcast): the
// reader reads that value.
// CHECK-LABEL: func.func @broadcast
// CHECK:         scf.for {{.*}} -> (tensor<?xf64>, f64) {
// CHECK:           tensor.insert %arg0
// CHECK:           arith.mulf %arg0, %arg0
// CHECK:         } {fad.parallel}
// CHECK-NOT:     scf.for
func.func @broadcast(%k: f64, %n: index) -> (tensor<?xf64>, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n) : tensor<?xf64>
  %b = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %t2 = tensor.insert %k into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  } {fad.parallel}
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %b[%i] : tensor<?xf64>
    %w = arith.mulf %v, %v : f64
    %a = arith.addf %acc, %w : f64
    scf.yield %a : f64
  } {fad.parallel}
  return %b, %s : tensor<?xf64>, f64
}

// -----

// Not fused: the reader reads another element (i + 1), has a check (an
// effect: interleaved, it could fail before the builder's own failure), runs
// another trip count, uses a value computed between the loops, is
// sequential, or is the share loop of a split accumulation.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-7: scf.for
func.func @kept(%x: tensor<?xf64>, %n: index, %k: index) -> (f64, f64, f64, f64, f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n) : tensor<?xf64>
  %e = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %t2 = tensor.insert %v into %t[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  } {fad.parallel}
  %s1 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %j = arith.addi %i, %c1 : index
    %v = tensor.extract %e[%j] : tensor<?xf64>
    %a = arith.addf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  %s2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %e[%i] : tensor<?xf64>
    %bad = arith.cmpf olt, %v, %zero : f64
    scf.if %bad {
      func.call @fad_rt_fail(%x) : (tensor<?xf64>) -> ()
    }
    %a = arith.addf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  %s3 = scf.for %i = %c0 to %k step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %e[%i] : tensor<?xf64>
    %a = arith.addf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  %late = arith.addf %s1, %s2 : f64
  %s4 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %late) -> (f64) {
    %v = tensor.extract %e[%i] : tensor<?xf64>
    %a = arith.addf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  %s5 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %e[%i] : tensor<?xf64>
    %a = arith.addf %acc, %v : f64
    scf.yield %a : f64
  }
  %s6 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %e[%i] : tensor<?xf64>
    %a = arith.addf %acc, %v : f64
    scf.yield %a : f64
  } {fad.chunks, fad.parallel}
  return %s1, %s2, %s3, %s4, %s5, %s6 : f64, f64, f64, f64, f64, f64
}
func.func private @fad_rt_fail(tensor<?xf64>)

// -----

// Siblings: the second loop reads none of the first's results but reads
// the same array element by element (lse's gradient: the sum of the
// exponentials, and the first position of the maximum m). One loop reads
// x once and carries both.
// CHECK-LABEL: func.func @siblings
// CHECK:         %[[R:.*]]:3 = scf.for %[[I:.*]] = %c0 to %arg2 step %c1 iter_args({{.*}}) -> (tensor<?xf64>, f64, index) {
// CHECK:           %[[V:.*]] = tensor.extract %arg0[%[[I]]]
// CHECK:           math.exp
// CHECK:           %[[W:.*]] = tensor.extract %arg0[%[[I]]]
// CHECK:           arith.cmpf oeq, %[[W]], %arg1
// CHECK:           arith.minui
// CHECK:         } {fad.parallel}
// CHECK-NOT:     scf.for
// CHECK:         return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @siblings(%x: tensor<?xf64>, %m: f64, %n: index) -> (tensor<?xf64>, f64, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n) : tensor<?xf64>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty, %acc = %zero) -> (tensor<?xf64>, f64) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %d = arith.subf %v, %m : f64
    %w = math.exp %d : f64
    %t2 = tensor.insert %w into %t[%i] : tensor<?xf64>
    %a = arith.addf %acc, %w : f64
    scf.yield %t2, %a : tensor<?xf64>, f64
  } {fad.parallel}
  %p = scf.for %i = %c0 to %n step %c1 iter_args(%first = %n) -> (index) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %eq = arith.cmpf oeq, %v, %m : f64
    %at = arith.select %eq, %i, %n : index
    %f = arith.minui %first, %at : index
    scf.yield %f : index
  } {fad.parallel}
  return %r#0, %r#1, %p : tensor<?xf64>, f64, index
}

// -----

// Siblings not fused: no array read by both.
// CHECK-LABEL: func.func @siblings_share_nothing
// CHECK-COUNT-2: scf.for
func.func @siblings_share_nothing(%x: tensor<?xf64>, %y: tensor<?xf64>, %n: index) -> (f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %s1 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %a = arith.addf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  %s2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %y[%i] : tensor<?xf64>
    %a = arith.mulf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  return %s1, %s2 : f64, f64
}

// -----

// Siblings not fused: the first has a check (run together, the second's
// partial minimum could not be combined in a loop with checks).
// CHECK-LABEL: func.func @sibling_after_check
// CHECK-COUNT-2: scf.for
func.func @sibling_after_check(%x: tensor<?xf64>, %n: index) -> (f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %s1 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %bad = arith.cmpf olt, %v, %zero : f64
    scf.if %bad {
      func.call @fad_rt_fail(%x) : (tensor<?xf64>) -> ()
    }
    %a = arith.addf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  %s2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %a = arith.maxnumf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  return %s1, %s2 : f64, f64
}
func.func private @fad_rt_fail(tensor<?xf64>)

// -----

// Siblings not fused: the second has a check.
// CHECK-LABEL: func.func @sibling_with_check
// CHECK-COUNT-2: scf.for
func.func @sibling_with_check(%x: tensor<?xf64>, %n: index) -> (f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %s1 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %a = arith.minnumf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  %s2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %bad = arith.cmpf olt, %v, %zero : f64
    scf.if %bad {
      func.call @fad_rt_fail(%x) : (tensor<?xf64>) -> ()
    }
    %a = arith.addf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  return %s1, %s2 : f64, f64
}
func.func private @fad_rt_fail(tensor<?xf64>)

// -----

// Siblings not fused: the first loop's result is another array than the
// one it started from, so its extent (%m) need not be the first loop's
// trip count (%n), which the second loop runs to.
// CHECK-LABEL: func.func @sibling_trip_count_of_replaced_state
// CHECK-COUNT-2: scf.for
func.func @sibling_trip_count_of_replaced_state(%x: tensor<?xf64>, %n: index, %m: index)
    -> (tensor<?xf64>, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %empty = tensor.empty(%n) : tensor<?xf64>
  %other = tensor.empty(%m) : tensor<?xf64>
  %e = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %t2 = tensor.insert %v into %other[%i] : tensor<?xf64>
    scf.yield %t2 : tensor<?xf64>
  } {fad.parallel}
  %len = tensor.dim %e, %c0 : tensor<?xf64>
  %s = scf.for %i = %c0 to %len step %c1 iter_args(%acc = %zero) -> (f64) {
    %v = tensor.extract %x[%i] : tensor<?xf64>
    %a = arith.addf %acc, %v : f64
    scf.yield %a : f64
  } {fad.parallel}
  return %e, %s : tensor<?xf64>, f64
}
