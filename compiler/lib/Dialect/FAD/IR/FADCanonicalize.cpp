//===- FADCanonicalize.cpp - Canonicalization of fad ops ---------*- C++ -*-===//
//
// This file implements the canonicalization patterns of the fad ops: the
// shape rewrites that need no array to be computed for its shape (an extent
// or a zero array taken from the operands of the map or build that computes
// the array), and a map's or build's results that nobody reads or that are
// its inputs. AD's reverse sweep asks for shapes of primal arrays it does not
// otherwise read, so these run in the canonicalizer after AD and in fad-fuse.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace fad;

namespace {
/// dim(map ... xs, 0) -> dim(xs, 0) and dim(build n f, 0) -> n: the extent
/// of a structured result without computing it (the reverse sweep asks for
/// extents of primal arrays it does not otherwise read, such as the array a
/// sum reduced).
struct OuterExtentFromOperands : OpRewritePattern<DimOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DimOp dim, PatternRewriter &rw) const override {
    if (dim.getDim() != 0)
      return rw.notifyMatchFailure(dim, "not the outer extent");
    Operation *producer = dim.getArray().getDefiningOp();
    if (auto map = dyn_cast_or_null<MapOp>(producer)) {
      rw.replaceOpWithNewOp<DimOp>(dim, map.getInputs()[0], 0);
      return success();
    }
    if (auto build = dyn_cast_or_null<BuildOp>(producer)) {
      rw.replaceOp(dim, build.getSize());
      return success();
    }
    return rw.notifyMatchFailure(dim, "the array is not a map's or build's result");
  }
};

/// dim(x[i, ...], d)  ->  dim(x, d + number of indices): a row's extents
/// are the array's inner ones (arrays are regular). The extent of a row
/// taken in a loop is then one the loop does not compute.
struct ExtentOfRow : OpRewritePattern<DimOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DimOp dim, PatternRewriter &rw) const override {
    auto row = dim.getArray().getDefiningOp<IndexOp>();
    if (!row)
      return rw.notifyMatchFailure(dim, "not the extent of a row");
    rw.replaceOpWithNewOp<DimOp>(dim, row.getArray(),
                                 dim.getDim() + (int64_t)row.getIndices().size());
    return success();
  }
};

/// assert(a == c) with c a constant  ->  a's uses after the check read c:
/// past the check, a is c or the program has stopped. An extent checked
/// against a type's size (`[3]f64`) becomes a constant trip count.
struct ConstantAfterCheck : OpRewritePattern<AssertOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AssertOp check, PatternRewriter &rw) const override {
    auto eq = check.getCondition().getDefiningOp<arith::CmpIOp>();
    if (!eq || eq.getPredicate() != arith::CmpIPredicate::eq)
      return rw.notifyMatchFailure(check, "not an equality check");
    Value a = eq.getLhs(), c = eq.getRhs();
    if (matchPattern(a, m_Constant()))
      std::swap(a, c);
    if (!matchPattern(c, m_Constant()) || matchPattern(a, m_Constant()))
      return rw.notifyMatchFailure(check, "not a value checked against a constant");
    Block *block = check->getBlock();
    bool changed = false;
    for (OpOperand &use : llvm::make_early_inc_range(a.getUses())) {
      Operation *after = block->findAncestorOpInBlock(*use.getOwner());
      if (!after || !check->isBeforeInBlock(after))
        continue;
      rw.modifyOpInPlace(use.getOwner(), [&] { use.set(c); });
      changed = true;
    }
    return success(changed);
  }
};

/// zeros_like(x) for a one-dimensional x computed by a map or build  ->  a
/// build of zeros over x's extent: x need not be computed for its shape
/// (a transposed body's private adjoint of a primal array it did not read).
struct ZerosOfComputedShape : OpRewritePattern<ZerosLikeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ZerosLikeOp zeros, PatternRewriter &rw) const override {
    Value x = zeros.getOperand();
    if (zeros.getType().getRank() != 1 || !isa_and_nonnull<MapOp, BuildOp>(x.getDefiningOp()))
      return rw.notifyMatchFailure(zeros, "not of a one-dimensional map's or build's result");
    Location loc = zeros.getLoc();
    Value n = extentSource(x);
    if (n == x)
      return rw.notifyMatchFailure(zeros, "the extent is not known without computing the array");
    if (!n.getType().isInteger(64))
      n = rw.create<DimOp>(loc, n, 0);
    auto build = rw.create<BuildOp>(loc, TypeRange{zeros.getType()}, n);
    {
      OpBuilder::InsertionGuard guard(rw);
      rw.createBlock(&build.getBody(), {}, {rw.getI64Type()}, {loc});
      rw.create<YieldOp>(loc, ValueRange{rw.create<arith::ConstantOp>(
                                  loc, rw.getZeroAttr(zeros.getType().getElementType()))});
    }
    rw.replaceOp(zeros, build.getResults());
    return success();
  }
};

