// convert-fad-to-scf on the processes' ops: calls of the runtime
// (Distributed.cpp). Scalars are passed and returned by value; arrays are
// read through read-only views and written into fresh buffers that become
// the results; allgather's rows are the sum of every process's, from an
// allreduce of the local count; the op's location goes to the runtime's
// errors. The kind codes: sum 0, max 1, min 2.
// RUN: fad-opt %s --convert-fad-to-scf | FileCheck %s

// CHECK-DAG:   func.func private @fad_rt_process_index() -> i64
// CHECK-DAG:   func.func private @fad_rt_process_count() -> i64
// CHECK-DAG:   func.func private @fad_rt_allreduce_i32(i32, i32, !llvm.ptr) -> i32
// CHECK-DAG:   func.func private @fad_rt_allreduce_array_f64(memref<*xf64>, memref<*xf64>, i32, !llvm.ptr)
// CHECK-DAG:   func.func private @fad_rt_allreduce_i64(i64, i32, !llvm.ptr) -> i64
// CHECK-DAG:   func.func private @fad_rt_allgather_f32(memref<*xf32>, memref<*xf32>, !llvm.ptr)
// CHECK-DAG:   func.func private @fad_rt_reduce_scatter_f32(memref<*xf32>, memref<*xf32>, !llvm.ptr)

// CHECK-LABEL: func.func @scalars
// CHECK:         %[[R:.*]] = call @fad_rt_process_index() : () -> i64
// CHECK:         %[[P:.*]] = call @fad_rt_process_count() : () -> i64
// CHECK:         %[[MAX:.*]] = arith.constant 1 : i32
// CHECK:         call @fad_rt_allreduce_i32(%arg0, %[[MAX]], %{{.*}}) : (i32, i32, !llvm.ptr) -> i32
func.func @scalars(%k: i32) -> (i64, i64, i32) {
  %r = fad.process_index : i64
  %p = fad.process_count : i64
  %m = fad.allreduce "max" %k : i32
  return %r, %p, %m : i64, i64, i32
}

// CHECK-LABEL: func.func @allreduce_array
// CHECK:         %[[SUM:.*]] = arith.constant 0 : i32
// CHECK:         %[[IN:.*]] = bufferization.to_memref %arg0 read_only : memref<?x3xf64>
// CHECK:         %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x3xf64>
// CHECK:         call @fad_rt_allreduce_array_f64(%{{.*}}, %{{.*}}, %[[SUM]], %{{.*}})
// CHECK:         %[[T:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:         return %[[T]]
func.func @allreduce_array(%a: tensor<?x3xf64>) -> tensor<?x3xf64> {
  %s = fad.allreduce "sum" %a : tensor<?x3xf64>
  return %s : tensor<?x3xf64>
}

// CHECK-LABEL: func.func @blocks
// CHECK:         %[[ROWS:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x?xf32>
// CHECK:         %[[N:.*]] = arith.index_cast %[[ROWS]] : index to i64
// CHECK:         %[[ALL:.*]] = call @fad_rt_allreduce_i64(%[[N]], %{{.*}}, %{{.*}})
// CHECK:         %[[ALLROWS:.*]] = arith.index_cast %[[ALL]] : i64 to index
// CHECK:         memref.alloc(%[[ALLROWS]], %{{.*}}) : memref<?x?xf32>
// CHECK:         call @fad_rt_allgather_f32
// CHECK:         %[[COUNT:.*]] = arith.index_cast %arg1 : i64 to index
// CHECK:         memref.alloc(%[[COUNT]], %{{.*}}) : memref<?x?xf32>
// CHECK:         call @fad_rt_reduce_scatter_f32
func.func @blocks(%a: tensor<?x?xf32>, %n: i64) -> tensor<?x?xf32> {
  %g = fad.allgather %a : tensor<?x?xf32> -> tensor<?x?xf32>
  %b = fad.reduce_scatter %g, %n : tensor<?x?xf32> -> tensor<?x?xf32>
  return %b : tensor<?x?xf32>
}
