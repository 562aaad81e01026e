// fad-vjp through collectives: each transposes into its adjoint collective
// (allreduce sum into allreduce sum, allgather into reduce_scatter of the
// operand's rows, reduce_scatter into allgather), and a body that
// communicates seeds its replicated result on process 0 only and sums the
// adjoints of its replicated arguments over the processes. A body without
// a collective is differentiated per process, unchanged.
// RUN: fad-opt %s --fad-ad --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @allreduce
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: f64, %[[YADJ:[a-z0-9_]+]]: f64)
// CHECK:         %[[R:.*]] = fad.process_index : i64
// CHECK:         %[[FIRST:.*]] = arith.cmpi eq, %[[R]]
// CHECK:         %[[SEED:.*]] = fad.if %[[FIRST]] -> f64 {
// CHECK-NEXT:      fad.yield %[[YADJ]] : f64
// CHECK:         %[[SHARE:.*]] = fad.allreduce "sum" %[[SEED]] : f64
// CHECK:         %[[XADJ:.*]] = fad.allreduce "sum" %{{.*}} : f64
// CHECK:         return %[[XADJ]]
func.func @allreduce(%x: f64, %yAdj: f64) -> f64 {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %s = fad.mul %a, %a : f64
    %t = fad.allreduce "sum" %s : f64
    fad.yield %t : f64
  }
  return %xAdj : f64
}

// -----

// A per-process argument (a shard) keeps its own adjoint: no sum over the
// processes; allgather transposes into reduce_scatter of the shard's rows.
// CHECK-LABEL: func.func @allgather
// CHECK-SAME:    (%[[X:[a-z0-9_]+]]: tensor<?xf64>, %[[YADJ:[a-z0-9_]+]]: tensor<?xf64>)
// CHECK:         %[[B:.*]] = fad.reduce_scatter %[[X]]
// CHECK:         %[[SEED:.*]] = fad.if
// CHECK:         %[[ROWS:.*]] = fad.dim %[[B]][0]
// CHECK:         %[[BADJ:.*]] = fad.reduce_scatter %[[SEED]], %[[ROWS]] : tensor<?xf64> -> tensor<?xf64>
// CHECK-NOT:     fad.allreduce
// CHECK:         return %[[BADJ]]
func.func @allgather(%x: tensor<?xf64>, %yAdj: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.process_index : i64
  %b = fad.reduce_scatter %x, %r : tensor<?xf64> -> tensor<?xf64>
  %y, %bAdj = fad.vjp (%b) cotangents(%yAdj) : (tensor<?xf64>), (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%v: tensor<?xf64>):
    %g = fad.allgather %v : tensor<?xf64> -> tensor<?xf64>
    fad.yield %g : tensor<?xf64>
  }
  return %bAdj : tensor<?xf64>
}

// -----

// reduce_scatter transposes into allgather; the replicated argument's
// adjoint is summed over the processes.
// CHECK-LABEL: func.func @reduce_scatter
// CHECK:         fad.add_at
// CHECK:         %[[RS:.*]] = fad.reduce_scatter
// CHECK-NEXT:    %[[G:.*]] = fad.allgather %[[RS]] : tensor<?xf64> -> tensor<?xf64>
// CHECK-NEXT:    %[[XADJ:.*]] = fad.allreduce "sum" %[[G]] : tensor<?xf64>
// CHECK-NEXT:    return %[[XADJ]]
func.func @reduce_scatter(%x: tensor<?xf64>, %n: i64, %yAdj: f64) -> tensor<?xf64> {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (tensor<?xf64>), (f64) -> (f64, tensor<?xf64>) {
  ^bb0(%v: tensor<?xf64>):
    %b = fad.reduce_scatter %v, %n : tensor<?xf64> -> tensor<?xf64>
    %s = fad.allgather %b : tensor<?xf64> -> tensor<?xf64>
    %t = fad.index %s[%n] : tensor<?xf64> -> f64
    fad.yield %t : f64
  }
  return %xAdj : tensor<?xf64>
}

