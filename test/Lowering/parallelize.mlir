// fad-parallelize: outermost `fad.parallel` loops become scf.parallel when
// their bodies call nothing (but the runtime's check failures in an
// executable), write only their own buffers and their slice of outer ones,
// and their carried values are sums or products; others stay sequential.
// RUN: fad-opt -fad-parallelize %s | FileCheck %s
// RUN: fad-opt -fad-parallelize=min-work=1000 %s | FileCheck %s --check-prefix=WORK
// RUN: fad-opt -fad-parallelize=allow-checks=true %s | FileCheck %s --check-prefix=CHECKS
// RUN: fad-opt -fad-parallelize=unwind-checks=true %s | FileCheck %s --check-prefix=UNWIND
// RUN: fad-opt -fad-parallelize="allow-checks=true host-threads=true" %s | FileCheck %s --check-prefix=HOST

// Chunks call glibc's setjmp, which LLVM must know returns twice.
// UNWIND: func.func private @_setjmp(!llvm.ptr) -> i32 attributes {passthrough = ["returns_twice"]}

// A map: iterations store into their own element. The original loop stays
// for small trip counts (body cost 5: threshold 50000/5).
// CHECK-LABEL: func.func @map
// CHECK:         %[[TRIPS:.*]] = arith.subi %[[N:.*]], %[[C0:.*]] : index
// CHECK:         %[[LARGE:.*]] = arith.cmpi sge, %[[TRIPS]], %c10000 : index
// CHECK:         scf.if %[[LARGE]] {
// CHECK:           scf.parallel (%[[I:.*]]) = (%[[C0]]) to (%[[N]]) step (%{{.*}}) {
// CHECK:             memref.load %{{.*}}[%[[I]]]
// CHECK:             memref.store %{{.*}}[%[[I]]]
// CHECK:           }
// CHECK:         } else {
// CHECK:           scf.for
// CHECK-NOT:       fad.parallel
// WORK-LABEL: func.func @map
// WORK:         arith.cmpi sge, %{{.*}}, %c200 : index
// A loop without checks or boundary cases runs one iteration per index on
// the host too. On one thread (the runtime's count, read once at the start
// of the function) the loop itself runs, not its outlined twin.
// HOST-LABEL: func.func @map
// HOST:         %[[COUNT:.*]] = call @fad_rt_chunks() : () -> i64
// HOST:         %[[THREADS:.*]] = arith.index_cast %[[COUNT]] : i64 to index
// HOST:         %[[LARGE:.*]] = arith.cmpi sge
// HOST:         %[[SEVERAL:.*]] = arith.cmpi sgt, %[[THREADS]], %{{.*}} : index
// HOST:         %[[BOTH:.*]] = arith.andi %[[LARGE]], %[[SEVERAL]] : i1
// HOST:         scf.if %[[BOTH]] {
// HOST:           scf.parallel (%{{.*}}) = (%c0) to (%{{.*}}) step
// HOST:         } else {
// HOST:           scf.for
func.func @map(%a: memref<?xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %a[%i] : memref<?xf64>
    %y = arith.mulf %x, %x : f64
    %z = arith.addf %y, %x : f64
    memref.store %z, %out[%i] : memref<?xf64>
  } {fad.parallel}
  return
}

// A sum: the combining add becomes the scf.reduce region, reassociable in
// both versions (fad's folds leave the grouping open: LLVM may vectorize);
// transcendental functions weigh more (exp: 20).
// CHECK-LABEL: func.func @sum
// CHECK:         arith.cmpi sge, %{{.*}}, %c2174 : index
// CHECK:         %[[R:.*]] = scf.if %{{.*}} -> (f64) {
// CHECK:           %[[P:.*]] = scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) init (%[[ZERO:.*]]) -> f64 {
// CHECK:             %[[E:.*]] = math.exp
// CHECK-NOT:         arith.addf
// CHECK:             scf.reduce(%[[E]] : f64) {
// CHECK:             ^bb0(%[[L:.*]]: f64, %[[RR:.*]]: f64):
// CHECK:               %[[S:.*]] = arith.addf %[[L]], %[[RR]] fastmath<reassoc> : f64
// CHECK:               scf.reduce.return %[[S]] : f64
// CHECK:           scf.yield %[[P]] : f64
// CHECK:         } else {
// CHECK:           %[[F:.*]] = scf.for
// CHECK:             arith.addf %{{.*}} fastmath<reassoc> : f64
// CHECK:           scf.yield %[[F]] : f64
// CHECK:         return %[[R]] : f64
func.func @sum(%a: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %e = math.exp %x : f64
    %t = arith.addf %acc, %e : f64
    scf.yield %t : f64
  } {fad.parallel}
  return %s : f64
}

