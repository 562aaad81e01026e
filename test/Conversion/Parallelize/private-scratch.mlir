// RUN: fad-opt %s --fad-private-scratch | FileCheck %s

// In a chunk loop (fad.chunks), a use of an empty tensor from outside gets
// its own copy in the body (bufferization then gives each chunk its own
// buffer); other loops keep sharing it.
// CHECK-LABEL: func.func @chunks
// CHECK:         %[[OUTER:.*]] = tensor.empty(%arg1)
// CHECK:         scf.for
// CHECK-NEXT:      %[[OWN:.*]] = tensor.empty(%arg1)
// CHECK-NEXT:      tensor.insert %{{.*}} into %[[OWN]]
// CHECK:         } {fad.chunks}
// CHECK:         scf.for
// CHECK-NEXT:      tensor.insert %{{.*}} into %[[OUTER]]
func.func @chunks(%n: index, %d: index, %x: f64) -> (f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty(%d) : tensor<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%s = %x) -> f64 {
    %t = tensor.insert %x into %e[%c0] : tensor<?xf64>
    %v = tensor.extract %t[%c0] : tensor<?xf64>
    %a = arith.addf %s, %v : f64
    scf.yield %a : f64
  } {fad.chunks}
  %q = scf.for %i = %c0 to %n step %c1 iter_args(%s = %x) -> f64 {
    %t = tensor.insert %x into %e[%c0] : tensor<?xf64>
    %v = tensor.extract %t[%c0] : tensor<?xf64>
    %a = arith.addf %s, %v : f64
    scf.yield %a : f64
  }
  return %r, %q : f64, f64
}
