// RUN: fad-opt %s --fad-hoist-checks -split-input-file | FileCheck %s

// A range check of the induction variable against a loop-invariant extent
// is made once, before the loop: it fails iff the loop runs and its first
// index is out of range, or the iterations after the first (n - 1) are at
// least the m iterations that stay in range from it, and reports the first
// failing index.
// CHECK-LABEL: func.func @index
// CHECK-SAME:    (%[[BUF:.*]]: memref<?xf64>, %[[N:.*]]: index, %[[WHERE:.*]]: !llvm.ptr)
// CHECK:         %[[M:.*]] = memref.dim %[[BUF]]
// CHECK:         %[[M64:.*]] = arith.index_cast %[[M]]
// CHECK:         %[[START:.*]] = arith.xori
// CHECK:         %[[INSIDE:.*]] = arith.index_cast %[[M64]] : i64 to index
// CHECK:         %[[AFTER:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK:         %[[END:.*]] = arith.cmpi uge, %[[AFTER]], %[[INSIDE]] : index
// CHECK:         %[[OUT:.*]] = arith.ori %[[START]], %[[END]] : i1
// CHECK:         %[[AT:.*]] = arith.select %[[START]], %{{.*}}, %{{.*}} : i64
// CHECK:         %[[RUNS:.*]] = arith.cmpi sgt, %[[N]], %c0 : index
// CHECK:         %[[FAILS:.*]] = arith.andi %[[RUNS]], %[[OUT]] : i1
// CHECK:         scf.if %[[FAILS]] {
// CHECK-NEXT:      func.call @fad_rt_index_error(%[[WHERE]], %[[AT]], %[[M64]])
// CHECK-NEXT:    }
// CHECK-NEXT:    scf.for
// CHECK-NOT:       scf.if
// CHECK:           memref.store
// CHECK-NEXT:    }
func.func private @fad_rt_index_error(!llvm.ptr, i64, i64)
func.func @index(%buf: memref<?xf64>, %n: index, %where: !llvm.ptr) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0 : i64
  %true = arith.constant true
  %x = arith.constant 1.0 : f64
  %m = memref.dim %buf, %c0 : memref<?xf64>
  %m64 = arith.index_cast %m : index to i64
  scf.for %i = %c0 to %n step %c1 {
    %i64 = arith.index_cast %i : index to i64
    %ge = arith.cmpi sge, %i64, %zero : i64
    %lt = arith.cmpi slt, %i64, %m64 : i64
    %ok = arith.andi %ge, %lt : i1
    %failed = arith.xori %ok, %true : i1
    scf.if %failed {
      func.call @fad_rt_index_error(%where, %i64, %m64) : (!llvm.ptr, i64, i64) -> ()
    }
    memref.store %x, %buf[%i] : memref<?xf64>
  }
  return
}

// -----

