// RUN: fad-opt %s --convert-fad-to-scf -split-input-file -verify-diagnostics

// A derivative op left in the IR (fad-ad did not run) is reported itself,
// not an op of its body.
func.func @jvp_left(%x: f64, %dx: f64) -> f64 {
  // expected-error @+1 {{fad op was not lowered: fad.jvp (derivatives are expanded by fad-ad before lowering)}}
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %s = fad.sin %a : f64
    fad.yield %s : f64
  }
  return %dy : f64
}
