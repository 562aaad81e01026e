//===- Parallelize.cpp - Lowered maps and reductions onto all cores -*- C++ -*-===//
//
// This file implements fad-parallelize (see Passes.td): outermost loops that
// convert-fad-to-scf marked `fad.parallel` become scf.parallel loops, which
// convert-scf-to-openmp then runs on OpenMP threads, when their bodies are
// safe to run on other threads and their carried values are reductions that
// OpenMP can combine (on host threads, maxima and minima are combined
// through per-chunk partials instead).
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"
#include "fad/Lowering/Checks.h"
#include "fad/Lowering/Reductions.h"
#include "fad/Dialect/FAD/IR/FADDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <cmath>

namespace fad {
#define GEN_PASS_DEF_FADINLINEALLOCASCOPES
#define GEN_PASS_DEF_FADPARALLELIZE
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;
using fad::Reduction;

static bool hasChecks(Region &body) {
  return body
      .walk([](CallOpInterface call) {
        return fad::isCheckCall(call) ? WalkResult::interrupt() : WalkResult::advance();
      })
      .wasInterrupted();
}

/// Whether `fn` is the helper that MLIR's lowering of bufferization.dealloc
/// generates (`dealloc_helper`): it reads the pointer lists it is given and
/// writes its results into the two output buffers the caller allocates
/// (the ownership of a buffer that a loop carries or a branch yields).
static bool isDeallocHelper(Operation *fn) {
  auto func = dyn_cast<func::FuncOp>(fn);
  return func && func.getSymName() == "dealloc_helper" && func.getNumArguments() == 5 &&
         func.getNumResults() == 0;
}

/// Whether `body` may run on a thread other than the caller's: it calls
/// nothing but functions declared `fad.thread_safe` (pure C functions such as
/// erfc), on host threads (`onHost`) the deallocation helper, and, with
/// `allowChecks`, the runtime's check failures (which end
/// an executable from any thread; in a library they unwind the caller's
/// thread), has no stack allocation (OpenMP's loop body would need an
/// allocation scope), and every op's effects are known. Heap allocation is
/// fine: the runtime's allocator is thread-safe.
static bool isThreadSafe(Region &body, bool allowChecks, bool onHost) {
  WalkResult result = body.walk([&](Operation *op) {
    if (auto call = dyn_cast<CallOpInterface>(op)) {
      auto callee = call.getCallableForCallee().dyn_cast<SymbolRefAttr>();
      Operation *fn = callee ? SymbolTable::lookupNearestSymbolFrom(op, callee) : nullptr;
      if (fn && (fn->hasAttr("fad.thread_safe") || (onHost && isDeallocHelper(fn))))
        return WalkResult::advance();
      return allowChecks && fad::isCheckCall(call) ? WalkResult::advance()
                                                    : WalkResult::interrupt();
    }
    if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects)
      return WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &e : instances)
      if (isa<MemoryEffects::Allocate, MemoryEffects::Free>(e.getEffect()) &&
          isa<SideEffects::AutomaticAllocationScopeResource>(e.getResource()))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// Whether `loop`'s iterations write disjoint memory: every write goes to a
/// buffer allocated in the body, or to the slice of an outer buffer at the
/// induction variable (`store %v, %buf[%i, ...]` or through a subview whose
/// leading offset is %i). Bufferization can give all iterations one scratch
/// buffer (a `tensor.empty` hoisted out of the body), which is not.
static bool writesArePrivate(scf::ForOp loop) {
  Value iv = loop.getInductionVar();
  Region &body = loop.getRegion();
  // `buffer` is allocated in the body, or is a view of an outer buffer whose
  // leading offset is `iv` (then `indexedByIv` is set).
  auto isPrivate = [&](Value buffer, bool leadingIndexIsIv) {
    while (true) {
      if (leadingIndexIsIv && !body.isAncestor(buffer.getParentRegion()))
        return true;
      Operation *def = buffer.getDefiningOp();
      if (!def)
        return false;
      if (body.isAncestor(def->getParentRegion()) && isa<memref::AllocOp, memref::AllocaOp>(def))
        return true;
      if (auto view = dyn_cast<memref::SubViewOp>(def)) {
        SmallVector<OpFoldResult> offsets = view.getMixedOffsets();
        leadingIndexIsIv = !offsets.empty() && offsets.front() == OpFoldResult(iv);
        buffer = view.getSource();
      } else if (auto cast = dyn_cast<ViewLikeOpInterface>(def)) {
        buffer = cast.getViewSource();
        leadingIndexIsIv = false;
      } else {
        return false;
      }
    }
  };
  WalkResult result = body.walk([&](Operation *op) {
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects)
      return WalkResult::advance();
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &e : instances) {
      if (!isa<MemoryEffects::Write>(e.getEffect()))
        continue;
      Value written = e.getValue();
      auto store = dyn_cast<memref::StoreOp>(op);
      bool ivIndexed = store && !store.getIndices().empty() && store.getIndices()[0] == iv;
      if (!written || !isPrivate(written, ivIndexed))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// `v` as an integer constant, folding the arith ops of constants that
/// compute it (lowering leaves some, such as a quotient of two constant
/// extents, for canonicalization to fold later).
static std::optional<int64_t> foldedConstant(Value v, int depth = 8) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return c;
  Operation *op = v.getDefiningOp();
  if (!op || depth == 0 || op->getNumResults() != 1 || op->getNumRegions() != 0 ||
      !isa<arith::ArithDialect>(op->getDialect()))
    return std::nullopt;
  SmallVector<Attribute> operands;
  for (Value operand : op->getOperands()) {
    std::optional<int64_t> c = foldedConstant(operand, depth - 1);
    if (!c || !operand.getType().isIntOrIndex())
      return std::nullopt;
    operands.push_back(IntegerAttr::get(operand.getType(), *c));
  }
  SmallVector<OpFoldResult> folded;
  if (failed(op->fold(operands, folded)) || folded.size() != 1)
    return std::nullopt;
  if (auto value = dyn_cast<Value>(folded[0]))
    return foldedConstant(value, depth - 1);
  if (auto attr = dyn_cast<IntegerAttr>(cast<Attribute>(folded[0])))
    return attr.getValue().getSExtValue();
  return std::nullopt;
}

namespace {
/// The estimated work of one run of a parallel loop's body, in the units
/// of fad-parallelize's `min-work`: a transcendental function counts 20,
/// another op 1, a nested `scf.for` its trip count times its body. A trip
/// count that folds to a constant counts as that; one whose bounds are
/// defined outside the parallel loop (extents known when it starts) is
/// computed at run time, just before the loop; any other counts 16.
class WorkEstimate {
public:
  /// A cost: `constant` plus, where set, the f64 `value` computed before
  /// the loop.
  struct Cost {
    double constant = 0;
    Value value;
  };

  /// `builder` inserts before `parallelLoop`.
  WorkEstimate(scf::ForOp parallelLoop, OpBuilder &builder)
      : parallelLoop(parallelLoop), builder(builder) {}

  Cost ofBlock(Block &block) {
    Cost cost;
    for (Operation &op : block) {
      Cost opCost{isa<math::MathDialect>(op.getDialect()) ? 20.0 : 1.0, Value()};
      for (Region &region : op.getRegions())
        for (Block &inner : region)
          opCost = add(opCost, ofBlock(inner));
      if (auto loop = dyn_cast<scf::ForOp>(op))
        opCost = multiply(opCost, tripCount(loop));
      cost = add(cost, opCost);
    }
    return cost;
  }

  /// `x` as one f64 value before the parallel loop.
  Value materialize(Cost x) {
    if (x.value && x.constant == 0)
      return x.value;
    Value constant =
        builder.create<arith::ConstantOp>(loc(), builder.getF64FloatAttr(x.constant));
    return x.value ? builder.create<arith::AddFOp>(loc(), x.value, constant) : constant;
  }

private:
  Location loc() { return parallelLoop.getLoc(); }

  Cost add(Cost x, Cost y) {
    Value value = x.value && y.value ? builder.create<arith::AddFOp>(loc(), x.value, y.value)
                                     : x.value ? x.value : y.value;
    return {x.constant + y.constant, value};
  }
  Cost multiply(Cost x, Cost y) {
    if (x.value && y.value)
      return {0, builder.create<arith::MulFOp>(loc(), materialize(x), materialize(y))};
    if (y.value)
      std::swap(x, y);
    // (c + v) * k = c k + v k
    if (!x.value || y.constant == 1)
      return {x.constant * y.constant, x.value};
    Value k = builder.create<arith::ConstantOp>(loc(), builder.getF64FloatAttr(y.constant));
    return {x.constant * y.constant, builder.create<arith::MulFOp>(loc(), x.value, k)};
  }

  Cost tripCount(scf::ForOp loop) {
    std::optional<int64_t> lb = foldedConstant(loop.getLowerBound());
    std::optional<int64_t> ub = foldedConstant(loop.getUpperBound());
    std::optional<int64_t> step = foldedConstant(loop.getStep());
    if (lb && ub && step && *step > 0)
      return {*ub > *lb ? double(llvm::divideCeilSigned(*ub - *lb, *step)) : 0.0, Value()};
    auto knownBefore = [&](Value v) {
      return !parallelLoop->isAncestor(v.getParentRegion()->getParentOp());
    };
    if (!step || *step <= 0 || !knownBefore(loop.getLowerBound()) ||
        !knownBefore(loop.getUpperBound()))
      return {16, Value()};
    Location l = loc();
    Value span = builder.create<arith::SubIOp>(l, loop.getUpperBound(), loop.getLowerBound());
    Type type = span.getType();
    Value steps = *step == 1 ? span
                             : builder.create<arith::CeilDivSIOp>(
                                   l, span,
                                   builder.create<arith::ConstantOp>(
                                       l, builder.getIntegerAttr(type, *step)));
    Value count = builder.create<arith::MaxSIOp>(
        l, steps, builder.create<arith::ConstantOp>(l, builder.getIntegerAttr(type, 0)));
    Value asInteger =
        type.isIndex() ? builder.create<arith::IndexCastOp>(l, builder.getI64Type(), count)
                       : count;
    return {0, builder.create<arith::SIToFPOp>(l, builder.getF64Type(), asInteger)};
  }

  scf::ForOp parallelLoop;
  OpBuilder &builder;
};
} // namespace

/// The reductions of `loop`'s carried values, one per value, or nothing if
/// one of them is not a reduction OpenMP can combine. Maximum and minimum
/// (compare and select) count only with `selectReductions`.
static std::optional<SmallVector<Reduction>> findReductions(scf::ForOp loop,
                                                            bool selectReductions) {
  SmallVector<Reduction> reductions;
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  for (auto [k, acc] : llvm::enumerate(loop.getRegionIterArgs())) {
    if (!acc.getType().isIntOrFloat())
      return std::nullopt;
    if (selectReductions)
      if (std::optional<Reduction> r = fad::matchSelectReduction(acc, yield.getOperand(k));
          r && r->combiner->getBlock() == loop.getBody()) {
        reductions.push_back(*r);
        continue;
      }
    if (!acc.hasOneUse())
      return std::nullopt;
    Operation *combiner = *acc.user_begin();
    if (!isa<arith::AddFOp, arith::MulFOp, arith::AddIOp, arith::MulIOp>(combiner) ||
        combiner->getBlock() != loop.getBody() || !combiner->getResult(0).hasOneUse() ||
        yield.getOperand(k) != combiner->getResult(0))
      return std::nullopt;
    Value lhs = combiner->getOperand(0), rhs = combiner->getOperand(1);
    if (lhs == rhs)
      return std::nullopt;
    reductions.push_back({combiner, nullptr, lhs == acc ? 0u : 1u});
  }
  return reductions;
}

/// Marks the float combiners of a lowered reduction reassociable: fad's
/// folds leave the grouping unspecified (their operator must be
/// associative), and a sum that LLVM may regroup vectorizes (the loop of
/// each thread too, and `exp` in it through libmvec).
static void allowReassociation(ArrayRef<Reduction> reductions) {
  for (const Reduction &r : reductions)
    if (auto fastMath = dyn_cast<arith::ArithFastMathInterface>(r.combiner))
      r.combiner->setAttr(
          fastMath.getFastMathAttrName(),
          arith::FastMathFlagsAttr::get(r.combiner->getContext(), arith::FastMathFlags::reassoc));
}

/// Ends the body of a parallel loop: an `scf.reduce` that combines each
/// reduction's `contributions` with `loop`'s combiner.
static void buildReduce(OpBuilder &b, Location loc, scf::ForOp loop, ArrayRef<Reduction> reductions,
                        ValueRange contributions) {
  auto reduce = b.create<scf::ReduceOp>(loc, contributions);
  for (auto [k, r, region] : llvm::enumerate(reductions, reduce.getReductions())) {
    OpBuilder::InsertionGuard guard(b);
    Block &block = region.front();
    b.setInsertionPointToStart(&block);
    IRMapping combine;
    combine.map(loop.getRegionIterArgs()[k], block.getArgument(0));
    combine.map(r.contribution(), block.getArgument(1));
    if (r.compare)
      b.clone(*r.compare, combine);
    Operation *combined = b.clone(*r.combiner, combine);
    b.create<scf::ReduceReturnOp>(loc, combined->getResult(0));
  }
}

/// An `scf.parallel` over `loop`'s iterations, each running its body.
static SmallVector<Value> buildIterationParallel(OpBuilder &b, scf::ForOp loop,
                                                 ArrayRef<Reduction> reductions) {
  SmallPtrSet<Operation *, 4> combiners;
  for (const Reduction &r : reductions) {
    combiners.insert(r.combiner);
    if (r.compare)
      combiners.insert(r.compare);
  }
  auto parallel = b.create<scf::ParallelOp>(
      loop.getLoc(), ValueRange{loop.getLowerBound()}, ValueRange{loop.getUpperBound()},
      ValueRange{loop.getStep()}, loop.getInitArgs(),
      [&](OpBuilder &pb, Location loc, ValueRange ivs, ValueRange) {
        IRMapping mapping;
        mapping.map(loop.getInductionVar(), ivs.front());
        for (Operation &op : loop.getBody()->without_terminator())
          if (!combiners.contains(&op))
            pb.clone(op, mapping);
        if (reductions.empty())
          return;
        SmallVector<Value> contributions;
        for (const Reduction &r : reductions)
          contributions.push_back(mapping.lookupOrDefault(r.contribution()));
        buildReduce(pb, loc, loop, reductions, contributions);
      });
  return parallel.getResults();
}

/// The value `r`'s combiner leaves unchanged (-0.0 for a float sum, so that
/// -0.0 sums stay -0.0), or nothing for a maximum or minimum.
static std::optional<TypedAttr> identityOf(const Reduction &r, Builder &b) {
  Type type = r.combiner->getResult(0).getType();
  if (isa<arith::AddFOp>(r.combiner))
    return b.getFloatAttr(type, -0.0);
  if (isa<arith::MulFOp>(r.combiner))
    return b.getFloatAttr(type, 1.0);
  if (isa<arith::AddIOp>(r.combiner))
    return b.getIntegerAttr(type, 0);
  if (isa<arith::MulIOp>(r.combiner))
    return b.getIntegerAttr(type, 1);
  return std::nullopt;
}

/// Declares (once) the external function `name` of `type` in the module
/// around `b`'s insertion point (Lowering cannot use Conversion's
/// getRuntimeFunction: the layers beside each other are independent).
static func::FuncOp declare(OpBuilder &b, StringRef name, FunctionType type) {
  auto module = b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  if (auto fn = module.lookupSymbol<func::FuncOp>(name))
    return fn;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto fn = b.create<func::FuncOp>(module.getLoc(), name, type);
  fn.setPrivate();
  return fn;
}

/// The bounds of chunk t of c of `loop`'s iterations, [lb + t·trips/c,
/// lb + (t+1)·trips/c), clamped to `loop`'s (so that LLVM can bound the
/// indices).
static std::pair<Value, Value> chunkBounds(OpBuilder &b, Location loc, scf::ForOp loop, Value t,
                                           Value trips, Value count) {
  auto boundary = [&](Value k) {
    Value share = b.create<arith::DivUIOp>(loc, b.create<arith::MulIOp>(loc, k, trips), count);
    return b.create<arith::AddIOp>(loc, loop.getLowerBound(), share).getResult();
  };
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value lower = boundary(t), upper = boundary(b.create<arith::AddIOp>(loc, t, one));
  return {b.create<arith::MaxSIOp>(loc, lower, loop.getLowerBound()),
          b.create<arith::MinSIOp>(loc, upper, loop.getUpperBound())};
}

/// A copy of `loop` over [lower, upper), starting from `inits`.
static scf::ForOp cloneShare(OpBuilder &b, scf::ForOp loop, Value lower, Value upper,
                             ValueRange inits) {
  auto share = cast<scf::ForOp>(b.clone(*loop));
  share.setLowerBound(lower);
  share.setUpperBound(upper);
  share.getInitArgsMutable().assign(inits);
  return share;
}

/// On host threads, a loop whose reductions include a maximum or minimum
/// (compare and select), which MLIR 19's OpenMP lowering cannot combine
/// (it knows no compare with an unordered predicate, and starts a maximum
/// from the lowest finite value, not -inf): an `scf.parallel` over c =
/// min(threads, trips) chunks of consecutive iterations, each a copy of
/// `loop` that starts each maximum or minimum from its initial value (they
/// are idempotent) and every other reduction from its identity, and stores
/// its results in a buffer of partials; then the partials combined in chunk
/// order. An element only ever takes the element's place, as in the
/// sequential loop (fad.max skips a NaN element).
static SmallVector<Value> buildPartialsParallel(OpBuilder &b, scf::ForOp loop,
                                                ArrayRef<Reduction> reductions, Value trips,
                                                Value threads) {
  Location loc = loop.getLoc();
  Value count = b.create<arith::MinUIOp>(loc, threads, trips);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  SmallVector<Value> starts, partials;
  for (auto [k, r] : llvm::enumerate(reductions)) {
    Value init = loop.getInitArgs()[k];
    starts.push_back(r.compare ? init
                               : b.create<arith::ConstantOp>(loc, *identityOf(r, b)).getResult());
    partials.push_back(b.create<memref::AllocOp>(
        loc, MemRefType::get({ShapedType::kDynamic}, init.getType()), ValueRange{count}));
  }
  b.create<scf::ParallelOp>(loc, ValueRange{zero}, ValueRange{count}, ValueRange{one},
                            [&](OpBuilder &pb, Location loc, ValueRange ivs) {
                              auto [lower, upper] =
                                  chunkBounds(pb, loc, loop, ivs.front(), trips, count);
                              scf::ForOp share = cloneShare(pb, loop, lower, upper, starts);
                              for (auto [result, partial] :
                                   llvm::zip(share.getResults(), partials))
                                pb.create<memref::StoreOp>(loc, result, partial, ivs.front());
                            });
  auto combined = b.create<scf::ForOp>(
      loc, zero, count, one, loop.getInitArgs(),
      [&](OpBuilder &fb, Location loc, Value t, ValueRange acc) {
        SmallVector<Value> next;
        for (auto [k, r] : llvm::enumerate(reductions)) {
          IRMapping combine;
          combine.map(loop.getRegionIterArgs()[k], acc[k]);
          combine.map(r.contribution(), fb.create<memref::LoadOp>(loc, partials[k], t));
          if (r.compare)
            fb.clone(*r.compare, combine);
          next.push_back(fb.clone(*r.combiner, combine)->getResult(0));
        }
        fb.create<scf::YieldOp>(loc, next);
      });
  for (Value partial : partials)
    b.create<memref::DeallocOp>(loc, partial);
  return combined.getResults();
}

/// An `scf.parallel` over c = min(threads, trips) chunks of `loop`'s
/// consecutive iterations, each run by a copy of `loop` whose bounds say
/// that they lie within `loop`'s (so that LLVM can bound the indices). With
/// `unwind` (a library call, whose failed checks unwind the caller's
/// thread) each chunk first sets a jump point (`_setjmp` on the buffer
/// `fad_rt_chunk_begin` gives), to which a failed check returns; the chunk
/// then contributes the reductions' identities, and `fad_rt_chunks_end`
/// ends the call with the first failed chunk's message once all chunks are
/// done (FADRuntime.h).
static SmallVector<Value> buildChunkParallel(OpBuilder &b, scf::ForOp loop,
                                             ArrayRef<Reduction> reductions, Value trips,
                                             Value threads, ArrayRef<TypedAttr> identities,
                                             bool unwind) {
  Location loc = loop.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  Type i64 = b.getI64Type();
  func::FuncOp chunksBegin, chunkBegin, chunkEnd, chunksEnd, setjmp;
  Value call;
  if (unwind) {
    chunksBegin = declare(b, "fad_rt_chunks_begin", b.getFunctionType({}, {ptr}));
    chunkBegin = declare(b, "fad_rt_chunk_begin", b.getFunctionType({ptr, i64}, {ptr}));
    chunkEnd = declare(b, "fad_rt_chunk_end", b.getFunctionType({}, {}));
    chunksEnd = declare(b, "fad_rt_chunks_end", b.getFunctionType({ptr}, {}));
    // glibc's setjmp without the signal mask; LLVM must know it returns twice.
    setjmp = declare(b, "_setjmp", b.getFunctionType({ptr}, {b.getI32Type()}));
    setjmp->setAttr("passthrough", b.getStrArrayAttr({"returns_twice"}));
    call = b.create<func::CallOp>(loc, chunksBegin, ValueRange{}).getResult(0);
  }
  Value count = b.create<arith::MinUIOp>(loc, threads, trips);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  SmallVector<Value> identityValues;
  for (TypedAttr identity : identities)
    identityValues.push_back(b.create<arith::ConstantOp>(loc, identity));
  auto parallel = b.create<scf::ParallelOp>(
      loc, ValueRange{zero}, ValueRange{count}, ValueRange{one}, loop.getInitArgs(),
      [&](OpBuilder &pb, Location loc, ValueRange ivs, ValueRange) {
        Value t = ivs.front();
        auto [lower, upper] = chunkBounds(pb, loc, loop, t, trips, count);
        auto runShare = [&](OpBuilder &sb) {
          return SmallVector<Value>(cloneShare(sb, loop, lower, upper, identityValues).getResults());
        };
        SmallVector<Value> partial;
        if (!unwind) {
          partial = runShare(pb);
        } else {
          Value index64 = pb.create<arith::IndexCastOp>(loc, i64, t);
          Value jump =
              pb.create<func::CallOp>(loc, chunkBegin, ValueRange{call, index64}).getResult(0);
          Value jumped = pb.create<func::CallOp>(loc, setjmp, jump).getResult(0);
          Value fresh = pb.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, jumped,
                                                 pb.create<arith::ConstantIntOp>(loc, 0, 32));
          auto run = pb.create<scf::IfOp>(loc, loop.getResultTypes(), fresh,
                                          /*addThenBlock=*/true, /*addElseBlock=*/true);
          OpBuilder::InsertionGuard guard(pb);
          pb.setInsertionPointToStart(run.thenBlock());
          pb.create<scf::YieldOp>(loc, runShare(pb));
          pb.setInsertionPointToStart(run.elseBlock());
          pb.create<scf::YieldOp>(loc, identityValues);
          pb.setInsertionPointAfter(run);
          pb.create<func::CallOp>(loc, chunkEnd, ValueRange{});
          partial = run.getResults();
        }
        if (!reductions.empty())
          buildReduce(pb, loc, loop, reductions, partial);
      });
  if (unwind)
    b.create<func::CallOp>(loc, chunksEnd, call);
  return parallel.getResults();
}

/// After a size check `scf.if (a != b) { fail }`, a and b are equal: uses
/// of the one defined later that the check dominates read the other. A
/// parallel body is outlined into a function of its own, where LLVM no
/// longer sees the check; there its indices then compare with the same
/// extent as its loop bounds.
static void propagateCheckedEqualities(func::FuncOp fn) {
  DominanceInfo dominance(fn);
  fn.walk([&](scf::IfOp check) {
    auto cmp = check.getCondition().getDefiningOp<arith::CmpIOp>();
    if (!cmp || cmp.getPredicate() != arith::CmpIPredicate::ne || !fad::isCheckIf(check))
      return;
    auto definedAfter = [&](Value later, Value earlier) {
      Operation *def = later.getDefiningOp();
      return def && dominance.properlyDominates(earlier, def);
    };
    Value a = cmp.getLhs(), b = cmp.getRhs();
    if (definedAfter(a, b))
      std::swap(a, b);
    else if (!definedAfter(b, a))
      return;
    // b is defined after a; the failure's message keeps both.
    b.replaceUsesWithIf(a, [&](OpOperand &use) {
      return dominance.properlyDominates(check, use.getOwner(), /*enclosingOpOk=*/false);
    });
  });
}

/// Whether `v` is defined outside `loop`, or by a few pure ops in its body
/// (without regions) on such values, such as `n - 1` computed in a branch.
static bool isLoopInvariant(Value v, scf::ForOp loop, int depth = 4) {
  if (!loop.getRegion().isAncestor(v.getParentRegion()))
    return true;
  Operation *def = v.getDefiningOp();
  return def && depth > 0 && isPure(def) && def->getNumRegions() == 0 &&
         llvm::all_of(def->getOperands(),
                      [&](Value operand) { return isLoopInvariant(operand, loop, depth - 1); });
}

/// `v` (isLoopInvariant) computed before `loop`: the ops of `loop`'s body
/// that compute it cloned there.
static Value computeBefore(OpBuilder &b, Value v, scf::ForOp loop) {
  if (!loop.getRegion().isAncestor(v.getParentRegion()))
    return v;
  Operation *def = v.getDefiningOp();
  IRMapping mapping;
  for (Value operand : def->getOperands())
    mapping.map(operand, computeBefore(b, operand, loop));
  return b.clone(*def, mapping)->getResult(cast<OpResult>(v).getResultNumber());
}

/// An `arith.cmpi eq` or `ne` in `loop`'s body between its induction
/// variable (or its i64 value) and a loop-invariant value, such as a
/// boundary condition's `i == 0` or `i == n - 1`, and that value.
static std::optional<std::pair<arith::CmpIOp, Value>> findIndexEquality(scf::ForOp loop) {
  Value iv = loop.getInductionVar();
  auto isIv = [&](Value v) {
    if (auto cast = v.getDefiningOp<arith::IndexCastOp>())
      return cast.getIn() == iv && cast.getType().isInteger(64);
    return v == iv;
  };
  std::optional<std::pair<arith::CmpIOp, Value>> found;
  loop.getBody()->walk([&](arith::CmpIOp cmp) {
    if (cmp.getPredicate() != arith::CmpIPredicate::eq &&
        cmp.getPredicate() != arith::CmpIPredicate::ne)
      return WalkResult::advance();
    for (auto [mine, other] :
         {std::pair(cmp.getLhs(), cmp.getRhs()), std::pair(cmp.getRhs(), cmp.getLhs())})
      if (isIv(mine) && isLoopInvariant(other, loop)) {
        found.emplace(cmp, other);
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return found;
}

/// Splits `loop` [lb, ub) at the value v of `equality` (`iv == v` or
/// `iv != v` in its body) into [lb, c), [c, e) and [e, ub), where c is v
/// clamped to [lb, ub] and e = c + 1 when lb <= v < ub, else c: the
/// comparison is a constant in each piece (true in the middle one for
/// `==`), so LLVM sees no boundary case in the long pieces. For constants
/// lb <= v the last piece starts at the constant v + 1 instead (empty when
/// ub <= v + 1), which LLVM then sees in an outlined parallel body too, and
/// the first piece exists only when lb < v. Returns the first and last
/// pieces, which keep `fad.parallel`; the middle one runs at most once.
static SmallVector<scf::ForOp> splitAtEquality(scf::ForOp loop, arith::CmpIOp equality,
                                               Value point) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  point = computeBefore(b, point, loop);
  Value lb = loop.getLowerBound(), ub = loop.getUpperBound();
  std::optional<int64_t> constLb = getConstantIntValue(lb), constPoint = getConstantIntValue(point);
  Value c, e, lastLb;
  bool first = true;
  if (constLb && constPoint && *constLb <= *constPoint &&
      *constPoint < std::numeric_limits<int64_t>::max()) {
    Value next = b.create<arith::ConstantIndexOp>(loc, *constPoint + 1);
    c = b.create<arith::MinSIOp>(loc, b.create<arith::ConstantIndexOp>(loc, *constPoint), ub);
    e = b.create<arith::MinSIOp>(loc, next, ub);
    lastLb = next;
    first = *constLb < *constPoint;
  } else {
    if (!point.getType().isIndex())
      point = b.create<arith::IndexCastOp>(loc, b.getIndexType(), point);
    c = b.create<arith::MinSIOp>(loc, b.create<arith::MaxSIOp>(loc, point, lb), ub);
    Value atLeastLb = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, point, lb);
    Value belowUb = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, point, ub);
    Value inRange = b.create<arith::AndIOp>(loc, atLeastLb, belowUb);
    Value next = b.create<arith::AddIOp>(loc, c, b.create<arith::ConstantIndexOp>(loc, 1));
    e = lastLb = b.create<arith::SelectOp>(loc, inRange, next, c);
  }
  bool isEq = equality.getPredicate() == arith::CmpIPredicate::eq;
  SmallVector<scf::ForOp> parallelPieces;
  ValueRange state = loop.getInitArgs();
  for (auto [lower, upper, equal] :
       {std::tuple(lb, c, false), std::tuple(c, e, true), std::tuple(lastLb, ub, false)}) {
    if (!equal && lower == lb && !first)
      continue;
    IRMapping mapping;
    auto piece = cast<scf::ForOp>(b.clone(*loop, mapping));
    piece.setLowerBound(lower);
    piece.setUpperBound(upper);
    piece.getInitArgsMutable().assign(state);
    auto cmp = mapping.lookup(equality.getResult()).getDefiningOp<arith::CmpIOp>();
    OpBuilder cb(cmp);
    cmp.replaceAllUsesWith(cb.create<arith::ConstantIntOp>(loc, equal == isEq, 1).getResult());
    cmp.erase();
    state = piece.getResults();
    if (equal)
      piece->removeAttr(fad::kParallelAttr);
    else
      parallelPieces.push_back(piece);
  }
  loop->replaceAllUsesWith(state);
  loop.erase();
  return parallelPieces;
}

/// Replaces `loop` by `if (worthIt(trips) && threads > 1) parallel version
/// else loop` (without `threads`, only `worthIt` decides), the parallel
/// version built by `buildParallel` from the trip count.
static void replaceWhenLarge(scf::ForOp loop, function_ref<Value(OpBuilder &, Value)> worthIt,
                             Value threads,
                             function_ref<SmallVector<Value>(OpBuilder &, Value)> buildParallel) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value trips = b.create<arith::SubIOp>(loc, loop.getUpperBound(), loop.getLowerBound());
  Value large = worthIt(b, trips);
  if (threads)
    large = b.create<arith::AndIOp>(
        loc, large,
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, threads,
                                b.create<arith::ConstantIndexOp>(loc, 1)));
  auto choice = b.create<scf::IfOp>(loc, loop.getResultTypes(), large,
                                    /*addThenBlock=*/true, /*addElseBlock=*/true);
  b.setInsertionPointToStart(choice.thenBlock());
  SmallVector<Value> results = buildParallel(b, trips);
  b.create<scf::YieldOp>(loc, results);