// Nested marked loops: only the outermost runs in parallel; the inner loop
// (8 iterations of 4 ops) counts in the cost estimate.
// CHECK-LABEL: func.func @nested
// CHECK:         arith.cmpi sge, %{{.*}}, %c1471 : index
// CHECK:         scf.parallel
// CHECK-NOT:     scf.parallel
// CHECK:         scf.for {{.*}} {
// CHECK-NOT:     fad.parallel
// CHECK:         } else {
func.func @nested(%a: memref<?x8xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?x8xf64>
  scf.for %i = %c0 to %n step %c1 {
    %row = scf.for %j = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f64) {
      %x = memref.load %a[%i, %j] : memref<?x8xf64>
      %t = arith.addf %acc, %x : f64
      scf.yield %t : f64
    } {fad.parallel}
    memref.store %row, %out[%i] : memref<?xf64>
  } {fad.parallel}
  return
}

// A nested loop whose trip count is known only when the loop starts (its
// bound defined outside it) counts at run time: the work n * (4 m + 2) is
// computed before the loop, in f64, and compared with min-work.
// CHECK-LABEL: func.func @nested_run_time_trips
// CHECK:         %[[SPAN:.*]] = arith.subi %[[M:.*]], %[[C0:.*]] : index
// CHECK:         %[[COUNT:.*]] = arith.maxsi %[[SPAN]], %{{.*}} : index
// CHECK:         %[[COUNT64:.*]] = arith.index_cast %[[COUNT]] : index to i64
// CHECK:         %[[INNER:.*]] = arith.sitofp %[[COUNT64]] : i64 to f64
// CHECK:         %[[FOUR:.*]] = arith.constant 4.0{{.*}} : f64
// CHECK:         %[[LOOP:.*]] = arith.mulf %[[INNER]], %[[FOUR]] : f64
// CHECK:         %[[TRIPS:.*]] = arith.subi %[[N:.*]], %[[C0]] : index
// CHECK:         %[[TRIPS64:.*]] = arith.index_cast %[[TRIPS]] : index to i64
// CHECK:         %[[OUTER:.*]] = arith.sitofp %[[TRIPS64]] : i64 to f64
// CHECK:         %[[TWO:.*]] = arith.constant 2.0{{.*}} : f64
// CHECK:         %[[COST:.*]] = arith.addf %[[LOOP]], %[[TWO]] : f64
// CHECK:         %[[PRODUCT:.*]] = arith.mulf %[[OUTER]], %[[COST]] : f64
// CHECK:         %[[MIN:.*]] = arith.constant 5.0{{0*}}e+04 : f64
// CHECK:         %[[LARGE:.*]] = arith.cmpf oge, %[[PRODUCT]], %[[MIN]] : f64
// CHECK:         scf.if %[[LARGE]] {
// CHECK:           scf.parallel
// CHECK:         } else {
// WORK-LABEL: func.func @nested_run_time_trips
// WORK:         arith.constant 1.000000e+03 : f64
func.func @nested_run_time_trips(%a: memref<?x?xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?x?xf64>
  %m = memref.dim %a, %c1 : memref<?x?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %row = scf.for %j = %c0 to %m step %c1 iter_args(%acc = %zero) -> (f64) {
      %x = memref.load %a[%i, %j] : memref<?x?xf64>
      %t = arith.addf %acc, %x : f64
      scf.yield %t : f64
    }
    memref.store %row, %out[%i] : memref<?xf64>
  } {fad.parallel}
  return
}

