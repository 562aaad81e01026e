//===- ShapePatterns.cpp - Shape rewrites -----------------------*- C++ -*-===//
//
// This file implements the shape rewrites of fad-fuse that look past one
// op: a loop result's extent and zeros from its init when every iteration
// keeps the state's extents, zeros of a tape's row, and loop states that
// nobody needs dropped. The op-local ones (an extent or zeros from a map's
// or build's operands, unused or forwarded results) are canonicalization
// patterns of the ops (FADCanonicalize.cpp), added here too. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "ShapePatterns.h"
#include "FusionUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace fad;
using namespace fad::fusion;

namespace {
/// The value that a check at the top level of `block` (before `before`, if
/// given) equates with extent `d` of `array`: `fad.assert (dim array[d] ==
/// x)`, as fadc checks the sizes of a function's arguments and results.
/// Past the check, the extent is x. Null when there is no such check.
static Value checkedExtent(Value array, int64_t d, Block *block, Operation *before = nullptr) {
  for (Operation *user : array.getUsers()) {
    auto dim = dyn_cast<DimOp>(user);
    if (!dim || (int64_t)dim.getDim() != d)
      continue;
    for (Operation *dimUser : dim->getUsers()) {
      auto cmp = dyn_cast<arith::CmpIOp>(dimUser);
      if (!cmp || cmp.getPredicate() != arith::CmpIPredicate::eq)
        continue;
      bool checked = llvm::any_of(cmp->getUsers(), [&](Operation *u) {
        return isa<AssertOp>(u) && u->getBlock() == block &&
               (!before || u->isBeforeInBlock(before));
      });
      if (checked)
        return cmp.getLhs() == dim.getResult() ? cmp.getRhs() : cmp.getLhs();
    }
  }
  return nullptr;
}

/// Whether result k of `loop` has the extents of its init: the outer one
/// by `extentSource`; each of the others because every iteration checks that
/// extent of the state it yields against a value x_d from outside the loop,
/// and the init is checked against the same x_d before the loop (lstm's
/// [l][b] states, checked as a function's result and argument).
static bool keepsExtents(ForOp loop, unsigned k) {
  Value init = loop.getInits()[k];
  Value yielded = loop.getBody().front().getTerminator()->getOperand(k);
  for (int64_t d = 0, rank = cast<RankedTensorType>(init.getType()).getRank(); d < rank; ++d) {
    if (d == 0 && extentSource(loop->getResult(k)) != loop->getResult(k))
      continue;
    Value x = checkedExtent(yielded, d, &loop.getBody().front());
    if (!x || !definedBefore(x, loop))
      return false;
    auto dimOfInit = x.getDefiningOp<DimOp>();
    bool initIsX = dimOfInit && dimOfInit.getArray() == init && (int64_t)dimOfInit.getDim() == d;
    if (!initIsX && checkedExtent(init, d, loop->getBlock(), loop) != x)
      return false;
  }
  return true;
}

/// dim(loop result, 0) and zeros_like(loop result) from the loop's init when
/// every iteration keeps the state's extents: the loop need not run for its
/// shape (fadc's check of an entry's result extent, and the seed of its
/// adjoint, ask for it).
struct LoopResultShape : OpRewritePattern<ForOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ForOp loop, PatternRewriter &rw) const override {
    bool changed = false;
    for (OpResult result : loop->getResults()) {
      auto type = dyn_cast<RankedTensorType>(result.getType());
      if (!type)
        continue;
      Value source = extentSource(result);
      bool kept = keepsExtents(loop, result.getResultNumber());
      for (Operation *user : llvm::make_early_inc_range(result.getUsers())) {
        rw.setInsertionPoint(user);
        if (auto dim = dyn_cast<DimOp>(user); dim && dim.getDim() == 0 && source != result) {
          rw.replaceOp(dim, source.getType().isInteger(64)
                                ? source
                                : rw.create<DimOp>(dim.getLoc(), source, 0).getResult());
          changed = true;
        } else if (auto zeros = dyn_cast<ZerosLikeOp>(user); zeros && kept) {
          rw.replaceOpWithNewOp<ZerosLikeOp>(zeros, loop.getInits()[result.getResultNumber()]);
          changed = true;
        }
      }
    }
    return success(changed);
  }
};

