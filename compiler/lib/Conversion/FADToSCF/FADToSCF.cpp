//===- FADToSCF.cpp - Lower fad to scf, tensor, arith and math ----*- C++ -*-===//
//
// This file implements convert-fad-to-scf. Structured fad ops become scf loops
// over value-semantic tensors that write into a destination tensor, the form
// that one-shot bufferization turns into in-place stores (no per-element
// allocation). Scalar ops become arith/math ops chosen by operand type. Every
// run-time check becomes a branch to a fad runtime error function that prints
// a message naming the source location.
//
//===----------------------------------------------------------------------===//

#include "fad/Conversion/FADToSCF/FADToSCF.h"
#include "fad/Conversion/Passes.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/StringExtras.h"
#include <limits>

namespace fad {
#define GEN_PASS_DEF_CONVERTFADTOSCF
#include "fad/Conversion/Passes.h.inc"
} // namespace fad

using namespace mlir;
using namespace fad;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}
static Value toIndex(OpBuilder &b, Location loc, Value v) {
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(), v);
}
static Value toI64(OpBuilder &b, Location loc, Value v) {
  return b.create<arith::IndexCastOp>(loc, b.getI64Type(), v);
}
static Value dimOf(OpBuilder &b, Location loc, Value array, int64_t d) {
  return b.create<tensor::DimOp>(loc, array, d);
}

std::string fad::locationText(Location loc) {
  std::string text;
  loc->walk([&](Location l) {
    if (auto file = dyn_cast<FileLineColLoc>(l)) {
      text = (file.getFilename().str() + ":" + std::to_string(file.getLine()) +
              ":" + std::to_string(file.getColumn()));
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return text;
}

/// `message` prefixed with the location of `loc` when it has one.
static std::string locatedMessage(Location loc, StringRef message) {
  std::string where = locationText(loc);
  return where.empty() ? message.str() : where + ": " + message.str();
}

Value fad::buildStringPointer(OpBuilder &b, Location loc, StringRef text) {
  ModuleOp module = b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  std::string name = "__fad_str_" + llvm::utohexstr(llvm::hash_value(text));
  MLIRContext *ctx = b.getContext();
  if (!module.lookupSymbol(name)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto type = LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), text.size() + 1);
    b.create<LLVM::GlobalOp>(loc, type, /*isConstant=*/true,
                             LLVM::Linkage::Internal, name,
                             b.getStringAttr(text.str() + '\0'));
  }
  return b.create<LLVM::AddressOfOp>(loc, LLVM::LLVMPointerType::get(ctx), name);
}

func::FuncOp fad::getRuntimeFunction(OpBuilder &b, StringRef name,
                                     FunctionType type) {
  ModuleOp module = b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  if (auto fn = module.lookupSymbol<func::FuncOp>(name))
    return fn;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto fn = b.create<func::FuncOp>(module.getLoc(), name, type);
  fn.setPrivate();
  return fn;
}

/// A runtime function that reports an error and does not return, declared
/// so to LLVM: a loop's values then need not survive its checks' calls
/// (they are not spilled around them) and the calls are laid out cold.
static func::FuncOp getFailureFunction(OpBuilder &b, StringRef name, FunctionType type) {
  func::FuncOp fn = getRuntimeFunction(b, name, type);
  fn->setAttr("passthrough", b.getStrArrayAttr({"noreturn", "cold"}));
  return fn;
}

/// Builds `if (!ok) { failure(b) }`; `failure` emits the call of a runtime
/// function that does not return.
static void emitCheck(OpBuilder &b, Location loc, Value ok,
                      function_ref<void(OpBuilder &)> failure) {
  Value isTrue = b.create<arith::ConstantIntOp>(loc, 1, 1);
  Value bad = b.create<arith::XOrIOp>(loc, ok, isTrue);
  auto ifOp = b.create<scf::IfOp>(loc, bad, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  failure(b);
}

/// Stops the program with `message` (located at `loc`) unless `ok`.
static void emitFailUnless(OpBuilder &b, Location loc, Value ok,
                           StringRef message) {
  std::string text = locatedMessage(loc, message);
  emitCheck(b, loc, ok, [&](OpBuilder &b) {
    auto ptr = LLVM::LLVMPointerType::get(b.getContext());
    func::FuncOp fail =
        getFailureFunction(b, kFailFunction, b.getFunctionType({ptr}, {}));
    b.create<func::CallOp>(loc, fail, ValueRange{buildStringPointer(b, loc, text)});
  });
}

/// Stops the program unless the index-typed `a == c`.
static void emitSameExtent(OpBuilder &b, Location loc, Value a, Value c,
                           StringRef message) {
  Value same = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, a, c);
  emitFailUnless(b, loc, same, message);
}

/// Element (all indices given) or sub-array of `array` at `indices` (index
/// typed), without bounds checks.
static Value extractAt(OpBuilder &b, Location loc, Value array,
                       ValueRange indices) {
  auto type = cast<RankedTensorType>(array.getType());
  if ((int64_t)indices.size() == type.getRank())
    return b.create<tensor::ExtractOp>(loc, array, indices);
  SmallVector<OpFoldResult> offsets, sizes, strides(type.getRank(), b.getIndexAttr(1));
  for (int64_t d = 0; d < type.getRank(); ++d) {
    bool indexed = d < (int64_t)indices.size();
    offsets.push_back(indexed ? OpFoldResult(indices[d]) : b.getIndexAttr(0));
    sizes.push_back(indexed ? OpFoldResult(b.getIndexAttr(1))
                            : OpFoldResult(dimOf(b, loc, array, d)));
  }
  auto resultType = RankedTensorType::get(type.getShape().drop_front(indices.size()),
                                          type.getElementType());
  return b.create<tensor::ExtractSliceOp>(loc, resultType, array, offsets, sizes,
                                          strides);
}

/// `dest` with `value` (a scalar or a row) stored at position `i`. The row's
/// extents are `rowExtents` when given (computed before the loop, so that
/// empty-tensor elimination can build the row in place), else read off it.
static Value insertAt(OpBuilder &b, Location loc, Value value, Value dest,
                      Value i, ArrayRef<Value> rowExtents = {}) {
  auto row = dyn_cast<RankedTensorType>(value.getType());
  if (!row)
    return b.create<tensor::InsertOp>(loc, value, dest, ValueRange{i});
  int64_t rank = row.getRank() + 1;
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  offsets[0] = i;
  sizes.push_back(b.getIndexAttr(1));
  for (int64_t d = 0; d < row.getRank(); ++d)
    sizes.push_back(rowExtents.empty() ? dimOf(b, loc, value, d) : rowExtents[d]);
  return b.create<tensor::InsertSliceOp>(loc, value, dest, offsets, sizes, strides);
}

/// The index 0, computed by a call that MLIR does not fold (LLVM inlines it
/// away). See `emptyArray`.
static Value opaqueZero(OpBuilder &b, Location loc) {
  ModuleOp module = b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  StringRef name = "__fad_opaque_zero";
  auto fn = module.lookupSymbol<func::FuncOp>(name);
  if (!fn) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    fn = b.create<func::FuncOp>(loc, name, b.getFunctionType({}, b.getIndexType()));
    fn.setPrivate();
    b.setInsertionPointToStart(fn.addEntryBlock());
    b.create<func::ReturnOp>(loc, indexConst(b, loc, 0));
  }
  return b.create<func::CallOp>(loc, fn, ValueRange{}).getResult(0);
}

/// An uninitialised array of type `type` with outer extent `n`; inner extents
/// are 0 until the first row fixes them (see `destForRow`). That 0 must not be
/// a constant: canonicalization would turn it into a static extent of the
/// loop-carried array, which is wrong once rows of another extent arrive.
static Value emptyArray(OpBuilder &b, Location loc, Type type, Value n) {
  auto tensorType = cast<RankedTensorType>(type);
  SmallVector<Value> dims{n};
  Value zero = tensorType.getRank() > 1 ? opaqueZero(b, loc) : Value();
  for (int64_t d = 1; d < tensorType.getRank(); ++d)
    dims.push_back(zero);
  return b.create<tensor::EmptyOp>(loc, tensorType, dims);
}

