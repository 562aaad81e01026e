//===- FADOps.cpp - fad dialect operations ------------------------*- C++ -*-===//
//
// This file implements the verifiers and folders of the fad ops and the
// queries on them that passes share. The type rules are stated in each op's
// description in FADOps.td; the verifiers enforce exactly those.
//
//===----------------------------------------------------------------------===//

#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace fad;

Type fad::getElementOrRowType(RankedTensorType array) {
  if (array.getRank() == 1)
    return array.getElementType();
  return RankedTensorType::get(array.getShape().drop_front(),
                               array.getElementType());
}

RankedTensorType fad::getArrayOfType(Type element) {
  if (auto row = dyn_cast<RankedTensorType>(element)) {
    SmallVector<int64_t> shape(row.getRank() + 1, ShapedType::kDynamic);
    return RankedTensorType::get(shape, row.getElementType());
  }
  return RankedTensorType::get({ShapedType::kDynamic}, element);
}

/// Checks that `region`'s block takes exactly `argTypes` and that its
/// `fad.yield` yields exactly `yieldTypes`.
static LogicalResult verifyBody(Operation *op, Region &region, StringRef name,
                                TypeRange argTypes, TypeRange yieldTypes) {
  Block &block = region.front();
  if (block.getArgumentTypes() != argTypes)
    return op->emitOpError() << name << " must take arguments of types ("
                             << argTypes << "), got ("
                             << block.getArgumentTypes() << ")";
  auto yield = block.empty() ? YieldOp() : dyn_cast<YieldOp>(block.back());
  if (!yield)
    return op->emitOpError() << name << " must end in fad.yield";
  if (yield.getValues().getTypes() != yieldTypes)
    return op->emitOpError() << name << " must yield values of types ("
                             << yieldTypes << "), got ("
                             << yield.getValues().getTypes() << ")";
  return success();
}

static SmallVector<Type> elementTypes(TypeRange arrays) {
  SmallVector<Type> types;
  for (Type t : arrays)
    types.push_back(getElementOrRowType(cast<RankedTensorType>(t)));
  return types;
}

/// The types yielded by the body, required to match `results` elementwise
/// as arrays of them.
static LogicalResult verifyArrayResults(Operation *op, Region &body,
                                        TypeRange results) {
  auto yield = dyn_cast<YieldOp>(body.front().getTerminator());
  if (!yield)
    return op->emitOpError("body must end in fad.yield");
  if (yield.getValues().size() != results.size())
    return op->emitOpError() << "body yields " << yield.getValues().size()
                             << " values for " << results.size() << " results";
  for (auto [elem, result] : llvm::zip(yield.getValues().getTypes(), results))
    if (getArrayOfType(elem) != result)
      return op->emitOpError() << "result of type " << result
                               << " is not an array of the yielded " << elem;
  return success();
}

LogicalResult ArrayOp::verify() {
  RankedTensorType type = getResult().getType();
  Type elem = getElementOrRowType(type);
  for (Value v : getElements()) {
    Type t = v.getType();
    auto row = dyn_cast<RankedTensorType>(t);
    bool matches = row ? (isa<RankedTensorType>(elem) &&
                          row.getRank() + 1 == type.getRank() &&
                          row.getElementType() == type.getElementType())
                       : t == elem;
    if (!matches)
      return emitOpError() << "element of type " << t
                           << " does not fit an array of type " << type;
  }
  return success();
}

LogicalResult AssertOp::verify() {
  if (!getSizes().empty() && getSizes().size() != 2)
    return emitOpError("takes no sizes or the two sizes that must agree, got ")
           << getSizes().size();
  return success();
}

LogicalResult DimOp::verify() {
  // The dimension attribute is unsigned, so only the upper bound can fail.
  if (getDim() >= static_cast<uint64_t>(getArray().getType().getRank()))
    return emitOpError() << "dimension " << getDim() << " out of range for "
                         << getArray().getType();
  return success();
}

/// Checks that `count` indices address `array` and that the addressed
/// element or sub-array has type `addressed` (the `what` of the op).
static LogicalResult verifyIndexing(Operation *op, RankedTensorType array,
                                    int64_t count, Type addressed, StringRef what) {
  if (count == 0 || count > array.getRank())
    return op->emitOpError() << "takes between 1 and " << array.getRank()
                             << " indices, got " << count;
  Type expected = array.getElementType();
  if (count < array.getRank())
    expected = RankedTensorType::get(array.getShape().drop_front(count),
                                     array.getElementType());
  if (addressed != expected)
    return op->emitOpError() << what << " must be " << expected;
  return success();
}