// A nested trip count computed from constants counts as the constant it
// folds to (here 4 / 4 = 1 iteration: body cost 4 * 1 + 4 = 8, threshold
// 50000 / 8); one computed in the body from the loop index is unknown
// before the loop and counts 16 (cost 4 * 16 + 3 = 67, threshold 747).
// CHECK-LABEL: func.func @nested_folded_trips
// CHECK-NOT:     arith.sitofp
// CHECK:         arith.cmpi sge, %{{.*}}, %c6250 : index
// CHECK-LABEL: func.func @nested_trips_from_index
// CHECK-NOT:     arith.sitofp
// CHECK:         arith.cmpi sge, %{{.*}}, %c747 : index
func.func @nested_folded_trips(%a: memref<?x4xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : i64
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?x4xf64>
  scf.for %i = %c0 to %n step %c1 {
    %q = arith.divsi %c4, %c4 : i64
    %trips = arith.index_cast %q : i64 to index
    %row = scf.for %j = %c0 to %trips step %c1 iter_args(%acc = %zero) -> (f64) {
      %x = memref.load %a[%i, %j] : memref<?x4xf64>
      %t = arith.addf %acc, %x : f64
      scf.yield %t : f64
    }
    memref.store %row, %out[%i] : memref<?xf64>
  } {fad.parallel}
  return
}
func.func @nested_trips_from_index(%a: memref<?x?xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?x?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %trips = arith.addi %i, %c1 : index
    %row = scf.for %j = %c0 to %trips step %c1 iter_args(%acc = %zero) -> (f64) {
      %x = memref.load %a[%i, %j] : memref<?x?xf64>
      %t = arith.addf %acc, %x : f64
      scf.yield %t : f64
    }
    memref.store %row, %out[%i] : memref<?xf64>
  } {fad.parallel}
  return
}

// A body that allocates (the runtime's allocator is thread-safe) and writes
// only its own buffers and its element of the result runs in parallel.
// CHECK-LABEL: func.func @allocates
// CHECK:         scf.parallel
// CHECK:           memref.alloc()
// CHECK:           memref.dealloc
func.func @allocates(%a: memref<?xf64>, %out: memref<?x2xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %tmp = memref.alloc() : memref<2xf64>
    %x = memref.load %a[%i] : memref<?xf64>
    memref.store %x, %tmp[%c0] : memref<2xf64>
    %y = memref.load %tmp[%c0] : memref<2xf64>
    %row = memref.subview %out[%i, 0] [1, 2] [1, 1] : memref<?x2xf64> to memref<2xf64, strided<[1], offset: ?>>
    memref.store %y, %row[%c1] : memref<2xf64, strided<[1], offset: ?>>
    memref.dealloc %tmp : memref<2xf64>
  } {fad.parallel}
  return
}

// A run-time check (a call of the runtime) keeps a loop sequential, except
// in an executable (allow-checks), where a failed check ends the process,
// and in a library (unwind-checks: chunks, below).
// CHECK-LABEL: func.func @checked
// CHECK-NOT:     scf.parallel
// CHECKS-LABEL: func.func @checked
// CHECKS:         scf.parallel
// CHECKS:           func.call @fad_rt_fail
// UNWIND-LABEL: func.func @checked
// UNWIND:         call @fad_rt_chunks()
// UNWIND:         scf.parallel
// UNWIND:           func.call @_setjmp
// UNWIND:           scf.if
// UNWIND:             scf.for
// UNWIND:               func.call @fad_rt_fail
// UNWIND:           func.call @fad_rt_chunk_end
// UNWIND:         func.call @fad_rt_chunks_end
func.func private @fad_rt_fail(!llvm.ptr)
func.func @checked(%a: memref<?xf64>, %out: memref<?xf64>, %msg: !llvm.ptr) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %a[%i] : memref<?xf64>
    %bad = arith.cmpf olt, %x, %zero : f64
    scf.if %bad {
      func.call @fad_rt_fail(%msg) : (!llvm.ptr) -> ()
    }
    memref.store %x, %out[%i] : memref<?xf64>
  } {fad.parallel}
  return
}

