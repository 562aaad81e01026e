//===- LoopBuffers.cpp - Buffers of lowered loops ------------------*- C++ -*-===//
//
// This file implements fad-private-scratch (before bufferization: every
// use of an empty tensor gets its own), fad-copy-view-call-
// arguments (after it: calls get copies of views, not casts of them), and
// fad-hoist-loop-buffers and fad-expand-strided-copies (see Passes.td):
// after bufferization, per-iteration buffers of sequential loops are
// allocated once, and copies between strided views become loops.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"
#include "fad/Dialect/FAD/IR/FADDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace fad {
#define GEN_PASS_DEF_FADCOPYVIEWCALLARGUMENTS
#define GEN_PASS_DEF_FADEXPANDSTRIDEDCOPIES
#define GEN_PASS_DEF_FADHOISTLOOPBUFFERS
#define GEN_PASS_DEF_FADPRIVATESCRATCH
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

/// The dealloc of `alloc` in `block` (top level) if it is the buffer's only
/// one: the buffer then lives within one run of the block.
static memref::DeallocOp freedIn(memref::AllocOp alloc, Block &block) {
  memref::DeallocOp found;
  for (Operation *user : alloc->getUsers())
    if (auto dealloc = dyn_cast<memref::DeallocOp>(user)) {
      if (found || dealloc->getBlock() != &block)
        return nullptr;
      found = dealloc;
    }
  return found;
}

