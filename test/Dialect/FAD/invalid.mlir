// The verifiers reject ill-typed fad ops with a precise message: one case per
// message of FADOps.cpp and per custom type constraint of FADOps.td.
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

// trace returns its operand: the same type.
func.func @trace_changes_type(%x: tensor<?xf64>) -> tensor<?xf32> {
  // expected-error @+1 {{failed to verify that all of {value, result} have same type}}
  %y = "fad.trace"(%x) {label = "x"} : (tensor<?xf64>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

func.func @trace_without_label(%x: f64) -> f64 {
  // expected-error @+1 {{requires attribute 'label'}}
  %y = "fad.trace"(%x) : (f64) -> f64
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
  // expected-error @+1 {{dimension 1 out of range for 'tensor<?xf64>'}}
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

// -----

func.func @index_wrong_result(%x: tensor<?x?xf64>, %i: i64) -> f64 {
  // expected-error @+1 {{result must be 'tensor<?xf64>'}}
  %e = fad.index %x[%i] : tensor<?x?xf64> -> f64
  return %e : f64
}

// -----

func.func @add_at_no_indices(%x: tensor<?xf64>, %v: f64) -> tensor<?xf64> {
  // expected-error @+1 {{takes between 1 and 1 indices, got 0}}
  %u = fad.add_at %x[], %v : tensor<?xf64>, f64
  return %u : tensor<?xf64>
}

// -----

func.func @add_at_wrong_value(%x: tensor<?xf64>, %i: i64, %v: f32) -> tensor<?xf64> {
  // expected-error @+1 {{value must be 'f64'}}
  %u = fad.add_at %x[%i], %v : tensor<?xf64>, f32
  return %u : tensor<?xf64>
}

// -----

func.func @map_no_inputs() -> tensor<?xf64> {
  // expected-error @+1 {{needs at least one input array}}
  %y = fad.map () : () -> tensor<?xf64> {
    %c = arith.constant 1.0 : f64
    fad.yield %c : f64
  }
  return %y : tensor<?xf64>
}

// -----

func.func @map_not_yield(%x: tensor<?xf64>) -> tensor<?xf64> {
  // expected-error @+1 {{body must end in fad.yield}}
  %y = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%e: f64):
    llvm.unreachable
  }
  return %y : tensor<?xf64>
}

// -----

func.func @map_yield_count(%x: tensor<?xf64>) -> tensor<?xf64> {
  // expected-error @+1 {{body yields 2 values for 1 results}}
  %y = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%e: f64):
    fad.yield %e, %e : f64, f64
  }
  return %y : tensor<?xf64>
}

// -----

func.func @map_result_element(%x: tensor<?xf64>) -> tensor<?xf32> {
  // expected-error @+1 {{result of type 'tensor<?xf32>' is not an array of the yielded 'f64'}}
  %y = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf32> {
  ^bb0(%e: f64):
    fad.yield %e : f64
  }
  return %y : tensor<?xf32>
}

// -----

func.func @build_float_index(%n: i64) -> tensor<?xf64> {
  // expected-error @+1 {{body must take one i64 index}}
  %y = fad.build %n : tensor<?xf64> {
  ^bb0(%i: f64):
    fad.yield %i : f64
  }
  return %y : tensor<?xf64>
}

// -----

func.func @build_result_rank(%n: i64, %r: tensor<?xf64>) -> tensor<?xf64> {
  // expected-error @+1 {{result of type 'tensor<?xf64>' is not an array of the yielded 'tensor<?xf64>'}}
  %y = fad.build %n : tensor<?xf64> {
  ^bb0(%i: i64):
    fad.yield %r : tensor<?xf64>
  }
  return %y : tensor<?xf64>
}

// -----