  loop->replaceAllUsesWith(choice.getResults());
  loop->moveBefore(choice.elseBlock(), choice.elseBlock()->end());
  b.setInsertionPointToEnd(choice.elseBlock());
  b.create<scf::YieldOp>(loc, loop.getResults());
}

namespace {
struct FADParallelizePass : public fad::impl::FADParallelizeBase<FADParallelizePass> {
  using FADParallelizeBase::FADParallelizeBase;

  /// Loops whose bodies are longer stay whole (each piece of a split loop
  /// is compiled twice: parallel and sequential).
  static constexpr int64_t kMaxSplitBody = 400;

  void runOnOperation() override {
    struct Candidate {
      scf::ForOp loop;
      SmallVector<Reduction> reductions;
      bool chunks;   ///< runs in chunks of iterations (buildChunkParallel)
      bool partials; ///< combines a maximum through partials (buildPartialsParallel)
    };
    SmallVector<Candidate> candidates;
    threadCounts.clear();
    if (hostThreads)
      getOperation()->walk([](func::FuncOp fn) {
        if (!fn.isExternal())
          propagateCheckedEqualities(fn);
      });
    // Every fold may regroup, the ones nested in a parallel loop too (the
    // dot products of a matrix product vectorize).
    getOperation()->walk([&](scf::ForOp loop) {
      if (!loop->hasAttr(fad::kParallelAttr))
        return;
      if (std::optional<SmallVector<Reduction>> reductions =
              findReductions(loop, selectReductions || hostThreads))
        allowReassociation(*reductions);
    });
    getOperation()->walk<WalkOrder::PreOrder>([&](scf::ForOp loop) {
      if (!loop->hasAttr(fad::kParallelAttr) ||
          !isThreadSafe(loop.getRegion(), allowChecks || unwindChecks, hostThreads) ||
          !writesArePrivate(loop))
        return WalkResult::advance();
      std::optional<int64_t> step = getConstantIntValue(loop.getStep());
      // On host threads a maximum or minimum is combined through partials.
      std::optional<SmallVector<Reduction>> reductions =
          findReductions(loop, selectReductions || hostThreads);
      if (!step || *step != 1 || !reductions)
        return WalkResult::advance();
      bool checks = hasChecks(loop.getRegion());
      bool selects =
          llvm::any_of(*reductions, [](const Reduction &r) { return r.compare != nullptr; });
      if (hostThreads && !selectReductions && selects) {
        if (checks || findIndexEquality(loop))
          return WalkResult::advance(); // chunks without jump points or splits: sequential
        candidates.push_back({loop, std::move(*reductions), /*chunks=*/false, /*partials=*/true});
        return WalkResult::skip();
      }
      bool chunks =
          (checks && unwindChecks) || (hostThreads && (checks || findIndexEquality(loop)));
      // Chunks need each reduction's identity; without one, a library's
      // checked loop stays sequential.
      if (chunks &&
          !llvm::all_of(*reductions, [](const Reduction &r) { return r.compare == nullptr; })) {
        if (checks && !allowChecks)
          return WalkResult::advance();
        chunks = false;
      }
      candidates.push_back({loop, std::move(*reductions), chunks, /*partials=*/false});
      return WalkResult::skip(); // loops inside stay sequential
    });
    for (Candidate &c : candidates) {
      if (c.partials || !c.chunks || countOps(c.loop) > kMaxSplitBody ||
          !findIndexEquality(c.loop)) {
        parallelize(c.loop, c.reductions, c.chunks, c.partials);
        continue;
      }
      SmallVector<scf::ForOp> pieces;
      splitAtEqualities(c.loop, /*depth=*/2, pieces);
      for (scf::ForOp piece : pieces)
        parallelize(piece, *findReductions(piece, selectReductions), c.chunks);
    }
    getOperation()->walk([](scf::ForOp loop) { loop->removeAttr(fad::kParallelAttr); });
  }

