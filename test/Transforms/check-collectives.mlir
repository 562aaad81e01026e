// fad-check-collectives refuses a collective that processes would run
// different numbers of times (per-process extents, trip counts, conditions),
// located at the collective with a note at the control, and accepts one
// under control that every process shares (an allreduced count, say).
// RUN: fad-opt %s -split-input-file -verify-diagnostics --fad-check-collectives

func.func @map_over_shard(%x: tensor<?xf64>) -> tensor<?xf64> {
  %r = fad.process_index : i64
  %b = fad.reduce_scatter %x, %r : tensor<?xf64> -> tensor<?xf64>
  // expected-note @+1 {{the per-process control is here}}
  %y = fad.map (%b) : (tensor<?xf64>) -> tensor<?xf64> {
  ^bb0(%e: f64):
    // expected-error @+1 {{allreduce inside a map over a per-process array would run a different number of times on different processes}}
    %s = fad.allreduce "sum" %e : f64
    fad.yield %s : f64
  }
  return %y : tensor<?xf64>
}

// -----

func.func @build_of_rank(%x: f64) -> tensor<?xf64> {
  %r = fad.process_index : i64
  // expected-note @+1 {{the per-process control is here}}
  %y = fad.build %r : tensor<?xf64> {
  ^bb0(%i: i64):
    // expected-error @+1 {{allreduce inside a build of a per-process size}}
    %s = fad.allreduce "sum" %x : f64
    fad.yield %s : f64
  }
  return %y : tensor<?xf64>
}

// -----

func.func @loop_state_count(%x: f64, %n: i64, %a: tensor<?xf64>) -> f64 {
  // A count carried by a loop becomes per-process in its second iteration.
  %r = fad.process_index : i64
  %c:2 = fad.for %n iter(%x, %n) : (f64, i64) -> (f64, i64) {
  ^bb0(%i: i64, %s: f64, %k: i64):
    %k2 = fad.add %k, %r : i64
    fad.yield %s, %k2 : f64, i64
  }
  // expected-note @+1 {{the per-process control is here}}
  %y = fad.for %c#1 iter(%x) : (f64) -> f64 {
  ^bb0(%i: i64, %s: f64):
    // expected-error @+1 {{allgather inside a loop with a per-process trip count}}
    %g = fad.allgather %a : tensor<?xf64> -> tensor<?xf64>
    fad.yield %s : f64
  }
  return %y : f64
}

// -----

func.func @if_on_rank(%x: f64) -> f64 {
  %r = fad.process_index : i64
  %z = arith.constant 0 : i64
  %first = arith.cmpi eq, %r, %z : i64
  // expected-note @+1 {{the per-process control is here}}
  %y = fad.if %first -> f64 {
    // expected-error @+1 {{allreduce inside an `if` on a per-process condition}}
    %s = fad.allreduce "sum" %x : f64
    fad.yield %s : f64
  } else {
    fad.yield %x : f64
  }
  return %y : f64
}

// -----

// Shared control: the count is an allreduce of a per-process value.
func.func @shared_count(%x: f64) -> f64 {
  %r = fad.process_index : i64
  %n = fad.allreduce "max" %r : i64
  %y = fad.for %n iter(%x) : (f64) -> f64 {
  ^bb0(%i: i64, %s: f64):
    %t = fad.allreduce "sum" %s : f64
    fad.yield %t : f64
  }
  return %y : f64
}

// -----

func.func @reduce_over_shard(%x: tensor<?xf64>) -> f64 {
  %r = fad.process_index : i64
  %b = fad.reduce_scatter %x, %r : tensor<?xf64> -> tensor<?xf64>
  %z = arith.constant 0.0 : f64
  // expected-note @+1 {{the per-process control is here}}
  %s = fad.reduce inits(%z) arrays(%b) : (f64), (tensor<?xf64>) -> f64 {
  ^bb0(%acc: f64, %e: f64):
    // expected-error @+1 {{allreduce inside a reduction over a per-process array}}
    %t = fad.allreduce "sum" %e : f64
    %u = fad.add %acc, %t : f64
    fad.yield %u : f64
  }
  return %s : f64
}