/// The destination to store `value` into at iteration `i` of a loop of `n`.
/// Rows fix the inner extents: the destination is allocated at iteration 0
/// with the first row's extents, and every later row must have the same ones.
static Value destForRow(OpBuilder &b, Location loc, Value dest, Value value,
                        Value i, Value n) {
  auto row = dyn_cast<RankedTensorType>(value.getType());
  if (!row)
    return dest;
  Value first = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, i,
                                        indexConst(b, loc, 0));
  auto ifOp = b.create<scf::IfOp>(loc, TypeRange{dest.getType()}, first, true, true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    SmallVector<Value> dims{n};
    for (int64_t d = 0; d < row.getRank(); ++d)
      dims.push_back(dimOf(b, loc, value, d));
    Value fresh = b.create<tensor::EmptyOp>(loc, dest.getType(), dims);
    b.create<scf::YieldOp>(loc, fresh);
    b.setInsertionPointToStart(ifOp.elseBlock());
    b.create<scf::YieldOp>(loc, dest);
  }
  Value result = ifOp.getResult(0);
  for (int64_t d = 0; d < row.getRank(); ++d)
    emitSameExtent(b, loc, dimOf(b, loc, result, d + 1), dimOf(b, loc, value, d),
                   "array rows have different sizes (arrays must be regular)");
  return result;
}

/// The extents of the array `v`, built at the insertion point (before `root`,
/// the op being lowered) when they do not depend on anything computed inside
/// `root`; std::nullopt otherwise. This lets a map whose elements are rows
/// allocate its result once, before the loop: the rows of `map (\r -> map f
/// r) m` have the extent of m's rows, known in advance.
static std::optional<SmallVector<Value>> hoistedExtents(OpBuilder &b, Location loc,
                                                        Operation *root, Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type)
    return std::nullopt;
  Operation *owner = isa<BlockArgument>(v)
                         ? cast<BlockArgument>(v).getOwner()->getParentOp()
                         : v.getDefiningOp();
  // No owner: an argument of a block that lowering moved (its uses are
  // replaced when the conversion ends), which is outside `root`.
  if (!owner || !root->isAncestor(owner)) {
    SmallVector<Value> dims;
    for (int64_t d = 0; d < type.getRank(); ++d)
      dims.push_back(dimOf(b, loc, v, d));
    return dims;
  }
  auto dropFront = [&](std::optional<SmallVector<Value>> dims, size_t n)
      -> std::optional<SmallVector<Value>> {
    if (!dims)
      return std::nullopt;
    return SmallVector<Value>(ArrayRef<Value>(*dims).drop_front(n));
  };
  // An element (row) of a map's input: the input's extents but the first.
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (auto map = dyn_cast<MapOp>(owner))
      return dropFront(hoistedExtents(b, loc, root, map.getInputs()[arg.getArgNumber()]), 1);
    return std::nullopt;
  }
  auto yieldedExtents = [&](Region &body, unsigned k) {
    return hoistedExtents(b, loc, root,
                          cast<YieldOp>(body.front().getTerminator()).getValues()[k]);
  };
  unsigned k = cast<OpResult>(v).getResultNumber();
  std::optional<SmallVector<Value>> outer, inner;
  if (auto map = dyn_cast<MapOp>(owner)) {
    // The inputs have one extent (the map checks it): any known one.
    for (Value input : map.getInputs())
      if ((outer = hoistedExtents(b, loc, root, input)))
        break;
    if (outer)
      outer->resize(1);
    inner = type.getRank() > 1 ? yieldedExtents(map.getBody(), k) : SmallVector<Value>();
  } else if (auto build = dyn_cast<BuildOp>(owner)) {
    Value size = build.getSize();
    Operation *sizeOwner = isa<BlockArgument>(size)
                               ? cast<BlockArgument>(size).getOwner()->getParentOp()
                               : size.getDefiningOp();
    if (!sizeOwner || !root->isAncestor(sizeOwner)) {
      outer = SmallVector<Value>{toIndex(b, loc, size)};
    } else if (auto dim = size.getDefiningOp<DimOp>()) {
      // The extent of an array whose extents are known (gmm's rows of Q).
      if (std::optional<SmallVector<Value>> dims = hoistedExtents(b, loc, root, dim.getArray()))
        outer = SmallVector<Value>{(*dims)[dim.getDim()]};
    }
    inner = type.getRank() > 1 ? yieldedExtents(build.getBody(), k) : SmallVector<Value>();
  } else if (auto scan = dyn_cast<ScanOp>(owner)) {
    return hoistedExtents(b, loc, root, scan.getInputs()[k]);
  } else if (auto index = dyn_cast<IndexOp>(owner)) {
    return dropFront(hoistedExtents(b, loc, root, index.getArray()),
                     index.getIndices().size());
  } else if (auto zeros = dyn_cast<ZerosLikeOp>(owner)) {
    return hoistedExtents(b, loc, root, zeros.getOperand());
  } else if (auto loop = dyn_cast<ForOp>(owner)) {
    // A loop's state of fixed shape (an accumulator) has its init's extents.
    Block &body = loop.getBody().front();
    if (isUpdateOf(body.getTerminator()->getOperand(k), body.getArgument(k + 1)))
      return hoistedExtents(b, loc, root, loop.getInits()[k]);
    return std::nullopt;
  } else if (auto reduce = dyn_cast<ReduceOp>(owner)) {
    // A fold whose accumulator keeps its extents (a sum of tangent lanes:
    // acc + x, elementwise) has its initial value's.
    Block &body = reduce.getBody().front();
    if (isUpdateOf(body.getTerminator()->getOperand(k), body.getArgument(k)))
      return hoistedExtents(b, loc, root, reduce.getInits()[k]);
    return std::nullopt;
  } else if (auto array = dyn_cast<ArrayOp>(owner)) {
    // A literal of rows: as many rows as elements, each of its first row's
    // extents (the jacobian of a map, [2][15] per point in ba).
    outer = SmallVector<Value>{indexConst(b, loc, array.getElements().size())};
    inner = type.getRank() > 1 ? hoistedExtents(b, loc, root, array.getElements().front())
                               : SmallVector<Value>();
  } else if (auto ifOp = dyn_cast<IfOp>(owner)) {
    // Both branches' rows of the same extents: the same values, or equal
    // constants (ht's joint angles, a literal of 3 in every branch).
    std::optional<SmallVector<Value>> thenDims = yieldedExtents(ifOp.getThenRegion(), k);
    std::optional<SmallVector<Value>> elseDims = yieldedExtents(ifOp.getElseRegion(), k);
    if (!thenDims || !elseDims)
      return std::nullopt;
    // Each extent was built for its branch: compare what they read (the
    // size an index_cast converts, the array and axis of a tensor.dim).
    auto source = [](Value v) {
      while (auto cast = v.getDefiningOp<arith::IndexCastOp>())
        v = cast.getIn();
      return v;
    };
    auto same = [&](Value a, Value c) {
      a = source(a);
      c = source(c);
      std::optional<int64_t> ca = getConstantIntValue(a), cc = getConstantIntValue(c);
      if (a == c || (ca && cc && *ca == *cc))
        return true;
      auto da = a.getDefiningOp<tensor::DimOp>(), dc = c.getDefiningOp<tensor::DimOp>();
      if (!da || !dc || da.getSource() != dc.getSource())
        return false;
      std::optional<int64_t> axis = getConstantIntValue(da.getIndex());
      return axis && axis == getConstantIntValue(dc.getIndex());
    };
    for (auto [a, c] : llvm::zip(*thenDims, *elseDims))
      if (!same(a, c))
        return std::nullopt;
    return thenDims;
  } else if (auto transpose = dyn_cast<TransposeOp>(owner)) {
    std::optional<SmallVector<Value>> dims =
        hoistedExtents(b, loc, root, transpose.getOperand());
    if (dims)
      std::swap((*dims)[0], (*dims)[1]);
    return dims;
  }
  if (!outer || !inner)
    return std::nullopt;
  outer->append(inner->begin(), inner->end());
  return outer;
}