LogicalResult IndexOp::verify() {
  return verifyIndexing(*this, getArray().getType(), getIndices().size(),
                        getResult().getType(), "result");
}

/// Whether `attr` is the scalar constant `value`.
static bool isConstant(Attribute attr, double value) {
  if (auto f = dyn_cast_or_null<FloatAttr>(attr))
    return f.getValueAsDouble() == value;
  if (auto i = dyn_cast_or_null<IntegerAttr>(attr))
    return i.getType().getIntOrFloatBitWidth() > 1 && i.getInt() == (int64_t)value;
  return false;
}

/// `combine` of two integer constants (not booleans), or null: an operand
/// is no constant, or `combine` declines (a division by zero, which fails
/// at run time).
static OpFoldResult foldIntegers(Attribute lhs, Attribute rhs,
                                 function_ref<std::optional<APInt>(const APInt &, const APInt &)> combine) {
  auto l = dyn_cast_or_null<IntegerAttr>(lhs), r = dyn_cast_or_null<IntegerAttr>(rhs);
  if (!l || !r || l.getType().getIntOrFloatBitWidth() < 2)
    return {};
  std::optional<APInt> value = combine(l.getValue(), r.getValue());
  return value ? IntegerAttr::get(l.getType(), *value) : OpFoldResult();
}

/// a / b and a % b folded unless b is 0 or the quotient overflows.
static bool divisible(const APInt &a, const APInt &b) {
  return !b.isZero() && !(a.isMinSignedValue() && b.isAllOnes());
}

// Integer constants fold; otherwise identities only: x + 0 = 0 + x = x,
// x - 0 = x, x * 1 = 1 * x = x, x / 1 = x. (x * 0 is not folded: it is NaN
// for an infinite or NaN x.)
OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult c = foldIntegers(adaptor.getLhs(), adaptor.getRhs(),
                                    [](const APInt &a, const APInt &b) { return a + b; }))
    return c;
  if (isConstant(adaptor.getRhs(), 0.0))
    return getLhs();
  if (isConstant(adaptor.getLhs(), 0.0))
    return getRhs();
  return {};
}
OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult c = foldIntegers(adaptor.getLhs(), adaptor.getRhs(),
                                    [](const APInt &a, const APInt &b) { return a - b; }))
    return c;
  return isConstant(adaptor.getRhs(), 0.0) ? getLhs() : OpFoldResult();
}
OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult c = foldIntegers(adaptor.getLhs(), adaptor.getRhs(),
                                    [](const APInt &a, const APInt &b) { return a * b; }))
    return c;
  if (isConstant(adaptor.getRhs(), 1.0))
    return getLhs();
  if (isConstant(adaptor.getLhs(), 1.0))
    return getRhs();
  return {};
}
OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult c = foldIntegers(adaptor.getLhs(), adaptor.getRhs(),
                                    [](const APInt &a, const APInt &b) -> std::optional<APInt> {
                                      if (!divisible(a, b))
                                        return std::nullopt;
                                      return a.sdiv(b);
                                    }))
    return c;
  return isConstant(adaptor.getRhs(), 1.0) ? getLhs() : OpFoldResult();
}
OpFoldResult RemOp::fold(FoldAdaptor adaptor) {
  return foldIntegers(adaptor.getLhs(), adaptor.getRhs(),
                      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
                        if (!divisible(a, b))
                          return std::nullopt;
                        return a.srem(b);
                      });
}
OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  return isConstant(adaptor.getRhs(), 1.0) ? getLhs() : OpFoldResult();
}

bool fad::isKnownNonNegative(Value v) {
  if (!v.getType().isSignlessInteger(64))
    return false;
  if (APInt c; matchPattern(v, m_ConstantInt(&c)))
    return !c.isNegative();
  Operation *op = v.getDefiningOp();
  if (isa_and_nonnull<DimOp>(op))
    return true;
  if (auto max = dyn_cast_or_null<MaxOp>(op))
    return isKnownNonNegative(max.getLhs()) || isKnownNonNegative(max.getRhs());
  if (isa_and_nonnull<AddOp, MulOp, MinOp>(op))
    return isKnownNonNegative(op->getOperand(0)) && isKnownNonNegative(op->getOperand(1));
  return false;
}

