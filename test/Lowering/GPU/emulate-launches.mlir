// fad-emulate-gpu-launches: each kernel becomes a host function of its ids;
// each launch loops over blocks and threads calling it.
// RUN: fad-opt %s --fad-emulate-gpu-launches -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-NOT:   gpu.container_module
// CHECK-LABEL: func.func @scale
// CHECK-SAME:    (%[[A:.*]]: memref<?xf64>, %[[G:.*]]: index)
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C256:.*]] = arith.constant 256 : index
// CHECK:         scf.for %[[BZ:.*]] = %[[C0]] to %[[C1]] step %[[C1]]
// CHECK:           scf.for %[[BY:.*]] = %[[C0]] to %[[C1]] step %[[C1]]
// CHECK:             scf.for %[[BX:.*]] = %[[C0]] to %[[G]] step %[[C1]]
// CHECK:               scf.for %[[TZ:.*]] = %[[C0]] to %[[C1]] step %[[C1]]
// CHECK:                 scf.for %[[TY:.*]] = %[[C0]] to %[[C1]] step %[[C1]]
// CHECK:                   scf.for %[[TX:.*]] = %[[C0]] to %[[C256]] step %[[C1]]
// CHECK:                     func.call @kernels_scale_emulated(%[[BX]], %[[BY]], %[[BZ]], %[[TX]], %[[TY]], %[[TZ]], %[[G]], %[[C1]], %[[C1]], %[[C256]], %[[C1]], %[[C1]], %[[A]])
// CHECK-NOT:   gpu.module
// CHECK-LABEL: func.func private @kernels_scale_emulated
// CHECK-SAME:    (%[[BX:[^:]*]]: index, %{{.*}}: index, %{{.*}}: index, %[[TX:[^:]*]]: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %[[BD:[^:]*]]: index, %{{.*}}: index, %{{.*}}: index, %[[K:.*]]: memref<?xf64>)
// CHECK:         %[[M:.*]] = arith.muli %[[BX]], %[[BD]]
// CHECK:         %[[I:.*]] = arith.addi %[[M]], %[[TX]]
// CHECK:         scf.if
// CHECK:           memref.load %[[K]][%[[I]]]
// CHECK:         return
module attributes {gpu.container_module} {
  func.func @scale(%a: memref<?xf64>, %g: index) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    gpu.launch_func @kernels::@scale blocks in (%g, %c1, %c1) threads in (%c256, %c1, %c1)
        args(%a : memref<?xf64>)
    return
  }
  gpu.module @kernels {
    gpu.func @scale(%a: memref<?xf64>) kernel {
      %c0 = arith.constant 0 : index
      %b = gpu.block_id x
      %t = gpu.thread_id x
      %d = gpu.block_dim x
      %m = arith.muli %b, %d : index
      %i = arith.addi %m, %t : index
      %n = memref.dim %a, %c0 : memref<?xf64>
      %in = arith.cmpi slt, %i, %n : index
      scf.if %in {
        %x = memref.load %a[%i] : memref<?xf64>
        %y = arith.addf %x, %x : f64
        memref.store %y, %a[%i] : memref<?xf64>
      }
      gpu.return
    }
  }
}

// -----

// Threads that wait for each other cannot run one after another.
module attributes {gpu.container_module} {
  func.func @tree(%a: memref<?xf64>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @kernels::@tree blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%a : memref<?xf64>)
    return
  }
  gpu.module @kernels {
    gpu.func @tree(%a: memref<?xf64>) kernel {
      // expected-error @+1 {{cannot emulate 'gpu.barrier': its threads would have to run together}}
      gpu.barrier
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @shared(%a: memref<?xf64>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @kernels::@shared blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%a : memref<?xf64>)
    return
  }
  gpu.module @kernels {
    // expected-error @+1 {{cannot emulate a kernel with attributions or several blocks}}
    gpu.func @shared(%a: memref<?xf64>) workgroup(%w: memref<32xf64, #gpu.address_space<workgroup>>) kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @async(%a: memref<?xf64>) {
    %c1 = arith.constant 1 : index
    %t = gpu.wait async
    // expected-error @+1 {{cannot emulate an asynchronous, clustered or shared-memory launch}}
    %d = gpu.launch_func async [%t] @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%a : memref<?xf64>)
    return
  }
  gpu.module @kernels {
    gpu.func @k(%a: memref<?xf64>) kernel {
      gpu.return
    }
  }
}
