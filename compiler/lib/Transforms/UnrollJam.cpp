//===- UnrollJam.cpp - The fad-unroll-jam pass --------------------*- C++ -*-===//
//
// This file implements fad-unroll-jam (see Passes.td): a loop whose state is
// only accumulated into runs `factor` iterations at a time, the copies
// interleaved op by op and their inner loops merged, so that the inner
// loops' recurrences run side by side, and their elementwise additions to an
// accumulator array merged into one pass over it.
//
//===----------------------------------------------------------------------===//

#include "Accumulators.h"
#include "FusionPatterns.h"
#include "fad/Dialect/FAD/IR/FADOps.h"
#include "fad/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"

namespace fad {
#define GEN_PASS_DEF_FADUNROLLJAM
#include "fad/Transforms/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

namespace {
/// Ops in a loop body above this many are not copied (code size, registers).
constexpr unsigned kMaxBodyOps = 160;
/// The same for bodies that build arrays (jammed to share reads).
constexpr unsigned kMaxRowBodyOps = 400;
/// Copies of a body at most, whatever the option says.
constexpr unsigned kMaxFactor = 16;

/// Whether `op` is a map adding elementwise to one of `loop`'s accumulators
/// (`acc + c`, or what fusion makes of `acc + f xs`): copies of the body
/// would each read and write the whole accumulator, every copy waiting for
/// the previous one's stores (a chain through memory).
bool isElementwiseAccumulation(Operation &op, const DenseMap<Value, unsigned> &slotOf) {
  auto map = dyn_cast<MapOp>(op);
  return map && map->getNumResults() == 1 && slotOf.contains(map.getResult(0)) &&
         llvm::count_if(map.getInputs(), [&](Value v) { return slotOf.contains(v); }) == 1;
}

/// Whether `index` is the step of loop `nest` or of a loop inside it.
bool isStepWithin(Value index, Operation *nest) {
  auto arg = dyn_cast<BlockArgument>(index);
  auto owner = arg ? dyn_cast<ForOp>(arg.getOwner()->getParentOp()) : ForOp();
  return owner && arg.getArgNumber() == 0 && nest->isAncestor(owner);
}

/// Whether every add_at in `op` adds at indices that `fixed` accepts.
bool addsOnlyAt(Operation *op, llvm::function_ref<bool(Value)> fixed) {
  return !op->walk([&](AddAtOp add) {
              return llvm::all_of(add.getIndices(), fixed) ? WalkResult::advance()
                                                           : WalkResult::interrupt();
            }).wasInterrupted();
}

/// Whether `v` stands for the same value in every copy.
bool sameInEveryCopy(Value v, ArrayRef<IRMapping> copies) {
  Value first = copies.front().lookupOrDefault(v);
  return llvm::all_of(copies, [&](const IRMapping &copy) { return copy.lookupOrDefault(v) == first; });
}

/// The array `v` is a row (or element) of, through any number of indexings.
Value rootArray(Value v) {
  while (auto index = v.getDefiningOp<IndexOp>())
    v = index.getArray();
  return v;
}

/// Copies of one loop body interleaved op by op. Each copy maps the body's
/// values to its own; the accumulators' versions are shared: an op of copy
/// u reads the version that copy u - 1's same op made, so the copies add to
/// each accumulator one after the other.
class Interleaver {
public:
  Interleaver(OpBuilder &b, const DenseMap<Value, unsigned> &slotOf) : b(b), slotOf(slotOf) {}

  /// Makes every copy's version of `op`: merged where the copies' versions
  /// can be one op (a loop over the same count, an elementwise sum into an
  /// accumulator, maps reading a common array, a scalar or row the same in
  /// every copy), else one clone per copy.
  void interleave(Operation &op, MutableArrayRef<IRMapping> copies, SmallVectorImpl<Value> &now) {
    if (auto loop = dyn_cast<ForOp>(op); loop && worthMerging(loop, copies))
      mergeCopies(loop, copies, now);
    else if (isElementwiseAccumulation(op, slotOf))
      mergeMapCopies(cast<MapOp>(op), copies, now);
    else if (auto map = dyn_cast<MapOp>(op); map && readsCommonArray(map, copies))
      mergeMaps(map, copies);
    else if (isCommonToCopies(op, copies))
      cloneOnce(op, copies);
    else
      cloneForEachCopy(op, copies, now);
  }

