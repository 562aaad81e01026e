// fad-jvp fails with a located error, never a wrong derivative, on an op
// that has float results, reads a tangent and has no derivative rule.
// RUN: fad-opt %s --fad-jvp -split-input-file -verify-diagnostics

// An op of another dialect has no rule (fad.add has).
func.func @arith_addf(%x: f64, %dx: f64) -> f64 {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    // expected-error @+1 {{'arith.addf' op has no derivative rule}}
    %s = arith.addf %a, %a : f64
    fad.yield %s : f64
  }
  return %dy : f64
}

// -----

// fad-jvp leaves reverse mode to fad-vjp (fad-ad runs both, innermost
// first): a fad.vjp in a differentiated body is an op without a rule.
func.func @vjp_inside_jvp(%x: f64, %dx: f64) -> f64 {
  %one = arith.constant 1.0 : f64
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    // expected-error @+1 {{'fad.vjp' op has no derivative rule}}
    %v, %g = fad.vjp (%a) cotangents(%one) : (f64), (f64) -> (f64, f64) {
    ^bb0(%b: f64):
      %s = fad.sin %b : f64
      fad.yield %s : f64
    }
    fad.yield %g : f64
  }
  return %dy : f64
}

// -----

// An op whose tangent is zero is primal code: no error for it, but the
// error names the first op that reads a tangent.
func.func @first_failing_op(%x: f64, %dx: f64, %c: f64) -> f64 {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %k = arith.mulf %c, %c : f64
    %s = fad.mul %a, %k : f64
    // expected-error @+1 {{'arith.subf' op has no derivative rule}}
    %t = arith.subf %s, %k : f64
    fad.yield %t : f64
  }
  return %dy : f64
}

// -----

// A nested jvp is expanded first, so its body's error is reported.
func.func @nested(%x: f64, %dx: f64) -> f64 {
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %u, %du = fad.jvp (%a) tangents(%a) : (f64), (f64) -> (f64, f64) {
    ^bb0(%b: f64):
      // expected-error @+1 {{'arith.divf' op has no derivative rule}}
      %q = arith.divf %b, %b : f64
      fad.yield %q : f64
    }
    fad.yield %du : f64
  }
  return %dy : f64
}