/// Moves the single block of `region` to the insertion point with `args` for
/// its arguments, erases its fad.yield and returns the yielded values.
static SmallVector<Value> inlineBody(PatternRewriter &rw, Region &region,
                                     ValueRange args) {
  Block *block = &region.front();
  auto yield = cast<YieldOp>(block->getTerminator());
  SmallVector<Value> results;
  for (Value v : yield.getValues()) {
    auto arg = dyn_cast<BlockArgument>(v);
    results.push_back(arg && arg.getOwner() == block ? args[arg.getArgNumber()] : v);
  }
  rw.eraseOp(yield);
  rw.inlineBlockBefore(block, rw.getInsertionBlock(), rw.getInsertionPoint(), args);
  return results;
}

/// Builds `scf.for %i = 0 to n iter_args(inits)` whose body `body` builds
/// from the induction variable and the iteration arguments, returning the
/// values to yield.
static scf::ForOp
buildLoop(PatternRewriter &rw, Location loc, Value n, ValueRange inits,
          function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  auto forOp = rw.create<scf::ForOp>(loc, indexConst(rw, loc, 0), n,
                                     indexConst(rw, loc, 1), inits,
                                     [](OpBuilder &, Location, Value, ValueRange) {});
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPointToStart(forOp.getBody());
  SmallVector<Value> yielded = body(forOp.getInductionVar(), forOp.getRegionIterArgs());
  rw.create<scf::YieldOp>(loc, yielded);
  return forOp;
}

/// The outer extent shared by `arrays`, checked at run time.
static Value commonExtent(OpBuilder &b, Location loc, ValueRange arrays) {
  Value n = dimOf(b, loc, arrays.front(), 0);
  for (Value other : arrays.drop_front())
    emitSameExtent(b, loc, dimOf(b, loc, other, 0), n,
                   "arrays of different sizes");
  return n;
}

/// On a fad.map, set by the pass before lowering: for each result, the
/// input that the map may overwrite with it, or -1 (inPlaceInputs).
constexpr llvm::StringLiteral kInPlaceInputsAttr = "fad.in_place_inputs";

/// Whether `v` is an array of its own, not a view of a live one: a loop's
/// carried value or an op's result other than a row of another array (fad
/// ops, or what lowering made of them).
static bool ownsItsBuffer(Value v) {
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (!owner) // a block that lowering moved: its op is gone
      return false;
    if (auto reduce = dyn_cast<ReduceOp>(owner))
      return arg.getArgNumber() < reduce.getInits().size();
    return isa<ForOp, scf::ForOp>(owner) && arg.getArgNumber() > 0; // after the index
  }
  return !isa<IndexOp, tensor::ExtractSliceOp>(v.getDefiningOp());
}

/// For each result of a map of scalars, an input that the map may
/// overwrite with it, or -1: an array of the result's type that owns its
/// buffer and that nothing else reads, so the buffer is dead after the map,
/// each input for one result at most. Element i of every input is read
/// before element i of any result is written, so the map can run in place
/// (in a reduction `acc' = map2 (+) acc x`, no array is allocated per
/// iteration). Decided on the fad IR, before lowering (the pass marks the
/// map with kInPlaceInputsAttr).
static SmallVector<int64_t> inPlaceInputs(MapOp map) {
  SmallVector<int64_t> chosen(map->getNumResults(), -1);
  Operation *yield = map.getBody().front().getTerminator();
  for (auto [r, result] : llvm::enumerate(map.getResults())) {
    if (isa<RankedTensorType>(yield->getOperand(r).getType()))
      continue;
    for (auto [k, input] : llvm::enumerate(map.getInputs())) {
      // Extents do not change when the map writes the elements.
      bool onlyThisMapReads = llvm::all_of(input.getUsers(), [&](Operation *user) {
        return user == map || isa<DimOp, ZerosLikeOp>(user); // they read only extents
      });
      if (input.getType() == result.getType() && onlyThisMapReads && ownsItsBuffer(input) &&
          !llvm::is_contained(chosen, int64_t(k)) &&
          llvm::count(map.getInputs(), input) == 1) {
        chosen[r] = k;
        break;
      }
    }
  }
  return chosen;
}

/// Lowers a loop producing one array per yielded value (map and build):
/// elements of `inputs` at `i` and the index (if `passIndex`) feed the body.
static void lowerCollect(PatternRewriter &rw, Operation *op, Region &body,
                         ValueRange inputs, Value n, bool passIndex) {
  Location loc = op->getLoc();
  auto inPlaceAttr = op->getAttrOfType<DenseI64ArrayAttr>(kInPlaceInputsAttr);
  SmallVector<int64_t> inPlace(op->getNumResults(), -1);
  if (inPlaceAttr)
    inPlace.assign(inPlaceAttr.asArrayRef().begin(), inPlaceAttr.asArrayRef().end());
  // Row extents known before the loop allocate the result once, up front;
  // otherwise the first row fixes them (destForRow).
  auto yield = cast<YieldOp>(body.front().getTerminator());
  SmallVector<std::optional<SmallVector<Value>>> rowExtents;
  SmallVector<Value> dests;
  for (auto [t, yielded, overwritten] :
       llvm::zip(op->getResultTypes(), yield.getValues(), inPlace)) {
    rowExtents.push_back(isa<RankedTensorType>(yielded.getType())
                             ? hoistedExtents(rw, loc, op, yielded)
                             : SmallVector<Value>());
    if (overwritten >= 0) {
      dests.push_back(inputs[overwritten]);
    } else if (rowExtents.back()) {
      SmallVector<Value> dims{n};
      dims.append(*rowExtents.back());
      dests.push_back(rw.create<tensor::EmptyOp>(loc, t, dims));
    } else {
      dests.push_back(emptyArray(rw, loc, t, n));
    }
  }
  scf::ForOp loop = buildLoop(rw, loc, n, dests, [&](Value i, ValueRange acc) {
    SmallVector<Value> args;
    if (passIndex)
      args.push_back(toI64(rw, loc, i));
    for (auto [k, input] : llvm::enumerate(inputs)) {
      // An overwritten input is read from the result's buffer.
      const int64_t *result = llvm::find(inPlace, int64_t(k));
      args.push_back(
          extractAt(rw, loc, result != inPlace.end() ? acc[result - inPlace.begin()] : input, i));
    }
    SmallVector<Value> values = inlineBody(rw, body, args);
    SmallVector<Value> next;
    for (auto [value, dest, extents] : llvm::zip(values, acc, rowExtents))
      next.push_back(extents ? insertAt(rw, loc, value, dest, i, *extents)
                             : insertAt(rw, loc, value,
                                        destForRow(rw, loc, dest, value, i, n), i));
    return next;
  });
  loop->setAttr(kParallelAttr, rw.getUnitAttr());
  if (op->hasAttr(kChunksAttr))
    loop->setAttr(kChunksAttr, rw.getUnitAttr());
  rw.replaceOp(op, loop.getResults());
}

//===----------------------------------------------------------------------===//
// Scalar ops
//===----------------------------------------------------------------------===//