  /// Clones `op` for every copy, after the previous one.
  void cloneForEachCopy(Operation &op, MutableArrayRef<IRMapping> copies,
                        SmallVectorImpl<Value> &now) {
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(op.getRegions(), captured);
    for (IRMapping &copy : copies) {
      auto bind = [&](Value v) {
        if (auto slot = slotOf.find(v); slot != slotOf.end())
          copy.map(v, now[slot->second]);
      };
      llvm::for_each(op.getOperands(), bind);
      llvm::for_each(captured, bind);
      Operation *clone = b.clone(op, copy);
      advance(op.getResults(), clone->getResults(), now);
    }
  }

  /// Builds, instead of a copy of `loop` per copy of the body, one loop
  /// carrying every copy's state side by side and the accumulators once;
  /// its body is interleaved in turn.
  void mergeCopies(ForOp loop, MutableArrayRef<IRMapping> copies, SmallVectorImpl<Value> &now) {
    Location loc = loop.getLoc();
    Block &body = loop.getBody().front();
    SmallVector<unsigned> own, shared; // state positions: per copy, accumulators
    for (auto [k, init] : llvm::enumerate(loop.getInits()))
      (slotOf.contains(init) ? shared : own).push_back(k);
    SmallVector<Value> inits;
    for (IRMapping &copy : copies)
      for (unsigned k : own)
        inits.push_back(copy.lookupOrDefault(loop.getInits()[k]));
    for (unsigned k : shared)
      inits.push_back(now[slotOf.lookup(loop.getInits()[k])]);
    Value count = copies.front().lookupOrDefault(loop.getCount());
    auto merged = b.create<ForOp>(loc, ValueRange(inits).getTypes(), count, inits);
    merged->setDiscardableAttrs(loop->getDiscardableAttrDictionary());

    SmallVector<Type> argTypes{b.getI64Type()};
    llvm::append_range(argTypes, ValueRange(inits).getTypes());
    SmallVector<Location> locs(argTypes.size(), loc);
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&merged.getBody(), {}, argTypes, locs);
    SmallVector<IRMapping> inner(copies.begin(), copies.end());
    SmallVector<Value> innerNow(now.begin(), now.end());
    unsigned at = 1;
    for (IRMapping &copy : inner) {
      copy.map(body.getArgument(0), block->getArgument(0));
      for (unsigned k : own)
        copy.map(body.getArgument(k + 1), block->getArgument(at++));
    }
    for (unsigned k : shared)
      innerNow[slotOf.lookup(body.getArgument(k + 1))] = block->getArgument(at++);
    for (Operation &op : body.without_terminator())
      interleave(op, inner, innerNow);

    Operation *yield = body.getTerminator();
    SmallVector<Value> next;
    for (IRMapping &copy : inner)
      for (unsigned k : own)
        next.push_back(copy.lookupOrDefault(yield->getOperand(k)));
    for (unsigned k : shared)
      next.push_back(innerNow[slotOf.lookup(yield->getOperand(k))]);
    b.create<YieldOp>(loc, next);

    at = 0;
    for (IRMapping &copy : copies)
      for (unsigned k : own)
        copy.map(loop.getResult(k), merged.getResult(at++));
    for (unsigned k : shared)
      now[slotOf.lookup(loop.getResult(k))] = merged.getResult(at++);
  }

  /// Builds, instead of a copy of `map` (an elementwise accumulation) per
  /// copy of the body, one map that runs the copies' bodies one after the
  /// other on each element: each element gets the copies' terms in their
  /// order, read and written once.
  void mergeMapCopies(MapOp map, MutableArrayRef<IRMapping> copies, SmallVectorImpl<Value> &now) {
    unsigned accAt = llvm::find_if(map.getInputs(), [&](Value v) { return slotOf.contains(v); }) -
                     map.getInputs().begin();
    unsigned slot = slotOf.lookup(map.getInputs()[accAt]);
    now[slot] = mergedMap(map, copies, accAt, now[slot]).getResult(0);
  }

