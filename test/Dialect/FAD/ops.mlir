// Every fad op prints and parses back to itself.
// RUN: fad-opt %s | fad-opt | FileCheck %s

// CHECK-LABEL: func.func @scalars
func.func @scalars(%x: f64, %i: i64) -> (f64, i64, f32) {
  // CHECK: fad.add %{{.*}}, %{{.*}} : f64
  %a = fad.add %x, %x : f64
  %b = fad.sub %a, %x : f64
  %c = fad.mul %b, %x : f64
  %d = fad.div %c, %x : f64
  %e = fad.rem %d, %x : f64
  %f = fad.pow %e, %x : f64
  %g = fad.max %f, %x : f64
  %h0 = fad.min %g, %x : f64
  // CHECK: fad.atan2 %{{.*}}, %{{.*}} : f64
  %h1 = fad.atan2 %h0, %x : f64
  // CHECK: fad.report %{{.*}}, %{{.*}} : f64
  %h = fad.report %i, %h1 : f64
  // CHECK: fad.neg
  %j = fad.neg %h : f64
  %k = fad.exp %j : f64
  %l = fad.log %k : f64
  %m = fad.sin %l : f64
  %n = fad.cos %m : f64
  %o = fad.tan %n : f64
  %p = fad.tanh %o : f64
  %q = fad.sqrt %p : f64
  %r = fad.abs %q : f64
  %s = fad.floor %r : f64
  %t = fad.ceil %s : f64
  %u = fad.div %i, %i : i64
  // CHECK: fad.convert %{{.*}} : f64 to f32
  %v = fad.convert %t : f64 to f32
  return %t, %u, %v : f64, i64, f32
}

// A trace of any value: scalars and arrays of every element type.
// CHECK-LABEL: func.func @traces
// CHECK:         fad.trace "x" %{{.*}} : f64
// CHECK:         fad.trace "m.w" %{{.*}} : tensor<?x3xf32>
// CHECK:         fad.trace "" %{{.*}} : tensor<?xi1>
// CHECK:         fad.trace "k" %{{.*}} : i32
func.func @traces(%x: f64, %m: tensor<?x3xf32>, %b: tensor<?xi1>, %k: i32)
    -> (f64, tensor<?x3xf32>, tensor<?xi1>, i32) {
  %0 = fad.trace "x" %x : f64
  %1 = fad.trace "m.w" %m : tensor<?x3xf32>
  %2 = fad.trace "" %b : tensor<?xi1>
  %3 = fad.trace "k" %k : i32
  return %0, %1, %2, %3 : f64, tensor<?x3xf32>, tensor<?xi1>, i32
}

// CHECK-LABEL: func.func @arrays
func.func @arrays(%x: f64, %m: tensor<?x?xf64>, %i: i64) -> (tensor<?xf64>, i64, f64, tensor<?x?xf64>) {
  // CHECK: fad.array %{{.*}}, %{{.*}} : f64, f64 -> tensor<?xf64>
  %a = fad.array %x, %x : f64, f64 -> tensor<?xf64>
  // CHECK: fad.dim %{{.*}}[1] : tensor<?x?xf64>
  %n = fad.dim %m [1] : tensor<?x?xf64>
  // CHECK: fad.index %{{.*}}[%{{.*}}, %{{.*}}] : tensor<?x?xf64> -> f64
  %e = fad.index %m[%i, %i] : tensor<?x?xf64> -> f64
  %t = fad.transpose %m : tensor<?x?xf64>
  %ok = arith.constant true
  // CHECK: fad.assert %{{.*}}, "always"
  fad.assert %ok, "always"
  // CHECK: fad.assert %{{.*}}, "same" sizes(%{{.*}}, %{{.*}})
  fad.assert %ok, "same" sizes(%n, %n)
  // CHECK: fad.update %{{.*}}[%{{.*}}], %{{.*}} : tensor<?x?xf64>, tensor<?xf64>
  %u = fad.update %t[%i], %a : tensor<?x?xf64>, tensor<?xf64>
  // CHECK: fad.update %{{.*}}[%{{.*}}, %{{.*}}], %{{.*}} : tensor<?x?xf64>, f64
  %u2 = fad.update %u[%i, %i], %x : tensor<?x?xf64>, f64
  return %a, %n, %e, %u2 : tensor<?xf64>, i64, f64, tensor<?x?xf64>
}