  /// The runtime's thread count (`fad_rt_chunks`) as an index, read once
  /// at the start of the function around `loop`: it does not change during
  /// a call, and a loop nested in a sequential one would otherwise ask
  /// libomp on every iteration of that one.
  Value threadCount(scf::ForOp loop) {
    auto fn = loop->getParentOfType<func::FuncOp>();
    Value &count = threadCounts[fn];
    if (count)
      return count;
    OpBuilder b = OpBuilder::atBlockBegin(&fn.getBody().front());
    func::FuncOp chunks = declare(b, "fad_rt_chunks", b.getFunctionType({}, {b.getI64Type()}));
    Value result = b.create<func::CallOp>(fn.getLoc(), chunks, ValueRange{}).getResult(0);
    count = b.create<arith::IndexCastOp>(fn.getLoc(), b.getIndexType(), result);
    return count;
  }
  DenseMap<Operation *, Value> threadCounts;

  static int64_t countOps(scf::ForOp loop) {
    int64_t n = 0;
    loop.getBody()->walk([&](Operation *) { ++n; });
    return n;
  }

  /// Splits `loop` at up to `depth` index equalities in turn (the pieces
  /// that keep `fad.parallel` go to `loops`).
  static void splitAtEqualities(scf::ForOp loop, int depth, SmallVectorImpl<scf::ForOp> &loops) {
    if (depth > 0)
      if (auto equality = findIndexEquality(loop)) {
        for (scf::ForOp piece : splitAtEquality(loop, equality->first, equality->second))
          splitAtEqualities(piece, depth - 1, loops);
        return;
      }
    loops.push_back(loop);
  }

