// convert-fad-to-scf: fad.trace becomes a call of the runtime's printer and
// then its operand itself; a scalar goes as an f64 or an i64 with its kind
// (FAD_KIND_*), an array as a read-only unranked memref of its element type.
// Nothing removes it, even with its result unused (canonicalize, cse).
// RUN: fad-opt %s --convert-fad-to-scf --canonicalize --cse | FileCheck %s

// CHECK-LABEL: func.func @scalars
// CHECK-SAME:    (%[[X:.*]]: f64, %[[Y:.*]]: f32, %[[K:.*]]: i32, %[[B:.*]]: i1)
// CHECK-DAG:     %[[F64:.*]] = arith.constant 0 : i64
// CHECK-DAG:     %[[F32:.*]] = arith.constant 1 : i64
// CHECK-DAG:     %[[I32:.*]] = arith.constant 3 : i64
// CHECK-DAG:     %[[BOOL:.*]] = arith.constant 4 : i64
// CHECK-DAG:     %[[FZERO:.*]] = arith.constant 0.0{{.*}} : f64
// CHECK:         call @fad_rt_trace_scalar(%{{.*}}, %[[F64]], %[[X]], %[[F64]])
// CHECK:         call @fad_rt_trace_scalar(%{{.*}}, %[[F64]], %[[X]], %[[F64]])
// CHECK:         %[[WIDE:.*]] = arith.extf %[[Y]] : f32 to f64
// CHECK:         call @fad_rt_trace_scalar(%{{.*}}, %[[F32]], %[[WIDE]], %[[F64]])
// CHECK:         %[[KWIDE:.*]] = arith.extsi %[[K]] : i32 to i64
// CHECK:         call @fad_rt_trace_scalar(%{{.*}}, %[[I32]], %[[FZERO]], %[[KWIDE]])
// CHECK:         %[[BWIDE:.*]] = arith.extui %[[B]] : i1 to i64
// CHECK:         call @fad_rt_trace_scalar(%{{.*}}, %[[BOOL]], %[[FZERO]], %[[BWIDE]])
// CHECK:         return %[[X]]
func.func @scalars(%x: f64, %y: f32, %k: i32, %b: i1) -> f64 {
  %0 = fad.trace "x" %x : f64
  %1 = fad.trace "x" %x : f64
  %2 = fad.trace "y" %y : f32
  %3 = fad.trace "k" %k : i32
  %4 = fad.trace "b" %b : i1
  return %0 : f64
}

// CHECK-LABEL: func.func @arrays
// CHECK-SAME:    (%[[M:.*]]: tensor<?x3xf64>, %[[N:.*]]: tensor<?xi64>)
// CHECK:         %[[BUF:.*]] = bufferization.to_memref %[[M]] read_only : memref<?x3xf64>
// CHECK:         %[[ANY:.*]] = memref.cast %[[BUF]] : memref<?x3xf64> to memref<*xf64>
// CHECK:         call @fad_rt_trace_array_f64(%{{.*}}, %[[ANY]]) : (!llvm.ptr, memref<*xf64>) -> ()
// CHECK:         call @fad_rt_trace_array_i64(%{{.*}}, %{{.*}}) : (!llvm.ptr, memref<*xi64>) -> ()
// CHECK:         return %[[M]]
func.func @arrays(%m: tensor<?x3xf64>, %n: tensor<?xi64>) -> tensor<?x3xf64> {
  %0 = fad.trace "m" %m : tensor<?x3xf64>
  %1 = fad.trace "n" %n : tensor<?xi64>
  return %0 : tensor<?x3xf64>
}