func.func @reduce_init_count(%x: tensor<?xf64>, %y: tensor<?xf64>, %z: f64) -> f64 {
  // expected-error @+1 {{needs as many neutral elements as arrays (at least one)}}
  %r = fad.reduce inits(%z) arrays(%x, %y) : (f64), (tensor<?xf64>, tensor<?xf64>) -> f64 {
  ^bb0(%a: f64, %b: f64):
    fad.yield %a : f64
  }
  return %r : f64
}

// -----

func.func @reduce_body_args(%x: tensor<?xf64>, %z: f64) -> f64 {
  // expected-error @+1 {{body must take arguments of types ('f64', 'f64'), got ('f64')}}
  %r = fad.reduce inits(%z) arrays(%x) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%a: f64):
    fad.yield %a : f64
  }
  return %r : f64
}

// -----

func.func @reduce_result_type(%x: tensor<?xf64>, %z: f64) -> f32 {
  // expected-error @+1 {{results must have the types of the neutral elements}}
  %r = fad.reduce inits(%z) arrays(%x) : (f64), (tensor<?xf64>) -> f32 {
  ^bb0(%a: f64, %b: f64):
    fad.yield %a : f64
  }
  return %r : f32
}

// -----

func.func @scan_result_type(%x: tensor<?xf64>, %z: f64) -> tensor<?xf32> {
  // expected-error @+1 {{results must be arrays of the neutral elements' types}}
  %r = fad.scan inits(%z) arrays(%x) : (f64), (tensor<?xf64>) -> tensor<?xf32> {
  ^bb0(%a: f64, %b: f64):
    fad.yield %a : f64
  }
  return %r : tensor<?xf32>
}

// -----

func.func @for_result_type(%n: i64, %z: f64) -> f32 {
  // expected-error @+1 {{results must have the types of the initial state}}
  %r = fad.for %n iter(%z) : (f64) -> f32 {
  ^bb0(%i: i64, %s: f64):
    fad.yield %s : f64
  }
  return %r : f32
}

// -----

func.func @for_no_counter(%n: i64, %z: f64) -> f64 {
  // expected-error @+1 {{body must take arguments of types ('i64', 'f64'), got ('f64')}}
  %r = fad.for %n iter(%z) : (f64) -> f64 {
  ^bb0(%s: f64):
    fad.yield %s : f64
  }
  return %r : f64
}

// -----

func.func @for_not_yield(%n: i64, %z: f64) -> f64 {
  // expected-error @+1 {{body must end in fad.yield}}
  %r = fad.for %n iter(%z) : (f64) -> f64 {
  ^bb0(%i: i64, %s: f64):
    llvm.unreachable
  }
  return %r : f64
}

// -----

func.func @fixpoint_zero_tolerance(%z: f64) -> f64 {
  // expected-error @+1 {{needs a positive tolerance and iteration limit}}
  %r = fad.fixpoint iter(%z) {tolerance = 0.0 : f64} : (f64) -> f64 {
  ^bb0(%s: f64):
    fad.yield %s : f64
  }
  return %r : f64
}

// -----

func.func @fixpoint_no_iterations(%z: f64) -> f64 {
  // expected-error @+1 {{needs a positive tolerance and iteration limit}}
  %r = fad.fixpoint iter(%z) {max_iterations = 0 : i64} : (f64) -> f64 {
  ^bb0(%s: f64):
    fad.yield %s : f64
  }
  return %r : f64
}

// -----

func.func @fixpoint_result_type(%z: f64) -> f32 {
  // expected-error @+1 {{results must have the types of the initial state}}
  %r = fad.fixpoint iter(%z) : (f64) -> f32 {
  ^bb0(%s: f64):
    fad.yield %s : f64
  }
  return %r : f32
}

// -----

func.func @fixpoint_integer_state(%z: i64) -> i64 {
  // expected-error @+1 {{state must be floats or arrays of floats}}
  %r = fad.fixpoint iter(%z) : (i64) -> i64 {
  ^bb0(%s: i64):
    fad.yield %s : i64
  }
  return %r : i64
}

// -----