// In a library (unwind-checks), a loop with checks runs one chunk of
// iterations per thread (the thread count read once, at the function's
// start), each a copy of the loop behind a jump point that a
// failed check returns to; the chunk then contributes the identities of the
// sum (-0.0) and the product (1), and the caller's thread ends the call with
// the first failed chunk's error after the loop.
// UNWIND-LABEL: func.func @checked_sum
// UNWIND:         %[[THREADS:.*]] = call @fad_rt_chunks() : () -> i64
// UNWIND:         %[[T:.*]] = arith.index_cast %[[THREADS]] : i64 to index
// UNWIND:         %[[TRIPS:.*]] = arith.subi %[[N:.*]], %[[C0:.*]] : index
// UNWIND:         %[[LARGE:.*]] = arith.cmpi sge, %[[TRIPS]], %c5556 : index
// UNWIND:         scf.if %[[LARGE]] -> (f64, i64) {
// UNWIND:           %[[CALL:.*]] = func.call @fad_rt_chunks_begin() : () -> !llvm.ptr
// UNWIND:           %[[COUNT:.*]] = arith.minui %[[T]], %[[TRIPS]] : index
// UNWIND-DAG:       %[[NEGZERO:.*]] = arith.constant -0.000000e+00 : f64
// UNWIND-DAG:       %[[ONE:.*]] = arith.constant 1 : i64
// UNWIND:           %[[P:.*]]:2 = scf.parallel (%[[K:.*]]) = (%{{.*}}) to (%[[COUNT]]) step (%{{.*}}) init (%{{.*}}, %{{.*}}) -> (f64, i64) {
// UNWIND:             %[[MUL:.*]] = arith.muli %[[K]], %[[TRIPS]] : index
// UNWIND:             %[[SHARE:.*]] = arith.divui %[[MUL]], %[[COUNT]] : index
// UNWIND:             %[[FROM:.*]] = arith.addi %[[C0]], %[[SHARE]] : index
// UNWIND:             %[[TO:.*]] = arith.addi %[[C0]], %{{.*}} : index
// UNWIND:             %[[LO:.*]] = arith.maxsi %[[FROM]], %[[C0]] : index
// UNWIND:             %[[HI:.*]] = arith.minsi %[[TO]], %[[N]] : index
// UNWIND:             %[[K64:.*]] = arith.index_cast %[[K]] : index to i64
// UNWIND:             %[[JUMP:.*]] = func.call @fad_rt_chunk_begin(%[[CALL]], %[[K64]]) : (!llvm.ptr, i64) -> !llvm.ptr
// UNWIND:             %[[SET:.*]] = func.call @_setjmp(%[[JUMP]]) : (!llvm.ptr) -> i32
// UNWIND:             %[[FRESH:.*]] = arith.cmpi eq, %[[SET]], %{{.*}} : i32
// UNWIND:             %[[R:.*]]:2 = scf.if %[[FRESH]] -> (f64, i64) {
// UNWIND:               %[[S:.*]]:2 = scf.for %{{.*}} = %[[LO]] to %[[HI]] step %{{.*}} iter_args(%{{.*}} = %[[NEGZERO]], %{{.*}} = %[[ONE]]) -> (f64, i64) {
// UNWIND:                 func.call @fad_rt_fail
// UNWIND:               scf.yield %[[S]]#0, %[[S]]#1 : f64, i64
// UNWIND:             } else {
// UNWIND:               scf.yield %[[NEGZERO]], %[[ONE]] : f64, i64
// UNWIND:             func.call @fad_rt_chunk_end() : () -> ()
// UNWIND:             scf.reduce(%[[R]]#0, %[[R]]#1 : f64, i64) {
// UNWIND:               arith.addf
// UNWIND:             }, {
// UNWIND:               arith.muli
// UNWIND:           func.call @fad_rt_chunks_end(%[[CALL]]) : (!llvm.ptr) -> ()
// UNWIND:           scf.yield %[[P]]#0, %[[P]]#1 : f64, i64
// UNWIND:         } else {
// UNWIND:           scf.for
// With host-threads (an executable's checks end the process from any
// thread) the same chunks, without jump points.
// HOST-LABEL: func.func @checked_sum
// HOST:         scf.parallel
// HOST-NOT:       _setjmp
// HOST:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (f64, i64) {
// HOST:             func.call @fad_rt_fail
// HOST:           scf.reduce
// HOST:         } else {
// CHECK-LABEL: func.func @checked_sum
// CHECK-NOT:     scf.parallel
// CHECKS-LABEL: func.func @checked_sum
// CHECKS:         scf.parallel
// CHECKS-NOT:     fad_rt_chunk
// CHECKS:         return
func.func @checked_sum(%a: memref<?xf64>, %msg: !llvm.ptr) -> (f64, i64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1 : i64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%s = %zero, %p = %one) -> (f64, i64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %bad = arith.cmpf olt, %x, %zero : f64
    scf.if %bad {
      func.call @fad_rt_fail(%msg) : (!llvm.ptr) -> ()
    }
    %t = arith.addf %s, %x : f64
    %k = arith.fptosi %x : f64 to i64
    %q = arith.muli %p, %k : i64
    scf.yield %t, %q : f64, i64
  } {fad.parallel}
  return %r#0, %r#1 : f64, i64
}