// CHECK-LABEL: func.func @structured
func.func @structured(%x: tensor<?xf64>, %n: i64, %z: f64) -> (tensor<?xf64>, tensor<?xi64>, f64, tensor<?xf64>, f64, f64, f64) {
  // CHECK: fad.map(%{{.*}}) : (tensor<?xf64>) -> tensor<?xf64>
  %y = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%e: f64):
    %s = fad.mul %e, %e : f64
    fad.yield %s : f64
  }
  // CHECK: fad.build
  %b = fad.build %n : tensor<?xi64> {
  ^bb0(%i: i64):
    fad.yield %i : i64
  }
  // CHECK: fad.reduce inits(%{{.*}}) arrays(%{{.*}})
  %r = fad.reduce inits(%z) arrays(%y) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %e: f64):
    %t = fad.add %acc, %e : f64
    fad.yield %t : f64
  }
  // CHECK: fad.scan
  %p = fad.scan inits(%z) arrays(%y) : (f64), (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%acc: f64, %e: f64):
    %t = fad.add %acc, %e : f64
    fad.yield %t : f64
  }
  // CHECK: fad.for %{{.*}} iter(%{{.*}}) : (f64) -> f64
  %f = fad.for %n iter(%z) : (f64) -> f64 {
  ^bb0(%i: i64, %s: f64):
    %t = fad.add %s, %s : f64
    fad.yield %t : f64
  }
  // CHECK: fad.while iter(%{{.*}}) : (f64) -> f64 cond
  %w = fad.while iter(%z) : (f64) -> f64 cond {
  ^bb0(%s: f64):
    %c = arith.cmpf olt, %s, %r : f64
    fad.yield %c : i1
  } do {
  ^bb0(%s: f64):
    %t = fad.add %s, %s : f64
    fad.yield %t : f64
  }
  %c = arith.cmpf olt, %z, %r : f64
  // CHECK: fad.if %{{.*}} -> f64
  %i = fad.if %c -> f64 {
    fad.yield %z : f64
  } else {
    fad.yield %r : f64
  }
  return %y, %b, %r, %p, %f, %w, %i : tensor<?xf64>, tensor<?xi64>, f64, tensor<?xf64>, f64, f64, f64
}

// log1p and expm1, on both float types.
// CHECK-LABEL: func.func @log1p_expm1
func.func @log1p_expm1(%x: f64, %y: f32) -> (f64, f32) {
  // CHECK: %[[A:.*]] = fad.log1p %{{.*}} : f64
  // CHECK: fad.expm1 %[[A]] : f64
  %a = fad.log1p %x : f64
  %b = fad.expm1 %a : f64
  // CHECK: %[[C:.*]] = fad.expm1 %{{.*}} : f32
  // CHECK: fad.log1p %[[C]] : f32
  %c = fad.expm1 %y : f32
  %d = fad.log1p %c : f32
  return %b, %d : f64, f32
}

// The inverse trigonometric and hyperbolic functions, erf, log2, log10,
// rounding and sign.
// CHECK-LABEL: func.func @elementary
func.func @elementary(%x: f64, %y: f32, %i: i64) -> (f64, f32, i64) {
  // CHECK: fad.asin %{{.*}} : f64
  // CHECK: fad.acos
  // CHECK: fad.atan
  // CHECK: fad.sinh
  // CHECK: fad.cosh
  // CHECK: fad.asinh
  // CHECK: fad.acosh
  // CHECK: fad.atanh
  // CHECK: fad.erf
  // CHECK: fad.log2
  // CHECK: fad.log10
  // CHECK: fad.round
  // CHECK: fad.trunc
  // CHECK: fad.sign %{{.*}} : f64
  // CHECK: fad.asin %{{.*}} : f32
  // CHECK: fad.sign %{{.*}} : i64
  %a = fad.asin %x : f64
  %b = fad.acos %a : f64
  %c = fad.atan %b : f64
  %d = fad.sinh %c : f64
  %e = fad.cosh %d : f64
  %f = fad.asinh %e : f64
  %g = fad.acosh %f : f64
  %h = fad.atanh %g : f64
  %k = fad.erf %h : f64
  %l = fad.log2 %k : f64
  %m = fad.log10 %l : f64
  %n = fad.round %m : f64
  %o = fad.trunc %n : f64
  %p = fad.sign %o : f64
  %q = fad.asin %y : f32
  %r = fad.sign %i : i64
  return %p, %q, %r : f64, f32, i64
}

