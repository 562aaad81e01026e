// RUN: fad-opt %s --fad-split-accumulations --split-input-file | FileCheck %s

// A loop that only adds into its state (through a nested loop): with more
// than one chunk, each chunk runs its share of the iterations from zeros and
// the shares are added to the initial state; with one, the loop as it was.
// CHECK-LABEL: func.func @accumulate
// CHECK:         %[[T:.*]] = call @fad_rt_chunks() : () -> i64
// CHECK:         %[[MIN:.*]] = fad.min %[[T]], %arg0 : i64
// CHECK:         %[[C:.*]] = fad.max %[[MIN]], %c1_i64 : i64
// CHECK:         %[[SPLIT:.*]] = arith.cmpi sgt, %[[C]], %c1_i64
// CHECK:         %[[R:.*]] = fad.if %[[SPLIT]] -> tensor<?xf64> {
// CHECK:           %[[P:.*]] = fad.build %[[C]] {fad.chunks} : tensor<?x?xf64> {
// CHECK-NEXT:      ^bb0(%[[K:.*]]: i64):
// CHECK-NEXT:        %[[KN:.*]] = fad.mul %[[K]], %arg0 : i64
// CHECK-NEXT:        %[[LO:.*]] = fad.div %[[KN]], %[[C]] : i64
// CHECK:             %[[HI:.*]] = fad.div %{{.*}}, %[[C]] : i64
// CHECK-NEXT:        %[[Z:.*]] = fad.zeros_like %arg2
// CHECK-NEXT:        %[[LEN:.*]] = fad.sub %[[HI]], %[[LO]] : i64
// CHECK-NEXT:        %[[SHARE:.*]] = fad.for %[[LEN]] iter(%[[Z]])
// CHECK-NEXT:        ^bb0(%[[J:.*]]: i64, %{{.*}}: tensor<?xf64>):
// CHECK-NEXT:          %[[I:.*]] = fad.add %[[LO]], %[[J]] : i64
// CHECK-NEXT:          %[[X:.*]] = fad.index %arg1[%[[I]]]
// CHECK:               fad.add_at
// CHECK:             fad.yield %[[SHARE]]
// CHECK:           %[[SUM:.*]] = fad.for %[[C]] iter(%arg2)
// CHECK:             fad.index %[[P]][%{{.*}}] {fad.in_bounds}
// CHECK:             fad.map
// CHECK:               fad.add
// CHECK:           fad.yield %[[SUM]]
// CHECK:         } else {
// CHECK-NEXT:      %[[SEQ:.*]] = fad.for %arg0 iter(%arg2)
// CHECK:           fad.yield %[[SEQ]]
// CHECK:         return %[[R]]
func.func @accumulate(%n: i64, %x: tensor<?xf64>, %acc0: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.for %n iter(%acc0) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %v = fad.index %x[%i] : tensor<?xf64> -> f64
    %m = fad.dim %acc[0] : tensor<?xf64>
    %inner = fad.for %m iter(%acc) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%j: i64, %a: tensor<?xf64>):
      %b = fad.add_at %a[%j], %v : tensor<?xf64>, f64
      fad.yield %b : tensor<?xf64>
    }
    fad.yield %inner : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// Through a conditional, two accumulators (kmeans' reverse sweep).
// CHECK-LABEL: func.func @conditional
// CHECK:         fad.build %{{.*}} {fad.chunks} : tensor<?x?xf64>, tensor<?x?xf64>
func.func @conditional(%n: i64, %x: tensor<?xf64>, %a0: tensor<?xf64>, %b0: tensor<?xf64>)
    -> (tensor<?xf64>, tensor<?xf64>) {
  %zero = arith.constant 0 : i64
  %r:2 = fad.for %n iter(%a0, %b0) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%i: i64, %a: tensor<?xf64>, %b: tensor<?xf64>):
    %e = fad.map(%x) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%p: f64):
      %q = fad.exp %p : f64
      fad.yield %q : f64
    }
    %v = fad.index %e[%i] : tensor<?xf64> -> f64
    %s = arith.remsi %i, %n : i64
    %c = arith.cmpi eq, %s, %zero : i64
    %u:2 = fad.if %c -> tensor<?xf64>, tensor<?xf64> {
      %a2 = fad.add_at %a[%s], %v : tensor<?xf64>, f64
      %b2 = fad.add_at %b[%s], %v : tensor<?xf64>, f64
      fad.yield %a2, %b2 : tensor<?xf64>, tensor<?xf64>
    } else {
      fad.yield %a, %b : tensor<?xf64>, tensor<?xf64>
    }
    fad.yield %u#0, %u#1 : tensor<?xf64>, tensor<?xf64>
  }
  return %r#0, %r#1 : tensor<?xf64>, tensor<?xf64>
}

// -----

// A state that is read is not an accumulator: the loop stays.
// CHECK-LABEL: func.func @reads
// CHECK-NOT:     call @fad_rt_chunks
// CHECK:         fad.for %arg0
func.func @reads(%n: i64, %x: tensor<?xf64>, %acc0: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.for %n iter(%acc0) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %m = fad.dim %x[0] : tensor<?xf64>
    %inner = fad.for %m iter(%acc) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%j: i64, %a: tensor<?xf64>):
      %v = fad.index %a[%j] : tensor<?xf64> -> f64
      %b = fad.add_at %a[%j], %v : tensor<?xf64>, f64
      fad.yield %b : tensor<?xf64>
    }
    fad.yield %inner : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// Accumulators that trade places each iteration are not: the loop stays.