  /// Builds, instead of a copy of `map` per copy of the body, one map
  /// with every copy's results: the copies' maps read a common array, which
  /// the merged map reads once per element. Their extents are that array's.
  void mergeMaps(MapOp map, MutableArrayRef<IRMapping> copies) {
    MapOp merged = mergedMap(map, copies, std::nullopt, Value());
    unsigned results = map->getNumResults();
    for (auto [u, copy] : llvm::enumerate(copies))
      for (unsigned k = 0; k < results; ++k)
        copy.map(map.getResult(k), merged.getResult(u * results + k));
  }

private:
  /// Whether the copies' versions of `loop` (over the same count) are better
  /// merged: each carries a state of its own (a recurrence, or an array it
  /// adds to), or all add to the same elements of the accumulators (read
  /// and written once for all copies). Copies adding to different rows
  /// stay apart: a loop storing to several rows of one array does not
  /// vectorize (LLVM cannot tell that the rows do not overlap).
  bool worthMerging(ForOp loop, ArrayRef<IRMapping> copies) const {
    if (!sameInEveryCopy(loop.getCount(), copies))
      return false;
    if (llvm::any_of(loop.getInits(), [&](Value init) { return !slotOf.contains(init); }))
      return true;
    // At the steps of this loop or of loops inside it (merged in turn).
    return addsOnlyAt(loop, [&](Value index) {
      return isStepWithin(index, loop) ||
             (definedOutside(index, loop) && sameInEveryCopy(index, copies));
    });
  }

  /// Whether the copies' versions of `map` read an array that is the same
  /// in each (then the extents are equal too) and each its own otherwise:
  /// no accumulator goes in or comes out.
  bool readsCommonArray(MapOp map, ArrayRef<IRMapping> copies) const {
    auto accumulator = [&](Value v) { return slotOf.contains(v); };
    return llvm::none_of(map.getInputs(), accumulator) &&
           llvm::none_of(map.getResults(), accumulator) &&
           llvm::any_of(map.getInputs(), [&](Value v) { return sameInEveryCopy(v, copies); }) &&
           !llvm::all_of(map.getInputs(), [&](Value v) { return sameInEveryCopy(v, copies); }) &&
           isMemoryEffectFree(map);
  }

  /// Whether `op` computes the same scalars or rows in every copy: free of
  /// effects and regions, reading the same values. (Arrays it would build
  /// stay one per copy: each may be updated in place.)
  bool isCommonToCopies(Operation &op, ArrayRef<IRMapping> copies) const {
    return op.getNumRegions() == 0 && isMemoryEffectFree(&op) &&
           (isa<IndexOp>(op) || llvm::none_of(op.getResultTypes(),
                                              [](Type t) { return isa<TensorType>(t); })) &&
           llvm::all_of(op.getOperands(), [&](Value v) {
             return !slotOf.contains(v) && sameInEveryCopy(v, copies);
           });
  }

  /// One map over the copies' inputs (each distinct value once; an input's
  /// argument keeps its type in the original body: a map over a matrix's
  /// rows takes rows) whose body runs the copies' bodies one after the
  /// other. With `accAt`, that input is an accumulator whose current
  /// version is `acc`: the merged map reads it once, each copy's body adds
  /// to what the previous one yielded, and the result is the last one's.
  /// Otherwise the results are every copy's, copy by copy.
  MapOp mergedMap(MapOp map, ArrayRef<IRMapping> copies, std::optional<unsigned> accAt,
                  Value acc) {
    Block &body = map.getBody().front();
    SmallVector<Value> inputs;
    SmallVector<Type> argTypes;
    if (accAt) {
      inputs.push_back(acc);
      argTypes.push_back(body.getArgument(*accAt).getType());
    }
    // `at[u][k]`: where copy u's input k went.
    SmallVector<SmallVector<unsigned>> at(copies.size());
    for (auto [u, copy] : llvm::enumerate(copies))
      for (auto [k, input] : llvm::enumerate(map.getInputs())) {
        if (k == accAt) {
          at[u].push_back(0);
          continue;
        }
        Value v = copy.lookupOrDefault(input);
        auto found = llvm::find(inputs, v);
        at[u].push_back(found - inputs.begin());
        if (found == inputs.end()) {
          inputs.push_back(v);
          argTypes.push_back(body.getArgument(k).getType());
        }
      }
    SmallVector<Type> resultTypes;
    for (size_t u = 0; u < (accAt ? 1 : copies.size()); ++u)
      llvm::append_range(resultTypes, map.getResultTypes());
    Location loc = map.getLoc();
    auto merged = b.create<MapOp>(loc, resultTypes, inputs);
    OpBuilder::InsertionGuard guard(b);
    Block *block = b.createBlock(&merged.getBody(), {}, argTypes,
                                 SmallVector<Location>(argTypes.size(), loc));
    Value element = accAt ? block->getArgument(0) : Value();
    SmallVector<Value> yielded;
    for (auto [u, copy] : llvm::enumerate(copies)) {
      IRMapping inner = copy;
      for (auto [k, arg] : llvm::enumerate(body.getArguments()))
        inner.map(arg, k == accAt ? element : block->getArgument(at[u][k]));
      for (Operation &op : body.without_terminator())
        b.clone(op, inner);
      for (Value v : body.getTerminator()->getOperands())
        yielded.push_back(inner.lookupOrDefault(v));
      if (accAt)
        element = yielded.pop_back_val();
    }
    b.create<YieldOp>(loc, accAt ? ValueRange(element) : ValueRange(yielded));
    return merged;
  }