namespace {
/// A fad binary op whose float and integer forms are single upstream ops.
template <typename SourceOp, typename FloatOp, typename IntOp>
struct BinaryLowering : OpRewritePattern<SourceOp> {
  using OpRewritePattern<SourceOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(SourceOp op, PatternRewriter &rw) const override {
    if (isa<FloatType>(op.getType()))
      rw.replaceOpWithNewOp<FloatOp>(op, op.getLhs(), op.getRhs());
    else
      rw.replaceOpWithNewOp<IntOp>(op, op.getLhs(), op.getRhs());
    return success();
  }
};

/// atan2 y x. MLIR 19 folds math.atan2 of two constant zeros to NaN, while
/// C's atan2 (the one the program calls at run time) gives +-0 or +-pi by
/// the zeros' signs: where both are zero the lowering picks C's value, so
/// that a constant folds to what the program would compute.
struct Atan2Lowering : OpRewritePattern<Atan2Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Atan2Op op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value y = op.getLhs(), x = op.getRhs();
    auto type = cast<FloatType>(y.getType());
    auto constant = [&](double v) {
      return rw.create<arith::ConstantOp>(loc, rw.getFloatAttr(type, v)).getResult();
    };
    auto isZero = [&](Value v) {
      return rw.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, v, constant(0.0));
    };
    auto signBit = [&](Value v) { // set for -0 too
      Type bits = rw.getIntegerType(type.getWidth());
      Value raw = rw.create<arith::BitcastOp>(loc, bits, v);
      return rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, raw,
                                      rw.create<arith::ConstantOp>(loc, rw.getIntegerAttr(bits, 0)));
    };
    Value bothZero = rw.create<arith::AndIOp>(loc, isZero(y), isZero(x));
    Value pi = rw.create<arith::SelectOp>(loc, signBit(y), constant(-3.141592653589793), constant(3.141592653589793));
    Value atZero = rw.create<arith::SelectOp>(loc, signBit(x), pi, y);
    Value general = rw.create<math::Atan2Op>(loc, y, x);
    rw.replaceOpWithNewOp<arith::SelectOp>(op, bothZero, atZero, general);
    return success();
  }
};

/// Integer `/` and `%` (C's truncation): a zero divisor stops the program at
/// the op's location instead of trapping (SIGFPE), and the one overflowing
/// quotient, min / -1, wraps around like the other integer arithmetic (x86's
/// idiv would trap on it): a divisor of -1 divides by 1 and negates. A
/// constant divisor other than 0 and -1 needs neither.
template <typename SourceOp, typename FloatOp, typename IntOp, bool isRemainder>
struct DivisionLowering : OpRewritePattern<SourceOp> {
  using OpRewritePattern<SourceOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(SourceOp op, PatternRewriter &rw) const override {
    Value lhs = op.getLhs(), rhs = op.getRhs();
    if (isa<FloatType>(op.getType())) {
      rw.replaceOpWithNewOp<FloatOp>(op, lhs, rhs);
      return success();
    }
    APInt divisor;
    if (matchPattern(rhs, m_ConstantInt(&divisor)) && !divisor.isZero() &&
        !divisor.isAllOnes()) {
      rw.replaceOpWithNewOp<IntOp>(op, lhs, rhs);
      return success();
    }
    Location loc = op.getLoc();
    Type type = op.getType();
    Value zero = rw.create<arith::ConstantIntOp>(loc, 0, type);
    Value one = rw.create<arith::ConstantIntOp>(loc, 1, type);
    Value minusOne = rw.create<arith::ConstantIntOp>(loc, -1, type);
    emitFailUnless(rw, loc, rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, rhs, zero),
                   isRemainder ? "integer remainder by zero" : "integer division by zero");
    Value byMinusOne = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, rhs, minusOne);
    Value safe = rw.create<arith::SelectOp>(loc, byMinusOne, one, rhs);
    Value result = rw.create<IntOp>(loc, lhs, safe);
    if (!isRemainder)
      result = rw.create<arith::SelectOp>(loc, byMinusOne,
                                          rw.create<arith::SubIOp>(loc, zero, lhs), result);
    rw.replaceOp(op, result);
    return success();
  }
};

/// max/min: `lhs` on a tie (and when `rhs` is NaN), as the fad ops specify.
template <typename SourceOp, arith::CmpFPredicate FloatPred, arith::CmpIPredicate IntPred>
struct SelectLowering : OpRewritePattern<SourceOp> {
  using OpRewritePattern<SourceOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(SourceOp op, PatternRewriter &rw) const override {
    Value lhs = op.getLhs(), rhs = op.getRhs();
    Value keepLhs =
        isa<FloatType>(op.getType())
            ? rw.create<arith::CmpFOp>(op.getLoc(), FloatPred, lhs, rhs).getResult()
            : rw.create<arith::CmpIOp>(op.getLoc(), IntPred, lhs, rhs).getResult();
    rw.replaceOpWithNewOp<arith::SelectOp>(op, keepLhs, lhs, rhs);
    return success();
  }
};

/// A fad unary op that maps to one upstream op (float only, or by type).
template <typename SourceOp, typename FloatOp, typename IntOp = void>
struct UnaryLowering : OpRewritePattern<SourceOp> {
  using OpRewritePattern<SourceOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(SourceOp op, PatternRewriter &rw) const override {
    if constexpr (!std::is_void_v<IntOp>) {
      if (!isa<FloatType>(op.getType())) {
        rw.replaceOpWithNewOp<IntOp>(op, op.getOperand());
        return success();
      }
    }
    rw.replaceOpWithNewOp<FloatOp>(op, op.getOperand());
    return success();
  }
};

/// erfc: MLIR 19's math dialect has no erfc, so a call of C's erfc/erfcf
/// (libdevice's __nv_erfc/__nv_erfcf in GPU kernels: GPUDeviceRuntime.cpp).
struct ErfcLowering : OpRewritePattern<ErfcOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ErfcOp op, PatternRewriter &rw) const override {
    Type type = op.getType();
    func::FuncOp fn = getRuntimeFunction(rw, type.isF32() ? "erfcf" : "erfc",
                                         rw.getFunctionType({type}, {type}));
    // A pure function: loops calling it may run on any thread (and as GPU
    // kernels), see fad-parallelize.
    fn->setAttr("fad.thread_safe", rw.getUnitAttr());
    rw.replaceOpWithNewOp<func::CallOp>(op, fn, ValueRange{op.getOperand()});
    return success();
  }
};

struct NegLowering : OpRewritePattern<NegOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(NegOp op, PatternRewriter &rw) const override {
    if (isa<FloatType>(op.getType())) {
      rw.replaceOpWithNewOp<arith::NegFOp>(op, op.getOperand());
      return success();
    }
    Value zero = rw.create<arith::ConstantOp>(op.getLoc(), rw.getZeroAttr(op.getType()));
    rw.replaceOpWithNewOp<arith::SubIOp>(op, zero, op.getOperand());
    return success();
  }
};

/// sign x: 1 above 0, -1 below, x itself otherwise (0, -0, NaN).
struct SignLowering : OpRewritePattern<SignOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SignOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value x = op.getOperand();
    Type type = op.getType();
    Value zero = rw.create<arith::ConstantOp>(loc, rw.getZeroAttr(type));
    auto constant = [&](int v) -> Value {
      if (isa<FloatType>(type))
        return rw.create<arith::ConstantOp>(loc, rw.getFloatAttr(type, v));
      return rw.create<arith::ConstantOp>(loc, rw.getIntegerAttr(type, v));
    };
    Value above, below;
    if (isa<FloatType>(type)) {
      above = rw.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, x, zero);
      below = rw.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, x, zero);
    } else {
      above = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, x, zero);
      below = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, x, zero);
    }
    Value negative = rw.create<arith::SelectOp>(loc, below, constant(-1), x);
    rw.replaceOpWithNewOp<arith::SelectOp>(op, above, constant(1), negative);
    return success();
  }
};