func.func @fixpoint_body_args(%z: f64) -> f64 {
  // expected-error @+1 {{body must take arguments of types ('f64'), got ('f32')}}
  %r = fad.fixpoint iter(%z) : (f64) -> f64 {
  ^bb0(%s: f32):
    fad.yield %z : f64
  }
  return %r : f64
}

// -----

func.func @while_result_type(%z: f64) -> f32 {
  // expected-error @+1 {{results must have the types of the initial state}}
  %r = fad.while iter(%z) : (f64) -> f32 cond {
  ^bb0(%s: f64):
    %c = arith.constant true
    fad.yield %c : i1
  } do {
  ^bb0(%s: f64):
    fad.yield %s : f64
  }
  return %r : f32
}

// -----

func.func @while_cond_args(%z: f64) -> f64 {
  // expected-error @+1 {{condition must take arguments of types ('f64'), got ()}}
  %r = fad.while iter(%z) : (f64) -> f64 cond {
    %c = arith.constant true
    fad.yield %c : i1
  } do {
  ^bb0(%s: f64):
    fad.yield %s : f64
  }
  return %r : f64
}

// -----

func.func @while_body_yield(%z: f64) -> f64 {
  // expected-error @+1 {{body must yield values of types ('f64'), got ()}}
  %r = fad.while iter(%z) : (f64) -> f64 cond {
  ^bb0(%s: f64):
    %c = arith.constant true
    fad.yield %c : i1
  } do {
  ^bb0(%s: f64):
    fad.yield
  }
  return %r : f64
}

// -----

func.func @if_then_args(%c: i1, %x: f64) -> f64 {
  // expected-error @+1 {{then region must take arguments of types (), got ('f64')}}
  %r = fad.if %c -> f64 {
  ^bb0(%a: f64):
    fad.yield %a : f64
  } else {
    fad.yield %x : f64
  }
  return %r : f64
}

// -----

func.func @if_else_not_yield(%c: i1, %x: f64) -> f64 {
  // expected-error @+1 {{else region must end in fad.yield}}
  %r = fad.if %c -> f64 {
    fad.yield %x : f64
  } else {
    llvm.unreachable
  }
  return %r : f64
}

// -----

func.func @jvp_taylor_unbatched(%x: f64, %dx: f64) -> f64 {
  // expected-error @+1 {{taylor_order needs batched and must be at least 1}}
  %y, %dy = fad.jvp (%x) tangents(%dx) {taylor_order = 2 : i64} : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    fad.yield %a : f64
  }
  return %dy : f64
}

// -----

func.func @jvp_taylor_order_zero(%x: f64, %dx: tensor<?xf64>) -> tensor<?xf64> {
  // expected-error @+1 {{taylor_order needs batched and must be at least 1}}
  %y, %dy = fad.jvp (%x) tangents(%dx) batched {taylor_order = 0 : i64} : (f64), (tensor<?xf64>) -> (f64, tensor<?xf64>) {
  ^bb0(%a: f64):
    fad.yield %a : f64
  }
  return %dy : tensor<?xf64>
}

// -----

func.func @jvp_tangent_type(%x: f64, %dx: f32) -> f64 {
  // expected-error @+1 {{tangents must have the types of the primals}}
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f32) -> (f64, f64) {
  ^bb0(%a: f64):
    fad.yield %a : f64
  }
  return %dy : f64
}

// -----

func.func @jvp_batched_tangent(%x: f64, %dx: f64) -> f64 {
  // expected-error @+1 {{tangents must have the types of the primals with a batch dimension}}
  %y, %dy = fad.jvp (%x) tangents(%dx) batched : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    fad.yield %a : f64
  }
  return %dy : f64
}

// -----

func.func @jvp_not_yield(%x: f64, %dx: f64) -> f64 {
  // expected-error @+1 {{body must end in fad.yield}}
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    llvm.unreachable
  }
  return %dy : f64
}