/// A map or build some of whose results are unused  ->  one yielding the
/// others (an op with no used result is erased as dead when its body cannot
/// fail, and kept otherwise).
template <typename OpTy>
struct DropUnusedResults : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rw) const override {
    SmallVector<unsigned> used;
    for (OpResult result : op->getResults())
      if (!result.use_empty())
        used.push_back(result.getResultNumber());
    if (used.size() == op->getNumResults())
      return rw.notifyMatchFailure(op, "every result is used");
    if (used.empty())
      return rw.notifyMatchFailure(op, "no result is used (left to dead-code erasure)");
    Operation *trimmed = cloneWithResults(rw, op, used);
    for (auto [k, r] : llvm::enumerate(used))
      rw.replaceAllUsesWith(op->getResult(r), trimmed->getResult(k));
    rw.eraseOp(op);
    return success();
  }
};

/// A result of `map f xs` that f yields as its argument k unchanged (a
/// transposed body passing an adjoint through)  ->  xs[k] itself, which
/// has the map's extent and the result's type.
struct ForwardMapArguments : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp map, PatternRewriter &rw) const override {
    Block &body = map.getBody().front();
    bool changed = false;
    for (auto [result, yielded] :
         llvm::zip_equal(map->getResults(), body.getTerminator()->getOperands())) {
      auto arg = dyn_cast<BlockArgument>(yielded);
      if (!arg || arg.getOwner() != &body || result.use_empty())
        continue;
      Value input = map.getInputs()[arg.getArgNumber()];
      if (input.getType() != result.getType())
        continue;
      rw.replaceAllUsesWith(result, input);
      changed = true;
    }
    return success(changed);
  }
};
/// A loop of a constant trip count of at most one  ->  its inits, or its
/// body once with the counter 0: a jammed loop whose rounds cover its
/// trips (a dot product of 3-vectors), whose state then feeds straight
/// into what follows.
struct InlineSingleTrip : OpRewritePattern<ForOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ForOp loop, PatternRewriter &rw) const override {
    APInt trips;
    if (!matchPattern(loop.getCount(), m_ConstantInt(&trips)) || trips.sgt(1))
      return rw.notifyMatchFailure(loop, "not a constant trip count of at most one");
    if (trips.slt(1)) {
      rw.replaceOp(loop, loop.getInits());
      return success();
    }
    Block &body = loop.getBody().front();
    Operation *yield = body.getTerminator();
    SmallVector<Value> args{rw.create<arith::ConstantIntOp>(loop.getLoc(), 0, 64)};
    llvm::append_range(args, loop.getInits());
    SmallVector<Value> results;
    for (Value v : yield->getOperands()) {
      auto arg = dyn_cast<BlockArgument>(v);
      results.push_back(arg && arg.getOwner() == &body ? args[arg.getArgNumber()] : v);
    }
    rw.eraseOp(yield);
    rw.inlineBlockBefore(&body, loop, args);
    rw.replaceOp(loop, results);
    return success();
  }
};
} // namespace

void ForOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *context) {
  patterns.add<InlineSingleTrip>(context);
}

void DimOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *context) {
  patterns.add<OuterExtentFromOperands, ExtentOfRow>(context);
}

void AssertOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *context) {
  patterns.add<ConstantAfterCheck>(context);
}

void ZerosLikeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                              MLIRContext *context) {
  patterns.add<ZerosOfComputedShape>(context);
}

void MapOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *context) {
  patterns.add<ForwardMapArguments, DropUnusedResults<MapOp>>(context);
}

void BuildOp::getCanonicalizationPatterns(RewritePatternSet &patterns, MLIRContext *context) {
  patterns.add<DropUnusedResults<BuildOp>>(context);
}
