// RUN: fad-opt %s --fad-adaptive-teams | FileCheck %s

// Each parallel region takes its thread count from the runtime when it
// starts (the idle cores); one declaration serves every region.
// CHECK:       func.func private @fad_rt_team_size() -> i32
// CHECK-NOT:   func.func private @fad_rt_team_size
// CHECK-LABEL: func.func @two_regions
// CHECK:         %[[N1:.*]] = call @fad_rt_team_size() : () -> i32
// CHECK-NEXT:    omp.parallel num_threads(%[[N1]] : i32) {
// CHECK:         %[[N2:.*]] = call @fad_rt_team_size() : () -> i32
// CHECK-NEXT:    omp.parallel num_threads(%[[N2]] : i32) {
func.func @two_regions() {
  omp.parallel {
    omp.terminator
  }
  omp.parallel {
    omp.terminator
  }
  return
}

// A region that already has a thread count keeps it.
// CHECK-LABEL: func.func @counted
// CHECK-NOT:     call @fad_rt_team_size
// CHECK:         omp.parallel num_threads(%arg0 : i32) {
func.func @counted(%n: i32) {
  omp.parallel num_threads(%n : i32) {
    omp.terminator
  }
  return
}
