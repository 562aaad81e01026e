// The verifiers reject ill-typed fad ops with a precise message.
// RUN: fad-opt %s -split-input-file -verify-diagnostics

func.func @map_result_not_array(%x: tensor<?xf64>) -> f64 {
  // expected-error @+1 {{result #0 must be variadic of ranked tensor}}
  %y = "fad.map"(%x) ({
  ^bb0(%e: f64):
    fad.yield %e : f64
  }) : (tensor<?xf64>) -> f64
  return %y : f64
}

// -----

func.func @map_wrong_block_args(%x: tensor<?xf64>) -> tensor<?xf64> {
  // expected-error @+1 {{body arguments must be the element types of the inputs}}
  %y = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%e: f32):
    %c = arith.constant 1.0 : f64
    fad.yield %c : f64
  }
  return %y : tensor<?xf64>
}

// -----

func.func @reduce_wrong_neutral(%x: tensor<?xf64>, %z: f32) -> f32 {
  // expected-error @+1 {{neutral elements must have the element types of the arrays}}
  %r = fad.reduce inits(%z) arrays(%x) : (f32), (tensor<?xf64>) -> f32 {
  ^bb0(%a: f32, %b: f32):
    fad.yield %a : f32
  }
  return %r : f32
}

// -----

func.func @for_wrong_yield(%n: i64, %z: f64) -> f64 {
  // expected-error @+1 {{body must yield values of types ('f64'), got ('i64')}}
  %r = fad.for %n iter(%z) : (f64) -> f64 {
  ^bb0(%i: i64, %s: f64):
    fad.yield %i : i64
  }
  return %r : f64
}

// -----

func.func @while_cond_not_bool(%z: f64) -> f64 {
  // expected-error @+1 {{condition must yield values of types ('i1'), got ('f64')}}
  %r = fad.while iter(%z) : (f64) -> f64 cond {
  ^bb0(%s: f64):
    fad.yield %s : f64
  } do {
  ^bb0(%s: f64):
    fad.yield %s : f64
  }
  return %r : f64
}

// -----

func.func @index_too_many(%x: tensor<?xf64>, %i: i64) -> f64 {
  // expected-error @+1 {{takes between 1 and 1 indices, got 2}}
  %e = fad.index %x[%i, %i] : tensor<?xf64> -> f64
  return %e : f64
}

// -----

func.func @update_wrong_value(%x: tensor<?x?xf64>, %i: i64, %v: f64) -> tensor<?x?xf64> {
  // expected-error @+1 {{value must be 'tensor<?xf64>'}}
  %u = fad.update %x[%i], %v : tensor<?x?xf64>, f64
  return %u : tensor<?x?xf64>
}

// -----

func.func @dim_out_of_range(%x: tensor<?xf64>) -> i64 {
  // expected-error @+1 {{dimension 1 out of range}}
  %n = fad.dim %x [1] : tensor<?xf64>
  return %n : i64
}

// -----

func.func @transpose_vector(%x: tensor<?xf64>) -> tensor<?xf64> {
  // expected-error @+1 {{needs an array of rank at least 2}}
  %t = fad.transpose %x : tensor<?xf64>
  return %t : tensor<?xf64>
}

// -----

func.func @array_mixed(%x: f64, %y: f32) -> tensor<?xf64> {
  // expected-error @+1 {{element of type 'f32' does not fit an array of type 'tensor<?xf64>'}}
  %a = fad.array %x, %y : f64, f32 -> tensor<?xf64>
  return %a : tensor<?xf64>
}

// -----

func.func @if_branches(%c: i1, %x: f64, %i: i64) -> f64 {
  // expected-error @+1 {{else region must yield values of types ('f64'), got ('i64')}}
  %r = fad.if %c -> f64 {
    fad.yield %x : f64
  } else {
    fad.yield %i : i64
  }
  return %r : f64
}

// -----

func.func @atan2_of_integers(%i: i64) -> i64 {
  // expected-error @+1 {{operand #0 must be fad float, but got 'i64'}}
  %a = fad.atan2 %i, %i : i64
  return %a : i64
}

// -----

func.func @assert_one_size(%ok: i1, %n: i64) {
  // expected-error @+1 {{takes no sizes or the two sizes that must agree, got 1}}
  fad.assert %ok, "sizes" sizes(%n)
  return
}
