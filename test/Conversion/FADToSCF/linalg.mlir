// convert-fad-to-scf on dense linear algebra: calls of the runtime's LU
// kernels on read-only views of the operands, the solution written into a
// fresh buffer that becomes the result (to_tensor restrict writable), the
// op's location passed for the runtime's errors.
// RUN: fad-opt %s --convert-fad-to-scf | FileCheck %s

// CHECK-DAG:   llvm.mlir.global internal constant @[[LOC:__fad_str_[0-9A-F]+]]("{{.*}}linalg.mlir:19:8\00")
// CHECK-DAG:   func.func private @fad_rt_solve_f64(memref<*xf64>, memref<*xf64>, memref<*xf64>, i32, !llvm.ptr)
// CHECK-DAG:   func.func private @fad_rt_slogdet_f32(memref<*xf32>, memref<*xf32>, !llvm.ptr)
// CHECK-DAG:   func.func private @fad_rt_qr_f64(memref<*xf64>, memref<*xf64>, memref<*xf64>, !llvm.ptr)
// CHECK-DAG:   func.func private @fad_rt_eigh_f64(memref<*xf64>, memref<*xf64>, memref<*xf64>, !llvm.ptr)
// CHECK-LABEL: func.func @solve
// CHECK:         %[[A:.*]] = bufferization.to_memref %arg0 read_only : memref<?x?xf64>
// CHECK:         %[[ALLOC:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?xf64>
// CHECK:         call @fad_rt_solve_f64(%{{.*}}, %{{.*}}, %{{.*}}, %c1_i32, %{{.*}})
// CHECK:         %[[X:.*]] = bufferization.to_tensor %[[ALLOC]] restrict writable
// CHECK:         return %[[X]]
func.func @solve(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %x = fad.solve %a, %b {transpose} : tensor<?x?xf64>, tensor<?x?xf64>
  return %x : tensor<?x?xf64>
}

// CHECK-LABEL: func.func @slogdet
// CHECK:         %[[OUT:.*]] = memref.alloca() : memref<2xf32>
// CHECK:         call @fad_rt_slogdet_f32
// CHECK:         %[[S:.*]] = memref.load %[[OUT]][%c0]
// CHECK:         %[[L:.*]] = memref.load %[[OUT]][%c1]
// CHECK:         return %[[S]], %[[L]]
func.func @slogdet(%a: tensor<?x?xf32>) -> (f32, f32) {
  %s, %l = fad.slogdet %a : tensor<?x?xf32> -> f32, f32
  return %s, %l : f32, f32
}

// CHECK-LABEL: func.func @eigh
// CHECK:         %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK:         %[[W:.*]] = memref.alloc(%[[N]]) : memref<?xf64>
// CHECK:         %[[V:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?xf64>
// CHECK:         call @fad_rt_eigh_f64
// CHECK-DAG:     bufferization.to_tensor %[[W]] restrict writable
// CHECK-DAG:     bufferization.to_tensor %[[V]] restrict writable
func.func @eigh(%a: tensor<?x?xf64>) -> (tensor<?xf64>, tensor<?x?xf64>) {
  %w, %v = fad.eigh %a : tensor<?x?xf64> -> tensor<?xf64>, tensor<?x?xf64>
  return %w, %v : tensor<?xf64>, tensor<?x?xf64>
}

// CHECK-LABEL: func.func @svd
// CHECK:         %[[K:.*]] = arith.minsi
// CHECK:         memref.alloc(%{{.*}}, %[[K]]) : memref<?x?xf32>
// CHECK:         memref.alloc(%[[K]]) : memref<?xf32>
// CHECK:         memref.alloc(%[[K]], %{{.*}}) : memref<?x?xf32>
// CHECK:         call @fad_rt_svd_f32
func.func @svd(%a: tensor<?x?xf32>) -> tensor<?xf32> {
  %u, %s, %vt = fad.svd %a : tensor<?x?xf32> -> tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>
  return %s : tensor<?xf32>
}

// CHECK-LABEL: func.func @qr
// CHECK:         %[[M:.*]] = tensor.dim %arg0, %c0
// CHECK:         %[[N:.*]] = tensor.dim %arg0, %c1
// CHECK:         memref.alloc(%[[M]], %[[N]]) : memref<?x?xf64>
// CHECK:         memref.alloc(%[[N]], %[[N]]) : memref<?x?xf64>
// CHECK:         call @fad_rt_qr_f64
func.func @qr(%a: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %q, %r = fad.qr %a : tensor<?x?xf64> -> tensor<?x?xf64>, tensor<?x?xf64>
  return %r : tensor<?x?xf64>
}