// An index 4·i + base + 1 (a loop unrolled by 4), in a loop from %lb: its
// first value is computed at %lb; it stays in range for
// (m - 1 - first) / 4 + 1 iterations, and the first failing value is first
// + 4 times that.
// CHECK-LABEL: func.func @growing_index
// CHECK-SAME:    (%[[BUF:.*]]: memref<?xf64>, %[[LB:.*]]: index, %[[N:.*]]: index, %[[BASE:.*]]: i64, %[[M:.*]]: i64, %[[WHERE:.*]]: !llvm.ptr)
// CHECK:         %[[LB64:.*]] = arith.index_cast %[[LB]] : index to i64
// CHECK:         %[[LB4:.*]] = arith.muli %[[LB64]], %c4_i64
// CHECK:         %[[FIRST0:.*]] = arith.addi %[[BASE]], %[[LB4]]
// CHECK:         %[[FIRST:.*]] = arith.addi %[[FIRST0]], %c1_i64
// CHECK:         %[[START:.*]] = arith.xori
// CHECK:         %[[LASTIN:.*]] = arith.subi %[[M]], %c1_i64
// CHECK:         %[[DIST:.*]] = arith.subi %[[LASTIN]], %[[FIRST]] : i64
// CHECK:         %[[STEPS:.*]] = arith.divsi %[[DIST]], %c4_i64
// CHECK:         %[[INSIDE:.*]] = arith.addi %[[STEPS]], %c1_i64
// CHECK:         %[[INSIDEIX:.*]] = arith.index_cast %[[INSIDE]] : i64 to index
// CHECK:         %[[SPAN:.*]] = arith.subi %[[N]], %[[LB]]
// CHECK:         %[[AFTER:.*]] = arith.subi %[[SPAN]], %{{.*}} : index
// CHECK:         arith.cmpi uge, %[[AFTER]], %[[INSIDEIX]] : index
// CHECK:         %[[MOVE:.*]] = arith.muli %[[INSIDE]], %c4_i64
// CHECK:         %[[CROSS:.*]] = arith.addi %[[FIRST]], %[[MOVE]]
// CHECK:         %[[AT:.*]] = arith.select %[[START]], %[[FIRST]], %[[CROSS]]
// CHECK:         arith.cmpi slt, %[[LB]], %[[N]] : index
// CHECK:         scf.if
// CHECK-NEXT:      func.call @fad_rt_index_error(%[[WHERE]], %[[AT]], %[[M]])
// CHECK:         scf.for
// CHECK-NOT:       scf.if
// CHECK:         return
func.func private @fad_rt_index_error(!llvm.ptr, i64, i64)
func.func @growing_index(%buf: memref<?xf64>, %lb: index, %n: index, %base: i64, %m: i64,
                         %where: !llvm.ptr) {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0 : i64
  %one = arith.constant 1 : i64
  %four = arith.constant 4 : i64
  %true = arith.constant true
  %x = arith.constant 1.0 : f64
  scf.for %i = %lb to %n step %c1 {
    %i64 = arith.index_cast %i : index to i64
    %i4 = arith.muli %i64, %four : i64
    %j = arith.addi %base, %i4 : i64
    %k = arith.addi %j, %one : i64
    %ge = arith.cmpi sge, %k, %zero : i64
    %lt = arith.cmpi slt, %k, %m : i64
    %ok = arith.andi %ge, %lt : i1
    %failed = arith.xori %ok, %true : i1
    scf.if %failed {
      func.call @fad_rt_index_error(%where, %k, %m) : (!llvm.ptr, i64, i64) -> ()
    }
    %kk = arith.index_cast %k : i64 to index
    memref.store %x, %buf[%kk] : memref<?xf64>
  }
  return
}

// -----

// An index that falls with the induction variable (a reverse sweep's
// n - 1 - i) stays in range for first - lower + 1 iterations; the first
// failing value is first minus that.
// CHECK-LABEL: func.func @falling_index
// CHECK-SAME:    (%[[BUF:.*]]: memref<?xf64>, %[[N:.*]]: index, %[[M:.*]]: i64, %[[WHERE:.*]]: !llvm.ptr)
// CHECK:         %[[FIRST:.*]] = arith.subi %{{.*}}, %c1_i64 : i64
// CHECK:         %[[START:.*]] = arith.xori
// CHECK:         %[[INSIDE:.*]] = arith.addi %[[FIRST]], %c1_i64
// CHECK:         %[[INSIDEIX:.*]] = arith.index_cast %[[INSIDE]] : i64 to index
// CHECK:         %[[AFTER:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK:         %[[END:.*]] = arith.cmpi uge, %[[AFTER]], %[[INSIDEIX]] : index
// CHECK:         %[[OUT:.*]] = arith.ori %[[START]], %[[END]] : i1
// CHECK:         %[[CROSS:.*]] = arith.subi %[[FIRST]], %[[INSIDE]] : i64
// CHECK:         %[[AT:.*]] = arith.select %[[START]], %[[FIRST]], %[[CROSS]] : i64
// CHECK:         scf.if
// CHECK-NEXT:      func.call @fad_rt_index_error(%[[WHERE]], %[[AT]], %[[M]])
// CHECK:         scf.for
// CHECK-NOT:       scf.if
// CHECK:         return
func.func private @fad_rt_index_error(!llvm.ptr, i64, i64)
func.func @falling_index(%buf: memref<?xf64>, %n: index, %m: i64, %where: !llvm.ptr) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0 : i64
  %one = arith.constant 1 : i64
  %true = arith.constant true
  %x = arith.constant 1.0 : f64
  %n64 = arith.index_cast %n : index to i64
  %top = arith.subi %n64, %one : i64
  scf.for %i = %c0 to %n step %c1 {
    %i64 = arith.index_cast %i : index to i64
    %down = arith.subi %top, %i64 : i64
    %ge = arith.cmpi sge, %down, %zero : i64
    %lt = arith.cmpi slt, %down, %m : i64
    %ok = arith.andi %ge, %lt : i1
    %failed = arith.xori %ok, %true : i1
    scf.if %failed {
      func.call @fad_rt_index_error(%where, %down, %m) : (!llvm.ptr, i64, i64) -> ()
    }
    %dd = arith.index_cast %down : i64 to index
    memref.store %x, %buf[%dd] : memref<?xf64>
  }
  return
}

