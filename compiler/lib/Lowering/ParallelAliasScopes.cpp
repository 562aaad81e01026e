//===- ParallelAliasScopes.cpp - Disjoint buffers in parallel regions -*- C++ -*-===//
//
// This file implements fad-scope-parallel-accesses (see Passes.td): the
// loads and stores of an `omp.parallel` region that reach distinct buffers
// get alias scopes saying so, because OpenMP's outlining hands the buffers
// to the region's function through memory, where LLVM can no longer see
// that they are distinct allocations.
//
//===----------------------------------------------------------------------===//

#include "fad/Lowering/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace fad {
#define GEN_PASS_DEF_FADSCOPEPARALLELACCESSES
#include "fad/Lowering/Passes.h.inc"
} // namespace fad

using namespace mlir;

/// Whether `call` returns a fresh buffer: one of the allocation functions
/// that the memref lowering calls.
static bool isAllocation(LLVM::CallOp call) {
  std::optional<StringRef> callee = call.getCallee();
  return callee && (*callee == "_mlir_memref_to_llvm_aligned_alloc" ||
                    *callee == "_mlir_memref_to_llvm_alloc" || *callee == "malloc");
}

/// Whether one of two aggregate positions is a prefix of the other.
static bool overlaps(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t n = std::min(a.size(), b.size());
  return a.take_front(n) == b.take_front(n);
}

/// What `pointer` points into: the result of an allocation call, an
/// `llvm.alloca`, or an argument of the function, from which it derives by
/// `getelementptr`s and the fields of memref descriptors (`insertvalue`,
/// `extractvalue`). Null where it cannot tell (a block argument, a loaded
/// pointer, an integer cast).
static Value pointerRoot(Value pointer) {
  while (true) {
    if (auto gep = pointer.getDefiningOp<LLVM::GEPOp>()) {
      pointer = gep.getBase();
      continue;
    }
    if (auto extract = pointer.getDefiningOp<LLVM::ExtractValueOp>()) {
      ArrayRef<int64_t> position = extract.getPosition();
      Value aggregate = extract.getContainer();
      Value field;
      while (auto insert = aggregate.getDefiningOp<LLVM::InsertValueOp>()) {
        if (insert.getPosition() == position) {
          field = insert.getValue();
          break;
        }
        // An insertion around or inside the field: not followed.
        if (overlaps(insert.getPosition(), position))
          return {};
        aggregate = insert.getContainer();
      }
      if (!field)
        return {};
      pointer = field;
      continue;
    }
    if (auto call = pointer.getDefiningOp<LLVM::CallOp>())
      return isAllocation(call) ? pointer : Value();
    if (pointer.getDefiningOp<LLVM::AllocaOp>())
      return pointer;
    if (auto argument = dyn_cast<BlockArgument>(pointer);
        argument && argument.getOwner()->isEntryBlock() &&
        isa<LLVM::LLVMFuncOp>(argument.getOwner()->getParentOp()))
      return pointer;
    return {};
  }
}

/// Gives the loads and stores of `region` (an `omp.parallel`'s) alias
/// scopes: one scope per buffer allocated before the region, one for all the
/// function's arguments together (they may share memory with each other,
/// but not with the buffers the function allocates). An access whose
/// pointer has such a root is in its root's scope and aliases no access of
/// the others; other accesses keep no scope (they may alias anything).
static void scopeAccesses(Region &region) {
  MLIRContext *context = region.getContext();
  auto domain = LLVM::AliasScopeDomainAttr::get(
      context, StringAttr::get(context, "the buffers of a parallel region"));
  // The function's arguments share one scope: the null root.
  llvm::MapVector<Value, LLVM::AliasScopeAttr> scopes;
  SmallVector<std::pair<LLVM::AliasAnalysisOpInterface, LLVM::AliasScopeAttr>> accesses;
  region.walk([&](LLVM::AliasAnalysisOpInterface access) {
    // Loads and stores only: a call's accesses are not its pointer operands'.
    if (!isa<LLVM::LoadOp, LLVM::StoreOp>(access) || access.getAliasScopesOrNull() ||
        access.getNoAliasScopesOrNull())
      return;
    Value root = pointerRoot(access.getAccessedOperands().front());
    if (!root || region.isAncestor(root.getParentRegion()))
      return;
    if (isa<BlockArgument>(root))
      root = Value();
    auto [entry, inserted] = scopes.try_emplace(root);
    if (inserted)
      entry->second = LLVM::AliasScopeAttr::get(domain);
    accesses.push_back({access, entry->second});
  });
  if (scopes.size() < 2)
    return;
  for (auto [access, own] : accesses) {
    SmallVector<Attribute> others;
    for (auto &[root, scope] : scopes)
      if (scope != own)
        others.push_back(scope);
    access.setAliasScopes(ArrayAttr::get(context, {own}));
    access.setNoAliasScopes(ArrayAttr::get(context, others));
  }
}

namespace {
struct FADScopeParallelAccessesPass
    : fad::impl::FADScopeParallelAccessesBase<FADScopeParallelAccessesPass> {
  void runOnOperation() override {
    getOperation()->walk<WalkOrder::PreOrder>([](omp::ParallelOp parallel) {
      scopeAccesses(parallel.getRegion());
      return WalkResult::skip();
    });
  }
};
} // namespace