/// Whether the integer `v` is known to be at most 0.
static bool isKnownNonPositive(Value v) {
  APInt c;
  return v.getType().isSignlessInteger(64) && matchPattern(v, m_ConstantInt(&c)) &&
         !c.isStrictlyPositive();
}

/// max (`isMax`) or min of two integers: constants fold, and so does a
/// bound of an x known to be at least 0 and a constant c <= 0 (a reversed
/// loop's trip count max(n, 0)): max is x, min is c. The bounds checks of
/// indices computed from them then fold too.
static OpFoldResult foldBound(Value lhs, Value rhs, Attribute lhsAttr, Attribute rhsAttr,
                              bool isMax) {
  if (OpFoldResult c = foldIntegers(lhsAttr, rhsAttr, [&](const APInt &a, const APInt &b) {
        return isMax ? llvm::APIntOps::smax(a, b) : llvm::APIntOps::smin(a, b);
      }))
    return c;
  for (auto [x, c] : {std::pair{lhs, rhs}, std::pair{rhs, lhs}})
    if (isKnownNonNegative(x) && isKnownNonPositive(c))
      return isMax ? x : c;
  return {};
}
OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  return foldBound(getLhs(), getRhs(), adaptor.getLhs(), adaptor.getRhs(), /*isMax=*/true);
}
OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  return foldBound(getLhs(), getRhs(), adaptor.getLhs(), adaptor.getRhs(), /*isMax=*/false);
}
OpFoldResult Atan2Op::fold(FoldAdaptor) { return {}; }

OpFoldResult IndexOp::fold(FoldAdaptor adaptor) {
  auto literal = getArray().getDefiningOp<ArrayOp>();
  if (!literal || getIndices().size() != 1)
    return {};
  auto index = dyn_cast_or_null<IntegerAttr>(adaptor.getIndices()[0]);
  if (!index || index.getInt() < 0 || index.getInt() >= (int64_t)literal.getElements().size())
    return {};
  Value element = literal.getElements()[index.getInt()];
  return element.getType() == getType() ? element : OpFoldResult();
}

LogicalResult TransposeOp::verify() {
  if (getOperand().getType().getRank() < 2)
    return emitOpError("needs an array of rank at least 2");
  return success();
}

/// Checks that `matrix` is a square matrix of the element type `elem`.
static LogicalResult verifySquareMatrix(Operation *op, Value matrix, Type elem) {
  auto type = cast<RankedTensorType>(matrix.getType());
  if (type.getRank() != 2)
    return op->emitOpError("needs a matrix (rank 2), got rank ") << type.getRank();
  if (!type.getElementType().isF64() && !type.getElementType().isF32())
    return op->emitOpError("needs a matrix of floats, got ") << type;
  if (elem != type.getElementType())
    return op->emitOpError("mixes element types ") << type.getElementType() << " and " << elem;
  if (!type.isDynamicDim(0) && !type.isDynamicDim(1) && type.getDimSize(0) != type.getDimSize(1))
    return op->emitOpError("needs a square matrix, got ") << type;
  return success();
}

LogicalResult SolveOp::verify() {
  if (getLower() && getUpper())
    return emitOpError("takes one triangle, `lower` or `upper`, not both");
  return verifySquareMatrix(*this, getMatrix(), getRhs().getType().getElementType());
}

LogicalResult AllreduceOp::verify() {
  StringRef kind = getKind();
  if (kind != "sum" && kind != "max" && kind != "min")
    return emitOpError("combines by sum, max or min, not '") << kind << "'";
  if (getElementTypeOrSelf(getValue().getType()).isInteger(1))
    return emitOpError("cannot combine booleans (convert them to i32)");
  return success();
}

/// allgather and reduce_scatter: arrays of one element type and rank, whose
/// rows have equal static extents; no booleans.
static LogicalResult verifyBlockCollective(Operation *op, RankedTensorType in,
                                           RankedTensorType out) {
  if (in.getElementType().isInteger(1))
    return op->emitOpError("cannot combine booleans (convert them to i32)");
  if (in.getElementType() != out.getElementType() || in.getRank() != out.getRank() ||
      in.getShape().drop_front() != out.getShape().drop_front())
    return op->emitOpError("needs a result with the operand's element type and rows, got ")
           << in << " and " << out;
  return success();
}