struct ConvertLowering : OpRewritePattern<ConvertOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvertOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value x = op.getOperand();
    Type from = x.getType(), to = op.getType();
    auto fromFloat = dyn_cast<FloatType>(from), toFloat = dyn_cast<FloatType>(to);
    Value result;
    if (from == to) {
      result = x;
    } else if (to.isInteger(1)) { // x != 0
      Value zero = rw.create<arith::ConstantOp>(loc, rw.getZeroAttr(from));
      result = fromFloat ? rw.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, x, zero).getResult()
                         : rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x, zero).getResult();
    } else if (fromFloat && toFloat) {
      result = fromFloat.getWidth() < toFloat.getWidth()
                   ? rw.create<arith::ExtFOp>(loc, to, x).getResult()
                   : rw.create<arith::TruncFOp>(loc, to, x).getResult();
    } else if (toFloat) {
      result = from.isInteger(1) ? rw.create<arith::UIToFPOp>(loc, to, x).getResult()
                                 : rw.create<arith::SIToFPOp>(loc, to, x).getResult();
    } else if (fromFloat) {
      result = rw.create<arith::FPToSIOp>(loc, to, x);
    } else if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()) {
      result = from.isInteger(1) ? rw.create<arith::ExtUIOp>(loc, to, x).getResult()
                                 : rw.create<arith::ExtSIOp>(loc, to, x).getResult();
    } else {
      result = rw.create<arith::TruncIOp>(loc, to, x);
    }
    rw.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Array ops
//===----------------------------------------------------------------------===//

/// The elements of `v` if it is a constant (a scalar, or a dense tensor,
/// possibly behind a tensor.cast), in row-major order; fails otherwise.
static LogicalResult appendConstantElements(Value v, SmallVectorImpl<Attribute> &out,
                                            SmallVectorImpl<int64_t> &shape) {
  if (auto cast = v.getDefiningOp<tensor::CastOp>())
    v = cast.getSource();
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return failure();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    shape.assign(dense.getType().getShape().begin(), dense.getType().getShape().end());
    llvm::append_range(out, dense.getValues<Attribute>());
    return success();
  }
  if (!isa<FloatAttr, IntegerAttr>(attr))
    return failure();
  shape.clear();
  out.push_back(attr);
  return success();
}

/// An array literal whose elements are scalars: one op for the whole array
/// (a dense constant when every element is one, else tensor.from_elements),
/// where one insert per element made bufferization's analysis grow with the
/// cube of the length. Fails for rows that are not all constants of one
/// shape.
static FailureOr<Value> buildWholeArray(PatternRewriter &rw, Location loc, ArrayOp op,
                                        ValueRange elems) {
  SmallVector<Attribute> values;
  SmallVector<int64_t> rowShape, shape;
  bool constant = true;
  for (Value elem : elems) {
    if (failed(appendConstantElements(elem, values, shape)) ||
        (elem != elems.front() && shape != rowShape)) {
      constant = false;
      break;
    }
    rowShape = shape;
  }
  Type element = op.getType().getElementType();
  SmallVector<int64_t> wholeShape{(int64_t)elems.size()};
  llvm::append_range(wholeShape, rowShape);
  auto wholeType = RankedTensorType::get(wholeShape, element);
  Value whole;
  if (constant && !elems.empty() && !llvm::is_contained(wholeShape, ShapedType::kDynamic)) {
    // Bools are i1 attributes already; integers and floats match `element`.
    whole = rw.create<arith::ConstantOp>(loc, DenseElementsAttr::get(wholeType, values));
  } else if (!elems.empty() && !isa<RankedTensorType>(elems.front().getType())) {
    whole = rw.create<tensor::FromElementsOp>(loc, wholeType, elems);
  } else {
    return failure();
  }
  return whole.getType() == op.getType()
             ? whole
             : rw.create<tensor::CastOp>(loc, op.getType(), whole).getResult();
}

/// A conversion pattern, unlike the others: the rows of a nested literal are
/// lowered before it, and only the adaptor shows their lowered (constant)
/// values, which the driver substitutes for the original operands at its end.
struct ArrayLowering : OpConversionPattern<ArrayOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ArrayOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    ValueRange elems = adaptor.getElements();
    if (FailureOr<Value> whole = buildWholeArray(rw, loc, op, elems); succeeded(whole)) {
      rw.replaceOp(op, *whole);
      return success();
    }
    Value n = indexConst(rw, loc, elems.size());
    // All elements exist before the array: the first row fixes the extents.
    SmallVector<Value> dims{n}, rowDims;
    if (!elems.empty())
      if (auto row = dyn_cast<RankedTensorType>(elems.front().getType()))
        for (int64_t d = 0; d < row.getRank(); ++d)
          rowDims.push_back(dimOf(rw, loc, elems.front(), d));
    dims.append(rowDims);
    if (elems.empty())
      for (int64_t d = 1; d < op.getType().getRank(); ++d)
        dims.push_back(indexConst(rw, loc, 0));
    Value dest = rw.create<tensor::EmptyOp>(loc, op.getType(), dims);
    for (auto [k, elem] : llvm::enumerate(elems)) {
      for (auto [d, extent] : llvm::enumerate(rowDims))
        emitSameExtent(rw, loc, dimOf(rw, loc, elem, d), extent,
                       "array rows have different sizes (arrays must be regular)");
      dest = insertAt(rw, loc, elem, dest, indexConst(rw, loc, k), rowDims);
    }
    rw.replaceOp(op, dest);
    return success();
  }
};

struct DimLowering : OpRewritePattern<DimOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DimOp op, PatternRewriter &rw) const override {
    rw.replaceOp(op, toI64(rw, op.getLoc(),
                           dimOf(rw, op.getLoc(), op.getArray(), op.getDim())));
    return success();
  }
};

/// Checks that `indices` (i64) are within the extents of `array` (a run-time
/// error naming the index, the size and the location otherwise) and returns
/// them as `index` values.
static SmallVector<Value> checkedIndices(OpBuilder &b, Location loc, Value array,
                                         ValueRange indices) {
  std::string where = locationText(loc);
  SmallVector<Value> result;
  for (auto [d, index] : llvm::enumerate(indices)) {
    Value extent = toI64(b, loc, dimOf(b, loc, array, d));
    Value zero = b.create<arith::ConstantIntOp>(loc, 0, 64);
    Value geZero = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, index, zero);
    Value ltExtent = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, index, extent);
    Value ok = b.create<arith::AndIOp>(loc, geZero, ltExtent);
    emitCheck(b, loc, ok, [&](OpBuilder &b) {
      auto ptr = LLVM::LLVMPointerType::get(b.getContext());
      auto i64 = b.getI64Type();
      func::FuncOp fail = getFailureFunction(b, kIndexErrorFunction,
                                             b.getFunctionType({ptr, i64, i64}, {}));
      b.create<func::CallOp>(loc, fail,
                             ValueRange{buildStringPointer(b, loc, where), index, extent});
    });
    result.push_back(toIndex(b, loc, index));
  }
  return result;
}

struct IndexLowering : OpRewritePattern<IndexOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IndexOp op, PatternRewriter &rw) const override {
    // `fad.in_bounds`: the producer (fad-fuse) guarantees the indices.
    SmallVector<Value> indices;
    if (op->hasAttr(kInBoundsAttr))
      for (Value index : op.getIndices())
        indices.push_back(toIndex(rw, op.getLoc(), index));
    else
      indices = checkedIndices(rw, op.getLoc(), op.getArray(), op.getIndices());
    rw.replaceOp(op, extractAt(rw, op.getLoc(), op.getArray(), indices));
    return success();
  }
};


