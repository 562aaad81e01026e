//===- StackBuffers.cpp - Small buffers on the stack ---------------*- C++ -*-===//
//
// This file implements fad-promote-buffers-to-stack (see Passes.td): small
// buffers of fixed extents that live within one run of their block become
// stack slots of the function.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SetVector.h"

namespace fad {
#define GEN_PASS_DEF_FADPROMOTEBUFFERSTOSTACK
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

namespace {
/// A buffer that may go on the stack: the values that are it or a view of
/// it, the deallocations of those, and the `scf.if` results among them
/// (which other branches may define).
struct Candidate {
  memref::AllocOp alloc;
  SetVector<Value> aliases;
  SmallVector<memref::DeallocOp> deallocs;
  SmallVector<OpResult> merged;
};

/// The bytes of `type`'s elements when its shape is static and its
/// elements are integers or floats.
std::optional<int64_t> staticBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getElementType().isIntOrFloat())
    return std::nullopt;
  return type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
}

/// Follows every use of `c.alloc`'s buffer (through views and `scf.if`
/// yields); false when one lets the buffer outlive the run of its block.
bool followUses(Candidate &c) {
  c.aliases.insert(c.alloc.getResult());
  for (unsigned k = 0; k < c.aliases.size(); ++k) {
    for (OpOperand &use : c.aliases[k].getUses()) {
      Operation *user = use.getOwner();
      if (auto dealloc = dyn_cast<memref::DeallocOp>(user)) {
        c.deallocs.push_back(dealloc);
      } else if (auto yield = dyn_cast<scf::YieldOp>(user)) {
        auto ifOp = dyn_cast<scf::IfOp>(yield->getParentOp());
        if (!ifOp)
          return false; // a loop's next state: alive in the next iteration
        OpResult result = ifOp->getResult(use.getOperandNumber());
        if (c.aliases.insert(result))
          c.merged.push_back(result);
      } else if (auto view = dyn_cast<ViewLikeOpInterface>(user);
                 view && view.getViewSource() == c.aliases[k]) {
        for (Value v : user->getResults())
          if (isa<BaseMemRefType>(v.getType()))
            c.aliases.insert(v);
      } else if (user->hasTrait<OpTrait::IsTerminator>() || isa<CallOpInterface>(user) ||
                 llvm::any_of(user->getResultTypes(),
                              [](Type t) { return isa<BaseMemRefType>(t); })) {
        return false;
      }
      // Anything else reads or writes the elements, or reads the extents.
    }
  }
  return true;
}

/// The extent `dim` of `value` when it is the same constant on every path:
/// static in its type, or, for an `scf.if` result, in what every branch
/// yields there (through casts, which keep the extents).
std::optional<int64_t> constantExtent(Value value, int64_t dim, int depth = 0) {
  while (auto cast = value.getDefiningOp<memref::CastOp>())
    value = cast.getSource();
  auto type = dyn_cast<MemRefType>(value.getType());
  if (!type || dim >= type.getRank())
    return std::nullopt;
  if (!type.isDynamicDim(dim))
    return type.getDimSize(dim);
  auto result = dyn_cast<OpResult>(value);
  auto ifOp = result ? dyn_cast<scf::IfOp>(result.getOwner()) : scf::IfOp();
  if (!ifOp || ifOp.getElseRegion().empty() || depth > 8)
    return std::nullopt;
  std::optional<int64_t> extent;
  for (Region *branch : {&ifOp.getThenRegion(), &ifOp.getElseRegion()}) {
    Value yielded = branch->front().getTerminator()->getOperand(result.getResultNumber());
    std::optional<int64_t> e = constantExtent(yielded, dim, depth + 1);
    if (!e || (extent && *extent != *e))
      return std::nullopt;
    extent = e;
  }
  return extent;
}