LogicalResult AllgatherOp::verify() {
  return verifyBlockCollective(*this, getValue().getType(), getResult().getType());
}

LogicalResult ReduceScatterOp::verify() {
  return verifyBlockCollective(*this, getValue().getType(), getResult().getType());
}

LogicalResult SlogdetOp::verify() {
  if (getSign().getType() != getLogabsdet().getType())
    return emitOpError("needs results of one type, got ")
           << getSign().getType() << " and " << getLogabsdet().getType();
  return verifySquareMatrix(*this, getMatrix(), getSign().getType());
}

LogicalResult SvdOp::verify() {
  auto type = getMatrix().getType();
  Type elem = type.getElementType();
  if (type.getRank() != 2 || !isa<FloatType>(elem))
    return emitOpError("needs a matrix of floats, got ") << type;
  auto matrixOf = [&](Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    return t.getRank() == 2 && t.getElementType() == elem;
  };
  auto s = getS().getType();
  if (!matrixOf(getU()) || !matrixOf(getVt()) || s.getRank() != 1 || s.getElementType() != elem)
    return emitOpError("needs results of element type ")
           << elem << ": two matrices and a vector";
  return success();
}

LogicalResult QrOp::verify() {
  auto type = getMatrix().getType();
  if (type.getRank() != 2 || !isa<FloatType>(type.getElementType()))
    return emitOpError("needs a matrix of floats, got ") << type;
  if (getQ().getType() != type || getR().getType() != type)
    return emitOpError("needs results of the matrix's type ") << type;
  return success();
}

LogicalResult EighOp::verify() {
  Type elem = getMatrix().getType().getElementType();
  if (failed(verifySquareMatrix(*this, getMatrix(), elem)))
    return failure();
  if (getValues().getType().getRank() != 1 || getValues().getType().getElementType() != elem ||
      getVectors().getType() != getMatrix().getType())
    return emitOpError("needs results of types ")
           << RankedTensorType::get({ShapedType::kDynamic}, elem) << " and "
           << getMatrix().getType();
  return success();
}

LogicalResult MapOp::verifyRegions() {
  if (getInputs().empty())
    return emitOpError("needs at least one input array");
  Block &block = getBody().front();
  if (block.getArgumentTypes() != TypeRange(elementTypes(getInputs().getTypes())))
    return emitOpError("body arguments must be the element types of the inputs");
  return verifyArrayResults(*this, getBody(), getResults().getTypes());
}

LogicalResult BuildOp::verifyRegions() {
  Block &block = getBody().front();
  if (block.getNumArguments() != 1 || !block.getArgument(0).getType().isInteger(64))
    return emitOpError("body must take one i64 index");
  return verifyArrayResults(*this, getBody(), getResults().getTypes());
}

/// Shared rule of reduce and scan: k inits, k arrays of elements of the same
/// types, a body (acc..., elem...) -> acc....
static LogicalResult verifyFold(Operation *op, ValueRange inits,
                                ValueRange inputs, Region &body) {
  if (inits.empty() || inits.size() != inputs.size())
    return op->emitOpError("needs as many neutral elements as arrays (at least one)");
  SmallVector<Type> elems = elementTypes(inputs.getTypes());
  if (TypeRange(elems) != inits.getTypes())
    return op->emitOpError("neutral elements must have the element types of the arrays");
  SmallVector<Type> args(elems);
  args.append(elems);
  return verifyBody(op, body, "body", args, elems);
}

LogicalResult ReduceOp::verifyRegions() {
  if (failed(verifyFold(*this, getInits(), getInputs(), getBody())))
    return failure();
  if (getResults().getTypes() != getInits().getTypes())
    return emitOpError("results must have the types of the neutral elements");
  return success();
}

LogicalResult ScanOp::verifyRegions() {
  if (failed(verifyFold(*this, getInits(), getInputs(), getBody())))
    return failure();
  for (auto [init, result] : llvm::zip(getInits(), getResults()))
    if (getArrayOfType(init.getType()) != result.getType())
      return emitOpError("results must be arrays of the neutral elements' types");
  return success();
}