/// add_at and update: the element or row at the (checked) indices replaced
/// by its sum with the value (add_at, whose elementwise sum checks a row's
/// extents) or by the value (update, which checks them here). In place
/// after bufferization when the array is not read afterwards.
template <typename OpTy, bool Add>
struct StoreAtLowering : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value array = op.getArray(), value = op.getValue();
    // `fad.in_bounds`: the producer (fad-fuse) guarantees the indices.
    SmallVector<Value> indices;
    if (op->hasAttr(kInBoundsAttr))
      for (Value index : op.getIndices())
        indices.push_back(toIndex(rw, loc, index));
    else
      indices = checkedIndices(rw, loc, array, op.getIndices());
    if (Add) {
      Value sum = buildElementwiseAdd(rw, loc, extractAt(rw, loc, array, indices), value);
      if (auto map = sum.getDefiningOp<MapOp>()) {
        // The sum overwrites the row it adds to: the add_at consumes the
        // array, and writing the row's own buffer makes the insertion below
        // a no-op for bufferization (no second pass to copy the row back).
        Value element = map.getBody().front().getTerminator()->getOperand(0);
        if (!isa<RankedTensorType>(element.getType()) &&
            map.getInputs()[0].getType() == map.getResult(0).getType())
          map->setAttr(kInPlaceInputsAttr, rw.getDenseI64ArrayAttr({0}));
      }
      value = sum;
    }
    auto row = dyn_cast<RankedTensorType>(value.getType());
    if (!row) {
      rw.replaceOpWithNewOp<tensor::InsertOp>(op, value, array, indices);
      return success();
    }
    int64_t rank = op.getType().getRank(), count = indices.size();
    SmallVector<OpFoldResult> offsets, sizes, strides(rank, rw.getIndexAttr(1));
    for (int64_t d = 0; d < rank; ++d) {
      bool indexed = d < count;
      offsets.push_back(indexed ? OpFoldResult(indices[d]) : rw.getIndexAttr(0));
      sizes.push_back(indexed ? OpFoldResult(rw.getIndexAttr(1))
                              : OpFoldResult(dimOf(rw, loc, array, d)));
      if (!Add && !indexed)
        emitSameExtent(rw, loc, dimOf(rw, loc, value, d - count), dimOf(rw, loc, array, d),
                       "update: the new row's size differs from the array's rows");
    }
    rw.replaceOpWithNewOp<tensor::InsertSliceOp>(op, value, array, offsets, sizes, strides);
    return success();
  }
};

struct TransposeLowering : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value input = op.getOperand();
    int64_t rank = op.getType().getRank();
    SmallVector<int64_t> perm{1, 0};
    SmallVector<Value> dims;
    for (int64_t d = 2; d < rank; ++d)
      perm.push_back(d);
    for (int64_t d : perm)
      dims.push_back(dimOf(rw, loc, input, d));
    Value init = rw.create<tensor::EmptyOp>(loc, op.getType(), dims);
    auto transpose = rw.create<linalg::TransposeOp>(loc, input, init, perm);
    rw.replaceOp(op, transpose->getResult(0));
    return success();
  }
};

struct ZerosLikeLowering : OpRewritePattern<ZerosLikeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ZerosLikeOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    SmallVector<Value> dims;
    for (int64_t d = 0; d < op.getType().getRank(); ++d)
      dims.push_back(dimOf(rw, loc, op.getOperand(), d));
    Value empty = rw.create<tensor::EmptyOp>(loc, op.getType(), dims);
    Value zero = rw.create<arith::ConstantOp>(loc, rw.getZeroAttr(op.getType().getElementType()));
    rw.replaceOp(op, rw.create<linalg::FillOp>(loc, zero, empty)->getResult(0));
    return success();
  }
};

struct AssertLowering : OpRewritePattern<AssertOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AssertOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    if (op.getSizes().empty()) {
      emitFailUnless(rw, loc, op.getCondition(), op.getMessage());
    } else {
      std::string text = locatedMessage(loc, op.getMessage());
      emitCheck(rw, loc, op.getCondition(), [&](OpBuilder &b) {
        auto ptr = LLVM::LLVMPointerType::get(b.getContext());
        auto i64 = b.getI64Type();
        func::FuncOp fail =
            getFailureFunction(b, kSizeErrorFunction, b.getFunctionType({ptr, i64, i64}, {}));
        b.create<func::CallOp>(loc, fail,
                               ValueRange{buildStringPointer(b, loc, text), op.getSizes()[0],
                                          op.getSizes()[1]});
      });
    }
    rw.eraseOp(op);
    return success();
  }
};

/// report: a call into the runtime (which decides whether to print), then
/// the value itself.
struct ReportLowering : OpRewritePattern<ReportOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReportOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value value = op.getValue();
    Value wide = value.getType().isF64()
                     ? value
                     : rw.create<arith::ExtFOp>(loc, rw.getF64Type(), value).getResult();
    func::FuncOp report = getRuntimeFunction(
        rw, "fad_rt_report", rw.getFunctionType({rw.getI64Type(), rw.getF64Type()}, {}));
    rw.create<func::CallOp>(loc, report, ValueRange{op.getStep(), wide});
    rw.replaceOp(op, value);
    return success();
  }
};

/// trace: a call of the runtime's printer (a scalar passed as an f64 or an
/// i64 with its kind, an array as a read-only unranked memref), then the
/// value itself.
struct TraceLowering : OpRewritePattern<TraceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TraceOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value value = op.getValue();
    Value label = buildStringPointer(rw, loc, op.getLabel());
    Type ptr = label.getType(), i64 = rw.getI64Type(), f64 = rw.getF64Type();
    if (auto type = dyn_cast<RankedTensorType>(value.getType())) {
      Type elem = type.getElementType();
      auto memref = rw.create<bufferization::ToMemrefOp>(
          loc, MemRefType::get(type.getShape(), elem), value, /*read_only=*/true);
      auto unranked = UnrankedMemRefType::get(elem, {});
      Value buffer = rw.create<memref::CastOp>(loc, unranked, memref);
      func::FuncOp fn = getRuntimeFunction(
          rw, ("fad_rt_trace_array_" + runtimeKind(elem).first).str(),
          rw.getFunctionType({ptr, unranked}, {}));
      rw.create<func::CallOp>(loc, fn, ValueRange{label, buffer});
    } else {
      Type t = value.getType();
      Value asFloat = rw.create<arith::ConstantOp>(loc, rw.getF64FloatAttr(0.0));
      Value asInt = rw.create<arith::ConstantIntOp>(loc, 0, 64);
      if (t.isF64())
        asFloat = value;
      else if (t.isF32())
        asFloat = rw.create<arith::ExtFOp>(loc, f64, value);
      else if (t.isInteger(64))
        asInt = value;
      else if (t.isInteger(32))
        asInt = rw.create<arith::ExtSIOp>(loc, i64, value);
      else
        asInt = rw.create<arith::ExtUIOp>(loc, i64, value);
      Value kind = rw.create<arith::ConstantIntOp>(loc, runtimeKind(t).second, 64);
      func::FuncOp fn = getRuntimeFunction(rw, "fad_rt_trace_scalar",
                                           rw.getFunctionType({ptr, i64, f64, i64}, {}));
      rw.create<func::CallOp>(loc, fn, ValueRange{label, kind, asFloat, asInt});
    }
    rw.replaceOp(op, value);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Structured ops
//===----------------------------------------------------------------------===//

struct MapLowering : OpRewritePattern<MapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MapOp op, PatternRewriter &rw) const override {
    Value n = commonExtent(rw, op.getLoc(), op.getInputs());
    lowerCollect(rw, op, op.getBody(), op.getInputs(), n, /*passIndex=*/false);
    return success();
  }
};

/// Whether a build's `size` is known not to be negative (and needs no
/// check, so that a build of zeros of it is dead code once nothing reads
/// it): fad's rule, or an extent that lowering has already turned into
/// `tensor.dim`.
static bool isKnownSize(Value size) {
  if (auto cast = size.getDefiningOp<arith::IndexCastOp>())
    return isa_and_nonnull<tensor::DimOp>(cast.getIn().getDefiningOp());
  return isKnownNonNegative(size);
}