// CHECK-LABEL: func.func @linear_algebra
// CHECK:         fad.solve %{{.*}}, %{{.*}} : tensor<?x?xf64>, tensor<?xf64>
// CHECK:         fad.solve %{{.*}}, %{{.*}} {transpose} : tensor<?x?xf64>, tensor<?x?x?xf64>
// CHECK:         fad.slogdet %{{.*}} : tensor<?x?xf32> -> f32, f32
// CHECK:         fad.eigh %{{.*}} : tensor<?x?xf64> -> tensor<?xf64>, tensor<?x?xf64>
// CHECK:         fad.qr %{{.*}} : tensor<?x?xf64> -> tensor<?x?xf64>, tensor<?x?xf64>
// CHECK:         fad.svd %{{.*}} : tensor<?x?xf64> -> tensor<?x?xf64>, tensor<?xf64>, tensor<?x?xf64>
func.func @linear_algebra(%a: tensor<?x?xf64>, %b: tensor<?xf64>, %c: tensor<?x?x?xf64>,
                          %s: tensor<?x?xf32>) -> (tensor<?xf64>, tensor<?x?x?xf64>, f32) {
  %x = fad.solve %a, %b : tensor<?x?xf64>, tensor<?xf64>
  %y = fad.solve %a, %c {transpose} : tensor<?x?xf64>, tensor<?x?x?xf64>
  %sign, %l = fad.slogdet %s : tensor<?x?xf32> -> f32, f32
  %w, %v = fad.eigh %a : tensor<?x?xf64> -> tensor<?xf64>, tensor<?x?xf64>
  %q, %r = fad.qr %a : tensor<?x?xf64> -> tensor<?x?xf64>, tensor<?x?xf64>
  %u, %sv, %vt = fad.svd %a : tensor<?x?xf64> -> tensor<?x?xf64>, tensor<?xf64>, tensor<?x?xf64>
  return %x, %y, %l : tensor<?xf64>, tensor<?x?x?xf64>, f32
}

// Processes and collectives.
// CHECK-LABEL: func.func @collectives
// CHECK:         fad.process_index : i64
// CHECK:         fad.process_count : i64
// CHECK:         fad.allreduce "sum" %{{.*}} : tensor<?x3xf64>
// CHECK:         fad.allreduce "max" %{{.*}} : i32
// CHECK:         fad.allgather %{{.*}} : tensor<?x3xf64> -> tensor<?x3xf64>
// CHECK:         fad.reduce_scatter %{{.*}}, %{{.*}} : tensor<?x3xf64> -> tensor<?x3xf64>
func.func @collectives(%a: tensor<?x3xf64>, %k: i32) -> (i64, i64, tensor<?x3xf64>, i32, tensor<?x3xf64>, tensor<?x3xf64>) {
  %r = fad.process_index : i64
  %p = fad.process_count : i64
  %s = fad.allreduce "sum" %a : tensor<?x3xf64>
  %m = fad.allreduce "max" %k : i32
  %g = fad.allgather %a : tensor<?x3xf64> -> tensor<?x3xf64>
  %b = fad.reduce_scatter %g, %r : tensor<?x3xf64> -> tensor<?x3xf64>
  return %r, %p, %s, %m, %g, %b : i64, i64, tensor<?x3xf64>, i32, tensor<?x3xf64>, tensor<?x3xf64>
}

// CHECK-LABEL: func.func @per_process
// CHECK:         fad.per_process %{{.*}} : tensor<?xf64>
func.func @per_process(%a: tensor<?xf64>) -> tensor<?xf64> {
  %m = fad.per_process %a : tensor<?xf64>
  return %m : tensor<?xf64>
}