// Stay sequential: a scratch buffer shared by all iterations (bufferization
// hoists a body's tensor.empty out of the loop), a carried value that is
// not a sum (argmax), an unmarked loop (a fad `loop`).
// CHECK-LABEL: func.func @sequential
// CHECK-NOT:     scf.parallel
// CHECK-NOT:     fad.parallel
// CHECK:         return
func.func @sequential(%a: memref<?xf64>, %out: memref<?xf64>) -> (f64, i64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %none = arith.constant -1 : i64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %scratch = memref.alloc() : memref<2xf64>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %a[%i] : memref<?xf64>
    memref.store %x, %scratch[%c0] : memref<2xf64>
    %y = memref.load %scratch[%c0] : memref<2xf64>
    memref.store %y, %out[%i] : memref<?xf64>
  } {fad.parallel}
  memref.dealloc %scratch : memref<2xf64>
  %best:2 = scf.for %i = %c0 to %n step %c1 iter_args(%m = %zero, %k = %none) -> (f64, i64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %gt = arith.cmpf ogt, %x, %m : f64
    %m2 = arith.select %gt, %x, %m : f64
    %ii = arith.index_cast %i : index to i64
    %k2 = arith.select %gt, %ii, %k : i64
    scf.yield %m2, %k2 : f64, i64
  } {fad.parallel}
  %state = scf.for %i = %c0 to %n step %c1 iter_args(%s = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %t = arith.addf %s, %x : f64
    scf.yield %t : f64
  }
  return %best#0, %best#1 : f64, i64
}

// The chunks of a split accumulation (fad.chunks: one per thread, each a
// share of a long loop) run in parallel from two of them, whatever the
// estimated cost of the body.
// CHECK-LABEL: func.func @chunks
// CHECK:         arith.cmpi sge, %{{.*}}, %c2 : index
// CHECK:         scf.parallel
func.func @chunks(%a: memref<?xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %a[%i] : memref<?xf64>
    memref.store %x, %out[%i] : memref<?xf64>
  } {fad.chunks, fad.parallel}
  return
}

// A sum whose contribution is the result of an earlier parallelized sum (a
// loop-invariant one): the later loop combines the earlier one's new result
// (it combined the replaced loop's, which no longer dominated it).
// CHECK-LABEL: func.func @sum_of_sum
// CHECK:         %[[FIRST:.*]] = scf.if
// CHECK:         scf.if
// CHECK-NEXT:      scf.parallel
// CHECK-NEXT:        scf.reduce(%[[FIRST]] : f64)
func.func @sum_of_sum(%a: memref<?xf64>, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %v = memref.load %a[%i] : memref<?xf64>
    %next = arith.addf %acc, %v : f64
    scf.yield %next : f64
  } {fad.parallel}
  %t = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {
    %next = arith.addf %acc, %s : f64
    scf.yield %next : f64
  } {fad.parallel}
  return %t : f64
}