  /// Clones `op` once, for every copy.
  void cloneOnce(Operation &op, MutableArrayRef<IRMapping> copies) {
    Operation *clone = b.clone(op, copies.front());
    for (IRMapping &copy : copies.drop_front())
      copy.map(op.getResults(), clone->getResults());
  }

  /// Makes the accumulator versions among `results` (of a cloned op) the
  /// current ones.
  void advance(ValueRange results, ValueRange clones, SmallVectorImpl<Value> &now) {
    for (auto [result, clone] : llvm::zip(results, clones))
      if (auto slot = slotOf.find(result); slot != slotOf.end())
        now[slot->second] = clone;
  }

  OpBuilder &b;
  const DenseMap<Value, unsigned> &slotOf;
};

/// Whether, extent queries aside, one op reads `version` (the op that makes
/// the next version, or a yield), or one op in each branch of a
/// conditional. The copies thread each accumulator through one current
/// version, which a second reader would see changed.
bool readOnce(Value version) {
  SmallVector<Operation *> readers; // one per use: an op reading it twice counts twice
  for (OpOperand &use : version.getUses())
    if (!isa<DimOp>(use.getOwner()))
      readers.push_back(use.getOwner());
  if (readers.size() == 1)
    return true;
  Block *block = version.getParentBlock();
  auto branches =
      readers.empty() ? IfOp() : dyn_cast_or_null<IfOp>(block->findAncestorOpInBlock(*readers[0]));
  return branches && llvm::all_of(branches->getRegions(), [&](Region &branch) {
           return llvm::count_if(readers, [&](Operation *reader) {
                    return branch.isAncestor(reader->getParentRegion());
                  }) <= 1;
         }) && llvm::all_of(readers, [&](Operation *reader) {
           return branches->isProperAncestor(reader);
         });
}

/// Whether `v` is the same in every iteration of `loop`: defined outside
/// it, or computed from such values (a jammed loop's count of rounds).
bool invariantIn(Value v, ForOp loop, unsigned depth = 0) {
  if (definedOutside(v, loop))
    return true;
  Operation *def = v.getDefiningOp();
  return def && depth < 4 && def->getNumRegions() == 0 && isMemoryEffectFree(def) &&
         llvm::all_of(def->getOperands(), [&](Value x) { return invariantIn(x, loop, depth + 1); });
}

/// Whether `op` is a loop, over a count fixed across `loop`'s iterations,
/// that adds elementwise to an array of its own state from arrays read from
/// outside `loop` (the transpose of a matrix-vector product run for each
/// point: x-bar += y-bar_r A_r for each row r of A).
bool isSharedRowAccumulation(Operation &op, ForOp loop, const DenseMap<Value, unsigned> &slotOf) {
  auto inner = dyn_cast<ForOp>(op);
  if (!inner || !invariantIn(inner.getCount(), loop))
    return false;
  Block &body = inner.getBody().front();
  return llvm::any_of(body.getArguments().drop_front(), [&](BlockArgument state) {
    return isa<TensorType>(state.getType()) && !slotOf.contains(state) &&
           llvm::any_of(state.getUsers(), [&](Operation *user) {
             auto map = dyn_cast<MapOp>(user);
             return map && map->getBlock() == &body &&
                    llvm::any_of(map.getInputs(), [&](Value v) {
                      return v != state && definedOutside(rootArray(v), loop);
                    });
           });
  });
}

/// Whether `op` is a loop nest, over counts fixed across `loop`'s
/// iterations, that adds to an accumulator array of `loop` in its inner
/// loop (an outer product y-bar z^T added to L-bar for each point): merged,
/// the copies' nests load and store each element once for all copies.
bool isNestedAccumulation(Operation &op, ForOp loop, const DenseMap<Value, unsigned> &slotOf) {
  auto outer = dyn_cast<ForOp>(op);
  if (!outer || !invariantIn(outer.getCount(), loop))
    return false;
  // Two loops deep, no more: around a deeper nest, jamming an outer loop
  // would only copy whole nests.
  auto hasLoop = [](Region &region) {
    return region.walk([](ForOp) { return WalkResult::interrupt(); }).wasInterrupted();
  };
  Block &body = outer.getBody().front();
  if (llvm::any_of(body.getOps<ForOp>(), [&](ForOp inner) { return hasLoop(inner.getBody()); }))
    return false;
  // The copies add to the same elements (at the nest's steps or at indices
  // fixed across `loop`'s iterations), or their nests would stay apart.
  if (!addsOnlyAt(outer, [&](Value index) {
        return isStepWithin(index, outer) || definedOutside(index, loop);
      }))
    return false;
  for (auto [k, init] : llvm::enumerate(outer.getInits())) {
    if (!slotOf.contains(init) || !isa<TensorType>(init.getType()))
      continue;
    if (llvm::any_of(body.getArgument(k + 1).getUsers(), [&](Operation *user) {
          auto inner = dyn_cast<ForOp>(user);
          return inner && inner->getBlock() == &body && invariantIn(inner.getCount(), loop);
        }))
      return true;
  }
  return false;
}

/// Whether `loop`'s body has at most `maxOps` ops, which do nothing but
/// compute and check (their order between copies changes: a failing check
/// may be reported for a later iteration than before) and always end (a
/// loop that may not, run before an earlier iteration's failing check,
/// would hang where the program stopped with an error). Without `arrays`,
/// they compute scalars besides the accumulators and rows of outer arrays.
bool bodyFits(ForOp loop, const DenseMap<Value, unsigned> &slotOf, bool arrays, unsigned maxOps) {
  unsigned count = 0;
  WalkResult walk = loop.getBody().walk([&](Operation *op) {
    bool pure = !isa<WhileOp, FixpointOp>(op) && effectsAreChecksAtMost(op);
    bool scalar = arrays || isa<IndexOp>(op) || llvm::all_of(op->getResults(), [&](Value v) {
                    return !isa<TensorType>(v.getType()) || slotOf.contains(v);
                  });
    return pure && scalar && ++count <= maxOps ? WalkResult::advance() : WalkResult::interrupt();
  });
  return !walk.wasInterrupted();
}

/// Whether jamming `loop` (whose state is all accumulators) pays by running
/// recurrences side by side: it runs a recurrence or adds elementwise to an
/// accumulator, and its body is small and computes scalars (bodyFits).
bool worthJamming(ForOp loop, const DenseMap<Value, unsigned> &slotOf) {
  if (!llvm::all_of(slotOf, [](auto &entry) { return readOnce(entry.first); }))
    return false;
  Block &body = loop.getBody().front();
  if (!llvm::any_of(body, [&](Operation &op) {
        return isRecurrence(op, loop, slotOf) || isElementwiseAccumulation(op, slotOf);
      }))
    return false;
  return bodyFits(loop, slotOf, /*arrays=*/false, kMaxBodyOps);
}

/// Whether jamming `loop` pays by sharing reads between its copies: its
/// body runs a loop that adds rows of an outer array to an array of its own
/// (isSharedRowAccumulation). The copies may build arrays; merged, their
/// loops read each row once for all copies, and add to an accumulator's
/// element the terms of every copy at once.
bool worthJammingRows(ForOp loop, const DenseMap<Value, unsigned> &slotOf) {
  return llvm::all_of(slotOf, [](auto &entry) { return readOnce(entry.first); }) &&
         llvm::any_of(loop.getBody().front(),
                      [&](Operation &op) {
                        return isSharedRowAccumulation(op, loop, slotOf) ||
                               isNestedAccumulation(op, loop, slotOf);
                      }) &&
         bodyFits(loop, slotOf, /*arrays=*/true, kMaxRowBodyOps);
}

/// Replaces `loop` by a loop over n / factor iterations that each run
/// `factor` of the original ones interleaved, then a loop over the rest.
void jam(ForOp loop, unsigned factor, const DenseMap<Value, unsigned> &slotOf) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Block &body = loop.getBody().front();
  Value n = loop.getCount();
  Value f = b.create<arith::ConstantIntOp>(loc, factor, 64);
  Value rounds = b.create<DivOp>(loc, n, f);
  Value done = b.create<MulOp>(loc, rounds, f);