LogicalResult ForOp::verifyRegions() {
  if (getResults().getTypes() != getInits().getTypes())
    return emitOpError("results must have the types of the initial state");
  SmallVector<Type> args{IntegerType::get(getContext(), 64)};
  llvm::append_range(args, getInits().getTypes());
  return verifyBody(*this, getBody(), "body", args, getInits().getTypes());
}

LogicalResult FixpointOp::verifyRegions() {
  if (!(getTolerance().convertToDouble() > 0) || getMaxIterations() < 1)
    return emitOpError("needs a positive tolerance and iteration limit");
  if (getResults().getTypes() != getInits().getTypes())
    return emitOpError("results must have the types of the initial state");
  for (Type t : getInits().getTypes())
    if (!isa<FloatType>(isa<RankedTensorType>(t) ? cast<RankedTensorType>(t).getElementType() : t))
      return emitOpError("state must be floats or arrays of floats");
  return verifyBody(*this, getBody(), "body", getInits().getTypes(), getInits().getTypes());
}

LogicalResult WhileOp::verifyRegions() {
  if (getResults().getTypes() != getInits().getTypes())
    return emitOpError("results must have the types of the initial state");
  if (failed(verifyBody(*this, getCond(), "condition", getInits().getTypes(),
                        IntegerType::get(getContext(), 1))))
    return failure();
  return verifyBody(*this, getBody(), "body", getInits().getTypes(),
                    getInits().getTypes());
}

LogicalResult IfOp::verifyRegions() {
  if (failed(verifyBody(*this, getThenRegion(), "then region", {},
                        getResults().getTypes())))
    return failure();
  return verifyBody(*this, getElseRegion(), "else region", {},
                    getResults().getTypes());
}

LogicalResult TaylorBoundOp::verifyRegions() {
  // The expansion builds O(order^2) ops per op of the body: 16 is the
  // language's limit (a literal 0 to 16). A negative order reads as a huge
  // unsigned one.
  if (getOrder() > 16)
    return emitOpError("order must be between 0 and 16");
  auto coefficients = getCoefficients().getType();
  if (coefficients.getRank() != 1 ||
      (!coefficients.isDynamicDim(0) && coefficients.getDimSize(0) != (int64_t)getOrder() + 1))
    return emitOpError("coefficients must be an array of order + 1 elements");
  Type f64 = Float64Type::get(getContext());
  return verifyBody(*this, getBody(), "body", f64, f64);
}

LogicalResult JvpOp::verifyRegions() {
  // A batch of tangents is an extra (innermost) dimension: an array type.
  if (getTaylorOrder() && (!getBatched() || *getTaylorOrder() < 1))
    return emitOpError("taylor_order needs batched and must be at least 1");
  auto tangentType = [&](Type t) -> Type { return getBatched() ? getArrayOfType(t) : t; };
  SmallVector<Type> tangents;
  for (Type t : getPrimals().getTypes())
    tangents.push_back(tangentType(t));
  if (TypeRange(tangents) != getTangents().getTypes())
    return emitOpError("tangents must have the types of the primals")
           << (getBatched() ? " with a batch dimension" : "");
  auto yield = dyn_cast<YieldOp>(getBody().front().getTerminator());
  if (!yield)
    return emitOpError("body must end in fad.yield");
  SmallVector<Type> results(yield.getValues().getTypes());
  for (Type t : yield.getValues().getTypes())
    results.push_back(tangentType(t));
  if (getResults().getTypes() != TypeRange(results))
    return emitOpError("results must be the yielded values' types, then their tangents'");
  return verifyBody(*this, getBody(), "body", getPrimals().getTypes(),
                    yield.getValues().getTypes());
}

LogicalResult VjpOp::verifyRegions() {
  auto yield = dyn_cast<YieldOp>(getBody().front().getTerminator());
  if (!yield)
    return emitOpError("body must end in fad.yield");
  if (getCotangents().getTypes() != yield.getValues().getTypes())
    return emitOpError("cotangents must have the types of the yielded values");
  SmallVector<Type> results(yield.getValues().getTypes());
  llvm::append_range(results, getPrimals().getTypes());
  if (getResults().getTypes() != TypeRange(results))
    return emitOpError("results must be the yielded values' types, then the primals'");
  return verifyBody(*this, getBody(), "body", getPrimals().getTypes(),
                    yield.getValues().getTypes());
}

