//===- Passes.td - passes on lowered loops and buffers -----*- tablegen -*-===//
//
// Declares the passes that run after convert-fad-to-scf, on scf/tensor and
// (after bufferization) memref code: parallel loops, and the buffers of
// loops around one-shot bufferization.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LOWERING_PASSES_TD
#define FAD_LOWERING_PASSES_TD

include "mlir/Pass/PassBase.td"

def FADParallelize : Pass<"fad-parallelize", "mlir::ModuleOp"> {
  let summary = "Turn lowered maps and reductions into scf.parallel loops";
  let description = [{
    Runs on bufferized IR (scf + memref), before `convert-scf-to-openmp`.
    convert-fad-to-scf marks the `scf.for` loops of maps, builds and
    reductions `fad.parallel`: their iterations are independent but for the
    carried values, which an associative operator combines. Each outermost
    marked loop becomes an `scf.parallel` (run on all cores through OpenMP)
    when
    - its body calls nothing and has no `memref.alloca` (heap allocation is
      fine: the runtime's allocator is thread-safe). A run-time check calls
      the fad runtime. With `allow-checks` (an executable's code) a failed
      check ends the process from any thread, so checks change nothing.
      With `unwind-checks` (a library's or the REPL's code, where a failed
      check ends the call by unwinding the caller's thread) a loop with
      checks runs as c = min(threads, trips) chunks of consecutive
      iterations, one per thread, each a copy of the loop that starts by
      setting a jump point: a failed check records its message and jumps
      back, the chunk contributes the identity of each reduction, and after
      all chunks `fad_rt_chunks_end` ends the call with the first failed
      chunk's message (the error a sequential run reports; see
      FADRuntime.h). Without either option, checks keep a loop sequential;
    - every write goes to a buffer allocated in the body or to the slice of
      an outer buffer at the induction variable (bufferization may give all
      iterations one scratch buffer: such a loop stays sequential); and
    - each carried value is a scalar that the body combines with one
      `arith.addf`, `mulf`, `addi` or `muli`, or, with `select-reductions`
      (GPU targets) or `host-threads`, a maximum or minimum `select (acc
      <cmp> x), acc, x` (other carried values, such as an argmax's, keep
      the loop sequential).
    Reductions then add in another order: results can differ from a
    sequential run in the last bits. A loop runs in parallel only when its
    trip count times an estimate of its body's cost reaches `min-work`
    (starting threads costs microseconds); below that the original loop
    runs. The estimate counts a math op 20, another op 1, and a nested
    `scf.for` its trip count times its body: the constant trip count
    (folding arith ops of constants), else the one computed before the
    loop from bounds defined outside it (the work is then an f64 compared
    at run time), else 16. With `host-threads` (host targets, where
    OpenMP outlines the parallel body into a function of its own, in
    which LLVM knows less):
    - the original loop also runs when the program has one thread (the
      runtime's count `fad_rt_chunks`, read once at the function's start),
      except for the chunks of a split accumulation (`fad.chunks`);
    - a loop with a maximum or minimum among its carried values (which
      MLIR 19's OpenMP lowering cannot combine: it knows no unordered
      comparison, and would start a maximum from the lowest finite value,
      not -inf) and without checks or boundary cases runs as c chunks of
      consecutive iterations, each a copy of the loop starting each
      maximum or minimum from its initial value (they are idempotent) and
      every other carried value from its identity, storing its results in
      a buffer of partials; then one loop combines the partials in chunk
      order. An element only ever takes the element's place, as in the
      sequential loop (fad.max skips a NaN element). With checks or a
      boundary case such a loop stays sequential;
    - a loop with checks, or with a boundary case (`iv == v` or `iv != v`
      for a loop-invariant v: defined outside, or by a few pure ops of the
      body on such values; e.g. a stencil's `if i == 0`), runs in
      chunks as above (without jump points unless `unwind-checks`), whose
      copies of the loop are bounded by the loop's own bounds (c is the
      thread count `fad_rt_chunks`, read once at the function's start);
    - before that, such a loop (at most 400 ops) is split at up to two
      boundary cases into pieces where the comparison is a constant: for
      `iv == v`, [lb, c), [c, e) and [e, ub) with c = v clamped to
      [lb, ub] and e = c + 1 if lb <= v < ub else c (for constants lb <= v
      the last piece starts at the constant v + 1, and the first exists
      only when lb < v); the middle piece stays sequential;
    - after a size check `scf.if (a != b) { fail }`, the uses of the later
      defined of a and b that the check dominates read the other, so that
      an outlined body compares its indices with the extent its loop runs
      to (LLVM, which sees neither the check nor that the loop starts past
      the boundary, could otherwise prove no index in bounds and would not
      vectorize the body).
    Loops nested in a parallel loop stay sequential.

    Before:
    ```mlir
    %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
      %x = memref.load %a[%i] : memref<?xf64>
      %e = math.exp %x : f64
      %t = arith.addf %acc, %e : f64
      scf.yield %t : f64
    } {fad.parallel}
    ```
    After:
    ```mlir
    %big = arith.cmpi sge, %n, %threshold : index
    %s = scf.if %big -> (f64) {
      %p = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f64 {
        %x = memref.load %a[%i] : memref<?xf64>
        %e = math.exp %x : f64
        scf.reduce(%e : f64) {
        ^bb0(%l: f64, %r: f64):
          %t = arith.addf %l, %r : f64
          scf.reduce.return %t : f64
        }
      }
      scf.yield %p : f64
    } else {
      // the original scf.for
    }
    ```
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"50000",
           "Smallest estimated work (trip count times body cost) run in parallel">,
    Option<"allowChecks", "allow-checks", "bool", /*default=*/"false",
           "Bodies may call the runtime's check failures (executables only)">,
    Option<"unwindChecks", "unwind-checks", "bool", /*default=*/"false",
           "Loops with checks run as one chunk per thread that a failed check abandons (libraries, the REPL)">,
    Option<"hostThreads", "host-threads", "bool", /*default=*/"false",
           "The loops run on the host's threads: loops with checks or boundary cases in chunks, split at the boundaries">,
    Option<"selectReductions", "select-reductions", "bool", /*default=*/"false",
           "Also maxima and minima (compare and select) are reductions (GPU targets)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect", "::mlir::scf::SCFDialect"];
}

def FADInlineAllocaScopes : Pass<"fad-inline-alloca-scopes"> {
  let summary = "Inline memref.alloca_scope ops that hold no stack allocation";
  let description = [{
    Runs after `convert-scf-to-openmp`, which wraps each parallel loop body
    in a `memref.alloca_scope`. The scope's region must stay one block, so
    `convert-scf-to-cf` could not lower the branches of the body's run-time
    checks inside it; upstream canonicalization keeps the scope whenever the
    body calls a function. fad-parallelize admits no `memref.alloca` into a
    parallel body, so the scope has nothing to release: it is inlined.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def FADCopyViewCallArguments : Pass<"fad-copy-view-call-arguments"> {
  let summary = "Pass copies of views, not the views, to functions taking whole buffers";
  let description = [{
    Runs right after one-shot bufferization, before deallocation. Function
    boundaries have identity layouts, and one-shot bufferization passes a
    view with an offset (a row `m[i]`) to such a function through a
    `memref.cast` to the identity layout, which keeps the buffer but not
    the offset: the callee read row 0 for every row. (Only fad-repl calls
    functions compiled separately; fadc inlines every def.) Each call
    argument that is such a cast gets a fresh buffer with the view's
    contents instead; the deallocation pipeline frees it after the call.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def FADTightenBufferLayouts : Pass<"fad-tighten-buffer-layouts"> {
  let summary = "Give the buffers `scf.if`s and loops yield the layout they all have";
  let description = [{
    Runs after bufferization and deallocation. One-shot bufferization types
    an `scf.if` result whose branches yield buffers of different types as
    fully dynamic (`memref<?xf64, strided<[?], offset: ?>>`), and keeps that
    type after canonicalization has made the branches' buffers alike (two
    `memref<3xf64>`). Code that reads the result then computes addresses
    with strides known only at run time: LLVM vectorizes such a loop only
    after checking at run time that the stride is 1, and a parallel loop's
    body, outlined, loses what the enclosing function knew of it.

    Where every branch yields a `memref.cast` (or a buffer) whose types
    share more static facts than the result's type -- sizes, strides or
    offset that agree -- the result takes the most static type they all
    cast to (the identity layout where that is what they share), the
    branches yield their buffers in it, and a cast back to the old type
    follows the `scf.if`; the cast is then folded into its users (loads,
    stores, views, copies, dims), which see the static facts. Nested
    `scf.if`s tighten from the inside out. A buffer an `scf.for` carries
    is retyped likewise when the buffer it starts from and those each
    iteration can yield (through casts and `scf.if`s; the carried buffer
    itself adds nothing) share a more static type.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def FADScopeParallelAccesses : Pass<"fad-scope-parallel-accesses"> {
  let summary = "Tell LLVM which accesses of a parallel region reach distinct buffers";
  let description = [{
    Runs last on host code, on the LLVM dialect. OpenMP's translation
    outlines each `omp.parallel` region into a function that receives the
    region's buffers through memory: LLVM then no longer sees that they
    are distinct allocations, and vectorizes the region's loops behind
    run-time checks of overlap (the same loops in place need none).

    Each load and store of the region whose pointer
    derives (through `getelementptr`s and memref descriptor fields) from a
    buffer allocated before the region -- an allocation call or an
    `llvm.alloca` -- or from an argument of the function gets alias scopes
    (one domain per region): one scope per allocation, one for all the
    arguments together (arguments may share memory with each other, never
    with a fresh allocation). An access is in its buffer's scope and
    aliases no access of another scope. Accesses that reach anything else
    (a pointer through a block argument or loaded from memory, a buffer
    allocated inside the region), and calls, keep no scope and may alias
    everything.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def FADHoistChecks : Pass<"fad-hoist-checks"> {
  let summary = "Check a loop's indices once, before it, instead of in every iteration";
  let description = [{
    Runs on bufferized IR (scf + memref), before fad-parallelize. A check
    (`scf.if %failed { call @fad_rt_index_error(...) }`, or any of the
    runtime's check failures) at the top level of an `scf.for` body moves
    before the loop, guarded by the loop running at least once, when
    - `%failed` is loop-invariant (computed by pure ops from values defined
      outside the loop), or
    - `%failed` is convert-fad-to-scf's range check `not (lower <= x <
      upper)` with loop-invariant bounds, of an index x = k·i + c that
      moves with the induction variable i (k ≠ 0; index_cast, addi, subi
      and muli by a constant: a map's i, an unrolled loop's 4·i + j, a
      reverse sweep's n - 1 - i). Some iteration fails it iff the first x
      is outside the range or the loop runs more iterations than x stays
      inside from there (compared as counts, so that no index far past
      the bound is formed and nothing overflows); the hoisted check
      reports the index of the first iteration that would fail.

    A hoisted size check `a != b` (values defined before the loop) leaves
    a == b wherever the body runs: the body's uses of the one defined later
    read the other (through the i64 casts of compared extents), which is
    what fad-parallelize does after such a check in place.

    Loops are taken innermost first, so a check climbs as far as its
    values allow. A loop that calls an external function other than a check
    failure or a `fad.thread_safe` one (runtime output, communication)
    keeps its checks: what it does before failing can be seen. A program whose checks all pass runs the same
    operations; one that fails reports the same failure, except that, of
    several failing checks, the one reported may be another. The loop's body
    then has no exit but its end: LLVM vectorizes it whole (a loop with an
    early exit keeps a scalar epilogue of up to a vector's width times the
    interleave count of iterations: half of a 64-element row), and a
    parallel body has no check left.

    Before:
    ```mlir
    scf.for %i = %c0 to %n step %c1 {
      %x = arith.index_cast %i : index to i64
      %ge = arith.cmpi sge, %x, %c0_i64 : i64
      %lt = arith.cmpi slt, %x, %m : i64
      %ok = arith.andi %ge, %lt : i1
      %failed = arith.xori %ok, %true : i1
      scf.if %failed {
        func.call @fad_rt_index_error(%where, %x, %m) : (!llvm.ptr, i64, i64) -> ()
      }
      ...
    }
    ```
    After (in effect): `if (0 < n && n > m) fad_rt_index_error(where, m, m)`
    before the loop, and no check in it.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect"];
}

def FADHoistLoopBuffers : Pass<"fad-hoist-loop-buffers"> {
  let summary = "Allocate a sequential loop's per-iteration buffers once, before it";
  let description = [{
    Runs after bufferization, deallocation and fad-parallelize. A
    `memref.alloc` at the top of an `scf.for` body whose sizes are defined
    outside the loop and whose buffer the same body frees unconditionally
    (`memref.dealloc` in that block: the buffer does not outlive the
    iteration) moves before the loop, and its dealloc after it: one
    allocation instead of one per iteration (AD's reverse sweeps build small
    rows per iteration). Applied innermost loops first, so a buffer climbs
    as far as its sizes allow. `scf.parallel` bodies keep their buffers:
    each thread needs its own.

    Before:
    ```mlir
    scf.for %i = %c0 to %n step %c1 {
      %b = memref.alloc(%d) : memref<?xf64>
      ...
      memref.dealloc %b : memref<?xf64>
    }
    ```
    After:
    ```mlir
    %b = memref.alloc(%d) : memref<?xf64>
    scf.for %i = %c0 to %n step %c1 {
      ...
    }
    memref.dealloc %b : memref<?xf64>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def FADPromoteBuffersToStack : Pass<"fad-promote-buffers-to-stack"> {
  let summary = "Keep small buffers that live within one iteration on the stack";
  let description = [{
    Runs on host code after convert-scf-to-openmp. A small array of fixed
    extents built in a loop body (a point's 3 coordinates, a row of 15
    tangents) costs a call of the allocator and of `free` per iteration,
    and keeps LLVM from holding its elements in registers. Such a
    `memref.alloc` (static shape, at most `max-bytes` bytes) becomes one
    `memref.alloca` at the start of the function -- or of the `omp.parallel`
    region around it, so that each thread has its own -- and its
    deallocations go, when every use of the buffer and of its views stays in
    the run of the block that allocates it: the buffer reaches no loop's
    yield or condition, no `return`, no call and no op that produces a
    buffer other than a view (a view is followed as the buffer itself); an
    `scf.if` may yield it, and its result is then followed too, if every
    branch yields a promoted buffer there. The buffer is then dead before
    its allocation runs again, so one slot serves every iteration. The slots
    of a function (or parallel region) take at most `max-function-bytes`
    bytes (threads of a host program may have small stacks); allocations
    beyond stay on the heap.

    First, extents that are the same constant on every path get that
    constant: a `memref.dim` of a buffer whose type has the extent, or of
    an `scf.if` result that every branch yields with it (through casts),
    and then an allocation whose sizes are all constants gets a static
    type behind a `memref.cast`. (A tangent row sized by the array an `if`
    chose -- a rotation that is the identity for small angles -- is then of
    fixed extents.)
  }];
  let options = [
    Option<"maxBytes", "max-bytes", "int64_t", /*default=*/"1024",
           "The largest buffer, in bytes, kept on the stack">,
    Option<"maxFunctionBytes", "max-function-bytes", "int64_t", /*default=*/"16384",
           "The most stack, in bytes, that the promoted buffers of a function or parallel region take">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def FADExpandStridedCopies : Pass<"fad-expand-strided-copies"> {
  let summary = "Copy between memrefs with non-identity layouts by loops";
  let description = [{
    `memref.copy` between views that are not both contiguous lowers to a
    call of the runtime's generic `memrefCopy` (descriptors built on the
    stack, an odometer per call). Writing a row into a matrix (a row of an
    adjoint, per iteration of a reverse sweep) is such a copy; as a loop
    nest of loads and stores LLVM inlines, vectorizes or turns it into
    memcpy.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"];
}

def FADInterleaveFolds : Pass<"fad-interleave-folds"> {
  let summary = "Run a maximum or minimum of floats as eight interleaved folds";
  let description = [{
    Runs on host code after fad-parallelize. A float maximum or minimum is a
    compare and a select (`acc uge x ? acc : x`: a NaN element is skipped,
    the first of equal elements kept), and LLVM vectorizes such a fold
    only with no-NaNs and no-signed-zeros flags, which would make a NaN
    element poison. So an innermost `scf.for` with step 1 whose every
    carried value is such a fold (an ordering compare of the accumulator
    and an element computed without reading any carried value, the select
    keeping the accumulator whenever a NaN is compared: a maximum or
    minimum of the non-NaN elements, which is associative), whose body
    writes nothing and has at most 64 ops, and which is not known to run
    fewer than 16 iterations, runs as eight folds: lane k takes the
    iterations i ≡ k (mod 8) of the first 8 ⌊n / 8⌋, each from the loop's
    initial value (a maximum is idempotent, as the partials of
    fad-parallelize also rely on); the lanes are then folded in order, and
    a loop over the last n mod 8 iterations continues from there. LLVM
    vectorizes the eight lanes' steps. The result is the sequential
    fold's, but for the sign of a zero extreme when +0 and −0 are its ties
    in different lanes.

    Before:
    ```mlir
    %m = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %ninf) -> (f64) {
      %x = memref.load %a[%i] : memref<?xf64>
      %ge = arith.cmpf uge, %acc, %x : f64
      %s = arith.select %ge, %acc, %x : f64
      scf.yield %s : f64
    }
    ```
    After: a loop with step 8 carrying eight accumulators, the eight
    folded in order, then a loop from 8 ⌊n / 8⌋ to n.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect"];
}

def FADFuseLoweredLoops : Pass<"fad-fuse-lowered-loops"> {
  let summary = "Run a lowered parallel loop that reads an array as it is built in the loop building it, or in the loop reading it too";
  let description = [{
    Runs after convert-fad-to-scf, on scf/tensor code. Two `scf.for` loops
    of one block marked `fad.parallel` (lowered maps, builds and
    reductions, not the shares of a split accumulation), the second reading
    results of the first only as `tensor.extract` at its own induction
    variable, where the first's iteration i wrote `tensor.insert v into
    state[i]`, become one loop: the first's body, then the second's reading
    v. The second must have the same start and step, run the first's trip
    count (its upper bound, or the extent of one of its results built from
    an empty tensor of that extent), read nothing computed after the first
    begins, and have no effects (no checks): interleaved with the first, it
    computes the same and fails nowhere the program would not. The fused
    loop carries both loops' states and stays parallel.

    This is the fusion that fad-fuse leaves: a map whose array has several
    readers stays a map, and a reduction of it (the sum of lse's
    exponentials, which the gradient also keeps) read the array back from
    memory. Now it adds each element as it is computed.

    Siblings fuse too: a second loop that reads no result of the first
    but reads one of the same arrays at its own induction variable, with
    the same bounds as above, when neither loop has effects. The array is
    then read once (lse's gradient: the search for the position of the
    maximum runs in the loop that sums the exponentials).

    Before:
    ```mlir
    %e = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty) -> (tensor<?xf64>) {
      %v = math.exp ...
      %t2 = tensor.insert %v into %t[%i] : tensor<?xf64>
      scf.yield %t2 : tensor<?xf64>
    } {fad.parallel}
    %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
      %x = tensor.extract %e[%i] : tensor<?xf64>
      %acc2 = arith.addf %acc, %x : f64
      scf.yield %acc2 : f64
    } {fad.parallel}
    ```
    After:
    ```mlir
    %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%t = %empty, %acc = %zero)
        -> (tensor<?xf64>, f64) {
      %v = math.exp ...
      %t2 = tensor.insert %v into %t[%i] : tensor<?xf64>
      %acc2 = arith.addf %acc, %v : f64
      scf.yield %t2, %acc2 : tensor<?xf64>, f64
    } {fad.parallel}
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"];
}

def FADReuseDeadArrays : Pass<"fad-reuse-dead-arrays"> {
  let summary = "Build a lowered array in the buffer of an array it reads element by element for the last time";
  let description = [{
    Runs before one-shot bufferization (when it works in place), on
    scf/tensor code. A loop nest building an array element by element from
    an empty tensor (each loop's state carried on by the next loop inside
    it, the innermost writing `tensor.insert v into state[ivs]` at the
    nest's induction variables, each once) starts instead from an array
    `a` of the same type and extents that it reads at the element it
    writes, before writing it, when that is `a`'s last read: every other
    use of `a` is a `tensor.dim` or comes before the nest in its block and
    yields no array (which could be `a` itself, read later: bufferization
    would copy `a`). Extents are the same when both arrays start as one
    array or each dynamic extent was created from one value, following a
    loop's result back to its initial value only when the loop builds it
    in its own state (not a state whose extent changes).
    Those reads then read the state, whose element is still `a`'s when it
    is read, as each iteration writes its own element. `a` must be a
    fresh array built in the nest's block (from an empty tensor, not a
    function argument or a view of one), so one-shot bufferization reuses
    its buffer: the nest reads and writes one buffer instead of reading
    one and filling another, and the program allocates one array less.
    A reverse sweep that scales the tape its forward sweep stored (the
    softmax of lse's gradient) is this case.

    Before:
    ```mlir
    %e = scf.for ... iter_args(%t = %empty) -> (tensor<?xf64>) { ... }
    %g = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %empty) -> (tensor<?xf64>) {
      %x = tensor.extract %e[%i] : tensor<?xf64>
      %y = arith.mulf %x, %s : f64
      %acc2 = tensor.insert %y into %acc[%i] : tensor<?xf64>
      scf.yield %acc2 : tensor<?xf64>
    }
    ```
    After: the second loop starts from `%e` (`iter_args(%acc = %e)`) and
    reads `tensor.extract %acc[%i]`.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def FADEmptyOverwrittenStates : Pass<"fad-empty-overwritten-states"> {
  let summary = "Start a loop's array state from an empty tensor when the loop overwrites every row before reading it";
  let description = [{
    Runs on scf/tensor code before bufferization. An `scf.for %i` from 0 to
    n step 1 whose array state has outer extent n (created with n, or n
    static), and whose body writes row i of it, whole (one
    `tensor.insert_slice` at offsets [%i, 0, ...] and full extents, or a
    `tensor.insert` at [%i] of a vector), reading the state and the written
    value in no other way than for their extents and yielding the written
    value, never reads the state's initial contents: every row is written,
    each before anything could read it. That state then starts from an
    empty tensor of the same extents, and its former initial value is
    erased where nothing else uses it and computing it has no effect.

    A reverse-mode tape is this case: it starts as zeros and its loop
    writes row i in iteration i. Bufferization allocated and filled the
    zeros and, when CSE had merged several tapes' zeros, copied them into
    each tape's buffer on every run of the loop (13 copies per layer loop in
    lstm's gradient).

    Before:
    ```mlir
    %z = linalg.fill ins(%cst : f64) outs(%e : tensor<?x?xf64>) -> tensor<?x?xf64>
    %t = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %z) -> (tensor<?x?xf64>) {
      %r = ... : tensor<?xf64>
      %w = tensor.insert_slice %r into %acc[%i, 0] [1, %m] [1, 1]
          : tensor<?xf64> into tensor<?x?xf64>
      scf.yield %w : tensor<?x?xf64>
    }
    ```
    After: the loop starts from `tensor.empty(%n, %m)`, and the fill is gone.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def FADHoistExtents : Pass<"fad-hoist-extents"> {
  let summary = "Measure each lowered array where it is made";
  let description = [{
    Runs on scf/tensor code before empty-tensor elimination. Each
    `tensor.dim` moves to just after its array's definition (the start of
    the block, for a block argument): reading an extent has no effect and
    the array's extents never change, so its value is the same there.

    Empty-tensor elimination builds a row that is then inserted into an
    array (a tape's row i) directly in that array, replacing the row's
    empty tensor by the array's slice, but only where every value the
    slice needs is known: an extent measured just before the insertion,
    after the row was built, made it give up, and the row was built in a
    buffer of its own and copied (14 rows of 14 floats per layer step in
    lstm's gradient).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def FADPrivateScratch : Pass<"fad-private-scratch"> {
  let summary = "Give every use of an empty tensor, and every loop result, its own buffer";
  let description = [{
    Runs before bufferization. CSE merges equal `tensor.empty`s, also one in
    a loop body with one before the loop. One-shot bufferization treats an
    empty tensor's contents as undefined and so misses conflicts between
    writers that start from one merged empty: an outer loop's result and an
    inner loop's state, or two loops of one block of which the second reads
    the first's result, then share one buffer and overwrite each other (a
    wrong result), and the chunks of a split accumulation share one scratch
    buffer (no parallelism). Each use of a `tensor.empty` gets its own copy,
    placed just before its user, as convert-fad-to-scf made it (an empty
    tensor is only a shape, so the copy is the same value);
    fad-hoist-loop-buffers later allocates a sequential loop's
    per-iteration buffers once where their sizes allow.

    Loops get the same care: one-shot bufferization takes a loop result
    whose yield is not its own iteration argument for a fresh buffer, so a
    tensor yielded at two places (or another state's argument, or a value
    from outside the loop) would give two results one buffer unseen. A for
    loop's states that start and continue alike are merged; any other such
    yield, and a tensor a while loop forwards twice, is copied
    (`bufferization.alloc_tensor ... copy`).
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::tensor::TensorDialect"];
}

def FADPreciseMathToLibm : Pass<"fad-precise-math-to-libm", "mlir::ModuleOp"> {
  let summary = "Call libm's log1p and expm1 (and only those)";
  let description = [{
    Runs before convert-math-to-llvm, which would expand `math.log1p` into
    `log(1 + x)` and `math.expm1` into `exp(x) - 1`: both lose every digit
    near 0 (log1p 1e-10 would be off in the 8th digit, log1p 1e-300 zero).
    These two become calls to libm's `log1p`/`log1pf` and `expm1`/`expm1f`;
    every other math op keeps its LLVM intrinsic (which vectorizes).
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect"];
}

def FADGPUReductions : Pass<"fad-gpu-reductions", "mlir::ModuleOp"> {
  let summary = "Turn reducing scf.parallel loops into reduction-free ones (GPU targets)";
  let description = [{
    Runs after fad-parallelize, before the parallel loops are mapped to the
    GPU (`convert-parallel-loops-to-gpu` maps no `scf.reduce`). A loop
    `scf.parallel (%i) = (%lb) to (%ub) init (%init)` over n iterations
    whose `scf.reduce` combines k values becomes
    1. a parallel loop over P = ceil(n / ceil(n / max-partials)) threads
       (at most `max-partials`, each with at least one iteration): thread t
       folds iterations lb + t, lb + t + P, ... (neighbouring threads read
       neighbouring elements: coalesced) starting from its first
       iteration's value (combined with `init` when every combiner is a
       compare and select, a maximum or minimum, which is idempotent: an
       element then only ever takes the element's place, as in the
       sequential fold, where fad.max skips a NaN element that in the
       accumulator's place would win), and stores the result in
       `partials[t]`;
    2. a host loop of tree levels: while m > 1, with h = ceil(m / 2), a
       parallel loop over m - h threads sets
       `partials[i] = partials[i] <op> partials[i + h]` (each level is one
       kernel launch: the launch boundary is the grid-wide barrier); and
    3. the result `init <op> partials[0]` (just `init` when n = 0).
    The combiner must be associative and commutative (fad-parallelize makes
    reductions of `addf`, `mulf`, `addi` and `muli`, and with
    `select-reductions` of maxima and minima), as OpenMP's reductions also
    assume. `max-partials` must be at least 1. No barrier, shared memory or warp shuffle is
    needed, so the emulated launch runs these kernels exactly.
  }];
  let options = [
    Option<"maxPartials", "max-partials", "int64_t", /*default=*/"65536",
           "Most partial results (threads) of the first level">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def FADGPUSinkGlobals : Pass<"fad-gpu-sink-globals"> {
  let summary = "Read constant arrays inside gpu.launch bodies";
  let description = [{
    Runs after `convert-parallel-loops-to-gpu` and CSE (which would merge
    the clones with the host's `get_global`), before `gpu-kernel-outlining`.
    An array literal is a `memref.global` of host read-only data; a launch
    that reads one through a `memref.get_global` defined outside it would
    pass the kernel a host pointer. The `get_global` is cloned into the
    launch body, and outlining then copies the global into the kernel's
    `gpu.module` (device memory).
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def FADGPUDeviceRuntime : Pass<"fad-gpu-device-runtime", "mlir::ModuleOp"> {
  let summary = "Give GPU kernels the runtime functions they call, and mark the program";
  let description = [{
    Runs after `gpu-kernel-outlining`, for `--target=cuda`. A kernel may
    call the runtime's check failures (`fad_rt_fail`, `fad_rt_index_error`,
    `fad_rt_size_error`), which exist only on the host. In each
    `gpu.module` their declarations get a body that traps: the launch then
    fails, and the host runtime ends the program with an error that says a
    check failed in a kernel. Any other function a kernel calls without a
    body is an error. The host module gets the global byte
    `fad_gpu_program`, by which the runtime knows to start the GPU (or to
    fail with one clear line where there is none) and to allocate arrays
    in managed memory.

    Kernels compute math functions with libdevice, the CUDA toolkit's
    bitcode library, linked in when the PTX is made; the math ops that the
    upstream NVVM conversion does not map to it (asin, acos, sinh, cosh,
    asinh, acosh, atanh) become calls of its `__nv_` functions here. Without it
    (`has-libdevice=false`) a kernel using a math op is an error at that op.
  }];
  let options = [
    Option<"hasLibdevice", "has-libdevice", "bool", /*default=*/"true",
           "libdevice was found (math ops in kernels are allowed)">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect"];
}

def FADEmulateGPULaunches : Pass<"fad-emulate-gpu-launches", "mlir::ModuleOp"> {
  let summary = "Run outlined GPU kernels on the CPU, looping over blocks and threads";
  let description = [{
    Runs after `gpu-kernel-outlining`, for `--target=cuda-emulate`. Each
    kernel becomes a host function taking its block and thread ids and the
    grid and block sizes before its own arguments; each `gpu.launch_func`
    becomes loops over the grid's blocks and each block's threads calling
    it, so that the kernels' index arithmetic, guards and reduction code
    run exactly as on a GPU. A kernel that synchronizes its threads
    (`gpu.barrier`, shuffles) or uses workgroup memory cannot be run one
    thread at a time: that is an error (fad's kernels use neither). The
    `gpu.module`s are removed.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::scf::SCFDialect"];
}

#endif // FAD_LOWERING_PASSES_TD
