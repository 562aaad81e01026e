// RUN: fad-opt %s --fad-scope-parallel-accesses --split-input-file | FileCheck %s

// Two buffers allocated before the region (one read through its memref
// descriptor) and the function's arguments: three scopes, each access in
// its buffer's and aliasing no access of the other two. A pointer loaded
// from memory and a buffer allocated inside the region: no scope; the
// call: none either.
// CHECK-LABEL: llvm.func @regions
// CHECK:         omp.parallel
// CHECK:           llvm.load %{{.*}} {alias_scopes = [#[[A:.*]]], noalias_scopes = [#[[B:.*]], #[[ARGS:.*]]]} : !llvm.ptr -> f64
// CHECK-NEXT:      llvm.store %{{.*}}, %{{.*}} {alias_scopes = [#[[B]]], noalias_scopes = [#[[A]], #[[ARGS]]]} : f64, !llvm.ptr
// CHECK-NEXT:      llvm.load %{{.*}} {alias_scopes = [#[[ARGS]]], noalias_scopes = [#[[A]], #[[B]]]} : !llvm.ptr -> f64
// CHECK-NEXT:      llvm.store %{{.*}}, %{{.*}} : f64, !llvm.ptr
// CHECK-NEXT:      llvm.call @_mlir_memref_to_llvm_aligned_alloc(%{{.*}}) : (i64, i64) -> !llvm.ptr
// CHECK-NEXT:      llvm.store %{{.*}}, %{{.*}} : f64, !llvm.ptr
llvm.func @_mlir_memref_to_llvm_aligned_alloc(i64, i64) -> !llvm.ptr

llvm.func @regions(%in: !llvm.ptr, %n: i64) {
  %c8 = llvm.mlir.constant(8 : i64) : i64
  %a = llvm.call @_mlir_memref_to_llvm_aligned_alloc(%c8, %n) : (i64, i64) -> !llvm.ptr
  %b = llvm.call @_mlir_memref_to_llvm_aligned_alloc(%c8, %n) : (i64, i64) -> !llvm.ptr
  %d0 = llvm.mlir.undef : !llvm.struct<(ptr, ptr, i64)>
  %d1 = llvm.insertvalue %a, %d0[0] : !llvm.struct<(ptr, ptr, i64)>
  %d2 = llvm.insertvalue %a, %d1[1] : !llvm.struct<(ptr, ptr, i64)>
  %d3 = llvm.insertvalue %n, %d2[2] : !llvm.struct<(ptr, ptr, i64)>
  %loaded = llvm.load %in : !llvm.ptr -> !llvm.ptr
  omp.parallel {
    %p = llvm.extractvalue %d3[1] : !llvm.struct<(ptr, ptr, i64)>
    %g = llvm.getelementptr %p[%n] : (!llvm.ptr, i64) -> !llvm.ptr, f64
    %x = llvm.load %g : !llvm.ptr -> f64
    llvm.store %x, %b : f64, !llvm.ptr
    %y = llvm.load %in : !llvm.ptr -> f64
    llvm.store %y, %loaded : f64, !llvm.ptr
    %c = llvm.call @_mlir_memref_to_llvm_aligned_alloc(%c8, %n) : (i64, i64) -> !llvm.ptr
    llvm.store %y, %c : f64, !llvm.ptr
    omp.terminator
  }
  llvm.return
}

// -----

// One buffer and the arguments, but the buffer's pointer is read after
// another value was inserted over the descriptor's pointer fields, and the
// other buffer arrives through a block argument: neither is followed, only
// the arguments' accesses have a root, and one scope says nothing.
// CHECK-LABEL: llvm.func @unknown_roots
// CHECK-NOT:     alias_scopes
llvm.func @_mlir_memref_to_llvm_aligned_alloc(i64, i64) -> !llvm.ptr
llvm.func @unknown_roots(%in: !llvm.ptr, %n: i64, %c: i1) {
  %c8 = llvm.mlir.constant(8 : i64) : i64
  %a = llvm.call @_mlir_memref_to_llvm_aligned_alloc(%c8, %n) : (i64, i64) -> !llvm.ptr
  %d0 = llvm.mlir.undef : !llvm.struct<(struct<(ptr, ptr)>, i64)>
  %d1 = llvm.insertvalue %a, %d0[0, 1] : !llvm.struct<(struct<(ptr, ptr)>, i64)>
  %pair = llvm.mlir.undef : !llvm.struct<(ptr, ptr)>
  %d2 = llvm.insertvalue %pair, %d1[0] : !llvm.struct<(struct<(ptr, ptr)>, i64)>
  llvm.cond_br %c, ^then, ^join(%in : !llvm.ptr)
^then:
  %b = llvm.call @_mlir_memref_to_llvm_aligned_alloc(%c8, %n) : (i64, i64) -> !llvm.ptr
  llvm.br ^join(%b : !llvm.ptr)
^join(%phi: !llvm.ptr):
  omp.parallel {
    %p = llvm.extractvalue %d2[0, 1] : !llvm.struct<(struct<(ptr, ptr)>, i64)>
    %x = llvm.load %p : !llvm.ptr -> f64
    llvm.store %x, %phi : f64, !llvm.ptr
    %y = llvm.load %in : !llvm.ptr -> f64
    llvm.store %y, %phi : f64, !llvm.ptr
    omp.terminator
  }
  llvm.return
}
