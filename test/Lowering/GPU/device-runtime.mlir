// fad-gpu-device-runtime: the check failures a kernel calls trap on the
// device; the host module is marked as a GPU program.
// RUN: fad-opt %s --fad-gpu-device-runtime -split-input-file -verify-diagnostics | FileCheck %s

// CHECK: llvm.mlir.global weak constant @fad_gpu_program(1 : i8) {{.*}}: i8
// CHECK: func.func private @fad_rt_index_error(%{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64)
// CHECK-NEXT: "llvm.intr.trap"() : () -> ()
// CHECK-NEXT: return
// CHECK: func.func private @fad_rt_fail(%{{.*}}: !llvm.ptr)
// CHECK-NEXT: "llvm.intr.trap"() : () -> ()
// CHECK-NEXT: return
module attributes {gpu.container_module} {
  gpu.module @kernels {
    func.func private @fad_rt_index_error(!llvm.ptr, i64, i64) attributes {passthrough = ["noreturn", "cold"]}
    func.func private @fad_rt_fail(!llvm.ptr) attributes {passthrough = ["noreturn", "cold"]}
    gpu.func @k(%p: !llvm.ptr, %i: i64, %bad: i1) kernel {
      scf.if %bad {
        func.call @fad_rt_index_error(%p, %i, %i) : (!llvm.ptr, i64, i64) -> ()
        func.call @fad_rt_fail(%p) : (!llvm.ptr) -> ()
      }
      gpu.return
    }
  }
}

// -----

// A program without kernels is marked too: it was built for the GPU.
// CHECK: module {
// CHECK: llvm.mlir.global weak constant @fad_gpu_program(1 : i8) {{.*}}: i8
module {
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @+1 {{a GPU kernel cannot call 'host_print', a host function}}
    func.func private @host_print(f64)
    gpu.func @k(%x: f64) kernel {
      func.call @host_print(%x) : (f64) -> ()
      gpu.return
    }
  }
}

// -----

// Math functions the NVVM conversion leaves to libm's names call libdevice.
// CHECK: module attributes {gpu.container_module}
// CHECK:   gpu.module @kernels
// CHECK-DAG: llvm.func @__nv_asin(f64) -> f64
// CHECK-DAG: llvm.func @__nv_sinhf(f32) -> f32
// CHECK:     gpu.func @k
// CHECK:       llvm.call @__nv_asin(%{{.*}}) : (f64) -> f64
// CHECK:       llvm.call @__nv_sinhf(%{{.*}}) : (f32) -> f32
// CHECK:       math.exp
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%x: f64, %y: f32) kernel {
      %a = math.asin %x : f64
      %b = math.sinh %y : f32
      %c = math.exp %a : f64
      gpu.return
    }
  }
}

// -----

// A kernel that allocates (a row per thread) gets the device's malloc and
// free declared in its module, and in the host module, where the memref
// lowering would otherwise add them while kernel modules convert in parallel.
// CHECK: module attributes {gpu.container_module}
// CHECK-DAG: llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @free(!llvm.ptr)
// CHECK:   gpu.module @kernels
// CHECK-DAG: llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @free(!llvm.ptr)
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%n: index) kernel {
      %row = memref.alloc(%n) : memref<?xf64>
      memref.dealloc %row : memref<?xf64>
      gpu.return
    }
  }
}