// -----

// No collective in the body: per process, no seed on process 0, no sum.
// CHECK-LABEL: func.func @local
// CHECK-NOT:     fad.if
// CHECK-NOT:     fad.allreduce
// CHECK:         return
func.func @local(%x: f64, %yAdj: f64) -> f64 {
  %r = fad.process_index : i64
  %rf = fad.convert %r : i64 to f64
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %s = fad.mul %a, %rf : f64
    fad.yield %s : f64
  }
  return %xAdj : f64
}

// -----

// Forward mode: the collective of the tangent.
// CHECK-LABEL: func.func @forward
// CHECK:         fad.allreduce "sum" %{{.*}} : tensor<?xf64>
// CHECK:         %[[T:.*]] = fad.allreduce "sum" %{{.*}} : tensor<?xf64>
// CHECK:         return %[[T]]
func.func @forward(%x: tensor<?xf64>, %dx: tensor<?xf64>) -> tensor<?xf64> {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (tensor<?xf64>), (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%v: tensor<?xf64>):
    %s = fad.allreduce "sum" %v : tensor<?xf64>
    fad.yield %s : tensor<?xf64>
  }
  return %dy : tensor<?xf64>
}

// -----

// A function's arguments stay replicated when it returns a per-process
// value (here the per-process data itself): w's adjoint is still summed.
// CHECK-LABEL: func.func @returns_per_process
// CHECK:         fad.allreduce "sum"
// CHECK:         %[[SEED:.*]] = fad.allreduce "sum"
// CHECK:         %[[PART:.*]] = fad.mul %{{.*}}, %[[SEED]] : f64
// CHECK-NEXT:    %[[WADJ:.*]] = fad.allreduce "sum" %[[PART]] : f64
// CHECK-NEXT:    return %[[WADJ]], %{{.*}} : f64, tensor<?xf64>
func.func @returns_per_process(%w: f64, %d: tensor<?xf64>) -> (f64, tensor<?xf64>) {
  %p = fad.per_process %d : tensor<?xf64>
  %one = arith.constant 1.0 : f64
  %y, %wAdj = fad.vjp (%w) cotangents(%one) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %z = arith.constant 0.0 : f64
    %r = fad.reduce inits(%z) arrays(%p) : (f64), (tensor<?xf64>) -> f64 {
    ^bb0(%u: f64, %v: f64):
      %t = fad.add %u, %v : f64
      fad.yield %t : f64
    }
    %s = fad.mul %a, %r : f64
    %t = fad.allreduce "sum" %s : f64
    fad.yield %t : f64
  }
  return %wAdj, %p : f64, tensor<?xf64>
}

// -----

// Under the auto checkpoint policy, the choice between storing every state
// and sqrt(n) segments is made from the largest tape over the processes
// when the loop's body communicates: every process then runs the body's
// collectives the same number of times.
// CHECK-LABEL: func.func @checkpoint_choice
// CHECK:         %[[BYTES:.*]] = fad.allreduce "max" %{{.*}} : i64
// CHECK:         arith.cmpi sle, %[[BYTES]]
func.func @checkpoint_choice(%x: tensor<?xf64>, %n: i64, %yAdj: f64) -> tensor<?xf64> {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (tensor<?xf64>), (f64) -> (f64, tensor<?xf64>) {
  ^bb0(%v: tensor<?xf64>):
    %s = fad.for %n iter(%v) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%i: i64, %u: tensor<?xf64>):
      %w = fad.map (%u) : (tensor<?xf64>) -> tensor<?xf64> {
      ^bb0(%e: f64):
        %t = fad.sin %e : f64
        fad.yield %t : f64
      }
      %g = fad.allreduce "sum" %w : tensor<?xf64>
      fad.yield %g : tensor<?xf64>
    }
    %z = arith.constant 0 : i64
    %r = fad.index %s[%z] : tensor<?xf64> -> f64
    fad.yield %r : f64
  }
  return %xAdj : tensor<?xf64>
}