struct BuildLowering : OpRewritePattern<BuildOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BuildOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    if (!isKnownSize(op.getSize())) {
      Value zero = rw.create<arith::ConstantIntOp>(loc, 0, 64);
      Value ok = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, op.getSize(), zero);
      emitFailUnless(rw, loc, ok, "negative array size");
    }
    Value n = toIndex(rw, loc, op.getSize());
    // A splat (scalars defined outside, a zero adjoint say): a fill.
    Block &body = op.getBody().front();
    if (&body.front() == body.getTerminator() &&
        llvm::all_of(body.getTerminator()->getOperands(), [&](Value v) {
          // No region: a block that lowering moved, outside this build.
          Region *region = v.getParentRegion();
          return !isa<RankedTensorType>(v.getType()) &&
                 !(region && op.getBody().isAncestor(region));
        })) {
      SmallVector<Value> fills;
      for (auto [type, value] : llvm::zip(op.getResultTypes(), body.getTerminator()->getOperands()))
        fills.push_back(
            rw.create<linalg::FillOp>(loc, value, emptyArray(rw, loc, type, n))->getResult(0));
      rw.replaceOp(op, fills);
      return success();
    }
    lowerCollect(rw, op, op.getBody(), {}, n, /*passIndex=*/true);
    return success();
  }
};

/// reduce and scan: a sequential fold; scan also stores each partial result.
template <typename FoldOp, bool IsScan>
struct FoldLowering : OpRewritePattern<FoldOp> {
  using OpRewritePattern<FoldOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(FoldOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    ValueRange inputs = op.getInputs();
    size_t k = op.getInits().size();
    Value n = commonExtent(rw, loc, inputs);
    SmallVector<Value> carried(op.getInits());
    if constexpr (IsScan)
      for (Type t : op.getResultTypes())
        carried.push_back(emptyArray(rw, loc, t, n));
    scf::ForOp loop = buildLoop(rw, loc, n, carried, [&](Value i, ValueRange acc) {
      SmallVector<Value> args(acc.take_front(k));
      for (Value input : inputs)
        args.push_back(extractAt(rw, loc, input, i));
      SmallVector<Value> next = inlineBody(rw, op.getBody(), args);
      if constexpr (IsScan)
        for (size_t j = 0; j < k; ++j)
          next.push_back(insertAt(rw, loc, next[j],
                                  destForRow(rw, loc, acc[k + j], next[j], i, n), i));
      return next;
    });
    if (!IsScan)
      loop->setAttr(kParallelAttr, rw.getUnitAttr());
    rw.replaceOp(op, loop.getResults().drop_front(IsScan ? k : 0));
    return success();
  }
};

struct ForLowering : OpRewritePattern<ForOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ForOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Value n = toIndex(rw, loc, op.getCount());
    scf::ForOp loop = buildLoop(rw, loc, n, op.getInits(), [&](Value i, ValueRange acc) {
      SmallVector<Value> args{toI64(rw, loc, i)};
      llvm::append_range(args, acc);
      return inlineBody(rw, op.getBody(), args);
    });
    if (op->hasAttr(kReductionAttr))
      loop->setAttr(kParallelAttr, rw.getUnitAttr());
    rw.replaceOp(op, loop.getResults());
    return success();
  }
};

struct WhileLowering : OpRewritePattern<WhileOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(WhileOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    TypeRange types = op.getResultTypes();
    auto loop = rw.create<scf::WhileOp>(loc, types, op.getInits());
    SmallVector<Location> locs(types.size(), loc);
    Block *before = rw.createBlock(&loop.getBefore(), {}, types, locs);
    Value cond = inlineBody(rw, op.getCond(), before->getArguments()).front();
    rw.create<scf::ConditionOp>(loc, cond, before->getArguments());
    Block *after = rw.createBlock(&loop.getAfter(), {}, types, locs);
    rw.create<scf::YieldOp>(loc, inlineBody(rw, op.getBody(), after->getArguments()));
    rw.replaceOp(op, loop.getResults());
    return success();
  }
};

/// The larger of two floats, NaN if either is (arith.maximumf): a NaN
/// element must not vanish from a fixpoint's change.
static Value maxPropagatingNaN(OpBuilder &b, Location loc, Value a, Value c) {
  return b.create<arith::MaximumFOp>(loc, a, c);
}

/// The largest |element| of `v` (a scalar or an array of floats; NaN if any
/// element is NaN), as fad ops (lowered by the same pass afterwards).
static Value buildMaxAbs(OpBuilder &b, Location loc, Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type)
    return b.create<AbsOp>(loc, v);
  Type scalar = type.getElementType();
  Value magnitudes = v;
  if (type.getRank() > 1) {
    auto rows = b.create<MapOp>(loc, TypeRange{getArrayOfType(scalar)}, v);
    OpBuilder::InsertionGuard guard(b);
    Block *body = b.createBlock(&rows.getBody(), {}, {getElementOrRowType(type)}, {loc});
    b.create<YieldOp>(loc, buildMaxAbs(b, loc, body->getArgument(0)));
    magnitudes = rows.getResult(0);
  }
  Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(scalar));
  auto reduce = b.create<ReduceOp>(loc, TypeRange{scalar}, ValueRange{zero},
                                   ValueRange{magnitudes});
  OpBuilder::InsertionGuard guard(b);
  Block *body = b.createBlock(&reduce.getBody(), {}, {scalar, scalar}, {loc, loc});
  Value x = body->getArgument(1);
  if (type.getRank() == 1)
    x = b.create<AbsOp>(loc, x);
  b.create<YieldOp>(loc, ValueRange{maxPropagatingNaN(b, loc, body->getArgument(0), x)});
  return reduce.getResult(0);
}


/// fixpoint: a while loop that applies the body until the largest change is
/// at most tolerance * max(1, largest |x|), failing past max_iterations.
struct FixpointLowering : OpRewritePattern<FixpointOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(FixpointOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    bool communicates = containsCollective(op); // asked before the body moves
    SmallVector<Value> inits(op.getInits());
    inits.push_back(rw.create<arith::ConstantIntOp>(loc, 0, 64));
    TypeRange types = ValueRange(inits).getTypes();
    auto loop = rw.create<scf::WhileOp>(loc, types, inits);
    SmallVector<Location> locs(types.size(), loc);
    Block *before = rw.createBlock(&loop.getBefore(), {}, types, locs);
    ValueRange x = before->getArguments().drop_back();
    Value count = before->getArguments().back();
    SmallVector<Value> next = inlineBody(rw, op.getBody(), x);
    // The largest change and the largest magnitude over all components.
    auto asF64 = [&](Value v) -> Value {
      return v.getType().isF64() ? v : rw.create<ConvertOp>(loc, rw.getF64Type(), v).getResult();
    };
    Value change = rw.create<arith::ConstantOp>(loc, rw.getF64FloatAttr(0.0));
    Value scale = rw.create<arith::ConstantOp>(loc, rw.getF64FloatAttr(1.0));
    for (auto [xk, nk] : llvm::zip(x, next)) {
      change = maxPropagatingNaN(
          rw, loc, change, asF64(buildMaxAbs(rw, loc, buildElementwise<SubOp>(rw, loc, nk, xk))));
      scale = maxPropagatingNaN(rw, loc, scale, asF64(buildMaxAbs(rw, loc, xk)));
    }
    // A non-finite change means an iterate overflowed or became NaN: the
    // iteration diverged, and its value would be a silent inf or NaN.
    Value infinity = rw.create<arith::ConstantOp>(
        loc, rw.getF64FloatAttr(std::numeric_limits<double>::infinity()));
    emitFailUnless(rw, loc,
                   rw.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, change, infinity),
                   "fixpoint diverged: an iterate is not finite (inf or NaN)");
    // A body that communicates runs on every process: each must stop at the
    // same iteration (its iterate may be a per-process share, an adjoint's
    // say), so the largest change and magnitude over the processes decide.
    if (communicates) {
      change = rw.create<AllreduceOp>(loc, change.getType(), "max", change);
      scale = rw.create<AllreduceOp>(loc, scale.getType(), "max", scale);
    }
    Value tolerance = rw.create<MulOp>(
        loc, rw.create<arith::ConstantOp>(loc, op.getToleranceAttr()), scale);
    Value done = rw.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLE, change, tolerance);
    Value limit = rw.create<arith::ConstantIntOp>(loc, op.getMaxIterations(), 64);
    Value underLimit = rw.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, count, limit);
    std::string where = locationText(loc);
    emitCheck(rw, loc, rw.create<arith::OrIOp>(loc, done, underLimit), [&](OpBuilder &b) {
      auto ptr = LLVM::LLVMPointerType::get(b.getContext());
      func::FuncOp fail = getFailureFunction(
          b, "fad_rt_fixpoint_error", b.getFunctionType({ptr, b.getI64Type(), b.getF64Type()}, {}));
      b.create<func::CallOp>(loc, fail, ValueRange{buildStringPointer(b, loc, where), limit, change});
    });
    Value isTrue = rw.create<arith::ConstantIntOp>(loc, 1, 1);
    Value proceed = rw.create<arith::XOrIOp>(loc, done, isTrue);
    Value one = rw.create<arith::ConstantIntOp>(loc, 1, 64);
    next.push_back(rw.create<arith::AddIOp>(loc, count, one));
    rw.create<scf::ConditionOp>(loc, proceed, next);
    Block *after = rw.createBlock(&loop.getAfter(), {}, types, locs);
    rw.create<scf::YieldOp>(loc, after->getArguments());
    rw.replaceOp(op, loop.getResults().drop_back());
    return success();
  }
};