/// zeros_like(tape[j])  ->  zeros_like(r), for a tape that a loop fills
/// only by writing or adding into rows (update, add_at) from `build n (\_ -> r)` (or `build n
/// (\_ -> zeros_like r)`): every row has r's extents. A reverse sweep's tape
/// of a loop state that the transposed body reads only for its shape (lstm's
/// layer states, l x b values per layer step) then has no reader and is
/// dropped (DropUnneededState). j is still checked.
struct ZerosOfTapeRow : OpRewritePattern<ZerosLikeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ZerosLikeOp zeros, PatternRewriter &rw) const override {
    auto index = zeros.getOperand().getDefiningOp<IndexOp>();
    if (!index || index.getIndices().size() != 1)
      return rw.notifyMatchFailure(zeros, "not of a row of an array");
    auto tape = dyn_cast<OpResult>(index.getArray());
    auto loop = dyn_cast_or_null<ForOp>(tape ? tape.getOwner() : nullptr);
    if (!loop)
      return rw.notifyMatchFailure(zeros, "the array is not a loop's result");
    unsigned k = tape.getResultNumber();
    auto init = loop.getInits()[k].getDefiningOp<BuildOp>();
    Block &body = loop.getBody().front();
    if (!init || init->getNumResults() != 1 ||
        !isUpdateOf(body.getTerminator()->getOperand(k), body.getArgument(k + 1)))
      return rw.notifyMatchFailure(zeros, "the loop does not only add into a built tape");
    // The shape of the rows: r, or x for rows zeros_like(x) made in the body.
    Block &rows = init.getBody().front();
    Value shape = rows.getTerminator()->getOperand(0);
    if (auto rowZeros = shape.getDefiningOp<ZerosLikeOp>();
        rowZeros && rowZeros->getBlock() == &rows && &rows.front() == rowZeros)
      shape = rowZeros.getOperand();
    else if (&rows.front() != rows.getTerminator())
      return rw.notifyMatchFailure(zeros, "the tape's rows are not all one value");
    if (init.getBody().isAncestor(shape.getParentRegion()) || shape.getType() != zeros.getType())
      return rw.notifyMatchFailure(zeros, "the rows' shape is not known outside the tape");
    {
      // Where the read was, which checked j there.
      OpBuilder::InsertionGuard guard(rw);
      rw.setInsertionPoint(index);
      Location loc = index.getLoc();
      rw.create<AssertOp>(loc, inBounds(rw, loc, index.getIndices()[0], init.getSize()),
                          "index out of bounds");
    }
    rw.replaceOpWithNewOp<ZerosLikeOp>(zeros, shape);
    return success();
  }
};

/// A fad.for state component that every iteration yields unchanged is its
/// init throughout, and one that is only added into or written row by row
/// (in-bounds updates) and whose result nobody reads (a tape whose rows the
/// reverse sweep no longer reads) is not needed: the loop drops both.
struct DropUnneededState : OpRewritePattern<ForOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ForOp loop, PatternRewriter &rw) const override {
    Block &body = loop.getBody().front();
    Operation *yield = body.getTerminator();
    SmallVector<unsigned> unchanged;
    for (unsigned k = 0; k < loop.getInits().size(); ++k)
      if (yield->getOperand(k) == body.getArgument(k + 1) ||
          (loop->getResult(k).use_empty() &&
           onlyAccumulates(body.getArgument(k + 1), loop, k, /*rows=*/true)))
        unchanged.push_back(k);
    if (unchanged.empty())
      return rw.notifyMatchFailure(loop, "every state component is needed");
    SmallVector<Value> inits;
    SmallVector<unsigned> kept;
    for (unsigned k = 0; k < loop.getInits().size(); ++k)
      if (!llvm::is_contained(unchanged, k)) {
        inits.push_back(loop.getInits()[k]);
        kept.push_back(k);
      }
    rw.setInsertionPoint(loop);
    auto narrow =
        rw.create<ForOp>(loop.getLoc(), ValueRange(inits).getTypes(), loop.getCount(), inits);
    narrow->setAttrs(loop->getAttrs());
    rw.inlineRegionBefore(loop.getBody(), narrow.getBody(), narrow.getBody().end());
    SmallVector<Value> yields;
    for (unsigned k : kept)
      yields.push_back(yield->getOperand(k));
    rw.modifyOpInPlace(yield, [&] { yield->setOperands(yields); });
    for (unsigned k : llvm::reverse(unchanged)) {
      rw.replaceAllUsesWith(body.getArgument(k + 1), loop.getInits()[k]);
      body.eraseArgument(k + 1);
    }
    SmallVector<Value> results(loop->getNumResults());
    for (unsigned k : unchanged)
      results[k] = loop.getInits()[k];
    for (auto [j, k] : llvm::enumerate(kept))
      results[k] = narrow.getResult(j);
    rw.replaceOp(loop, results);
    return success();
  }
};
} // namespace

// The op-local shape rewrites are the ops' canonicalization patterns
// (FADCanonicalize.cpp); fad-fuse runs them with its own.
void fad::populateShapePatterns(RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  DimOp::getCanonicalizationPatterns(patterns, context);
  patterns.add<LoopResultShape>(context);
  ZerosLikeOp::getCanonicalizationPatterns(patterns, context);
  patterns.add<ZerosOfTapeRow>(context);
  MapOp::getCanonicalizationPatterns(patterns, context);
  BuildOp::getCanonicalizationPatterns(patterns, context);
}

void fad::populateShapeCleanupPatterns(RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  MapOp::getCanonicalizationPatterns(patterns, context);
  BuildOp::getCanonicalizationPatterns(patterns, context);
  DimOp::getCanonicalizationPatterns(patterns, context);
  patterns.add<ZerosOfTapeRow, DropUnneededState>(context);
}
