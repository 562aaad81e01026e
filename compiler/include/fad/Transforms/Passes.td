//===- Passes.td - fad transformation passes ---------------*- tablegen -*-===//
//
// Declares the passes that transform fad IR into fad IR: the AD passes.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_TRANSFORMS_PASSES_TD
#define FAD_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FADJvp : Pass<"fad-jvp", "mlir::ModuleOp"> {
  let summary = "Forward-mode AD: replace every fad.jvp by its linearization";
  let description = [{
    Replaces each `fad.jvp` op by its body, linearized: the primal ops and,
    interleaved with them, the ops computing the tangents of their results
    from the tangents of the op's arguments. Innermost ops go first, so a
    derivative nested in a differentiated function is differentiated as a
    program (no perturbation confusion). Zero tangents are symbolic: they are
    skipped, and only materialized (as constants or `fad.zeros_like`) where a
    structured op's shape needs them.

    Before:
    ```mlir
    %y, %dy = fad.jvp (%x) tangents(%dx) : (f64), (f64) -> (f64, f64) {
    ^bb0(%a: f64):
      %s = fad.sin %a : f64
      fad.yield %s : f64
    }
    ```
    After:
    ```mlir
    %y = fad.sin %x : f64
    %c = fad.cos %x : f64
    %dy = fad.mul %c, %dx : f64
    ```
    An op that has float results, reads a tangent and has no derivative rule
    is a located error.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def FADVjp : Pass<"fad-vjp", "mlir::ModuleOp"> {
  let summary = "Reverse-mode AD: replace every fad.vjp by linearize then transpose";
  let description = [{
    Replaces each `fad.vjp` op, innermost first, by the transpose of its
    body's linearization: the body is linearized (forward mode) with the
    primal computation separated from the linear tangent computation, and the
    linear part is transposed op by op (TransposeOpInterface), last op first,
    from the op's cotangents to the adjoints of its arguments. Structured ops
    transpose into loops over their elements or iterations; loops keep their
    states on a tape (store-all). An op of the linear part without a
    transpose rule is a located error.

    Before:
    ```mlir
    %y, %xAdj = fad.vjp (%x) cotangents(%yAdj) : (f64), (f64) -> (f64, f64) {
    ^bb0(%a: f64):
      %s = fad.sin %a : f64
      fad.yield %s : f64
    }
    ```
    After:
    ```mlir
    %y = fad.sin %x : f64
    %c = fad.cos %x : f64
    %xAdj = fad.mul %c, %yAdj : f64
    ```
  }];
  let options = [
    Option<"checkpoint", "checkpoint", "::fad::CheckpointPolicy",
           /*default=*/"::fad::CheckpointPolicy::Auto",
           "How reverse mode keeps loop states", "::llvm::cl::values(FAD_CHECKPOINT_POLICY_VALUES)">,
    Option<"reportTapes", "report-tapes", "bool", /*default=*/"false",
           "Emit a remark per loop under reverse mode with what its tape keeps">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def FADSharePrimals : Pass<"fad-share-primals", "mlir::ModuleOp"> {
  let summary = "Take values that an AD op's body also computes from the AD op";
  let description = [{
    Runs before fad-ad. A `fad.jvp` or `fad.vjp` computes its body's results
    (the primal values) along with the derivatives. When the block holding
    the AD op also computes one of those values by itself, with the same ops
    on the values the AD op's arguments stand for, its uses that the AD op
    dominates read the AD op's result instead, and the copy is erased once
    unused. So `f x` next to `grad f x` (value and gradient), or `grad f x`
    next to `jvp (grad f) x v` (a Newton step: gradient and Hessian-vector
    product), is computed once:

    ```mlir
    %y, %g = fad.vjp (%x) cotangents(%one) ... { ^bb0(%a): %v = fad.sin %a ... }
    %s = fad.sin %x : f64        // uses of %s after the vjp read %y
    ```

    Ops are equal when they have the same name, attributes, result types and
    regions (compared op by op) and equal operands; constants by value.
    Ops whose effects are other than failing a run-time check (`fad.trace`,
    calls) are never shared.
  }];
}

def FADAutodiff : Pass<"fad-ad", "mlir::ModuleOp"> {
  let summary = "All AD: replace every fad.jvp and fad.vjp, innermost first";
  let description = [{
    Runs the expansions of `fad-jvp` and `fad-vjp` over all AD ops in
    post-order, so that derivatives of derivatives, of either mode, are
    differentiated as programs. This is the only AD pass the compiler's
    pipeline uses. `fad-jvp` and `fad-vjp` stay as passes of their own for
    tests: each shows one mode's expansion alone (and refuses an op of the
    other mode inside it), which is what the lit tests of each mode check.
  }];
  let options = [
    Option<"checkpoint", "checkpoint", "::fad::CheckpointPolicy",
           /*default=*/"::fad::CheckpointPolicy::Auto",
           "How reverse mode keeps loop states", "::llvm::cl::values(FAD_CHECKPOINT_POLICY_VALUES)">,
    Option<"reportTapes", "report-tapes", "bool", /*default=*/"false",
           "Emit a remark per loop under reverse mode with what its tape keeps">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def FADFuse : Pass<"fad-fuse", "mlir::ModuleOp"> {
  let summary = "Fuse maps into their consumers and with each other, builds into indexing; hoist invariants";
  let description = [{
    Runs after AD, on its output. First, the canonicalization patterns of
    dim, zeros_like, map and build (the extent of a map's or build's result
    taken from its operands, `dim(map f xs) = dim xs`, `dim(build n f) =
    n`; a zero array of a map's or build's one-dimensional shape built over
    its extent, so the map need not run; a map's result that its body
    yields as an argument unchanged is that input; unused results of maps
    and builds dropped), the extent of a loop's state taken from its init
    when every iteration keeps it (also for a zero array of a
    one-dimensional state's shape), and maps, builds, folds and
    counted loops whose
    results are unused and whose only effects are extent and bounds checks
    are erased (AD computes the primal value next to a derivative even when
    only the derivative is used). Then a build that replaces one element,
    `build n (\k -> if k == j then v else a[k])` (of one or more arrays: a
    value and its tangent), becomes `if (0 <= j < n and a has n elements)
    update a j v else` the build: one element written, in place when `a`
    is a loop's state, instead of a copy of the whole array per iteration.
    Then an adjoint that reaches one element
    is accumulated there: `acc + map f xs onehot`, with `onehot = build n
    (\i -> if i == j then v else 0)` (the adjoint of a minimum or maximum)
    and f zero where its one-hot argument is, becomes `add_at acc[j] (f
    xs[j] v)` when 0 <= j < n (else acc) — one row instead of n. And a
    sum of products with a factor k the same at every element (defined
    outside the map, or a broadcast input), `sum (map (\.. -> k * t) xs)`,
    becomes `k * sum ts` when the array ts of the other factor exists (an
    input of the map, or a result it also yields): lse's adjoint through
    its maximum then reuses the primal's sum of exponentials. Then
    producer-into-consumer rewrites,
    repeated to a fixed point, then sibling maps, then the first ones again:

    - map into map: `map g (map f xs) ys` becomes one map whose body is f
      followed by g, when the inner map's only result has no other use;
    - map into reduce: `reduce op z (map f xs)` becomes a sequential
      `fad.for` over the extent of xs whose body indexes xs, applies f and
      combines with op, when the map's results have no other use (a reduce
      of several arrays may read all results of one map, and inputs of
      it). The intermediate array is never built;
    - result into consumer: a reduce, a map or an add_at of one result of
      a map or build of several, read by nothing else, reads a map or build
      of that result alone (which then fuses), when computing it again is
      cheap: no transcendental function or loop, at most two arrays read
      (the transpose of a dot product yields both adjoints from one map;
      each then goes into its own consumer);
    - row into add_at: inside a sequential `fad.for` (a reverse sweep),
      `add_at a[is] (map f xs)` or `(build n f)` of a row of scalars
      becomes a `fad.for` over the row adding each element at `[is, j]`,
      after the add_at's checks (the indices, the row's extent): no row is
      built (the transpose of `sum (map2 (*) l z)` adds `y z` to a row of
      the adjoint of `l`). Outside sequential loops the map stays, to run
      in parallel;
    - map into loop: a `fad.for` that is the only reader of a map's results
      and reads them only at its counter computes the element itself (the
      loop finding a minimum and its position, for the minimum's adjoint);
    - build into reduce: `reduce op z (build n f)` becomes the same kind of
      loop over the index, after the build's check that `n >= 0` (also a
      reduction of several results of one build, each read by nothing
      else: a sum and its tangent lanes);
    - a term zero in one branch: `acc + (if c then 0 else e)`, for a
      result of the if read by nothing else (a scalar, or a vector added
      elementwise), becomes `if c then acc else acc + e`; the zero branch
      keeps the extent check the map would have made. A sum whose terms
      are zero under a condition (a zero weight) adds only its nonzero
      ones: in forward mode, a zero term's tangent lanes are not added;
    - build into index: `(build n f)[i]` becomes `f i` after a check that
      `0 <= i < n` (none for an index marked `fad.in_bounds`), when the
      array has no other use and f has no effects;
    - builds into maps, reductions and indexing also when the build is a
      broadcast (its body only yields a value from outside), however many
      readers it has; a broadcast read by a map of several inputs becomes
      the value itself in the map's body, which stays a map of the other
      inputs (so it may still overwrite one of them, as `xAdj + c ys`
      does);
    - elementwise accumulation: a `fad.for` over n whose state component
      starts as zeros of extent n and is only `add_at acc[i] (v i)` (a
      scalar) at the counter, with v reading no state, gives `build n v`
      instead (each element is written once; not for a state only added
      into a row of another array, which the in-place rewrite below
      handles); a component every iteration yields unchanged is dropped
      from the loop;
    - sibling maps: two maps of the same block over the same inputs become
      one map with the results of both (the inputs are read once), when
      nothing with effects and no use of the first lies between them.

    No producer with a costly body (a transcendental function or a loop) is
    fused into a consumer nested in a loop or structured op it is outside
    of: it would run once per iteration instead of once.

    Then a row adjoint collected in private zeros and added to row i of an
    outer accumulator, `add_at outer[i] (for ... iter(zeros_like row)
    {add_at into the state})`, accumulates there directly: the loop starts
    from `outer` and each add_at gets i in front of its indices (through
    nested loops too, and an extent read of the row becomes that of the
    next dimension); the row is neither cleared nor added.

    Extents stay checked: a fused map keeps all inputs (its lowering checks
    they agree), and a fused reduction asserts that the map's inputs agree.
    Finally, MLIR's loop-invariant code motion runs on the bodies of map,
    build, reduce, scan and loop (LoopLikeOpInterface), innermost first: an
    op that does not depend on the iteration, has no memory effect and is
    speculatable moves before the structured op. The ops that check their
    operands at run time (index, add_at, update, an array literal, an
    integer division, remainder or power) are not speculatable, so none
    fails where the program would not (a body that runs no iteration).

    Before:
    ```mlir
    %m = fad.map (%x) : (tensor<?xf64>) -> tensor<?xf64> {
    ^bb0(%a: f64):
      %e = fad.exp %a : f64
      fad.yield %e : f64
    }
    %s = fad.reduce inits(%zero) arrays(%m) : (f64), (tensor<?xf64>) -> f64 {
    ^bb0(%acc: f64, %v: f64):
      %t = fad.add %acc, %v : f64
      fad.yield %t : f64
    }
    ```
    After:
    ```mlir
    %n = fad.dim %x[0] : tensor<?xf64>
    %s = fad.for %n iter(%zero) : (f64) -> f64 {
    ^bb0(%i: i64, %acc: f64):
      %a = fad.index %x[%i] : tensor<?xf64> -> f64
      %e = fad.exp %a : f64
      %t = fad.add %acc, %e : f64
      fad.yield %t : f64
    }
    ```
  }];
}

def FADCheckCollectives : Pass<"fad-check-collectives", "mlir::ModuleOp"> {
  let summary = "Refuse collectives that processes would run different numbers of times";
  let description = [{
    A collective (fad.allreduce, fad.allgather, fad.reduce_scatter) returns
    only once every process has called it. One inside a map, build,
    reduce, scan or loop whose extent or trip count is per-process (depends
    on process_index or a shard), or inside an `if` on a per-process
    condition, would run a different number of times on different
    processes, which would then wait for each other forever: it is a
    located error, with a note at the op that makes the control
    per-process (ReplicationAnalysis, Replication.h). Runs before AD, on the
    program as written; AD adds collectives only where the program had them.
  }];
}

def FADSplitAccumulations : Pass<"fad-split-accumulations", "mlir::ModuleOp"> {
  let summary = "Run loops that only accumulate into arrays as one share per thread";
  let description = [{
    Runs after fad-fuse. A reverse sweep over the points of a data set adds
    each point's contribution to the adjoints of the parameters (`add_at`)
    in a sequential `fad.for`: no iteration reads what the others added. A
    function-level loop whose whole state is such accumulators (every value
    derived from a state component is only added to as the array of an
    `add_at`, carried through nested loops and conditionals in one position,
    asked for its extents, and yielded in its own position) and whose body
    holds loops or structured ops becomes

    ```
    c = min(fad_rt_chunks(), n)
    if c > 1:
      parts = build c (\t -> loop over [t n / c, (t+1) n / c) from zeros)   -- fad.chunks: parallel
      result = init + parts[0] + ... + parts[c-1]
    else:
      the loop
    ```

    The runtime's `fad_rt_chunks` is the thread count (1 in a library call
    of a `--target=cuda` program, whose loops with run-time checks run
    sequentially on the host).
    Sums then group differently than on one thread: results agree up to
    rounding.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def FADInterchangeAccumulations : Pass<"fad-interchange-accumulations", "mlir::ModuleOp"> {
  let summary = "Put the loop whose data is reused more inside, in accumulating loop nests";
  let description = [{
    Runs after fad-split-accumulations. A reverse sweep over data points i
    often runs, per point, a loop over parameters j (mixture components,
    clusters) that adds to the j-th parameters' adjoints. When each j reads
    or adds to more data than each i (a matrix per component against a
    vector per point), every point streams all of it through the caches. A
    `fad.for` over i whose state is all accumulators (as
    fad-split-accumulations defines them) and whose body is

    ```
    ops computing and checking scalars, and indices and rows of outer arrays at i
    loop over j (its trip count the same for every i) from the state: its result yielded
    ```

    becomes, when the inner body's data that depends on j only has a higher
    rank than its data that depends on i only, and at least rank 1 (the
    rank of a slice read or of the block of an accumulator added to, plus
    one per index that a loop nested in the inner body runs over it),

    ```
    stored = build n (\i -> the outer body's scalars the inner loop reads, its checks)
    loop over j: loop over i: indices and rows at i again, stored[i]; the inner body
    ```

    Each element of an accumulator gets its terms in the same order if only
    one j adds to it (otherwise the sums group differently, as with
    threads). The outer body's checks all run before the inner body's, so a
    failing check may be reported for a different iteration than before.
  }];
}

def FADUnrollJam : Pass<"fad-unroll-jam", "mlir::ModuleOp"> {
  let summary = "Interleave the iterations of accumulating loops that run recurrences or share reads";
  let description = [{
    Runs after fad-split-accumulations. A reverse sweep over data points
    often runs, per point, an inner loop whose every iteration waits for the
    previous one (a recurrence: Horner's rule and its adjoint, a scalar
    state stepped through time). The processor then waits on latencies with
    most of its units idle. Or it adds a row to a whole adjoint array per
    iteration (x̄ += ȳ_r A_r, the transpose of a matrix-vector product by
    rows: an elementwise map over the accumulator), each iteration's loads
    waiting for the previous one's stores. Forward mode makes the same
    map: the tangent of a dot product adds a row of tangent lanes per term,
    while the primal sum adds a scalar. A `fad.for` whose state is all
    accumulators (as fad-split-accumulations defines them, and scalars that
    are only added to: `s + x`), whose body runs
    such an inner loop with a trip count fixed across its iterations or
    such a map, and whose body is small (at most 160 ops) and free of
    effects other than checks, becomes

    ```
    loop over n / factor rounds: iterations factor r, ..., factor r + factor - 1,
      their ops interleaved; each inner loop with a fixed trip count
      merged into one that carries every copy's state side by side; the
      copies' maps adding to an accumulator merged into one map that adds
      every copy's term to each element in turn
    loop over the n mod factor iterations left, as before
    ```

    Merged inner loops are interleaved in turn. Inner loops are merged when
    they carry a state of their own (a recurrence, an array) or when every
    copy adds to the same elements of the accumulators (at indices that are
    the steps of the merged loops or the same in every copy: read and
    written once for all copies); copies that add to different rows of an array
    stay apart (a loop storing to several rows does not vectorize: LLVM
    cannot tell that they do not overlap). Maps whose copies read a common
    array become one map with every copy's results. An op that computes
    the same scalar or row in every copy is cloned once.

    A second round then jams the loops around those jammed first whose
    copies share reads: a loop (state all accumulators, body at most 400
    ops, free of effects other than checks, which may build arrays) whose
    body runs an inner loop adding rows of an array from outside to an
    array of its own. That is the transpose of a matrix-vector product per
    data point (gmm's reverse sweep: z̄ += ȳ_r Q_r, and L̄_r += ȳ_r z, for
    each row r): jammed, each row of Q is read once for `factor` points and
    each row of L̄ read and written once, the rows jammed in the first
    round. Or whose body runs a nest of two loops adding to an accumulator
    of the loop element by element (gmm's L̄_r += ȳ_r z once Qᵀȳ is applied
    outside the points loop, docs/AD.md "Invariant tangents"): jammed, each
    element of L̄ is loaded and stored once for `factor` points.

    A constant trip count below `factor` (a dot product of 3-vectors, its
    extent a checked constant) is the factor: one round runs every
    iteration. When the factor divides a constant trip count, no loop is
    left for the rest. When it jammed a loop, the pass then cleans up: the
    fad ops' canonicalizations (constant trip counts fold, and a loop of
    one trip becomes its body) and producer-consumer fusion, so that a
    jammed dot product of tangent lanes is one map over the lanes that
    also does what followed it (a row of a Jacobian in one pass).

    The copies add to each accumulator one after the other, so an element
    that one inner iteration of every copy adds to gets its sums in the
    original order; otherwise the sums group differently (as with threads).
    A failing check may be reported for a later iteration than before;
    bodies with loops that may not end (`while`, `fixpoint`) are left
    alone, so that none runs before an earlier iteration's failing check.
  }];
  let options = [
    Option<"factor", "factor", "unsigned", /*default=*/"4",
           "How many iterations run interleaved (below 2: none; at most 16)">
  ];
}

def FADOverlapRecurrences : Pass<"fad-overlap-recurrences", "mlir::ModuleOp"> {
  let summary = "Run one iteration's second recurrence beside the next iteration's first";
  let description = [{
    Runs after fad-unroll-jam. A reverse sweep over data points often runs,
    per point, a recurrence that recomputes the point's primal (Horner's
    rule) and then the recurrence of its adjoint (the powers of t that
    scale the residual into the coefficients' adjoints), one after the
    other: each waits on its own latency chain while the processor's other
    units idle, and the next point's forward recurrence does not depend on
    this point's adjoint at all. A `fad.for` over n iterations whose body is

    ```
    early ops computing scalars and checking, among them one loop F (a recurrence)
    a loop R over the same trip count (a recurrence), the only op reading the state
    yield R's results
    ```

    where F and R carry a float from step to step, their trip count is
    fixed across the outer iterations, their bodies are straight-line code
    without effects, and the body is small (at most 160 ops), becomes

    ```
    if n > 0: iteration 0's early ops (F among them)
    loop over g < n - 1, carrying the early values R reads:
      iteration g + 1's early ops, with F's steps and iteration g's R steps in one loop
    if n > 0: iteration n - 1's R
    ```

    Both chains then run in one loop body, side by side. R's iterations
    run in their original order, so every result is the same to the bit.
    Iteration g + 1's checks run before iteration g's R, which has no
    effects.
  }];
}

#endif // FAD_TRANSFORMS_PASSES_TD