// -----

func.func @jvp_missing_tangent_result(%x: f64, %dx: f64) -> f64 {
  // expected-error @+1 {{results must be the yielded values' types, then their tangents'}}
  %y = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64) {
  ^bb0(%a: f64):
    fad.yield %a : f64
  }
  return %y : f64
}

// -----

func.func @jvp_body_args(%x: f64, %dx: f64) -> f64 {
  // expected-error @+1 {{body must take arguments of types ('f64'), got ('f32')}}
  %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f32, f32) {
  ^bb0(%a: f32):
    fad.yield %a : f32
  }
  return %x : f64
}

// -----

func.func @vjp_not_yield(%x: f64, %yAdj: f64) -> f64 {
  // expected-error @+1 {{body must end in fad.yield}}
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    llvm.unreachable
  }
  return %xAdj : f64
}

// -----

func.func @vjp_cotangent_type(%x: f64, %yAdj: tensor<?xf64>) -> f64 {
  // expected-error @+1 {{cotangents must have the types of the yielded values}}
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (tensor<?xf64>) -> (f64, f64) {
  ^bb0(%a: f64):
    fad.yield %a : f64
  }
  return %xAdj : f64
}

// -----

func.func @vjp_missing_adjoint(%x: f64, %yAdj: f64) -> f64 {
  // expected-error @+1 {{results must be the yielded values' types, then the primals'}}
  %y = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64) {
  ^bb0(%a: f64):
    fad.yield %a : f64
  }
  return %y : f64
}

// -----

func.func @vjp_body_args(%x: f64, %yAdj: f64) -> f64 {
  // expected-error @+1 {{body must take arguments of types ('f64'), got ('f64', 'f64')}}
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64, %b: f64):
    fad.yield %a : f64
  }
  return %xAdj : f64
}

// -----

func.func @add_of_booleans(%b: i1) -> i1 {
  // expected-error @+1 {{operand #0 must be fad number, but got 'i1'}}
  %s = fad.add %b, %b : i1
  return %s : i1
}

// -----

func.func @convert_array(%x: tensor<?xf64>) -> f64 {
  // expected-error @+1 {{operand #0 must be fad scalar, but got 'tensor<?xf64>'}}
  %y = fad.convert %x : tensor<?xf64> to f64
  return %y : f64
}

// -----

func.func @yield_index(%c: i1, %i: index) {
  fad.if %c {
    // expected-error @+1 {{operand #0 must be variadic of fad value, but got 'index'}}
    fad.yield %i : index
  } else {
    fad.yield
  }
  return
}

// -----

func.func @taylor_bound_coefficients(%x0: f64) -> f64 {
  // expected-error @+1 {{result #0 must be ranked tensor of 64-bit float values, but got 'tensor<?xf32>'}}
  %c, %lo, %hi = fad.taylor_bound (%x0, %x0, %x0) order 1 : tensor<?xf32>, f64, f64 {
  ^bb0(%x: f64):
    fad.yield %x : f64
  }
  return %lo : f64
}

// -----

func.func @taylor_bound_order(%x0: f64) -> f64 {
  // expected-error @+1 {{'fad.taylor_bound' op order must be between 0 and 16}}
  %c, %lo, %hi = fad.taylor_bound (%x0, %x0, %x0) order -1 : tensor<?xf64>, f64, f64 {
  ^bb0(%x: f64):
    fad.yield %x : f64
  }
  return %lo : f64
}

// -----

func.func @taylor_bound_coefficient_count(%x0: f64) -> f64 {
  // expected-error @+1 {{'fad.taylor_bound' op coefficients must be an array of order + 1 elements}}
  %c, %lo, %hi = fad.taylor_bound (%x0, %x0, %x0) order 2 : tensor<2xf64>, f64, f64 {
  ^bb0(%x: f64):
    fad.yield %x : f64
  }
  return %lo : f64
}

// -----

