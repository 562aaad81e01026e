// fad-vjp fails with a located error, never a wrong gradient, on an op that
// has float results, reads a tangent and has no derivative rule, at any
// depth of structured ops.
// RUN: fad-opt %s --fad-vjp -split-input-file -verify-diagnostics

func.func @arith_mulf(%x: f64, %yAdj: f64) -> f64 {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    // expected-error @+1 {{'arith.mulf' op has no derivative rule}}
    %s = arith.mulf %a, %a : f64
    fad.yield %s : f64
  }
  return %xAdj : f64
}

// -----

// Inside a map's body.
func.func @in_map(%x: tensor<?xf64>, %yAdj: tensor<?xf64>) -> tensor<?xf64> {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (tensor<?xf64>), (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: tensor<?xf64>):
    %m = fad.map (%a) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%e: f64):
      // expected-error @+1 {{'math.exp' op has no derivative rule}}
      %s = math.exp %e : f64
      fad.yield %s : f64
    }
    fad.yield %m : tensor<?xf64>
  }
  return %xAdj : tensor<?xf64>
}

// -----

// Inside a loop's body.
func.func @in_loop(%n: i64, %x: f64, %yAdj: f64) -> f64 {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %r = fad.for %n iter(%a) : (f64) -> f64 {
    ^bb0(%i: i64, %s: f64):
      // expected-error @+1 {{'math.sin' op has no derivative rule}}
      %t = math.sin %s : f64
      fad.yield %t : f64
    }
    fad.yield %r : f64
  }
  return %xAdj : f64
}

// -----

// fad-vjp leaves forward mode to fad-jvp (fad-ad runs both, innermost
// first): a fad.jvp in a differentiated body is an op without a rule.
func.func @jvp_inside_vjp(%x: f64, %yAdj: f64) -> f64 {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    // expected-error @+1 {{'fad.jvp' op has no derivative rule}}
    %u, %du = fad.jvp (%a) tangents(%a) : (f64), (f64) -> (f64, f64) {
    ^bb0(%b: f64):
      %s = fad.sin %b : f64
      fad.yield %s : f64
    }
    fad.yield %du : f64
  }
  return %xAdj : f64
}
