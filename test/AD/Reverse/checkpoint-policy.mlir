// An unknown checkpoint policy is an error of fad-vjp and fad-ad, located at
// the module they run on, before anything is differentiated.
// RUN: fad-opt %s --fad-vjp=checkpoint=everything -verify-diagnostics
// RUN: fad-opt %s --fad-ad=checkpoint=everything -verify-diagnostics

// expected-error @+1 {{unknown checkpoint policy 'everything' (expected store-all, sqrt or auto)}}
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