// A body without its argument once crashed fad-ad.
func.func @taylor_bound_no_argument(%x0: f64) -> f64 {
  // expected-error @+1 {{'fad.taylor_bound' op body must take arguments of types ('f64'), got ()}}
  %c, %lo, %hi = fad.taylor_bound (%x0, %x0, %x0) order 1 : tensor<?xf64>, f64, f64 {
    fad.yield %x0 : f64
  }
  return %lo : f64
}

// -----

func.func @taylor_bound_two_results(%x0: f64) -> f64 {
  // expected-error @+1 {{'fad.taylor_bound' op body must yield values of types ('f64'), got ('f64', 'f64')}}
  %c, %lo, %hi = fad.taylor_bound (%x0, %x0, %x0) order 1 : tensor<?xf64>, f64, f64 {
  ^bb0(%x: f64):
    fad.yield %x, %x : f64, f64
  }
  return %lo : f64
}

// -----

func.func @taylor_bound_no_yield(%x0: f64) -> f64 {
  // expected-error @+1 {{'fad.taylor_bound' op body must end in fad.yield}}
  %c, %lo, %hi = fad.taylor_bound (%x0, %x0, %x0) order 1 : tensor<?xf64>, f64, f64 {
  ^bb0(%x: f64):
    llvm.unreachable
  }
  return %lo : f64
}

// -----

func.func @log1p_of_integer(%i: i64) -> i64 {
  // expected-error @+1 {{operand #0 must be fad float, but got 'i64'}}
  %a = fad.log1p %i : i64
  return %a : i64
}

// -----

func.func @expm1_of_integer(%i: i32) -> i32 {
  // expected-error @+1 {{operand #0 must be fad float, but got 'i32'}}
  %a = fad.expm1 %i : i32
  return %a : i32
}

// -----

func.func @erf_of_integer(%i: i64) -> i64 {
  // expected-error @+1 {{operand #0 must be fad float, but got 'i64'}}
  %a = fad.erf %i : i64
  return %a : i64
}

// -----

func.func @solve_of_vector(%v: tensor<?xf64>) -> tensor<?xf64> {
  // expected-error @+1 {{'fad.solve' op needs a matrix (rank 2), got rank 1}}
  %x = fad.solve %v, %v : tensor<?xf64>, tensor<?xf64>
  return %x : tensor<?xf64>
}

// -----

func.func @solve_of_integers(%a: tensor<?x?xi64>, %b: tensor<?xi64>) -> tensor<?xi64> {
  // expected-error @+1 {{'fad.solve' op needs a matrix of floats, got 'tensor<?x?xi64>'}}
  %x = fad.solve %a, %b : tensor<?x?xi64>, tensor<?xi64>
  return %x : tensor<?xi64>
}

// -----

func.func @solve_mixed(%a: tensor<?x?xf64>, %b: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'fad.solve' op mixes element types 'f64' and 'f32'}}
  %x = fad.solve %a, %b : tensor<?x?xf64>, tensor<?xf32>
  return %x : tensor<?xf32>
}

// -----

func.func @slogdet_not_square(%a: tensor<2x3xf64>) -> f64 {
  // expected-error @+1 {{'fad.slogdet' op needs a square matrix, got 'tensor<2x3xf64>'}}
  %s, %l = fad.slogdet %a : tensor<2x3xf64> -> f64, f64
  return %l : f64
}

// -----

func.func @slogdet_results(%a: tensor<?x?xf64>) -> f32 {
  // expected-error @+1 {{'fad.slogdet' op needs results of one type, got 'f64' and 'f32'}}
  %s, %l = fad.slogdet %a : tensor<?x?xf64> -> f64, f32
  return %l : f32
}

// -----

