//===- EmptyOverwrittenStates.cpp - No initial contents nobody reads -*- C++ -*-===//
//
// This file implements fad-empty-overwritten-states (see Passes.td): a loop
// that writes row i of an array state, whole, in iteration i, for every row,
// and reads the state no other way, starts that state from an empty tensor
// instead of the value it was given (a reverse-mode tape's zeros).
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/ArrayRoots.h"
#include "fad/Lowering/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace fad {
#define GEN_PASS_DEF_FADEMPTYOVERWRITTENSTATES
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

/// The empty tensor whose buffer `array` is built in with the same extents
/// (through insertions, fills and loops building in their state), or null.
static tensor::EmptyOp startingEmpty(Value array) {
  for (unsigned depth = 0; depth < 32; ++depth) {
    array = fad::arrayRoot(array);
    auto result = dyn_cast<OpResult>(array);
    auto dps = result ? dyn_cast<DestinationStyleOpInterface>(result.getOwner()) : nullptr;
    if (!dps)
      return array.getDefiningOp<tensor::EmptyOp>();
    array = dps.getTiedOpOperand(result)->get();
  }
  return nullptr;
}

/// Whether `size` is all of extent `d` of `state`, an array that starts as
/// `empty`: its static extent, or `tensor.dim` of the state or of an array
/// built in the same empty tensor, or the value the empty was created with.
static bool isWholeExtent(OpFoldResult size, Value state, tensor::EmptyOp empty, unsigned d) {
  auto type = cast<RankedTensorType>(state.getType());
  if (!type.isDynamicDim(d))
    return getConstantIntValue(size) == type.getDimSize(d);
  auto value = dyn_cast<Value>(size);
  if (!value)
    return false;
  if (value == empty.getDynamicSize(d))
    return true;
  auto dim = value.getDefiningOp<tensor::DimOp>();
  return dim && dim.getConstantIndex() == int64_t(d) &&
         (dim.getSource() == state || startingEmpty(dim.getSource()) == empty);
}

/// Whether one op of `loop`'s body writes row (or element) i of state `k`,
/// whole, and is the only reader of that state besides `tensor.dim`s, its
/// result yielded as the next state and otherwise only measured. `empty` is
/// where the state's initial value starts.
static bool writesEveryRow(scf::ForOp loop, unsigned k, tensor::EmptyOp empty) {
  Value state = loop.getRegionIterArg(k), iv = loop.getInductionVar();
  Operation *writer = nullptr;
  for (Operation *user : state.getUsers()) {
    if (isa<tensor::DimOp>(user))
      continue;
    if (writer || user->getBlock() != loop.getBody())
      return false;
    writer = user;
  }
  if (!writer)
    return false;
  if (auto insert = dyn_cast<tensor::InsertOp>(writer)) {
    if (insert.getDest() != state || insert.getIndices().size() != 1 ||
        insert.getIndices()[0] != iv)
      return false;
  } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(writer)) {
    if (insert.getDest() != state)
      return false;
    for (auto [d, offset, size, stride] :
         llvm::enumerate(insert.getMixedOffsets(), insert.getMixedSizes(),
                         insert.getMixedStrides())) {
      bool whole = d == 0 ? dyn_cast<Value>(offset) == iv && getConstantIntValue(size) == 1
                          : getConstantIntValue(offset) == 0 &&
                                isWholeExtent(size, state, empty, d);
      if (!whole || getConstantIntValue(stride) != 1)
        return false;
    }
  } else {
    return false;
  }
  Operation *yield = loop.getBody()->getTerminator();
  return llvm::all_of(writer->getResult(0).getUses(), [&](OpOperand &use) {
    return isa<tensor::DimOp>(use.getOwner()) ||
           (use.getOwner() == yield && use.getOperandNumber() == k);
  });
}

/// Erases the ops of `candidates` that nothing uses and that have no
/// effect, then the ops that computed their operands, as they become unused.
static void eraseDead(llvm::SetVector<Operation *> &candidates) {
  while (!candidates.empty()) {
    Operation *dead = candidates.pop_back_val();
    if (!isOpTriviallyDead(dead))
      continue;
    for (Value operand : dead->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        candidates.insert(producer);
    // Ops inside it go with it.
    dead->walk([&](Operation *inner) { candidates.remove(inner); });
    dead->erase();
  }
}

/// Starts `loop`'s state `k` from an empty tensor if the loop overwrites
/// every row of it before reading any; the former initial value's producer
/// joins `replaced`.
static void emptyOverwrittenState(scf::ForOp loop, unsigned k,
                                  llvm::SetVector<Operation *> &replaced) {
  Value init = loop.getInitArgs()[k];
  tensor::EmptyOp empty = startingEmpty(init);
  if (!empty || init.getDefiningOp<tensor::EmptyOp>() || empty.getType() != init.getType() ||
      getConstantIntValue(loop.getLowerBound()) != 0 || getConstantIntValue(loop.getStep()) != 1)
    return;
  // As many iterations as rows.
  RankedTensorType type = empty.getType();
  Value rows = type.isDynamicDim(0) ? empty.getDynamicSize(0) : Value();
  if (rows ? rows != loop.getUpperBound()
           : getConstantIntValue(loop.getUpperBound()) != type.getDimSize(0))
    return;
  if (!writesEveryRow(loop, k, empty))
    return;
  OpBuilder b(loop);
  loop.getInitArgsMutable()[k].set(
      b.create<tensor::EmptyOp>(loop.getLoc(), type, empty.getDynamicSizes()));
  if (Operation *producer = init.getDefiningOp())
    replaced.insert(producer);
}

namespace {
struct FADEmptyOverwrittenStatesPass
    : fad::impl::FADEmptyOverwrittenStatesBase<FADEmptyOverwrittenStatesPass> {
  void runOnOperation() override {
    llvm::SetVector<Operation *> replaced;
    getOperation()->walk([&](scf::ForOp loop) {
      for (unsigned k = 0, e = loop.getNumRegionIterArgs(); k < e; ++k)
        if (isa<RankedTensorType>(loop.getInitArgs()[k].getType()))
          emptyOverwrittenState(loop, k, replaced);
    });
    eraseDead(replaced);
  }
};
} // namespace