// -----

// A loop-invariant check climbs out of both loops, each time guarded by
// its loop running; checks after it keep their order.
// CHECK-LABEL: func.func @invariant
// CHECK-SAME:    (%[[A:.*]]: i64, %[[B:.*]]: i64, %[[N:.*]]: index, %[[M:.*]]: index, %[[WHERE:.*]]: !llvm.ptr,
// CHECK:         %[[INNER:.*]] = arith.cmpi sgt, %[[M]], %c0
// CHECK:         %[[NE:.*]] = arith.cmpi ne, %[[A]], %[[B]]
// CHECK:         %[[BOTH:.*]] = arith.andi %[[INNER]], %[[NE]]
// CHECK:         %[[OUTER:.*]] = arith.cmpi sgt, %[[N]], %c0
// CHECK:         %[[ALL:.*]] = arith.andi %[[OUTER]], %[[BOTH]]
// CHECK:         scf.if %[[ALL]] {
// CHECK-NEXT:      func.call @fad_rt_size_error(%[[WHERE]], %[[A]], %[[B]])
// CHECK:         scf.if
// CHECK-NEXT:      func.call @fad_rt_fail(%[[WHERE]])
// CHECK:         scf.for
// CHECK-NOT:       scf.if
// CHECK:           scf.for
// CHECK-NOT:         scf.if
// CHECK:         return
func.func private @fad_rt_size_error(!llvm.ptr, i64, i64)
func.func private @fad_rt_fail(!llvm.ptr)
func.func @invariant(%a: i64, %b: i64, %n: index, %m: index, %where: !llvm.ptr,
                     %buf: memref<?x?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %x = arith.constant 1.0 : f64
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %m step %c1 {
      %ne = arith.cmpi ne, %a, %b : i64
      scf.if %ne {
        func.call @fad_rt_size_error(%where, %a, %b) : (!llvm.ptr, i64, i64) -> ()
      }
      scf.if %ne {
        func.call @fad_rt_fail(%where) : (!llvm.ptr) -> ()
      }
      memref.store %x, %buf[%i, %j] : memref<?x?xf64>
    }
  }
  return
}

// -----

// Left in the loop: a check that not every iteration reaches (in a branch),
// one whose index is not k·i + c (i·i), one whose bound is
// read from memory, one whose failure reports a value the loop computes
// from memory, and a check of an array allocated in the loop.
// CHECK-LABEL: func.func @kept
// CHECK-NOT:     func.call
// CHECK:         scf.for
// CHECK:           scf.if %{{.*}} {
// CHECK:             scf.if
// CHECK-NEXT:          func.call @fad_rt_index_error
// CHECK:           scf.if
// CHECK-NEXT:        func.call @fad_rt_index_error
// CHECK:           scf.if
// CHECK-NEXT:        func.call @fad_rt_index_error
// CHECK:           scf.if
// CHECK-NEXT:        func.call @fad_rt_size_error
// CHECK:           scf.if
// CHECK-NEXT:        func.call @fad_rt_index_error
// CHECK:         return
func.func private @fad_rt_index_error(!llvm.ptr, i64, i64)
func.func private @fad_rt_size_error(!llvm.ptr, i64, i64)
func.func @kept(%buf: memref<?xf64>, %sizes: memref<?xi64>, %n: index, %m: i64, %c: i1,
                %where: !llvm.ptr) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0 : i64
  %true = arith.constant true
  %n64 = arith.index_cast %n : index to i64
  scf.for %i = %c0 to %n step %c1 {
    %i64 = arith.index_cast %i : index to i64
    %ge = arith.cmpi sge, %i64, %zero : i64
    %lt = arith.cmpi slt, %i64, %m : i64
    %ok = arith.andi %ge, %lt : i1
    %failed = arith.xori %ok, %true : i1
    scf.if %c {
      scf.if %failed {
        func.call @fad_rt_index_error(%where, %i64, %m) : (!llvm.ptr, i64, i64) -> ()
      }
    }
    %square = arith.muli %i64, %i64 : i64
    %ge2 = arith.cmpi sge, %square, %zero : i64
    %lt2 = arith.cmpi slt, %square, %m : i64
    %ok2 = arith.andi %ge2, %lt2 : i1
    %failed2 = arith.xori %ok2, %true : i1
    scf.if %failed2 {
      func.call @fad_rt_index_error(%where, %square, %m) : (!llvm.ptr, i64, i64) -> ()
    }
    %read = memref.load %sizes[%i] : memref<?xi64>
    %lt3 = arith.cmpi slt, %i64, %read : i64
    %ok3 = arith.andi %ge, %lt3 : i1
    %failed3 = arith.xori %ok3, %true : i1
    scf.if %failed3 {
      func.call @fad_rt_index_error(%where, %i64, %read) : (!llvm.ptr, i64, i64) -> ()
    }
    %ne = arith.cmpi ne, %m, %n64 : i64
    scf.if %ne {
      func.call @fad_rt_size_error(%where, %read, %m) : (!llvm.ptr, i64, i64) -> ()
    }
    %own = memref.alloc(%n) : memref<?xf64>
    %size = memref.dim %own, %c0 : memref<?xf64>
    %size64 = arith.index_cast %size : index to i64
    %lt4 = arith.cmpi slt, %i64, %size64 : i64
    %ok4 = arith.andi %ge, %lt4 : i1
    %failed4 = arith.xori %ok4, %true : i1
    scf.if %failed4 {
      func.call @fad_rt_index_error(%where, %i64, %size64) : (!llvm.ptr, i64, i64) -> ()
    }
    memref.dealloc %own : memref<?xf64>
  }
  return
}

