// fad-vjp=report-tapes: one remark per loop under reverse mode, located at
// the loop, with the policy, the states kept and the per-iteration residuals.
// RUN: fad-opt %s --fad-vjp=report-tapes=true -split-input-file -verify-diagnostics
// RUN: fad-opt %s --fad-vjp="report-tapes=true checkpoint=sqrt" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=SQRT
// Without the option, no remark.
// RUN: fad-opt %s --fad-vjp -split-input-file -o /dev/null 2>&1 | count 0

// SQRT: remark: reverse-mode tape: sqrt checkpointing, about 2*ceil(sqrt(50)) states of (f64) with each iteration's residuals (f64)
// SQRT: remark: reverse-mode tape: sqrt checkpointing, about 2*ceil(sqrt(n)) states of ([]f64), n = the trip count

func.func @scalar_state(%x: f64, %yAdj: f64) -> f64 {
  %n = arith.constant 50 : i64
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    // expected-remark @+1 {{reverse-mode tape: store-all, 50 states of (f64) with each iteration's residuals (f64)}}
    %r = fad.for %n iter(%a) : (f64) -> f64 {
    ^bb0(%i: i64, %s: f64):
      %t = fad.sin %s : f64
      fad.yield %t : f64
    }
    fad.yield %r : f64
  }
  return %xAdj : f64
}

// -----

func.func @array_state(%n: i64, %x: tensor<?xf64>, %yAdj: tensor<?xf64>) -> tensor<?xf64> {
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (tensor<?xf64>), (tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  ^bb0(%a: tensor<?xf64>):
    // expected-remark @+1 {{reverse-mode tape: store-all up to 64 MiB of states, else sqrt checkpointing, about 2*ceil(sqrt(n)) states of ([]f64), n = the trip count}}
    %r = fad.for %n iter(%a) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%i: i64, %s: tensor<?xf64>):
      %t = fad.map (%s) : (tensor<?xf64>) -> tensor<?xf64> {
      ^bb0(%e: f64):
        %h = fad.add %e, %e : f64
        fad.yield %h : f64
      }
      fad.yield %t : tensor<?xf64>
    }
    fad.yield %r : tensor<?xf64>
  }
  return %xAdj : tensor<?xf64>
}

// -----

// A loop nested in a reversed loop records its tape in the outer loop's
// reverse sweep (the remark gives line:column within this split).
func.func @nested(%x: f64, %yAdj: f64) -> f64 {
  %ten = arith.constant 10 : i64
  %five = arith.constant 5 : i64
  %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
  ^bb0(%a: f64):
    // expected-remark @+1 {{reverse-mode tape: store-all, 10 states of (f64)}}
    %r = fad.for %ten iter(%a) : (f64) -> f64 {
    ^bb0(%i: i64, %s: f64):
      // expected-remark @+1 {{reverse-mode tape: store-all, 5 states of (f64) with each iteration's residuals (f64); recorded in the reverse sweep of the enclosing for at 11:10, once per iteration, which runs this loop's forward again}}
      %q = fad.for %five iter(%s) : (f64) -> f64 {
      ^bb0(%j: i64, %w: f64):
        %t = fad.sin %w : f64
        fad.yield %t : f64
      }
      fad.yield %q : f64
    }
    fad.yield %r : f64
  }
  return %xAdj : f64
}
