// The checkpoint option of fad-vjp and fad-ad takes the policies' names
// only: anything else is rejected when the pipeline is parsed, before
// anything is differentiated (and the module is not printed).
// RUN: not fad-opt %s --fad-vjp=checkpoint=everything 2>&1 | FileCheck %s
// RUN: not fad-opt %s --fad-ad=checkpoint=everything 2>&1 | FileCheck %s
// CHECK: for the --checkpoint option: Cannot find option named 'everything'!
// CHECK-NOT: func.func
// RUN: fad-opt %s --fad-ad=checkpoint=sqrt | FileCheck %s --check-prefix=OK
// RUN: fad-opt %s --fad-vjp=checkpoint=store-all | FileCheck %s --check-prefix=OK
// OK: fad.cos

module {
  func.func @sin(%x: f64, %yAdj: f64) -> f64 {
    %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
    ^bb0(%a: f64):
      %s = fad.sin %a : f64
      fad.yield %s : f64
    }
    return %xAdj : f64
  }
}
