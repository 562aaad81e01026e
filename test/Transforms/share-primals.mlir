// RUN: fad-opt %s --fad-share-primals --split-input-file | FileCheck %s

// Value and gradient: the sum the vjp's body computes is read from the vjp,
// and the copy (map, fold, constant) is erased.
// CHECK-LABEL: func.func @value_and_gradient
// CHECK-NOT:     fad.map
// CHECK:         %[[V:.*]]:2 = fad.vjp(%arg0)
// CHECK:           fad.map
// CHECK:           fad.reduce
// CHECK:             fad.yield
// CHECK:           fad.yield
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[V]]#0, %[[V]]#1
func.func @value_and_gradient(%x: tensor<?xf64>) -> (f64, tensor<?xf64>) {
  %m = fad.map(%x) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %s = fad.sin %a : f64
    fad.yield %s : f64
  }
  %zero = arith.constant 0.0 : f64
  %v = fad.reduce inits(%zero) arrays(%m) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %e: f64):
    %t = fad.add %acc, %e : f64
    fad.yield %t : f64
  }
  %one = arith.constant 1.0 : f64
  %r:2 = fad.vjp(%x) cotangents(%one) : (tensor<?xf64>), (f64) -> (f64, tensor<?xf64>) {
  ^bb0(%y: tensor<?xf64>):
    %m2 = fad.map(%y) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%a: f64):
      %s = fad.sin %a : f64
      fad.yield %s : f64
    }
    %zero2 = arith.constant 0.0 : f64
    %v2 = fad.reduce inits(%zero2) arrays(%m2) : (f64), (tensor<?xf64>) -> f64 {
    ^bb0(%acc: f64, %e: f64):
      %t = fad.add %acc, %e : f64
      fad.yield %t : f64
    }
    fad.yield %v2 : f64
  }
  return %v, %r#1 : f64, tensor<?xf64>
}

// -----

// A Newton step: the gradient is the primal result of the jvp of the
// gradient (forward over reverse), so the separate vjp goes.
// CHECK-LABEL: func.func @newton
// CHECK-NOT:     fad.vjp
// CHECK:         %[[J:.*]]:2 = fad.jvp(%arg0) tangents(%arg1)
// CHECK:           fad.vjp
// CHECK-NOT:     fad.vjp
// CHECK:         fad.div %[[J]]#0, %[[J]]#1
func.func @newton(%x: f64, %dx: f64) -> f64 {
  %one = arith.constant 1.0 : f64
  %g:2 = fad.vjp(%x) cotangents(%one) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %e = fad.exp %a : f64
    fad.yield %e : f64
  }
  %h:2 = fad.jvp(%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
  ^bb0(%b: f64):
    %one2 = arith.constant 1.0 : f64
    %gi:2 = fad.vjp(%b) cotangents(%one2) : (f64), (f64) -> (f64, f64) {
    ^bb0(%a: f64):
      %e = fad.exp %a : f64
      fad.yield %e : f64
    }
    fad.yield %gi#1 : f64
  }
  %step = fad.div %g#1, %h#1 : f64
  return %step : f64
}

// -----

// A use before the AD op keeps the copy; the uses after read the AD op.
// CHECK-LABEL: func.func @use_before
// CHECK:         %[[S:.*]] = fad.sin %arg0
// CHECK:         %[[T:.*]] = fad.mul %[[S]], %[[S]]
// CHECK:         %[[V:.*]]:2 = fad.vjp
// CHECK:         fad.add %[[T]], %[[V]]#0
func.func @use_before(%x: f64) -> f64 {
  %s = fad.sin %x : f64
  %t = fad.mul %s, %s : f64
  %one = arith.constant 1.0 : f64
  %r:2 = fad.vjp(%x) cotangents(%one) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %s2 = fad.sin %a : f64
    fad.yield %s2 : f64
  }
  %u = fad.add %t, %s : f64
  %w = fad.add %u, %r#1 : f64
  return %w : f64
}

// -----

// Not the same value: another function, another argument, a different
// constant, a region that differs, and a copy that prints (fad.trace).
// CHECK-LABEL: func.func @different
// CHECK:         fad.cos %arg0
// CHECK:         fad.sin %arg1
// CHECK:         fad.pow %arg0, %cst
// CHECK:         fad.map
// CHECK:           fad.cos
// CHECK:         fad.trace
// CHECK:         fad.vjp
func.func @different(%x: f64, %y: f64, %xs: tensor<?xf64>) -> (f64, f64, f64, tensor<?xf64>, f64, f64, tensor<?xf64>) {
  %c = fad.cos %x : f64
  %s = fad.sin %y : f64
  %three = arith.constant 3.0 : f64
  %p = fad.pow %x, %three : f64
  %m = fad.map(%xs) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%a: f64):
    %e = fad.cos %a : f64
    fad.yield %e : f64
  }
  %t = fad.trace "x" %x : f64
  %one = arith.constant 1.0 : f64
  %r:7 = fad.vjp(%x, %xs) cotangents(%one, %one, %one, %m, %one) : (f64, tensor<?xf64>), (f64, f64, f64, tensor<?xf64>, f64) -> (f64, f64, f64, tensor<?xf64>, f64, f64, tensor<?xf64>) {
  ^bb0(%a: f64, %as: tensor<?xf64>):
    %s2 = fad.sin %a : f64
    %two = arith.constant 2.0 : f64
    %p2 = fad.pow %a, %two : f64
    %m2 = fad.map(%as) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%b: f64):
      %e = fad.sin %b : f64
      fad.yield %e : f64
    }
    %t2 = fad.trace "x" %a : f64
    fad.yield %s2, %s2, %p2, %m2, %t2 : f64, f64, f64, tensor<?xf64>, f64
  }
  return %c, %s, %p, %m, %t, %r#5, %r#6 : f64, f64, f64, tensor<?xf64>, f64, f64, tensor<?xf64>
}

// -----

// A copy after the AD op; and a copy whose conditional reads, inside a
// branch, a value the body computes outside it: equal, and erased with the
// ops it holds (no copy inside it is looked at after that).
// CHECK-LABEL: func.func @after_and_nested
// CHECK:         %[[V:.*]]:2 = fad.vjp
// CHECK:         }
// CHECK-NOT:     fad.sin
// CHECK-NOT:     fad.if
// CHECK:         return %[[V]]#0, %[[V]]#0, %[[V]]#1
func.func @after_and_nested(%x: f64, %c: i1) -> (f64, f64, f64) {
  %one = arith.constant 1.0 : f64
  %r:2 = fad.vjp(%x) cotangents(%one) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    %t = fad.sin %a : f64
    %y = fad.if %c -> f64 {
      %q = fad.mul %t, %t : f64
      fad.yield %q : f64
    } else {
      fad.yield %a : f64
    }
    fad.yield %y : f64
  }
  %u = fad.sin %x : f64
  %o = fad.if %c -> f64 {
    %q2 = fad.mul %u, %u : f64
    fad.yield %q2 : f64
  } else {
    fad.yield %x : f64
  }
  %u2 = fad.sin %x : f64
  %o2 = fad.if %c -> f64 {
    %q3 = fad.mul %u2, %u2 : f64
    fad.yield %q3 : f64
  } else {
    fad.yield %x : f64
  }
  return %o, %o2, %r#1 : f64, f64, f64
}
