// fad-gpu-sink-globals: a constant array read in a launch is read through a
// get_global inside it (outlining then copies the global into the kernel's
// module); other captured values stay arguments.
// RUN: fad-opt %s --fad-gpu-sink-globals | FileCheck %s
// RUN: fad-opt %s --fad-gpu-sink-globals --gpu-kernel-outlining | FileCheck %s --check-prefix=OUTLINED

// CHECK-LABEL: func.func @table
// CHECK:         %[[HOST:.*]] = memref.get_global @coefficients : memref<3xf64>
// CHECK:         gpu.launch
// CHECK-NEXT:      %[[DEVICE:.*]] = memref.get_global @coefficients : memref<3xf64>
// CHECK:           memref.load %[[DEVICE]]
// CHECK:           memref.store %{{.*}}, %arg0
// CHECK:         memref.load %[[HOST]]
// OUTLINED:      gpu.launch_func @table_kernel::@table_kernel {{.*}} args(%{{.*}} : index, %arg0 : memref<?xf64>)
// OUTLINED:      gpu.module @table_kernel
// OUTLINED:        gpu.func @table_kernel
// OUTLINED:          memref.get_global @coefficients
// OUTLINED:        memref.global "private" constant @coefficients
module {
  memref.global "private" constant @coefficients : memref<3xf64> = dense<[1.0, 2.0, 3.0]>
  func.func @table(%out: memref<?xf64>, %i: index) -> f64 {
    %c1 = arith.constant 1 : index
    %t = memref.get_global @coefficients : memref<3xf64>
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
      %v = memref.load %t[%i] : memref<3xf64>
      memref.store %v, %out[%i] : memref<?xf64>
      gpu.terminator
    }
    %w = memref.load %t[%i] : memref<3xf64>
    return %w : f64
  }
}