// A loop whose trip count is a constant below the threshold stays as it is:
// no parallel twin that would never run.
// CHECK-LABEL: func.func @few_known_trips
// CHECK-NOT:     scf.if
// CHECK-NOT:     scf.parallel
// CHECK:         scf.for
// CHECK-NOT:     scf.parallel
// CHECK:         return
func.func @few_known_trips(%a: memref<15xf64>, %out: memref<15xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c15 = arith.constant 15 : index
  scf.for %i = %c0 to %c15 step %c1 {
    %x = memref.load %a[%i] : memref<15xf64>
    %y = arith.mulf %x, %x : f64
    memref.store %y, %out[%i] : memref<15xf64>
  } {fad.parallel}
  return
}

// On the host, a boundary case `i == c` (c constant) splits the loop into
// [lb, min(c, ub)) (here empty: not made), [min(c, ub), min(c + 1, ub))
// and [c + 1, ub), where the comparison is a constant; the long piece runs
// in chunks whose lower bound says it starts at c + 1 (LLVM then knows
// i - 1 >= 0 in the outlined body).
// HOST-LABEL: func.func @boundary
// HOST:         %[[N:.*]] = memref.dim
// HOST-DAG:     %[[C1:.*]] = arith.constant 1 : index
// HOST-DAG:     %[[C0:.*]] = arith.constant 0 : index
// HOST:         %[[C:.*]] = arith.minsi %[[C0]], %[[N]] : index
// HOST:         %[[E:.*]] = arith.minsi %[[C1]], %[[N]] : index
// HOST:         scf.for %{{.*}} = %[[C]] to %[[E]] step
// HOST:           %[[TRUE:.*]] = arith.constant true
// HOST:           scf.if %[[TRUE]]
// HOST:         %[[TRIPS:.*]] = arith.subi %[[N]], %[[C1]] : index
// HOST:         scf.if
// HOST:           scf.parallel
// HOST:             arith.maxsi %{{.*}}, %[[C1]] : index
// HOST:             arith.minsi %{{.*}}, %[[N]] : index
// HOST:             scf.for
// HOST:               %[[FALSE:.*]] = arith.constant false
// HOST:               scf.if %[[FALSE]]
// HOST:         } else {
// HOST:           scf.for %{{.*}} = %[[C1]] to %[[N]] step
// HOST-NOT:     scf.for
// HOST:         return
func.func @boundary(%a: memref<?xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0 : i64
  %one = arith.constant 1 : i64
  %n = memref.dim %a, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %ii = arith.index_cast %i : index to i64
    %first = arith.cmpi eq, %ii, %zero : i64
    %v = scf.if %first -> (f64) {
      %x = memref.load %a[%c0] : memref<?xf64>
      scf.yield %x : f64
    } else {
      %p = arith.subi %ii, %one : i64
      %pi = arith.index_cast %p : i64 to index
      %x = memref.load %a[%pi] : memref<?xf64>
      scf.yield %x : f64
    }
    memref.store %v, %out[%i] : memref<?xf64>
  } {fad.parallel}
  return
}

// A boundary case at a run-time value (`i != n - 1`, n - 1 computed in
// the loop and so first before it): the split point is clamped to
// [lb, ub], and the middle piece runs only when it lies within.
// HOST-LABEL: func.func @last
// HOST:         %[[N:.*]] = memref.dim
// HOST:         %[[LAST:.*]] = arith.subi %[[N]], %{{.*}} : index
// HOST:         %[[LO:.*]] = arith.maxsi %[[LAST]], %[[C0:.*]] : index
// HOST:         %[[C:.*]] = arith.minsi %[[LO]], %[[N]] : index
// HOST:         %[[GE:.*]] = arith.cmpi sge, %[[LAST]], %[[C0]] : index
// HOST:         %[[LT:.*]] = arith.cmpi slt, %[[LAST]], %[[N]] : index
// HOST:         %[[IN:.*]] = arith.andi %[[GE]], %[[LT]] : i1
// HOST:         %[[NEXT:.*]] = arith.addi %[[C]], %{{.*}} : index
// HOST:         %[[E:.*]] = arith.select %[[IN]], %[[NEXT]], %[[C]] : index
// HOST:         scf.for %{{.*}} = %[[C0]] to %[[C]] step
// HOST:           arith.constant true
// HOST:         scf.for %{{.*}} = %[[C]] to %[[E]] step
// HOST:           arith.constant false
// HOST:         scf.for %{{.*}} = %[[E]] to %[[N]] step
// HOST:           arith.constant true
func.func @last(%a: memref<?xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %last = arith.subi %n, %c1 : index
    %inside = arith.cmpi ne, %i, %last : index
    %x = memref.load %a[%i] : memref<?xf64>
    %v = scf.if %inside -> (f64) {
      %next = arith.addi %i, %c1 : index
      %y = memref.load %a[%next] : memref<?xf64>
      %d = arith.subf %y, %x : f64
      scf.yield %d : f64
    } else {
      scf.yield %x : f64
    }
    memref.store %v, %out[%i] : memref<?xf64>
  } {fad.parallel}
  return
}