// CHECK-LABEL: func.func @swapped
// CHECK-NOT:     call @fad_rt_chunks
func.func @swapped(%n: i64, %x: tensor<?xf64>, %a0: tensor<?xf64>, %b0: tensor<?xf64>)
    -> (tensor<?xf64>, tensor<?xf64>) {
  %r:2 = fad.for %n iter(%a0, %b0) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%i: i64, %a: tensor<?xf64>, %b: tensor<?xf64>):
    %m = fad.dim %x[0] : tensor<?xf64>
    %inner:2 = fad.for %m iter(%a, %b) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
    ^bb0(%j: i64, %p: tensor<?xf64>, %q: tensor<?xf64>):
      %v = fad.index %x[%j] : tensor<?xf64> -> f64
      %p2 = fad.add_at %p[%j], %v : tensor<?xf64>, f64
      fad.yield %p2, %q : tensor<?xf64>, tensor<?xf64>
    }
    fad.yield %inner#1, %inner#0 : tensor<?xf64>, tensor<?xf64>
  }
  return %r#0, %r#1 : tensor<?xf64>, tensor<?xf64>
}

// -----

// A body of a few scalar updates is not worth splitting.
// CHECK-LABEL: func.func @light
// CHECK-NOT:     call @fad_rt_chunks
func.func @light(%n: i64, %x: tensor<?xf64>, %acc0: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.for %n iter(%acc0) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %v = fad.index %x[%i] : tensor<?xf64> -> f64
    %b = fad.add_at %acc[%i], %v : tensor<?xf64>, f64
    fad.yield %b : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// acc + c, as fusion leaves it (a build reading acc at its index), is an
// accumulation.
// CHECK-LABEL: func.func @plus
// CHECK:         fad.build %{{.*}} {fad.chunks}
func.func @plus(%n: i64, %x: tensor<?xf64>, %acc0: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.for %n iter(%acc0) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %m = fad.dim %acc[0] : tensor<?xf64>
    %b = fad.build %m : tensor<?xf64> {
    ^bb0(%j: i64):
      %a = fad.index %acc[%j] : tensor<?xf64> -> f64
      %v = fad.index %x[%j] : tensor<?xf64> -> f64
      %s = fad.add %a, %v : f64
      fad.yield %s : f64
    }
    fad.yield %b : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// acc + f xs with f fused into the sum's map (a map yielding the state's
// element plus a term of its other inputs) is an accumulation too; one whose
// term reads the state (through the map's inputs or from outside) is not.
// CHECK-LABEL: func.func @plus_fused
// CHECK:         fad.build %{{.*}} {fad.chunks}
// CHECK-LABEL: func.func @plus_fused_reads_state
// CHECK-NOT:     call @fad_rt_chunks
func.func @plus_fused(%n: i64, %x: tensor<?xf64>, %acc0: tensor<?xf64>, %c: f64) -> tensor<?xf64> {
  %r = fad.for %n iter(%acc0) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %s = fad.map(%x, %acc) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%e: f64, %a: f64):
      %p = fad.mul %e, %c : f64
      %t = fad.add %a, %p : f64
      fad.yield %t : f64
    }
    fad.yield %s : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}
func.func @plus_fused_reads_state(%n: i64, %x: tensor<?xf64>, %acc0: tensor<?xf64>, %c: f64) -> tensor<?xf64> {
  %r = fad.for %n iter(%acc0) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %zero = arith.constant 0 : i64
    %first = fad.index %acc[%zero] : tensor<?xf64> -> f64
    %s = fad.map(%x, %acc) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%e: f64, %a: f64):
      %p = fad.mul %e, %first : f64
      %t = fad.add %a, %p : f64
      fad.yield %t : f64
    }
    fad.yield %s : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// acc + (acc + c) doubles what was accumulated: not an accumulation.
// CHECK-LABEL: func.func @twice
// CHECK-NOT:     call @fad_rt_chunks
func.func @twice(%n: i64, %x: tensor<?xf64>, %acc0: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.for %n iter(%acc0) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%i: i64, %acc: tensor<?xf64>):
    %v = fad.index %x[%i] : tensor<?xf64> -> f64
    %a = fad.add_at %acc[%i], %v : tensor<?xf64>, f64
    %s = fad.map(%acc, %a) : (tensor<?xf64>, tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%p: f64, %q: f64):
      %t = fad.add %p, %q : f64
      fad.yield %t : f64
    }
    fad.yield %s : tensor<?xf64>
  }
  return %r : tensor<?xf64>
}

// -----

// A nested loop that also yields the accumulated array in another position
// lets it escape: the loop stays.
// CHECK-LABEL: func.func @escapes
// CHECK-NOT:     call @fad_rt_chunks
func.func @escapes(%n: i64, %x: tensor<?xf64>, %a0: tensor<?xf64>, %b0: tensor<?xf64>)
    -> (tensor<?xf64>, tensor<?xf64>) {
  %r:2 = fad.for %n iter(%a0, %b0) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%i: i64, %a: tensor<?xf64>, %b: tensor<?xf64>):
    %m = fad.dim %x[0] : tensor<?xf64>
    %inner:2 = fad.for %m iter(%a, %b) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
    ^bb0(%j: i64, %p: tensor<?xf64>, %q: tensor<?xf64>):
      %v = fad.index %x[%j] : tensor<?xf64> -> f64
      %p2 = fad.add_at %p[%j], %v : tensor<?xf64>, f64
      fad.yield %p2, %p2 : tensor<?xf64>, tensor<?xf64>
    }
    fad.yield %inner#0, %inner#1 : tensor<?xf64>, tensor<?xf64>
  }
  return %r#0, %r#1 : tensor<?xf64>, tensor<?xf64>
}