LogicalResult AddAtOp::verify() {
  return verifyIndexing(*this, getArray().getType(), getIndices().size(),
                        getValue().getType(), "value");
}

LogicalResult UpdateOp::verify() {
  return verifyIndexing(*this, getArray().getType(), getIndices().size(),
                        getValue().getType(), "value");
}


#include "fad/Dialect/FAD/IR/LanguageBuiltinInterface.cpp.inc"

#define GET_OP_CLASSES
#include "fad/Dialect/FAD/IR/FADOps.cpp.inc"

std::optional<SmallVector<std::pair<unsigned, unsigned>>> fad::matchElementwiseSums(MapOp map) {
  Block &body = map.getBody().front();
  auto inputOf = [&](Value v) -> std::optional<unsigned> {
    auto arg = dyn_cast<BlockArgument>(v);
    if (arg && arg.getOwner() == &body)
      return arg.getArgNumber();
    return std::nullopt;
  };
  SmallVector<std::pair<unsigned, unsigned>> sums;
  for (Value y : body.getTerminator()->getOperands()) {
    Value lhs, rhs;
    if (auto add = y.getDefiningOp<AddOp>()) {
      lhs = add.getLhs();
      rhs = add.getRhs();
    } else if (auto inner = y.getDefiningOp<MapOp>()) {
      auto innerSums = matchElementwiseSums(inner);
      if (!innerSums)
        return std::nullopt;
      auto [a, b] = (*innerSums)[cast<OpResult>(y).getResultNumber()];
      lhs = inner.getInputs()[a];
      rhs = inner.getInputs()[b];
    }
    auto l = lhs ? inputOf(lhs) : std::nullopt, r = rhs ? inputOf(rhs) : std::nullopt;
    if (!l || !r)
      return std::nullopt;
    sums.push_back({*l, *r});
  }
  return sums;
}

bool fad::isUpdateOf(Value v, Value from) {
  if (v == from)
    return true;
  if (!v)
    return false;
  // Null when the region no longer ends in a fad.yield (a dialect
  // conversion has already moved or lowered it).
  auto yielded = [](Region &r, unsigned k) {
    auto yield = r.empty() ? YieldOp() : dyn_cast<YieldOp>(r.front().getTerminator());
    return yield ? yield.getValues()[k] : Value();
  };
  if (isa_and_nonnull<AddAtOp, UpdateOp>(v.getDefiningOp())) // operand 0: the array
    return isUpdateOf(v.getDefiningOp()->getOperand(0), from);
  unsigned k = isa<OpResult>(v) ? cast<OpResult>(v).getResultNumber() : 0;
  if (auto ifOp = v.getDefiningOp<IfOp>())
    return isUpdateOf(yielded(ifOp.getThenRegion(), k), from) &&
           isUpdateOf(yielded(ifOp.getElseRegion(), k), from);
  if (auto loop = v.getDefiningOp<ForOp>())
    return isUpdateOf(loop.getInits()[k], from) && !loop.getBody().empty() &&
           isUpdateOf(yielded(loop.getBody(), k), loop.getBody().getArgument(k + 1));
  // A map of scalars over a vector has its extent (a map checks that its
  // inputs' extents agree): the tangent lanes of a sum, acc + x * dx.
  auto rank = [](Value a) {
    auto type = dyn_cast<RankedTensorType>(a.getType());
    return type ? type.getRank() : 0;
  };
  if (auto map = v.getDefiningOp<MapOp>(); map && rank(v) == 1 && rank(from) == 1)
    return llvm::any_of(map.getInputs(), [&](Value input) { return isUpdateOf(input, from); });
  return false;
}

bool fad::isCostlyToRecompute(Operation *op) {
  return op->hasTrait<fad::traits::CostlyToRecompute>();
}

bool fad::effectsAreChecksAtMost(Operation *op) {
  return isa<AssertOp>(op) || op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
         isMemoryEffectFree(op);
}

bool fad::containsCollective(Operation *op) {
  return op
      ->walk([](Operation *inner) {
        return isa<AllreduceOp, AllgatherOp, ReduceScatterOp>(inner) ? WalkResult::interrupt()
                                                                      : WalkResult::advance();
      })
      .wasInterrupted();
}

