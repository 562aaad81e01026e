// Taylor mode fails with a located error where it has no rule: an op
// without a rule in a fad.jvp with taylor_order, and in a fad.taylor_bound
// body anything but scalar f64 code of the supported functions. fad-ad
// expands both (fad.taylor_bound only there).
// ("has no Taylor-mode rule" cannot be triggered: every op with scalar
// partials, the only ops that reach that check, has a Taylor rule.)
// RUN: fad-opt %s --fad-ad -split-input-file -verify-diagnostics

// An op without any rule is reported as in first-order mode.
func.func @arith_series(%x: f64) -> tensor<?xf64> {
  %one = arith.constant 1.0 : f64
  %series = fad.array %one : f64 -> tensor<?xf64>
  %y, %c = fad.jvp (%x) tangents(%series) batched {taylor_order = 1 : i64} : (f64), (tensor<?xf64>) -> (f64, tensor<?xf64>) {
  ^bb0(%a: f64):
    // expected-error @+1 {{'arith.addf' op has no derivative rule}}
    %f = arith.addf %a, %a : f64
    fad.yield %f : f64
  }
  return %c : tensor<?xf64>
}

// -----

// A result that is not one f64.
func.func @bound_f32(%x0: f64, %a: f64, %b: f64) -> f64 {
  %c, %lo, %hi = fad.taylor_bound (%x0, %a, %b) order 1 : tensor<?xf64>, f64, f64 {
  ^bb0(%x: f64):
    // expected-error @+1 {{'fad.convert' op is not supported by taylor_bound (scalar f64 code of + - * / exp log sqrt sin cos tan tanh and constant powers only)}}
    %s = fad.convert %x : f64 to f32
    %t = fad.convert %s : f32 to f64
    fad.yield %t : f64
  }
  return %hi : f64
}

// -----

// An f64 op without an enclosure rule.
func.func @bound_abs(%x0: f64, %a: f64, %b: f64) -> f64 {
  %c, %lo, %hi = fad.taylor_bound (%x0, %a, %b) order 2 : tensor<?xf64>, f64, f64 {
  ^bb0(%x: f64):
    // expected-error @+1 {{'fad.abs' op is not supported by taylor_bound (scalar f64 code of + - * / exp log sqrt sin cos tan tanh and constant powers only)}}
    %y = fad.abs %x : f64
    fad.yield %y : f64
  }
  return %hi : f64
}

// -----

// An operand from outside the body that is not an f64 (an f64 is a
// constant of the bound).
func.func @bound_captured_integer(%x0: f64, %a: f64, %b: f64, %n: i64) -> f64 {
  %c, %lo, %hi = fad.taylor_bound (%x0, %a, %b) order 1 : tensor<?xf64>, f64, f64 {
  ^bb0(%x: f64):
    // expected-error @+1 {{'fad.convert' op is not supported by taylor_bound}}
    %m = fad.convert %n : i64 to f64
    %y = fad.mul %x, %m : f64
    fad.yield %y : f64
  }
  return %hi : f64
}

// -----

func.func @bound_variable_exponent(%x0: f64, %a: f64, %b: f64) -> f64 {
  %c, %lo, %hi = fad.taylor_bound (%x0, %a, %b) order 1 : tensor<?xf64>, f64, f64 {
  ^bb0(%x: f64):
    // expected-error @+1 {{'fad.pow' op taylor_bound needs a constant exponent}}
    %y = fad.pow %x, %x : f64
    fad.yield %y : f64
  }
  return %hi : f64
}

// -----

func.func @bound_fractional_power(%x0: f64, %a: f64, %b: f64) -> f64 {
  %c, %lo, %hi = fad.taylor_bound (%x0, %a, %b) order 1 : tensor<?xf64>, f64, f64 {
  ^bb0(%x: f64):
    %half = arith.constant 0.5 : f64
    // expected-error @+1 {{'fad.pow' op taylor_bound supports integer constant powers only}}
    %y = fad.pow %x, %half : f64
    fad.yield %y : f64
  }
  return %hi : f64
}

// -----

// The result must depend on the body's argument (a captured f64 is not an
// enclosure of it).
func.func @bound_constant_function(%x0: f64, %a: f64, %b: f64, %k: f64) -> f64 {
  // expected-error @+1 {{'fad.taylor_bound' op the function's result must be computed from its argument}}
  %c, %lo, %hi = fad.taylor_bound (%x0, %a, %b) order 1 : tensor<?xf64>, f64, f64 {
  ^bb0(%x: f64):
    fad.yield %k : f64
  }
  return %hi : f64
}