  auto jammed = b.create<ForOp>(loc, loop.getResultTypes(), rounds, loop.getInits());
  jammed->setDiscardableAttrs(loop->getDiscardableAttrDictionary());
  {
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Location> locs(body.getNumArguments(), loc);
    Block *block = b.createBlock(&jammed.getBody(), {}, body.getArgumentTypes(), locs);
    Value first = b.create<MulOp>(loc, block->getArgument(0), f);
    SmallVector<IRMapping> copies(factor);
    for (auto [u, copy] : llvm::enumerate(copies))
      copy.map(body.getArgument(0),
               u == 0 ? first
                      : b.create<AddOp>(loc, first, b.create<arith::ConstantIntOp>(loc, u, 64))
                            .getResult());
    SmallVector<Value> now(block->getArguments().drop_front());
    Interleaver interleave(b, slotOf);
    for (Operation &op : body.without_terminator())
      interleave.interleave(op, copies, now);
    b.create<YieldOp>(loc, now);
  }

  // The n mod factor iterations left, as the original loop.
  if (std::optional<int64_t> trips = getConstantIntValue(n); trips && *trips % factor == 0) {
    loop->replaceAllUsesWith(jammed.getResults());
    loop->erase();
    return;
  }
  ForOp rest = cloneRange(b, loc, body, done, n, jammed.getResults());
  rest->setDiscardableAttrs(loop->getDiscardableAttrDictionary());
  loop->replaceAllUsesWith(rest.getResults());
  loop->erase();
}