/// Gives fixed extents their constants: `memref.dim` of a value whose
/// extent is the same constant on every path (constantExtent) becomes that
/// constant, and an allocation whose sizes are all constants gets a static
/// type (behind a cast to the old one). A tangent row sized by an array
/// that an `if` chose (ba's rotation, which is the identity for small
/// angles) can then go on the stack.
void resolveConstantExtents(func::FuncOp fn) {
  OpBuilder b(fn.getContext());
  fn.walk([&](memref::DimOp dim) {
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!index)
      return;
    if (std::optional<int64_t> extent = constantExtent(dim.getSource(), *index)) {
      b.setInsertionPoint(dim);
      dim.replaceAllUsesWith(b.create<arith::ConstantIndexOp>(dim.getLoc(), *extent).getResult());
      dim.erase();
    }
  });
  fn.walk([&](memref::AllocOp alloc) {
    MemRefType type = alloc.getType();
    if (alloc.getDynamicSizes().empty() || !type.getLayout().isIdentity() ||
        !llvm::all_of(alloc.getDynamicSizes(),
                      [](Value v) { return getConstantIntValue(v).has_value(); }))
      return;
    SmallVector<int64_t> shape(type.getShape());
    auto size = alloc.getDynamicSizes().begin();
    for (int64_t &extent : shape)
      if (ShapedType::isDynamic(extent))
        extent = *getConstantIntValue(*size++);
    b.setInsertionPoint(alloc);
    auto fixed = b.create<memref::AllocOp>(alloc.getLoc(), MemRefType::Builder(type).setShape(shape),
                                           alloc.getAlignmentAttr());
    alloc.replaceAllUsesWith(b.create<memref::CastOp>(alloc.getLoc(), type, fixed).getResult());
    alloc.erase();
  });
}

struct FADPromoteBuffersToStackPass
    : public fad::impl::FADPromoteBuffersToStackBase<FADPromoteBuffersToStackPass> {
  using FADPromoteBuffersToStackBase::FADPromoteBuffersToStackBase;

  void runOnOperation() override {
    getOperation()->walk([&](func::FuncOp fn) {
      if (fn.isExternal())
        return;
      resolveConstantExtents(fn);
      promote(fn);
    });
  }

  /// The region whose entry block gets `alloc`'s stack slot: that of the
  /// parallel region around it (each thread's own slot) or the function's.
  static Region &slotRegion(memref::AllocOp alloc) {
    Operation *scope = alloc->getParentOp();
    while (!isa<omp::ParallelOp, func::FuncOp>(scope))
      scope = scope->getParentOp();
    return scope->getRegion(0);
  }

  void promote(func::FuncOp fn) {
    std::vector<Candidate> candidates;
    DenseMap<Region *, int64_t> slotBytes;
    fn.walk([&](memref::AllocOp alloc) {
      std::optional<int64_t> bytes = staticBytes(alloc.getType());
      int64_t &total = slotBytes[&slotRegion(alloc)];
      if (!bytes || *bytes > maxBytes || total + *bytes > maxFunctionBytes)
        return;
      Candidate c{alloc};
      if (!followUses(c))
        return;
      total += *bytes;
      candidates.push_back(std::move(c));
    });

    // An scf.if result that a promoted buffer flows into is freed as that
    // buffer: it must be a promoted buffer on every branch. Dropping a
    // candidate can make another fail the test, hence the fixed point.
    DenseMap<Value, unsigned> aliasCount; // by the kept candidates
    SmallVector<bool> kept(candidates.size(), true);
    for (Candidate &c : candidates)
      for (Value v : c.aliases)
        ++aliasCount[v];
    for (bool changed = true; changed;) {
      changed = false;
      for (auto [k, c] : llvm::enumerate(candidates)) {
        if (!kept[k])
          continue;
        bool closed = llvm::all_of(c.merged, [&](OpResult result) {
          auto ifOp = cast<scf::IfOp>(result.getOwner());
          return llvm::all_of(ifOp->getRegions(), [&](Region &branch) {
            return !branch.empty() &&
                   aliasCount.lookup(branch.front().getTerminator()->getOperand(
                       result.getResultNumber())) > 0;
          });
        });
        if (closed)
          continue;
        kept[k] = false;
        changed = true;
        for (Value v : c.aliases)
          --aliasCount[v];
      }
    }

    SetVector<Operation *> deallocs;
    for (auto [k, c] : llvm::enumerate(candidates)) {
      if (!kept[k])
        continue;
      auto b = OpBuilder::atBlockBegin(&slotRegion(c.alloc).front());
      auto slot = b.create<memref::AllocaOp>(c.alloc.getLoc(), c.alloc.getType(),
                                             c.alloc.getAlignmentAttr());
      c.alloc.replaceAllUsesWith(slot.getResult());
      c.alloc.erase();
      for (memref::DeallocOp dealloc : c.deallocs)
        deallocs.insert(dealloc);
    }
    for (Operation *dealloc : deallocs)
      dealloc->erase();
  }
};
} // namespace