// After a size check `a != b` fails the program, later uses of b (defined
// after a) read a: the outlined body then compares its index with the
// extent its loop runs to. The failure's message keeps both.
// HOST-LABEL: func.func @checked_equality
// HOST:         %[[N:.*]] = memref.dim %arg0
// HOST:         %[[M:.*]] = memref.dim %arg1
// HOST:         %[[DIFF:.*]] = arith.cmpi ne, %[[N]], %[[M]] : index
// HOST:         scf.if %[[DIFF]] {
// HOST:           func.call @fad_rt_size_error(%{{.*}}, %[[N]], %[[M]])
// HOST:         scf.parallel
// HOST:           arith.cmpi slt, %{{.*}}, %[[N]] : index
// HOST:         } else {
// HOST:           scf.for
// HOST:             arith.cmpi slt, %{{.*}}, %[[N]] : index
func.func private @fad_rt_size_error(!llvm.ptr, index, index)
func.func private @fad_rt_index_error(!llvm.ptr, index, index)
func.func @checked_equality(%a: memref<?xf64>, %b: memref<?xf64>, %out: memref<?xf64>, %msg: !llvm.ptr) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %m = memref.dim %b, %c0 : memref<?xf64>
  %diff = arith.cmpi ne, %n, %m : index
  scf.if %diff {
    func.call @fad_rt_size_error(%msg, %n, %m) : (!llvm.ptr, index, index) -> ()
  }
  scf.for %i = %c0 to %n step %c1 {
    %inside = arith.cmpi slt, %i, %m : index
    %true = arith.constant true
    %bad = arith.xori %inside, %true : i1
    scf.if %bad {
      func.call @fad_rt_index_error(%msg, %i, %m) : (!llvm.ptr, index, index) -> ()
    }
    %x = memref.load %b[%i] : memref<?xf64>
    memref.store %x, %out[%i] : memref<?xf64>
  } {fad.parallel}
  return
}

// A loop whose body calls the helper that MLIR's lowering of
// bufferization.dealloc generates (the ownership of a buffer a branch
// yields): it runs on host threads, which the helper's outputs, allocated
// in the body, keep apart; not in GPU kernels (no host-threads), where the
// call could not run. Another callee still keeps the loop sequential.
// CHECK-LABEL: func.func @calls_dealloc_helper
// CHECK-NOT:     scf.parallel
// HOST-LABEL: func.func @calls_dealloc_helper
// HOST:         scf.parallel
// HOST:           func.call @dealloc_helper
// HOST-LABEL: func.func @calls_other
// HOST-NOT:     scf.parallel
func.func private @dealloc_helper(%a: memref<?xindex>, %b: memref<?xindex>, %c: memref<?xi1>,
                                  %d: memref<?xi1>, %e: memref<?xi1>)
func.func private @other(%a: memref<?xindex>, %b: memref<?xindex>, %c: memref<?xi1>,
                         %d: memref<?xi1>, %e: memref<?xi1>)