// -----

// A loop that calls the runtime (here a progress report) keeps its checks:
// what it does before a failing iteration can be seen.
// CHECK-LABEL: func.func @calls_out
// CHECK:         scf.for
// CHECK-NEXT:      func.call @report
// CHECK-NEXT:      scf.if
// CHECK-NEXT:        func.call @fad_rt_size_error
func.func private @fad_rt_size_error(!llvm.ptr, i64, i64)
func.func private @report(index)
func.func @calls_out(%a: i64, %b: i64, %n: index, %where: !llvm.ptr) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ne = arith.cmpi ne, %a, %b : i64
  scf.for %i = %c0 to %n step %c1 {
    func.call @report(%i) : (index) -> ()
    scf.if %ne {
      func.call @fad_rt_size_error(%where, %a, %b) : (!llvm.ptr, i64, i64) -> ()
    }
  }
  return
}

// -----

// A hoisted size check a != b leaves a == b whenever the loop's body runs:
// the body's uses of b (defined after a) read a, as fad-parallelize does
// after such a check in place.
// CHECK-LABEL: func.func @equal_after_check
// CHECK-SAME:    (%[[BUF:.*]]: memref<?xf64>, %[[A:.*]]: index, %[[B:.*]]: index, %[[WHERE:.*]]: !llvm.ptr)
// CHECK:         %[[A64:.*]] = arith.index_cast %[[A]]
// CHECK:         %[[B64:.*]] = arith.index_cast %[[B]]
// CHECK:         scf.if
// CHECK-NEXT:      func.call @fad_rt_size_error(%[[WHERE]], %[[A64]], %[[B64]])
// CHECK:         scf.for %[[I:.*]] = %c0 to %[[A]]
// CHECK-NEXT:      %[[J:.*]] = arith.subi %[[A]], %[[I]]
// CHECK-NEXT:      memref.store %{{.*}}, %[[BUF]][%[[J]]]
func.func private @fad_rt_size_error(!llvm.ptr, i64, i64)
func.func @equal_after_check(%buf: memref<?xf64>, %a: index, %b: index, %where: !llvm.ptr) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %x = arith.constant 1.0 : f64
  %a64 = arith.index_cast %a : index to i64
  %b64 = arith.index_cast %b : index to i64
  %ne = arith.cmpi ne, %a64, %b64 : i64
  scf.for %i = %c0 to %a step %c1 {
    scf.if %ne {
      func.call @fad_rt_size_error(%where, %a64, %b64) : (!llvm.ptr, i64, i64) -> ()
    }
    %j = arith.subi %b, %i : index
    memref.store %x, %buf[%j] : memref<?xf64>
  }
  return
}
