// Derivatives of fad.fixpoint by the implicit function theorem: forward mode
// iterates the linearized body at the fixed point (a second fixpoint over
// the tangent, from 0); reverse mode iterates the transposed body, then
// applies it once more for the captured values' adjoints. No tape.
// RUN: fad-opt %s --fad-jvp --split-input-file | FileCheck %s --check-prefix=FWD
// RUN: fad-opt %s --fad-vjp --split-input-file | FileCheck %s --check-prefix=REV

// The Babylonian square root of %a, differentiated with respect to %a.
// FWD-LABEL: func.func @babylon
// FWD:         %[[ROOT:[a-z0-9_]+]] = fad.fixpoint iter(%{{.*}}) : (f64) -> f64
// FWD:         %[[TAN:[a-z0-9_]+]] = fad.fixpoint iter(%{{.*}}) : (f64) -> f64 {
// FWD:         ^bb0(%[[T:[a-z0-9_]+]]: f64):
// FWD:           fad.div %{{.*}}, %[[ROOT]]
// FWD:         fad.add %[[TAN]], %{{.*}} : f64
// REV-LABEL: func.func @babylon
// REV:         fad.fixpoint iter(%{{.*}}) : (f64) -> f64
// REV:         %[[W:[a-z0-9_]+]] = fad.fixpoint iter(%{{.*}}) : (f64) -> f64
// REV-NOT:     fad.for
// REV:         return
func.func @babylon(%a: f64, %da: f64) -> f64 {
  %y, %dy = fad.jvp (%a) tangents(%da) : (f64), (f64) -> (f64, f64) {
  ^bb0(%s: f64):
    %half = arith.constant 0.5 : f64
    %r = fad.fixpoint iter(%s) : (f64) -> f64 {
    ^bb0(%x: f64):
      %q = fad.div %s, %x : f64
      %t = fad.add %x, %q : f64
      %n = fad.mul %half, %t : f64
      fad.yield %n : f64
    }
    fad.yield %r : f64
  }
  %z, %za = fad.vjp (%a) cotangents(%da) : (f64), (f64) -> (f64, f64) {
  ^bb0(%s: f64):
    %half = arith.constant 0.5 : f64
    %r = fad.fixpoint iter(%s) : (f64) -> f64 {
    ^bb0(%x: f64):
      %q = fad.div %s, %x : f64
      %t = fad.add %x, %q : f64
      %n = fad.mul %half, %t : f64
      fad.yield %n : f64
    }
    fad.yield %r : f64
  }
  %sum = fad.add %dy, %za : f64
  return %sum : f64
}