func.func @calls_dealloc_helper(%a: memref<?xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %p = memref.alloc() : memref<1xindex>
    %q = memref.alloc() : memref<0xindex>
    %c = memref.alloc() : memref<1xi1>
    %d = memref.alloc() : memref<1xi1>
    %e = memref.alloc() : memref<0xi1>
    %pc = memref.cast %p : memref<1xindex> to memref<?xindex>
    %qc = memref.cast %q : memref<0xindex> to memref<?xindex>
    %cc = memref.cast %c : memref<1xi1> to memref<?xi1>
    %dc = memref.cast %d : memref<1xi1> to memref<?xi1>
    %ec = memref.cast %e : memref<0xi1> to memref<?xi1>
    func.call @dealloc_helper(%pc, %qc, %cc, %dc, %ec)
        : (memref<?xindex>, memref<?xindex>, memref<?xi1>, memref<?xi1>, memref<?xi1>) -> ()
    %x = memref.load %a[%i] : memref<?xf64>
    memref.store %x, %out[%i] : memref<?xf64>
    memref.dealloc %p : memref<1xindex>
    memref.dealloc %q : memref<0xindex>
    memref.dealloc %c : memref<1xi1>
    memref.dealloc %d : memref<1xi1>
    memref.dealloc %e : memref<0xi1>
  } {fad.parallel}
  return
}
func.func @calls_other(%a: memref<?xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %c1 {
    %p = memref.alloc() : memref<1xindex>
    %pc = memref.cast %p : memref<1xindex> to memref<?xindex>
    %c = memref.alloc() : memref<1xi1>
    %cc = memref.cast %c : memref<1xi1> to memref<?xi1>
    func.call @other(%pc, %pc, %cc, %cc, %cc)
        : (memref<?xindex>, memref<?xindex>, memref<?xi1>, memref<?xi1>, memref<?xi1>) -> ()
    %x = memref.load %a[%i] : memref<?xf64>
    memref.store %x, %out[%i] : memref<?xf64>
    memref.dealloc %p : memref<1xindex>
    memref.dealloc %c : memref<1xi1>
  } {fad.parallel}
  return
}

// A maximum (compare and select) and a sum on host threads: chunks of
// consecutive iterations in parallel, each a copy of the loop that starts
// the maximum from its initial value and the sum from -0.0, each storing
// its results into a buffer of partials; then the partials combined in
// chunk order. Elsewhere (no host threads, no select reductions) the loop
// stays sequential.
// CHECK-LABEL: func.func @host_maximum
// CHECK-NOT:     scf.parallel
// HOST-LABEL: func.func @host_maximum
// HOST-SAME:    (%[[A:.*]]: memref<?xf64>, %[[INIT:.*]]: f64)
// HOST:         %[[COUNT:.*]] = arith.minui
// HOST-DAG:     %[[NEGZERO:.*]] = arith.constant -0.000000e+00 : f64
// HOST-DAG:     %[[PM:.*]] = memref.alloc(%[[COUNT]]) : memref<?xf64>
// HOST-DAG:     %[[PS:.*]] = memref.alloc(%[[COUNT]]) : memref<?xf64>
// HOST:         scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[COUNT]])
// HOST:           %[[S:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]], %{{.*}} = %[[NEGZERO]])
// HOST:           memref.store %[[S]]#0, %[[PM]][%[[T]]]
// HOST:           memref.store %[[S]]#1, %[[PS]][%[[T]]]
// HOST:         %[[R:.*]]:2 = scf.for %[[I:.*]] = %{{.*}} to %[[COUNT]] step %{{.*}} iter_args(%[[M:.*]] = %[[INIT]], %[[ACC:.*]] = %{{.*}})
// HOST:           %[[PMI:.*]] = memref.load %[[PM]][%[[I]]]
// HOST:           %[[GE:.*]] = arith.cmpf uge, %[[M]], %[[PMI]]
// HOST:           arith.select %[[GE]], %[[M]], %[[PMI]]
// HOST:           %[[PSI:.*]] = memref.load %[[PS]][%[[I]]]
// HOST:           arith.addf %[[ACC]], %[[PSI]]
// HOST:         memref.dealloc %[[PM]]
// HOST:         memref.dealloc %[[PS]]
// HOST:         scf.yield %[[R]]#0, %[[R]]#1
// HOST:       } else {
func.func @host_maximum(%a: memref<?xf64>, %init: f64) -> (f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%m = %init, %s = %zero) -> (f64, f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %ge = arith.cmpf uge, %m, %x : f64
    %m2 = arith.select %ge, %m, %x : f64
    %s2 = arith.addf %s, %x : f64
    scf.yield %m2, %s2 : f64, f64
  } {fad.parallel}
  return %r#0, %r#1 : f64, f64
}