  void parallelize(scf::ForOp loop, ArrayRef<Reduction> reductions, bool chunks,
                   bool partials = false) {
    // One chunk of a split loop per thread: always worth it. Otherwise the
    // trip count times the body's estimated work must reach `minWork`.
    bool splitChunks = loop->hasAttr(fad::kChunksAttr);
    OpBuilder beforeLoop(loop);
    WorkEstimate estimate(loop, beforeLoop);
    WorkEstimate::Cost cost =
        splitChunks ? WorkEstimate::Cost{1.0, Value()} : estimate.ofBlock(*loop.getBody());
    int64_t threshold =
        splitChunks ? 2
                    : std::max<int64_t>(2, int64_t(std::ceil(double(minWork) /
                                                             std::max(cost.constant, 1.0))));
    // A loop of known trip count and body below the threshold stays as it
    // is (a parallel twin that never runs would keep its buffers off the
    // stack, see fad-promote-buffers-to-stack).
    std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound());
    std::optional<int64_t> upper = getConstantIntValue(loop.getUpperBound());
    if (!cost.value && lower && upper && *upper - *lower < threshold)
      return;
    auto worthIt = [&](OpBuilder &b, Value trips) -> Value {
      Location loc = loop.getLoc();
      if (!cost.value)
        return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, trips,
                                       b.create<arith::ConstantIndexOp>(loc, threshold));
      Value count = b.create<arith::SIToFPOp>(
          loc, b.getF64Type(),
          trips.getType().isIndex() ? b.create<arith::IndexCastOp>(loc, b.getI64Type(), trips)
                                    : trips);
      Value work = b.create<arith::MulFOp>(loc, count, estimate.materialize(cost));
      return b.create<arith::CmpFOp>(
          loc, arith::CmpFPredicate::OGE, work,
          b.create<arith::ConstantOp>(loc, b.getF64FloatAttr(double(minWork))));
    };
    Builder builder(loop.getContext());
    // On one host thread the loop itself runs: its outlined parallel twin
    // would only add the fork, and LLVM optimizes it less (it no longer
    // sees that the buffers do not overlap, nor the facts of the enclosing
    // function). The chunks of a split loop exist only on several threads.
    Value threads = hostThreads && !splitChunks ? threadCount(loop) : Value();
    replaceWhenLarge(loop, worthIt, threads, [&](OpBuilder &b, Value trips) {
      if (partials)
        return buildPartialsParallel(b, loop, reductions, trips, threadCount(loop));
      if (!chunks)
        return buildIterationParallel(b, loop, reductions);
      SmallVector<TypedAttr> identities;
      for (const Reduction &r : reductions)
        identities.push_back(*identityOf(r, builder));
      bool unwind = unwindChecks && hasChecks(loop.getRegion());
      return buildChunkParallel(b, loop, reductions, trips, threadCount(loop), identities, unwind);
    });
  }
};
} // namespace

namespace {
struct FADInlineAllocaScopesPass
    : public fad::impl::FADInlineAllocaScopesBase<FADInlineAllocaScopesPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation()->walk([&](memref::AllocaScopeOp scope) {
      if (!scope->walk([](memref::AllocaOp) { return WalkResult::interrupt(); }).wasInterrupted())
        scopes.push_back(scope);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocaScopeOp scope : scopes) {
      Block &body = scope.getBodyRegion().front();
      auto ret = cast<memref::AllocaScopeReturnOp>(body.getTerminator());
      SmallVector<Value> results(ret.getResults());
      rewriter.eraseOp(ret);
      rewriter.inlineBlockBefore(&body, scope);
      rewriter.replaceOp(scope, results);
    }
  }
};
} // namespace