Value fad::buildOnFirstProcess(OpBuilder &b, Location loc, Value v) {
  Value index = b.create<ProcessIndexOp>(loc, b.getI64Type());
  Value zero = b.create<arith::ConstantIntOp>(loc, 0, 64);
  Value isFirst = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, index, zero);
  auto choice = b.create<IfOp>(loc, TypeRange{v.getType()}, isFirst);
  OpBuilder::InsertionGuard guard(b);
  b.createBlock(&choice.getThenRegion());
  b.create<YieldOp>(loc, v);
  b.createBlock(&choice.getElseRegion());
  Value none = isa<RankedTensorType>(v.getType())
                   ? b.create<ZerosLikeOp>(loc, v).getResult()
                   : b.create<arith::ConstantOp>(loc, b.getZeroAttr(v.getType())).getResult();
  b.create<YieldOp>(loc, none);
  return choice.getResult(0);
}

Value fad::extentSource(Value array, unsigned depth) {
  Operation *def = array.getDefiningOp();
  if (!def || depth > 8)
    return array;
  if (auto build = dyn_cast<BuildOp>(def))
    return build.getSize();
  if (auto map = dyn_cast<MapOp>(def))
    return extentSource(map.getInputs()[0], depth + 1);
  if (isa<AddAtOp, UpdateOp>(def)) // operand 0: the array
    return extentSource(def->getOperand(0), depth + 1);
  if (auto zeros = dyn_cast<ZerosLikeOp>(def))
    return extentSource(zeros.getOperand(), depth + 1);
  if (auto loop = dyn_cast<ForOp>(def)) {
    unsigned k = cast<OpResult>(array).getResultNumber();
    Block &body = loop.getBody().front();
    Value init = extentSource(loop.getInits()[k], depth + 1);
    Value next = extentSource(body.getTerminator()->getOperand(k), depth + 1);
    if (next == init || next == body.getArgument(k + 1))
      return init;
  }
  return array;
}

Operation *fad::cloneWithResults(RewriterBase &rw, Operation *op, ArrayRef<unsigned> keep) {
  SmallVector<Type> types;
  for (unsigned r : keep)
    types.push_back(op->getResult(r).getType());
  OperationState state(op->getLoc(), op->getName(), op->getOperands(), types, op->getAttrs());
  state.addRegion();
  rw.setInsertionPoint(op);
  Operation *copy = rw.create(state);
  rw.cloneRegionBefore(op->getRegion(0), copy->getRegion(0), copy->getRegion(0).end());
  Operation *yield = copy->getRegion(0).front().getTerminator();
  SmallVector<Value> kept;
  for (unsigned r : keep)
    kept.push_back(yield->getOperand(r));
  rw.modifyOpInPlace(yield, [&] { yield->setOperands(kept); });
  return copy;
}

// The body of each loop-like structured op is its one loop region.
SmallVector<Region *> MapOp::getLoopRegions() { return {&getBody()}; }
SmallVector<Region *> BuildOp::getLoopRegions() { return {&getBody()}; }

Speculation::Speculatability BuildOp::getSpeculatability() {
  IntegerAttr size;
  return matchPattern(getSize(), m_Constant(&size)) && !size.getValue().isNegative()
             ? Speculation::RecursivelySpeculatable
             : Speculation::NotSpeculatable;
}
SmallVector<Region *> ReduceOp::getLoopRegions() { return {&getBody()}; }
SmallVector<Region *> ScanOp::getLoopRegions() { return {&getBody()}; }
SmallVector<Region *> ForOp::getLoopRegions() { return {&getBody()}; }

// The accumulators come first in a reduce's or scan's body; a loop's body
// takes the iteration number before its state. On a body with too few
// arguments these return fewer, so that the op's verifier, which runs after
// the interface's, reports the body's signature.
static Block::BlockArgListType leadingArgs(Region &body, size_t n) {
  return body.getArguments().take_front(std::min<size_t>(n, body.getNumArguments()));
}
Block::BlockArgListType ReduceOp::getRegionIterArgs() {
  return leadingArgs(getBody(), getInits().size());
}
Block::BlockArgListType ScanOp::getRegionIterArgs() {
  return leadingArgs(getBody(), getInits().size());
}
Block::BlockArgListType ForOp::getRegionIterArgs() {
  Block::BlockArgListType args = getBody().getArguments();
  return args.take_back(std::min<size_t>(getInits().size(), args.size()));
}