struct IfLowering : OpRewritePattern<IfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IfOp op, PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto ifOp = rw.create<scf::IfOp>(loc, op.getResultTypes(), op.getCondition(),
                                     /*addThenBlock=*/true, /*addElseBlock=*/true);
    for (auto [from, to] : {std::pair(&op.getThenRegion(), ifOp.thenBlock()),
                            std::pair(&op.getElseRegion(), ifOp.elseBlock())}) {
      OpBuilder::InsertionGuard guard(rw);
      if (!to->empty())
        rw.eraseOp(&to->back());
      rw.setInsertionPointToEnd(to);
      rw.create<scf::YieldOp>(loc, inlineBody(rw, *from, {}));
    }
    rw.replaceOp(op, ifOp.getResults());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

/// check-nans: after every scalar float op that computes a value, an assert
/// that the result is finite (|r| < inf is false for NaN and +-inf), located
/// at the op. Reading an element (fad.index) and report pass values on.
static void addFiniteChecks(ModuleOp module) {
  SmallVector<Operation *> computing;
  module.walk([&](Operation *op) {
    if (op->getNumResults() == 1 && isa<FloatType>(op->getResult(0).getType()) &&
        (isa<ConvertOp>(op) || (isa<ScalarPartialsOpInterface>(op) && !isa<ReportOp>(op))))
      computing.push_back(op);
  });
  for (Operation *op : computing) {
    OpBuilder b(op->getContext());
    b.setInsertionPointAfter(op);
    Location loc = op->getLoc();
    Value result = op->getResult(0);
    Value magnitude = b.create<math::AbsFOp>(loc, result);
    Value infinity = b.create<arith::ConstantOp>(
        loc, b.getFloatAttr(result.getType(), std::numeric_limits<double>::infinity()));
    Value finite = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, magnitude, infinity);
    b.create<AssertOp>(loc, finite, "a NaN or an infinity was computed here (--check-nans)",
                       ValueRange{});
  }
}

/// A dialect conversion: every fad op is illegal. The conversion driver
/// replaces values only when it ends, so what a pattern decides from the IR
/// around an op (whether a map may overwrite an input: the input's other
/// readers and what produced it) is decided on the fad IR first.
struct ConvertFADToSCFPass
    : public fad::impl::ConvertFADToSCFBase<ConvertFADToSCFPass> {
  using ConvertFADToSCFBase::ConvertFADToSCFBase;

  void runOnOperation() override {
    WalkResult derivative = getOperation().walk([](Operation *op) {
      if (!isa<JvpOp, VjpOp, TaylorBoundOp>(op))
        return WalkResult::advance();
      op->emitError("fad op was not lowered: ")
          << op->getName() << " (derivatives are expanded by fad-ad before lowering)";
      return WalkResult::interrupt();
    });
    if (derivative.wasInterrupted())
      return signalPassFailure();
    if (checkNans)
      addFiniteChecks(getOperation());
    Builder b(&getContext());
    getOperation().walk([&](MapOp map) {
      SmallVector<int64_t> overwritten = inPlaceInputs(map);
      if (llvm::any_of(overwritten, [](int64_t k) { return k >= 0; }))
        map->setAttr(kInPlaceInputsAttr, b.getDenseI64ArrayAttr(overwritten));
    });
    ConversionTarget target(getContext());
    target.addIllegalDialect<FADDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    populateFADToSCFPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

std::pair<StringRef, int64_t> fad::runtimeKind(Type t) {
  if (t.isF64())
    return {"f64", 0};
  if (t.isF32())
    return {"f32", 1};
  if (t.isInteger(64))
    return {"i64", 2};
  if (t.isInteger(32))
    return {"i32", 3};
  return {"bool", 4};
}

void fad::populateFADToSCFPatterns(RewritePatternSet &patterns) {
  patterns.add<
      BinaryLowering<AddOp, arith::AddFOp, arith::AddIOp>,
      BinaryLowering<SubOp, arith::SubFOp, arith::SubIOp>,
      BinaryLowering<MulOp, arith::MulFOp, arith::MulIOp>,
      DivisionLowering<DivOp, arith::DivFOp, arith::DivSIOp, false>,
      DivisionLowering<RemOp, arith::RemFOp, arith::RemSIOp, true>,
      BinaryLowering<PowOp, math::PowFOp, math::IPowIOp>,
      Atan2Lowering,
      SelectLowering<MaxOp, arith::CmpFPredicate::UGE, arith::CmpIPredicate::sge>,
      SelectLowering<MinOp, arith::CmpFPredicate::ULE, arith::CmpIPredicate::sle>,
      UnaryLowering<AbsOp, math::AbsFOp, math::AbsIOp>,
      UnaryLowering<ExpOp, math::ExpOp>, UnaryLowering<LogOp, math::LogOp>,
      UnaryLowering<Expm1Op, math::ExpM1Op>, UnaryLowering<Log1pOp, math::Log1pOp>,
      UnaryLowering<SinOp, math::SinOp>, UnaryLowering<CosOp, math::CosOp>,
      UnaryLowering<TanOp, math::TanOp>, UnaryLowering<TanhOp, math::TanhOp>,
      UnaryLowering<SqrtOp, math::SqrtOp>, UnaryLowering<FloorOp, math::FloorOp>,
      UnaryLowering<CeilOp, math::CeilOp>, UnaryLowering<AsinOp, math::AsinOp>,
      UnaryLowering<AcosOp, math::AcosOp>, UnaryLowering<AtanOp, math::AtanOp>,
      UnaryLowering<SinhOp, math::SinhOp>, UnaryLowering<CoshOp, math::CoshOp>,
      UnaryLowering<AsinhOp, math::AsinhOp>, UnaryLowering<AcoshOp, math::AcoshOp>,
      UnaryLowering<AtanhOp, math::AtanhOp>, UnaryLowering<ErfOp, math::ErfOp>,
      UnaryLowering<Log2Op, math::Log2Op>, UnaryLowering<Log10Op, math::Log10Op>,
      UnaryLowering<RoundOp, math::RoundOp>, UnaryLowering<TruncOp, math::TruncOp>,
      NegLowering, SignLowering, ConvertLowering, ErfcLowering,
      ArrayLowering, DimLowering, IndexLowering, TransposeLowering,
      AssertLowering, ReportLowering, TraceLowering, ZerosLikeLowering,
      StoreAtLowering<AddAtOp, true>, StoreAtLowering<UpdateOp, false>, MapLowering, BuildLowering,
      FoldLowering<ReduceOp, false>, FoldLowering<ScanOp, true>, ForLowering,
      WhileLowering, IfLowering, FixpointLowering>(patterns.getContext());
  populateLinalgLoweringPatterns(patterns);
  populateCollectiveLoweringPatterns(patterns);
}