struct FADUnrollJamPass : public fad::impl::FADUnrollJamBase<FADUnrollJamPass> {
  using FADUnrollJamBase::FADUnrollJamBase;

  void runOnOperation() override {
    if (factor < 2)
      return;
    unsigned copies = std::min<unsigned>(factor, kMaxFactor);
    // Innermost candidates first would jam a loop and then the loop around
    // it (copies of copies): take the outermost, in pre-order. Then, in a
    // second round, loops whose copies share reads, around loops the first
    // round jammed (a point's rows, four at a time, for four points).
    bool jammed = jamAll(copies, worthJamming);
    jammed |= jamAll(copies, worthJammingRows);
    if (jammed)
      cleanUp();
  }

  /// Folds the jammed loops' constant trip counts; a loop of one round
  /// (every trip of a short dot product) becomes straight-line code, and
  /// the maps it produced fuse into their readers (tangent lanes of a row:
  /// one pass over the lanes instead of one per op).
  void cleanUp() {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    for (RegisteredOperationName op : ctx->getRegisteredOperations())
      if (op.getDialectNamespace() == FADDialect::getDialectNamespace())
        op.getCanonicalizationPatterns(patterns, ctx);
    populateProducerConsumerFusionPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }

  /// Jams the loops `worth` picks; whether there was one.
  template <typename Worth> bool jamAll(unsigned copies, Worth worth) {
    SmallVector<std::pair<ForOp, DenseMap<Value, unsigned>>> loops;
    bool any = false;
    getOperation()->walk<WalkOrder::PreOrder>([&](ForOp loop) {
      if (loop.getInits().empty())
        return WalkResult::advance();
      // Scalar sums too: the copies add to them in the original order.
      auto slotOf = accumulatorSlots(loop, /*scalarSums=*/true);
      if (!slotOf || !worth(loop, *slotOf))
        return WalkResult::advance();
      loops.push_back({loop, std::move(*slotOf)});
      return WalkResult::skip();
    });
    for (auto &[loop, slotOf] : loops) {
      // A loop of fewer iterations than copies (a dot product of 3-vectors
      // with tangent rows) runs all of them in one round.
      std::optional<int64_t> trips = getConstantIntValue(loop.getCount());
      if (trips && *trips < 2)
        continue;
      jam(loop, trips && *trips < copies ? unsigned(*trips) : copies, slotOf);
      any = true;
    }
    return any;
  }
};
} // namespace
