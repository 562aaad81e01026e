//===- ReuseDeadArrays.cpp - Build an array in its last input's place -*- C++ -*-===//
//
// This file implements fad-reuse-dead-arrays (see Passes.td): a lowered
// loop nest that builds an array element by element from an empty tensor,
// reading another array of the same extents only at the element it writes,
// and being that array's last reader, builds into that array instead. One
// buffer is then read and written, where before a second one was written:
// a reverse sweep scaling the tape it stored (lse's gradient) moves a
// third fewer bytes.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/ArrayRoots.h"
#include "fad/Lowering/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace fad {
#define GEN_PASS_DEF_FADREUSEDEADARRAYS
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;
using fad::arrayRoot;
using fad::creationExtent;

namespace {
/// How a loop nest builds one array: `loops[0]` carries it from an empty
/// tensor, each further loop is run directly in the previous one's body
/// and carries it on, and the innermost body's `insert` writes one element
/// at indices that are the nest's induction variables, each once (so every
/// iteration writes its own element).
struct ElementwiseBuild {
  SmallVector<scf::ForOp> loops;
  tensor::InsertOp insert;
};
} // namespace

/// The nest that builds `loop`'s state `k` element by element, if any.
static std::optional<ElementwiseBuild> matchElementwiseBuild(scf::ForOp loop, unsigned k) {
  ElementwiseBuild build;
  scf::ForOp current = loop;
  unsigned position = k;
  while (true) {
    build.loops.push_back(current);
    Value state = current.getRegionIterArg(position);
    Value yielded = current.getBody()->getTerminator()->getOperand(position);
    if (!state.hasOneUse() || !yielded.hasOneUse())
      return std::nullopt;
    Operation *user = *state.getUsers().begin();
    if (user->getBlock() != current.getBody() || yielded.getDefiningOp() != user)
      return std::nullopt;
    if (auto insert = dyn_cast<tensor::InsertOp>(user)) {
      if (insert.getDest() != state)
        return std::nullopt;
      build.insert = insert;
      break;
    }
    auto inner = dyn_cast<scf::ForOp>(user);
    if (!inner)
      return std::nullopt;
    OpOperand &init = *state.getUses().begin();
    position = init.getOperandNumber() - inner.getNumControlOperands();
    if (inner.getResult(position) != yielded)
      return std::nullopt;
    current = inner;
  }
  ValueRange indices = build.insert.getIndices();
  if (indices.size() != build.loops.size())
    return std::nullopt;
  for (scf::ForOp nested : build.loops)
    if (llvm::count(indices, nested.getInductionVar()) != 1)
      return std::nullopt;
  return build;
}

/// Whether arrays `a` and `b`, of one type, have the same extents: they
/// start as one array, or each dynamic extent was created from one value.
static bool haveSameExtents(Value a, Value b) {
  auto type = cast<RankedTensorType>(a.getType());
  if (arrayRoot(a) == arrayRoot(b))
    return true;
  for (unsigned d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    Value extentA = creationExtent(a, d);
    if (!extentA || extentA != creationExtent(b, d))
      return false;
  }
  return true;
}

/// The reads of `array` that `build` may take from its own state instead:
/// every use of `array` is a `tensor.dim`, or is before the nest in its
/// block and yields no array, or is a `tensor.extract` in the innermost body
/// at the indices that `build` writes, before that write. Empty if any
/// other use exists.
static SmallVector<tensor::ExtractOp> readsOfElementWritten(Value array,
                                                            ElementwiseBuild &build) {
  scf::ForOp outer = build.loops.front();
  Block *body = build.loops.back().getBody();
  SmallVector<tensor::ExtractOp> reads;
  for (Operation *user : array.getUsers()) {
    if (isa<tensor::DimOp>(user))
      continue;
    if (!outer->isAncestor(user)) {
      // A user yielding an array might yield `array` itself (a cast, a view,
      // a loop carrying it), read after the nest: bufferization would then
      // copy `array`, which costs more than the buffer saved.
      Operation *ancestor = outer->getBlock()->findAncestorOpInBlock(*user);
      if (!ancestor || !ancestor->isBeforeInBlock(outer) ||
          llvm::any_of(user->getResultTypes(), [](Type t) { return isa<TensorType>(t); }))
        return {};
      continue;
    }
    auto read = dyn_cast<tensor::ExtractOp>(user);
    Operation *ancestor = body->findAncestorOpInBlock(*user);
    if (!read || !ancestor || !ancestor->isBeforeInBlock(build.insert) ||
        read.getIndices() != build.insert.getIndices())
      return {};
    reads.push_back(read);
  }
  return reads;
}

/// Builds `loop`'s state `k` into an array it reads as its last reader, if
/// it can.
static void reuseDeadArray(scf::ForOp loop, unsigned k) {
  auto empty = loop.getInitArgs()[k].getDefiningOp<tensor::EmptyOp>();
  if (!empty)
    return;
  std::optional<ElementwiseBuild> build = matchElementwiseBuild(loop, k);
  if (!build)
    return;
  Value state = build->insert.getDest();
  SmallVector<tensor::ExtractOp> candidates;
  build->loops.back().getBody()->walk([&](tensor::ExtractOp read) { candidates.push_back(read); });
  for (tensor::ExtractOp candidate : candidates) {
    Value array = candidate.getTensor();
    // Only a fresh array of this block: not an argument (the caller's
    // buffer) nor a view of one.
    Operation *producer = array.getDefiningOp();
    if (array.getType() != empty.getType() || !producer ||
        producer->getBlock() != loop->getBlock() ||
        !arrayRoot(array).getDefiningOp<tensor::EmptyOp>() ||
        !haveSameExtents(array, empty.getResult()))
      continue;
    SmallVector<tensor::ExtractOp> reads = readsOfElementWritten(array, *build);
    if (reads.empty())
      continue;
    loop.getInitArgsMutable()[k].set(array);
    for (tensor::ExtractOp read : reads)
      read.getTensorMutable().set(state);
    return;
  }
}

namespace {
struct FADReuseDeadArraysPass : fad::impl::FADReuseDeadArraysBase<FADReuseDeadArraysPass> {
  void runOnOperation() override {
    getOperation()->walk([](scf::ForOp loop) {
      for (unsigned k = 0, e = loop.getNumRegionIterArgs(); k < e; ++k)
        if (isa<RankedTensorType>(loop.getInitArgs()[k].getType()))
          reuseDeadArray(loop, k);
    });
  }
};
} // namespace