func.func @eigh_results(%a: tensor<?x?xf64>) -> tensor<?xf32> {
  // expected-error @+1 {{'fad.eigh' op needs results of types 'tensor<?xf64>' and 'tensor<?x?xf64>'}}
  %w, %v = fad.eigh %a : tensor<?x?xf64> -> tensor<?xf32>, tensor<?x?xf64>
  return %w : tensor<?xf32>
}

// -----

func.func @eigh_of_vector(%a: tensor<?xf64>) -> tensor<?xf64> {
  // expected-error @+1 {{'fad.eigh' op needs a matrix (rank 2), got rank 1}}
  %w, %v = fad.eigh %a : tensor<?xf64> -> tensor<?xf64>, tensor<?xf64>
  return %w : tensor<?xf64>
}

// -----

func.func @solve_two_triangles(%a: tensor<?x?xf64>, %b: tensor<?xf64>) -> tensor<?xf64> {
  // expected-error @+1 {{'fad.solve' op takes one triangle, `lower` or `upper`, not both}}
  %x = fad.solve %a, %b {lower, upper} : tensor<?x?xf64>, tensor<?xf64>
  return %x : tensor<?xf64>
}

// -----

func.func @svd_of_vector(%a: tensor<?xf64>) -> tensor<?xf64> {
  // expected-error @+1 {{'fad.svd' op needs a matrix of floats, got 'tensor<?xf64>'}}
  %u, %s, %vt = fad.svd %a : tensor<?xf64> -> tensor<?x?xf64>, tensor<?xf64>, tensor<?x?xf64>
  return %s : tensor<?xf64>
}

// -----

func.func @svd_results(%a: tensor<?x?xf64>) -> tensor<?xf32> {
  // expected-error @+1 {{'fad.svd' op needs results of element type 'f64': two matrices and a vector}}
  %u, %s, %vt = fad.svd %a : tensor<?x?xf64> -> tensor<?x?xf64>, tensor<?xf32>, tensor<?x?xf64>
  return %s : tensor<?xf32>
}

// -----

func.func @qr_results(%a: tensor<?x?xf64>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'fad.qr' op needs results of the matrix's type 'tensor<?x?xf64>'}}
  %q, %r = fad.qr %a : tensor<?x?xf64> -> tensor<?x?xf64>, tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

func.func @qr_of_integers(%a: tensor<?x?xi64>) -> tensor<?x?xi64> {
  // expected-error @+1 {{'fad.qr' op needs a matrix of floats, got 'tensor<?x?xi64>'}}
  %q, %r = fad.qr %a : tensor<?x?xi64> -> tensor<?x?xi64>, tensor<?x?xi64>
  return %r : tensor<?x?xi64>
}

// -----

func.func @allreduce_kind(%x: f64) -> f64 {
  // expected-error @+1 {{'fad.allreduce' op combines by sum, max or min, not 'prod'}}
  %y = fad.allreduce "prod" %x : f64
  return %y : f64
}

// -----

func.func @allreduce_bool(%x: tensor<?xi1>) -> tensor<?xi1> {
  // expected-error @+1 {{'fad.allreduce' op cannot combine booleans (convert them to i32)}}
  %y = fad.allreduce "max" %x : tensor<?xi1>
  return %y : tensor<?xi1>
}

// -----

func.func @allgather_rows(%x: tensor<?x3xf64>) -> tensor<?x4xf64> {
  // expected-error @+1 {{'fad.allgather' op needs a result with the operand's element type and rows, got 'tensor<?x3xf64>' and 'tensor<?x4xf64>'}}
  %y = fad.allgather %x : tensor<?x3xf64> -> tensor<?x4xf64>
  return %y : tensor<?x4xf64>
}

// -----

func.func @reduce_scatter_bool(%x: tensor<?xi1>, %n: i64) -> tensor<?xi1> {
  // expected-error @+1 {{'fad.reduce_scatter' op cannot combine booleans (convert them to i32)}}
  %y = fad.reduce_scatter %x, %n : tensor<?xi1> -> tensor<?xi1>
  return %y : tensor<?xi1>
}