namespace {
struct FADPrivateScratchPass
    : public fad::impl::FADPrivateScratchBase<FADPrivateScratchPass> {
  void runOnOperation() override {
    // An empty tensor behind a tensor.cast (static shapes) is an empty
    // tensor too: each use of the cast gets its own empty and cast.
    SmallVector<tensor::CastOp> casts;
    getOperation()->walk([&](tensor::CastOp cast) {
      if (cast.getSource().getDefiningOp<tensor::EmptyOp>())
        casts.push_back(cast);
    });
    for (tensor::CastOp cast : casts) {
      auto empty = cast.getSource().getDefiningOp<tensor::EmptyOp>();
      for (OpOperand &use : llvm::make_early_inc_range(cast->getUses())) {
        OpBuilder b(use.getOwner());
        IRMapping fresh;
        b.clone(*empty, fresh);
        use.set(b.clone(*cast, fresh)->getResult(0));
      }
      cast->erase();
      if (empty->use_empty())
        empty->erase();
    }
    SmallVector<tensor::EmptyOp> empties;
    getOperation()->walk([&](tensor::EmptyOp empty) { empties.push_back(empty); });
    for (tensor::EmptyOp empty : empties) {
      for (OpOperand &use : llvm::make_early_inc_range(empty->getUses())) {
        OpBuilder b(use.getOwner());
        use.set(b.clone(*empty)->getResult(0));
      }
      empty->erase();
    }
    getOperation()->walk([](scf::ForOp loop) { separateForResults(loop); });
    getOperation()->walk([](Operation *op) {
      if (isa<scf::ConditionOp>(op) || (isa<scf::YieldOp>(op) && isa<scf::WhileOp>(op->getParentOp())))
        copyRepeatedOperands(op->getOpOperands().drop_front(isa<scf::ConditionOp>(op) ? 1 : 0));
    });
  }

  /// The operand is replaced by a fresh copy of its tensor, made just
  /// before its user.
  static void copyBeforeUser(OpOperand &operand) {
    OpBuilder b(operand.getOwner());
    auto type = cast<RankedTensorType>(operand.get().getType());
    operand.set(b.create<bufferization::AllocTensorOp>(operand.getOwner()->getLoc(), type,
                                                       ValueRange{}, operand.get()));
  }

  /// Every tensor operand equal to an earlier one is copied.
  static void copyRepeatedOperands(MutableArrayRef<OpOperand> operands) {
    llvm::SmallPtrSet<Value, 4> seen;
    for (OpOperand &operand : operands)
      if (isa<RankedTensorType>(operand.get().getType()) && !seen.insert(operand.get()).second)
        copyBeforeUser(operand);
  }

  /// One-shot bufferization (allowReturnAllocsFromLoops) takes a for
  /// loop's result whose yield is not its own iteration argument for a new
  /// buffer. A yield of one tensor at two places, of another position's
  /// iteration argument, or of a value from outside the loop then gives two
  /// results (or a result and an outer value) one buffer unseen, and an
  /// in-place write to one changes the other. Two states that start and
  /// continue alike are merged into one; any other such yield is copied.
  static void separateForResults(scf::ForOp loop) {
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    llvm::SmallDenseMap<Value, unsigned> firstYield;
    for (auto [j, operand] : llvm::enumerate(yield->getOpOperands())) {
      Value value = operand.get();
      BlockArgument own = loop.getRegionIterArgs()[j];
      if (!isa<RankedTensorType>(value.getType()) || value == own)
        continue;
      auto [first, isNew] = firstYield.try_emplace(value, j);
      if (isNew) {
        auto arg = dyn_cast<BlockArgument>(value);
        bool otherState = arg && arg.getOwner() == loop.getBody();
        bool outside = !loop.getRegion().isAncestor(value.getParentRegion());
        if (otherState || outside)
          copyBeforeUser(operand);
        continue;
      }
      unsigned i = first->second;
      if (loop.getInitArgs()[i] == loop.getInitArgs()[j]) {
        loop.getResult(j).replaceAllUsesWith(loop.getResult(i));
        own.replaceAllUsesWith(loop.getRegionIterArgs()[i]);
        operand.set(own);
      } else {
        copyBeforeUser(operand);
      }
    }
  }
};

struct FADCopyViewCallArgumentsPass
    : public fad::impl::FADCopyViewCallArgumentsBase<FADCopyViewCallArgumentsPass> {
  void runOnOperation() override {
    getOperation()->walk([](func::CallOp call) {
      for (OpOperand &arg : call->getOpOperands()) {
        auto viewCast = arg.get().getDefiningOp<memref::CastOp>();
        if (!viewCast)
          continue;
        auto view = cast<MemRefType>(viewCast.getSource().getType());
        auto whole = dyn_cast<MemRefType>(viewCast.getType());
        if (!whole || view.getLayout().isIdentity() || !whole.getLayout().isIdentity())
          continue;
        OpBuilder b(call);
        Location loc = call.getLoc();
        SmallVector<Value> extents;
        for (int64_t d = 0; d < whole.getRank(); ++d)
          if (whole.isDynamicDim(d))
            extents.push_back(b.create<memref::DimOp>(loc, viewCast.getSource(), d));
        Value copy = b.create<memref::AllocOp>(loc, whole, extents);
        b.create<memref::CopyOp>(loc, viewCast.getSource(), copy);
        arg.set(copy);
      }
    });
  }
};

struct FADHoistLoopBuffersPass
    : public fad::impl::FADHoistLoopBuffersBase<FADHoistLoopBuffersPass> {
  void runOnOperation() override {
    // Post-order: inner loops first, so a buffer moved into an outer body
    // is considered again for the outer loop.
    getOperation()->walk([](scf::ForOp loop) {
      Block &body = *loop.getBody();
      for (auto alloc : llvm::make_early_inc_range(body.getOps<memref::AllocOp>())) {
        if (!llvm::all_of(alloc->getOperands(),
                          [&](Value v) { return loop.isDefinedOutsideOfLoop(v); }))
          continue;
        if (memref::DeallocOp dealloc = freedIn(alloc, body)) {
          alloc->moveBefore(loop);
          dealloc->moveAfter(loop);
        }
      }
    });
  }
};

struct FADExpandStridedCopiesPass
    : public fad::impl::FADExpandStridedCopiesBase<FADExpandStridedCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) {
      auto source = cast<MemRefType>(copy.getSource().getType());
      auto target = cast<MemRefType>(copy.getTarget().getType());
      if (source.getRank() > 0 && (!source.getLayout().isIdentity() ||
                                   !target.getLayout().isIdentity()))
        copies.push_back(copy);
    });
    IRRewriter b(&getContext());
    for (memref::CopyOp copy : copies) {
      Location loc = copy.getLoc();
      b.setInsertionPoint(copy);
      Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
      Value one = b.create<arith::ConstantIndexOp>(loc, 1);
      int64_t rank = cast<MemRefType>(copy.getSource().getType()).getRank();
      SmallVector<Value> indices;
      for (int64_t d = 0; d < rank; ++d) {
        Value extent = b.create<memref::DimOp>(loc, copy.getSource(), d);
        auto loop = b.create<scf::ForOp>(loc, zero, extent, one);
        indices.push_back(loop.getInductionVar());
        b.setInsertionPoint(loop.getBody()->getTerminator());
      }
      Value element = b.create<memref::LoadOp>(loc, copy.getSource(), indices);
      b.create<memref::StoreOp>(loc, element, copy.getTarget(), indices);
      b.eraseOp(copy);
    }
  }
};
} // namespace
