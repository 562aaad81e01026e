//===- Builtins.cpp - The builtin functions of fad -----------------*- C++ -*-===//
//
// This file implements the builtins (Builtins.h): their table, and the
// elaboration of each applied to its arguments into fad ops: operators and
// scalar functions, arrays and their structured ops, and the
// differentiation forms.
//
//===----------------------------------------------------------------------===//

#include "Builtins.h"
#include "Elaborator.h"

#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ErrorHandling.h"

#include <cmath>
#include <cstdint>

using namespace mlir;
using namespace fad;
using namespace fad::frontend;

//===----------------------------------------------------------------------===//
// The builtin table
//===----------------------------------------------------------------------===//

using Args = ArrayRef<Val>;

/// Builds the scalar op of `builtin` on `operands` (its result has their type).
static Value buildScalarOp(OpBuilder &b, const Builtin &builtin, Location loc,
                           ValueRange operands) {
  OperationState state(loc, *builtin.op);
  state.addOperands(operands);
  state.addTypes(operands.front().getType());
  return b.create(state)->getResult(0);
}

/// A scalar function of one number declared by a fad op (`exp x`).
static Val buildScalarFunction(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  if (Elaborator::isComplex(args[0]))
    return e.genComplexFunction(self.name, args[0], at);
  const Val &x = e.scalar(args[0], at, self.name);
  if (!isNumber(x.type) || (!self.acceptsIntegers && !isFloat(x.type->prim)))
    e.fail(at, self.name + " needs a float, got " + e.describe(x, at));
  return e.data(x.type, buildScalarOp(e.b, self, e.loc(at), x.leaves[0]));
}

/// Operators (arithmetic ones declared by fad ops, comparisons, `&&`, `||`)
/// and the scalar functions of two numbers (max, min, atan2).
static Val buildOperator(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  return e.genBinary(self.name, args[0], args[1], at);
}

static Val buildPow(Elaborator &e, const Builtin &, Args args, llvm::SMLoc at) {
  return e.genBinary("**", args[0], args[1], at);
}

static Val buildBitwise(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  return e.genBitwise(self.name, args[0], args[1], at);
}

static Val buildReport(Elaborator &e, const Builtin &, Args args, llvm::SMLoc at) {
  Value step = e.expectPrim(args[0], Prim::I64, at, "the step of report");
  Val value = args[1].literal ? e.coerce(args[1], primType(Prim::F64), at) : args[1];
  e.scalar(value, at, "report");
  if (!isFloat(value.type->prim))
    e.fail(at, "report needs a float value, got " + typeName(value.type));
  return e.data(value.type, e.b.create<ReportOp>(e.loc(at), step, value.leaves[0]));
}

/// The paths of the leaves of a value of type `t` (fromLeaves' order): each
/// tuple component or record field adds `.k` or `.name`; the leaves of an
/// array of tuples are its components'.
static void leafPaths(const TypeP &t, const std::string &path, std::vector<std::string> &out) {
  if (t->kind == FType::Kind::Array)
    return leafPaths(t->elem, path, out);
  if (t->kind != FType::Kind::Tuple)
    return out.push_back(path);
  for (auto [k, elem] : llvm::enumerate(t->elems)) {
    std::string part = isComplexType(t)   ? (k ? "im" : "re")
                       : t->fields.empty() ? std::to_string(k)
                                           : t->fields[k];
    leafPaths(elem, path.empty() ? part : path + "." + part, out);
  }
}

static bool containsFunction(const Val &v) {
  return v.kind == Val::Kind::Fn || llvm::any_of(v.parts, containsFunction);
}

/// trace "label" x: x, each leaf through a fad.trace that prints it with its
/// path. The label is a string literal (Elaborator::gen lets one through as
/// trace's first argument only).
static Val buildTrace(Elaborator &e, const Builtin &, Args args, llvm::SMLoc at) {
  if (!args[0].text)
    e.fail(at, "trace needs a string literal as its label first: trace \"x\" x");
  if (containsFunction(args[1]))
    e.fail(at, "trace cannot print a function");
  TypeP type = e.typeOf(args[1], at);
  std::vector<std::string> paths;
  leafPaths(type, *args[0].text, paths);
  SmallVector<Value> leaves;
  for (auto [leaf, path] : llvm::zip_equal(e.leavesOf(args[1], at), paths))
    leaves.push_back(e.b.create<TraceOp>(e.loc(at), leaf.getType(), path, leaf));
  return e.fromLeaves(type, leaves);
}

//===----------------------------------------------------------------------===//
// Processes and collectives (docs/Distributed.md)
//===----------------------------------------------------------------------===//

/// process_index, process_count: i64 values, not functions.
static Val buildProcessInfo(Elaborator &e, const Builtin &self, Args, llvm::SMLoc at) {
  Value v = self.name == "process_index"
                ? e.b.create<ProcessIndexOp>(e.loc(at), e.b.getI64Type()).getResult()
                : e.b.create<ProcessCountOp>(e.loc(at), e.b.getI64Type()).getResult();
  return e.data(primType(Prim::I64), v);
}

/// The leaves of a collective's argument: numbers or arrays of numbers.
static SmallVector<Value> collectiveLeaves(Elaborator &e, const Val &x, llvm::SMLoc at,
                                           StringRef what) {
  if (containsFunction(x))
    e.fail(at, what + " cannot combine functions");
  SmallVector<Value> leaves = e.leavesOf(x, at);
  for (Value leaf : leaves)
    if (getElementTypeOrSelf(leaf.getType()).isInteger(1))
      e.fail(at, what + " cannot combine booleans (convert them to i32 first), got " +
                     e.describe(x, at));
  return leaves;
}

/// allreduce_sum/max/min x: every leaf combined elementwise over processes.
static Val buildAllreduce(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  StringRef kind = StringRef(self.name).split('_').second; // allreduce_<kind>
  if (kind != "sum" && containsComplex(e.typeOf(args[0], at)))
    e.fail(at, self.name + " is not defined on complex numbers (complex numbers are not ordered)");
  SmallVector<Value> leaves;
  for (Value leaf : collectiveLeaves(e, args[0], at, self.name))
    leaves.push_back(e.b.create<AllreduceOp>(e.loc(at), leaf.getType(), kind, leaf));
  return e.fromLeaves(e.typeOf(args[0], at), leaves);
}

/// per_process x: x, every leaf declared per-process.
static Val buildPerProcess(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  if (containsFunction(args[0]))
    e.fail(at, "per_process cannot mark a function");
  SmallVector<Value> leaves;
  for (Value leaf : e.leavesOf(args[0], at))
    leaves.push_back(e.b.create<PerProcessOp>(e.loc(at), leaf));
  return e.fromLeaves(e.typeOf(args[0], at), leaves);
}

/// allgather a: every process's a concatenated in process order.
static Val buildAllgather(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  TypeP type = e.expectArray(args[0], at, self.name);
  SmallVector<Value> leaves;
  for (Value leaf : collectiveLeaves(e, args[0], at, self.name)) {
    auto t = cast<RankedTensorType>(leaf.getType());
    SmallVector<int64_t> shape(t.getShape());
    shape[0] = ShapedType::kDynamic;
    leaves.push_back(e.b.create<AllgatherOp>(
        e.loc(at), RankedTensorType::get(shape, t.getElementType()), leaf));
  }
  return e.fromLeaves(arrayType(type->elem), leaves);
}

/// broadcast x: process 0's x on every process, as the sum of process 0's
/// leaves and zeros elsewhere (so that it is differentiable as a sum).
static Val buildBroadcast(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  SmallVector<Value> leaves;
  for (Value leaf : collectiveLeaves(e, args[0], at, self.name))
    leaves.push_back(e.b.create<AllreduceOp>(e.loc(at), leaf.getType(), "sum",
                                             buildOnFirstProcess(e.b, e.loc(at), leaf)));
  return e.fromLeaves(e.typeOf(args[0], at), leaves);
}

//===----------------------------------------------------------------------===//
// Complex numbers (Complex.cpp)
//===----------------------------------------------------------------------===//

/// complex re im.
static Val buildComplex(Elaborator &e, const Builtin &, Args args, llvm::SMLoc at) {
  return e.makeComplex(args[0], args[1], at);
}

/// re, im, conj, arg: of a complex number, or of a real one (as x + 0i).
static Val buildComplexPart(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  const Val &z = args[0];
  if (Elaborator::isComplex(z))
    return e.genComplexFunction(self.name, z, at);
  const Val &x = e.scalar(z, at, self.name);
  if (!isFloatType(x.type))
    e.fail(at, self.name + " needs a complex number or a float, got " + e.describe(x, at));
  return e.genComplexFunction(self.name, e.toComplex(x, x.type->prim, at), at);
}

/// c128, c64: a number as a complex number of that precision.
static Val buildComplexConversion(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  Prim part = self.name == "c128" ? Prim::F64 : Prim::F32;
  const Val &z = args[0];
  if (Elaborator::isComplex(z)) {
    auto convert = [&](const Val &v) {
      return v.type->prim == part
                 ? v
                 : e.data(primType(part), e.b.create<ConvertOp>(e.loc(at), e.scalarType(part),
                                                                v.leaves[0]));
    };
    return e.makeComplex(convert(z.parts[0]), convert(z.parts[1]), at);
  }
  const Val &x = e.scalar(z, at, self.name);
  if (!isNumber(x.type))
    e.fail(at, self.name + " needs a number, got " + e.describe(x, at));
  Val re = x.literal ? x
                     : e.data(primType(part), e.b.create<ConvertOp>(e.loc(at), e.scalarType(part),
                                                                    x.leaves[0]));
  return e.toComplex(re, part, at);
}

/// f64, f32, i64, i32: conversions.
static Val buildConversion(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  const std::string &name = self.name;
  if (Elaborator::isComplex(args[0]))
    e.fail(at, name + " of a complex number: take its real part (re z) or its magnitude (abs z)");
  const Val &x = e.scalar(args[0], at, name);
  Prim to = primNamed(name);
  Val r = e.data(primType(to), e.b.create<ConvertOp>(e.loc(at), e.scalarType(to), x.leaves[0]));
  if (x.literal && !(isInt(to) && isFloat(x.type->prim)))
    r.literal = x.literal;
  return r;
}

/// map, map2, map3.
static Val buildMap(Elaborator &e, const Builtin &, Args args, llvm::SMLoc at) {
  return e.genMap(args[0], args.drop_front(), at);
}

/// zip, zip3.
static Val buildZip(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  std::vector<TypeP> elems;
  Val r;
  for (const Val &a : args) {
    e.expectArray(a, at, self.name);
    if (&a != &args.front())
      e.checkSameExtent(args.front(), a, at, self.name);
    elems.push_back(a.type->elem);
    r.leaves.append(a.leaves.begin(), a.leaves.end());
  }
  r.type = arrayType(tupleType(elems), args.front().type->size);
  return r;
}

/// unzip, unzip3.
static Val buildUnzip(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  const std::string &name = self.name;
  TypeP t = e.expectArray(args[0], at, name);
  size_t n = name == "unzip" ? 2 : 3;
  if (t->elem->kind != FType::Kind::Tuple || t->elem->elems.size() != n || t->elem->complex)
    e.fail(at, name + " needs an array of " + std::to_string(n) + "-tuples, got " +
                   e.describe(args[0], at));
  std::vector<TypeP> parts;
  for (const TypeP &elem : t->elem->elems)
    parts.push_back(arrayType(elem, t->size));
  return e.fromLeaves(tupleType(parts), args[0].leaves);
}

static Val buildLength(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  e.expectArray(args[0], at, self.name);
  return e.data(primType(Prim::I64), e.extent(args[0], at));
}

static Val buildIota(Elaborator &e, const Builtin &, Args args, llvm::SMLoc at) {
  Value n = e.expectPrim(args[0], Prim::I64, at, "the size given to iota");
  Val r = e.genBuild(n, at, [](Val i) { return i; });
  if (args[0].literal)
    r.type = arrayType(r.type->elem, (int64_t)*args[0].literal);
  return r;
}

/// replicate n x, build n f.
static Val buildReplicate(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  const std::string &name = self.name;
  Value n = e.expectPrim(args[0], Prim::I64, at, "the size given to " + name);
  const Val &x = args[1];
  if (name == "build")
    e.expectFn(x, at, "build");
  else if (x.kind == Val::Kind::Fn)
    e.fail(at, "replicate cannot make an array of functions");
  Val r = e.genBuild(n, at, [&](Val i) { return name == "build" ? e.apply(x, i, at) : x; });
  if (args[0].literal)
    r.type = arrayType(r.type->elem, (int64_t)*args[0].literal);
  return r;
}

/// a with element (or row) i replaced by v; i and a row's extents are
/// checked at run time.
static Val buildUpdate(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  TypeP t = e.expectArray(args[0], at, self.name);
  Value i = e.expectPrim(args[1], Prim::I64, at, "the index given to update");
  if (args[2].kind == Val::Kind::Fn)
    e.fail(at, "update cannot store a function in an array");
  Val v = e.coerce(args[2], t->elem, at);
  TypeP vt = e.typeOf(v, at);
  if (!sameType(vt, t->elem))
    e.fail(at, "update: the new element must be of the array's element type " +
                   typeName(t->elem) + ", got " + e.describe(v, at));
  SmallVector<Value> values = e.leavesOf(v, at), leaves;
  for (auto [leaf, value] : llvm::zip_equal(args[0].leaves, values))
    leaves.push_back(
        e.b.create<UpdateOp>(e.loc(at), leaf.getType(), leaf, ValueRange{i}, value));
  return e.fromLeaves(t, leaves);
}

/// reduce, scan.
static Val buildFold(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  return e.genFold(self.name == "scan", args[0], args[1], args[2], at);
}

/// sum, product, maximum, minimum.
static Val buildReduction(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  return e.genReduceWith(self.name, args[0], at);
}

static Val buildTranspose(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  TypeP t = e.expectArray(args[0], at, self.name);
  if (t->elem->kind != FType::Kind::Array)
    e.fail(at, "transpose needs an array of rank at least 2, got " + e.describe(args[0], at));
  Val r = args[0];
  r.type = arrayType(arrayType(t->elem->elem, t->size), t->elem->size);
  for (Value &leaf : r.leaves)
    leaf = e.b.create<TransposeOp>(e.loc(at), leaf);
  return r;
}

static Val buildJvp(Elaborator &e, const Builtin &, Args args, llvm::SMLoc at) {
  return e.genJvp(args[0], args[1], args[2], at);
}
static Val buildJacfwd(Elaborator &e, const Builtin &, Args args, llvm::SMLoc at) {
  return e.genJacfwd(args[0], args[1], at);
}
/// Forward over forward: the Jacobian of x -> jacfwd f x.
static Val buildHessian(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  e.expectFn(args[0], at, self.name);
  return e.genJacfwd(e.apply(e.builtinVal("jacfwd"), args[0], at), args[1], at);
}
static Val buildVjp(Elaborator &e, const Builtin &, Args args, llvm::SMLoc at) {
  return e.genVjp(args[0], args[1], &args[2], at);
}
static Val buildGrad(Elaborator &e, const Builtin &, Args args, llvm::SMLoc at) {
  return e.genVjp(args[0], args[1], nullptr, at);
}
static Val buildJacrev(Elaborator &e, const Builtin &, Args args, llvm::SMLoc at) {
  return e.genJacrev(args[0], args[1], at);
}
static Val buildTaylor(Elaborator &e, const Builtin &, Args args, llvm::SMLoc at) {
  return e.genTaylor(args[0], args[1], args[2], args[3], at);
}

/// taylor_bound f x0 a b k: (coefficients, lo, hi), see fad.taylor_bound.
static Val buildTaylorBound(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  e.expectFn(args[0], at, self.name);
  if (!args[4].literal || args[4].type->prim != Prim::I64 || *args[4].literal < 0 ||
      *args[4].literal > 16)
    e.fail(at, "taylor_bound: the order must be an integer literal between 0 and 16");
  Value x0 = e.expectPrim(args[1], Prim::F64, at, "the expansion point of taylor_bound");
  Value lower = e.expectPrim(args[2], Prim::F64, at, "the lower end of taylor_bound's interval");
  Value upper = e.expectPrim(args[3], Prim::F64, at, "the upper end of taylor_bound's interval");
  OpBuilder &b = e.b;
  Type f64 = b.getF64Type();
  auto op = b.create<TaylorBoundOp>(e.loc(at), getArrayOfType(f64), f64, f64, x0, lower, upper,
                                    (int64_t)*args[4].literal);
  e.buildBody(op.getBody(), {f64}, at, [&](ValueRange xs) {
    Val y = e.apply(args[0], e.data(primType(Prim::F64), xs[0]), at);
    if (y.kind != Val::Kind::Data || !isPrim(y.type) || y.type->prim != Prim::F64)
      e.fail(at, "taylor_bound needs a function from f64 to f64");
    return SmallVector<Value>{y.leaves[0]};
  });
  Val result;
  result.kind = Val::Kind::Tuple;
  result.parts = {e.data(arrayType(primType(Prim::F64), *args[4].literal + 1),
                         op.getCoefficients()),
                  e.data(primType(Prim::F64), op.getLo()), e.data(primType(Prim::F64), op.getHi())};
  return result;
}

/// fixpoint f x0, and fixpoint_with tolerance limit f x0: the same with
/// explicit settings.
static Val buildFixpoint(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  const std::string &name = self.name;
  double tolerance = 1e-12;
  int64_t limit = 100000;
  if (name == "fixpoint_with") {
    if (!args[0].literal || *args[0].literal <= 0)
      e.fail(at, "fixpoint_with: the tolerance must be a positive number literal");
    if (!args[1].literal || args[1].type->prim != Prim::I64 || *args[1].literal < 1)
      e.fail(at, "fixpoint_with: the iteration limit must be a positive integer literal");
    tolerance = *args[0].literal;
    limit = (int64_t)*args[1].literal;
    args = args.drop_front(2);
  }
  e.expectFn(args[0], at, name);
  Val x0 = args[1].literal ? e.coerce(args[1], primType(Prim::F64), at) : args[1];
  if (x0.kind == Val::Kind::Fn)
    e.fail(at, "fixpoint needs a starting point, not a function");
  TypeP stateType = eraseSizes(e.typeOf(x0, at));
  SmallVector<Value> inits = e.leavesOf(x0, at);
  for (Value v : inits) {
    Type t = v.getType();
    if (auto array = dyn_cast<RankedTensorType>(t))
      t = array.getElementType();
    if (!isa<FloatType>(t))
      e.fail(at, "fixpoint needs a state of floats, got " + typeName(stateType));
  }
  OpBuilder &b = e.b;
  auto op = b.create<FixpointOp>(e.loc(at), ValueRange(inits).getTypes(), inits,
                                 b.getF64FloatAttr(tolerance), b.getI64IntegerAttr(limit));
  e.buildBody(op.getBody(), ValueRange(inits).getTypes(), at, [&](ValueRange state) {
    Val next = e.apply(args[0], e.fromLeaves(stateType, SmallVector<Value>(state)), at);
    if (next.literal)
      next = e.coerce(next, stateType, at);
    if (next.kind == Val::Kind::Fn || !sameType(e.typeOf(next, at), stateType))
      e.fail(at, "fixpoint: the function maps " + typeName(stateType) + " to " +
                     e.describe(next, at) + ", not to the same type");
    return e.leavesOf(next, at);
  });
  return e.fromLeaves(stateType, SmallVector<Value>(op.getResults()));
}

/// The float element type of a matrix argument of a linear-algebra builtin.
static Prim expectFloatMatrix(Elaborator &e, const Val &v, llvm::SMLoc at, StringRef what) {
  TypeP t = e.expectArray(v, at, what);
  if (t->elem->kind != FType::Kind::Array || !isFloatType(t->elem->elem))
    e.fail(at, what + " needs a matrix of floats ([n][n]f64 or [n][n]f32), got " +
                   e.describe(v, at));
  if (t->size && t->elem->size && *t->size != *t->elem->size)
    e.fail(at, what + " needs a square matrix, got " + typeName(t));
  return t->elem->elem->prim;
}

/// solve a b: the x with a x = b, for b of any rank >= 1 (b's rows are a's);
/// solve_lower, solve_upper: the same with a's lower (upper) triangle.
static Val buildSolve(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  Prim p = expectFloatMatrix(e, args[0], at, self.name);
  TypeP bt = e.expectArray(args[1], at, self.name);
  const FType *elem = bt.get();
  while (elem->kind == FType::Kind::Array)
    elem = elem->elem.get();
  if (elem->kind != FType::Kind::Prim || elem->prim != p)
    e.fail(at, self.name + ": the right-hand side must be an array of " + std::string(primName(p)) +
                   " like the matrix, got " + e.describe(args[1], at));
  if (args[0].type->size && bt->size && *args[0].type->size != *bt->size)
    e.fail(at, self.name + ": a matrix of size " + std::to_string(*args[0].type->size) +
                   " and a right-hand side of " + std::to_string(*bt->size) + " rows");
  Value x = e.b.create<SolveOp>(e.loc(at), args[1].leaves[0].getType(), args[0].leaves[0],
                                args[1].leaves[0], /*transpose=*/false,
                                self.name == "solve_lower", self.name == "solve_upper");
  return e.data(bt, x);
}

/// slogdet a: (sign, log |det a|).
static Val buildSlogdet(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  Prim p = expectFloatMatrix(e, args[0], at, self.name);
  Type t = e.scalarType(p);
  auto op = e.b.create<SlogdetOp>(e.loc(at), t, t, args[0].leaves[0]);
  Val result;
  result.kind = Val::Kind::Tuple;
  result.parts = {e.data(primType(p), op.getSign()), e.data(primType(p), op.getLogabsdet())};
  return result;
}

/// eigh a: (eigenvalues ascending, eigenvectors as columns) of a's
/// symmetric part.
static Val buildEigh(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  Prim p = expectFloatMatrix(e, args[0], at, self.name);
  auto matrixType = cast<RankedTensorType>(args[0].leaves[0].getType());
  auto op = e.b.create<EighOp>(e.loc(at), getArrayOfType(e.scalarType(p)), matrixType,
                               args[0].leaves[0]);
  Val result;
  result.kind = Val::Kind::Tuple;
  result.parts = {e.data(arrayType(primType(p), args[0].type->size), op.getValues()),
                  e.data(args[0].type, op.getVectors())};
  return result;
}

/// svd a: (u, s, vt), the thin SVD a = u diag(s) vt.
static Val buildSvd(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  TypeP t = e.expectArray(args[0], at, self.name);
  if (t->elem->kind != FType::Kind::Array || !isFloatType(t->elem->elem))
    e.fail(at, "svd needs a matrix of floats ([m][n]f64 or [m][n]f32), got " +
                   e.describe(args[0], at));
  Prim p = t->elem->elem->prim;
  Type matrix = getArrayOfType(getArrayOfType(e.scalarType(p)));
  auto op = e.b.create<SvdOp>(e.loc(at), matrix, getArrayOfType(e.scalarType(p)), matrix,
                              args[0].leaves[0]);
  TypeP vector = arrayType(primType(p)), rows = arrayType(arrayType(primType(p)));
  Val result;
  result.kind = Val::Kind::Tuple;
  result.parts = {e.data(rows, op.getU()), e.data(vector, op.getS()), e.data(rows, op.getVt())};
  return result;
}

/// qr a: (q, r), the thin QR a = q r of a matrix with at least as many rows
/// as columns.
static Val buildQr(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  TypeP t = e.expectArray(args[0], at, self.name);
  if (t->elem->kind != FType::Kind::Array || !isFloatType(t->elem->elem))
    e.fail(at, "qr needs a matrix of floats ([m][n]f64 or [m][n]f32), got " +
                   e.describe(args[0], at));
  if (t->size && t->elem->size && *t->size < *t->elem->size)
    e.fail(at, "qr needs at least as many rows as columns, got " + typeName(t));
  Type type = args[0].leaves[0].getType();
  auto op = e.b.create<QrOp>(e.loc(at), type, type, args[0].leaves[0]);
  TypeP rows = arrayType(arrayType(t->elem->elem));
  Val result;
  result.kind = Val::Kind::Tuple;
  result.parts = {e.data(rows, op.getQ()), e.data(rows, op.getR())};
  return result;
}

/// tree_map f x, tree_map2 f x y: f applied to every scalar of x (and the
/// one at the same place in y), which may be a scalar, an array of any rank,
/// a tuple or a record, nested: the result has x's structure. This is how
/// optimizers update parameters kept in records (JAX's tree_map, with f
/// lifted to arrays elementwise). A complex number is its two real parts
/// here (as for the optimizers' updates), and f must give each a float of
/// its type.
static Val buildTreeMap(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  const Val &fn = args[0];
  e.expectFn(fn, at, self.name);
  Args data = args.drop_front();
  const Val &x = data[0];
  bool binary = data.size() == 2;
  // The structure at this level: a scalar, an array, a tuple or a function.
  enum class Shape { Scalar, Array, Tuple, Function };
  auto kindOf = [](const Val &v) {
    if (v.kind == Val::Kind::Tuple)
      return Shape::Tuple;
    if (v.kind == Val::Kind::Fn)
      return Shape::Function;
    return v.type->kind == FType::Kind::Array ? Shape::Array : Shape::Scalar;
  };
  if (x.kind == Val::Kind::Fn || (binary && (kindOf(data[1]) != kindOf(x) ||
                                             data[1].fields != x.fields ||
                                             data[1].complex != x.complex ||
                                             data[1].parts.size() != x.parts.size())))
    e.fail(at, self.name + (binary ? " needs two values of the same structure, got "
                                   : " needs data after the function, got ") +
                   e.describe(x, at) + (binary ? " and " + e.describe(data[1], at) : ""));
  if (x.kind == Val::Kind::Tuple) {
    Val r = x;
    for (size_t k = 0; k < x.parts.size(); ++k)
      r.parts[k] = binary ? buildTreeMap(e, self, {fn, x.parts[k], data[1].parts[k]}, at)
                          : buildTreeMap(e, self, {fn, x.parts[k]}, at);
    if (x.complex)
      for (const Val &part : r.parts)
        if (part.kind != Val::Kind::Data || !sameType(part.type, x.parts[0].type))
          e.fail(at, self.name + " applies its function to the real and imaginary parts of " +
                         e.describe(x, at) + ", which must give " +
                         typeName(x.parts[0].type) + "s, got " + e.describe(part, at));
    return r;
  }
  if (x.type->kind == FType::Kind::Array)
    return e.genMap(e.apply(e.builtinVal(self.name), fn, at), data, at);
  Val r = e.applyAll(fn, data, at);
  if (r.kind == Val::Kind::Fn)
    e.fail(at, "the function given to " + self.name + " must return data, not a function");
  return r;
}

/// tree_sum x: the sum of every scalar of x (a number, an array of any rank,
/// a tuple or a record of them, all of one type; a complex number counts as
/// its two real parts).
static Val buildTreeSum(Elaborator &e, const Builtin &self, Args args, llvm::SMLoc at) {
  const Val &x = args[0];
  if (x.kind == Val::Kind::Fn)
    e.fail(at, "tree_sum needs data, got a function");
  if (x.kind == Val::Kind::Tuple) {
    Val total = buildTreeSum(e, self, {x.parts[0]}, at);
    for (const Val &part : llvm::ArrayRef(x.parts).drop_front())
      total = e.genBinary("+", total, buildTreeSum(e, self, {part}, at), at);
    return total;
  }
  if (x.type->kind != FType::Kind::Array)
    return x;
  return e.genReduceWith("sum", e.genMap(e.builtinVal(self.name), {x}, at), at);
}

/// The builtins written here; the fad ops add theirs (BuiltinTable).
static const struct {
  const char *name;
  unsigned arity;
  BuiltinBuilder build;
} writtenBuiltins[] = {
    // Operators that build no fad op, and an alias of one that does.
    {"==", 2, buildOperator}, {"!=", 2, buildOperator}, {"<", 2, buildOperator},
    {"<=", 2, buildOperator}, {">", 2, buildOperator}, {">=", 2, buildOperator},
    {"&&", 2, buildOperator}, {"||", 2, buildOperator}, {"pow", 2, buildPow},
    {"xor", 2, buildBitwise}, {"shl", 2, buildBitwise}, {"shr", 2, buildBitwise},
    {"f64", 1, buildConversion}, {"f32", 1, buildConversion},
    {"i64", 1, buildConversion}, {"i32", 1, buildConversion},
    {"report", 2, buildReport}, {"trace", 2, buildTrace},
    // Complex numbers.
    {"complex", 2, buildComplex}, {"re", 1, buildComplexPart}, {"im", 1, buildComplexPart},
    {"conj", 1, buildComplexPart}, {"arg", 1, buildComplexPart},
    {"c128", 1, buildComplexConversion}, {"c64", 1, buildComplexConversion},
    // Processes (under MPI).
    {"process_index", 0, buildProcessInfo}, {"process_count", 0, buildProcessInfo},
    {"allreduce_sum", 1, buildAllreduce}, {"allreduce_max", 1, buildAllreduce},
    {"allreduce_min", 1, buildAllreduce}, {"allgather", 1, buildAllgather},
    {"broadcast", 1, buildBroadcast}, {"per_process", 1, buildPerProcess},
    // Arrays.
    {"map", 2, buildMap}, {"map2", 3, buildMap}, {"map3", 4, buildMap},
    {"zip", 2, buildZip}, {"zip3", 3, buildZip},
    {"unzip", 1, buildUnzip}, {"unzip3", 1, buildUnzip},
    {"iota", 1, buildIota}, {"replicate", 2, buildReplicate}, {"build", 2, buildReplicate},
    {"length", 1, buildLength}, {"update", 3, buildUpdate},
    {"reduce", 3, buildFold}, {"scan", 3, buildFold},
    {"sum", 1, buildReduction}, {"product", 1, buildReduction},
    {"maximum", 1, buildReduction}, {"minimum", 1, buildReduction},
    {"transpose", 1, buildTranspose},
    // Dense linear algebra (more in the stdlib's linalg).
    {"solve", 2, buildSolve}, {"solve_lower", 2, buildSolve}, {"solve_upper", 2, buildSolve},
    {"slogdet", 1, buildSlogdet}, {"eigh", 1, buildEigh}, {"svd", 1, buildSvd},
    {"qr", 1, buildQr},
    // Structures of arrays (tuples and records).
    {"tree_map", 2, buildTreeMap}, {"tree_map2", 3, buildTreeMap}, {"tree_sum", 1, buildTreeSum},
    // Differentiation.
    {"jvp", 3, buildJvp}, {"jacfwd", 2, buildJacfwd}, {"hessian", 2, buildHessian},
    {"vjp", 3, buildVjp}, {"grad", 2, buildGrad}, {"jacrev", 2, buildJacrev},
    {"taylor", 4, buildTaylor}, {"taylor_bound", 5, buildTaylorBound},
    {"fixpoint", 2, buildFixpoint}, {"fixpoint_with", 4, buildFixpoint},
};

BuiltinTable::BuiltinTable(MLIRContext &ctx) {
  for (const auto &w : writtenBuiltins)
    add(Builtin{w.name, w.arity, std::nullopt, true, w.build});
  // Each scalar op that declares itself a builtin of the language (its
  // LanguageBuiltinOpInterface methods are static: asked of the registered
  // operation, without an op).
  ctx.getOrLoadDialect<FADDialect>();
  for (RegisteredOperationName name : ctx.getRegisteredOperations()) {
    if (name.getDialectNamespace() != FADDialect::getDialectNamespace())
      continue;
    auto *declared = name.getInterface<LanguageBuiltinOpInterface>();
    if (!declared)
      continue;
    unsigned arity = declared->getBuiltinArity();
    if (arity != 1 && arity != 2)
      llvm::report_fatal_error("builtin '" + declared->getBuiltinName() +
                               "' of a scalar op must take one or two arguments");
    add(Builtin{declared->getBuiltinName().str(), arity, name, declared->acceptsIntegers(),
                arity == 1 ? buildScalarFunction : buildOperator});
  }
}

void BuiltinTable::add(Builtin builtin) {
  std::string name = builtin.name;
  if (!table.try_emplace(name, std::move(builtin)).second)
    llvm::report_fatal_error(llvm::Twine("builtin '") + name + "' is declared twice");
}

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

Val Elaborator::genBinary(const std::string &op, Val lhs, Val rhs, llvm::SMLoc at) {
  if (isComplex(lhs) || isComplex(rhs))
    return genComplexBinary(op, lhs, rhs, at);
  Location l = loc(at);
  unify(lhs, rhs, at);
  scalar(lhs, at, "operator " + op);
  scalar(rhs, at, "operator " + op);
  if (!sameType(lhs.type, rhs.type))
    fail(at, "operator " + op + " needs operands of the same type, got " +
                 typeName(lhs.type) + " and " + typeName(rhs.type) +
                 " (convert explicitly, e.g. f64 i)");
  Prim p = lhs.type->prim;
  Value x = lhs.leaves[0], y = rhs.leaves[0];
  bool isF = isFloat(p);
  if (op == "&&" || op == "||") {
    if (p != Prim::Bool)
      fail(at, "operator " + op + " needs booleans, got " + typeName(lhs.type));
    Value r = op == "&&" ? b.create<arith::AndIOp>(l, x, y).getResult()
                         : b.create<arith::OrIOp>(l, x, y).getResult();
    return data(lhs.type, r);
  }
  if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") {
    if (p == Prim::Bool && op != "==" && op != "!=")
      fail(at, "operator " + op + " needs numbers, got bool");
    Value r;
    if (isF) {
      auto pred = llvm::StringSwitch<arith::CmpFPredicate>(op)
                      .Case("==", arith::CmpFPredicate::OEQ)
                      .Case("!=", arith::CmpFPredicate::UNE)
                      .Case("<", arith::CmpFPredicate::OLT)
                      .Case("<=", arith::CmpFPredicate::OLE)
                      .Case(">", arith::CmpFPredicate::OGT)
                      .Default(arith::CmpFPredicate::OGE);
      r = b.create<arith::CmpFOp>(l, pred, x, y);
    } else {
      auto pred = llvm::StringSwitch<arith::CmpIPredicate>(op)
                      .Case("==", arith::CmpIPredicate::eq)
                      .Case("!=", arith::CmpIPredicate::ne)
                      .Case("<", arith::CmpIPredicate::slt)
                      .Case("<=", arith::CmpIPredicate::sle)
                      .Case(">", arith::CmpIPredicate::sgt)
                      .Default(arith::CmpIPredicate::sge);
      r = b.create<arith::CmpIOp>(l, pred, x, y);
    }
    return data(primType(Prim::Bool), r);
  }
  if (p == Prim::Bool)
    fail(at, "operator " + op + " needs numbers, got bool");
  // The arithmetic operators, max, min, atan2: fad ops declared builtins.
  const Builtin *builtin = builtins.lookup(op);
  if (!builtin || !builtin->op || builtin->arity != 2)
    fail(at, "unknown operator " + op);
  if (!builtin->acceptsIntegers && !isF)
    fail(at, op + " needs floats, got " + typeName(lhs.type));
  return data(lhs.type, buildScalarOp(b, *builtin, l, {x, y}));
}

/// `xor a b`, `shl a n`, `shr a n` on integers of one type, with two's
/// complement wrap-around; `shr` is the logical shift (zeros shift in). A
/// shift by n outside [0, bits) gives 0 rather than LLVM's poison.
Val Elaborator::genBitwise(const std::string &op, Val lhs, Val rhs, llvm::SMLoc at) {
  Location l = loc(at);
  unify(lhs, rhs, at);
  scalar(lhs, at, op);
  scalar(rhs, at, op);
  if (!sameType(lhs.type, rhs.type) || !isInt(lhs.type->prim))
    fail(at, op + " needs two integers of the same type, got " + typeName(lhs.type) +
                 " and " + typeName(rhs.type));
  Value x = lhs.leaves[0], y = rhs.leaves[0];
  if (op == "xor")
    return data(lhs.type, b.create<arith::XOrIOp>(l, x, y));
  Value shifted = op == "shl" ? b.create<arith::ShLIOp>(l, x, y).getResult()
                              : b.create<arith::ShRUIOp>(l, x, y).getResult();
  unsigned bits = x.getType().getIntOrFloatBitWidth();
  Value width = b.create<arith::ConstantIntOp>(l, bits, x.getType());
  Value inRange = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, y, width);
  Value zero = b.create<arith::ConstantIntOp>(l, 0, x.getType());
  return data(lhs.type, b.create<arith::SelectOp>(l, inRange, shifted, zero));
}

//===----------------------------------------------------------------------===//
// Arrays
//===----------------------------------------------------------------------===//

Val Elaborator::genBuild(Value n, llvm::SMLoc at, function_ref<Val(Val)> elem) {
  auto op = b.create<BuildOp>(loc(at), TypeRange{}, n);
  TypeP elemType;
  SmallVector<Type> yielded =
      buildBody(op.getBody(), {b.getI64Type()}, at, [&](ValueRange args) {
        Val v = elem(data(primType(Prim::I64), args[0]));
        elemType = typeOf(v, at);
        return leavesOf(v, at);
      });
  SmallVector<Type> results;
  for (Type t : yielded)
    results.push_back(getArrayOfType(t));
  op = withResults(op, results);
  return fromLeaves(arrayType(elemType), SmallVector<Value>(op.getResults()));
}

Val Elaborator::genMap(const Val &fn, ArrayRef<Val> arrays, llvm::SMLoc at) {
  expectFn(fn, at, "map");
  SmallVector<Value> inputs;
  SmallVector<Type> argTypes;
  for (const Val &a : arrays) {
    expectArray(a, at, "map");
    if (&a != &arrays.front())
      checkSameExtent(arrays.front(), a, at, "map");
    for (Value leaf : a.leaves) {
      inputs.push_back(leaf);
      argTypes.push_back(getElementOrRowType(cast<RankedTensorType>(leaf.getType())));
    }
  }
  auto op = b.create<MapOp>(loc(at), TypeRange{}, inputs);
  TypeP elemType;
  SmallVector<Type> yielded = buildBody(op.getBody(), argTypes, at, [&](ValueRange args) {
    SmallVector<Val> elems;
    for (const Val &a : arrays) {
      size_t n = a.leaves.size();
      elems.push_back(fromLeaves(a.type->elem, SmallVector<Value>(args.take_front(n))));
      args = args.drop_front(n);
    }
    Val r = applyAll(fn, elems, at);
    if (r.kind == Val::Kind::Fn)
      fail(at, "the function given to map must return data, not a function");
    elemType = typeOf(r, at);
    return leavesOf(r, at);
  });
  SmallVector<Type> results;
  for (Type t : yielded)
    results.push_back(getArrayOfType(t));
  op = withResults(op, results);
  return fromLeaves(arrayType(elemType, arrays.front().type->size),
                    SmallVector<Value>(op.getResults()));
}

Val Elaborator::genFold(bool scan, const Val &opFn, const Val &neIn,
                        const Val &array, llvm::SMLoc at) {
  const char *name = scan ? "scan" : "reduce";
  expectFn(opFn, at, name);
  TypeP arrayT = expectArray(array, at, name);
  Val ne = neIn.kind == Val::Kind::Data ? coerce(neIn, arrayT->elem, at) : neIn;
  TypeP elemT = arrayT->elem;
  if (!sameType(typeOf(ne, at), elemT))
    fail(at, Twine(name) + ": the neutral element has type " +
                 typeName(typeOf(ne, at)) + " but the array's elements have type " +
                 typeName(elemT));
  SmallVector<Value> inits = leavesOf(ne, at);
  SmallVector<Type> elemTypes;
  leafTypes(elemT, elemTypes);
  SmallVector<Type> argTypes(elemTypes);
  argTypes.append(elemTypes);
  auto body = [&](ValueRange args) {
    size_t k = elemTypes.size();
    Val acc = fromLeaves(elemT, SmallVector<Value>(args.take_front(k)));
    Val x = fromLeaves(elemT, SmallVector<Value>(args.drop_front(k)));
    Val r = applyAll(opFn, {acc, x}, at);
    if (r.kind == Val::Kind::Fn || !sameType(typeOf(r, at), elemT))
      fail(at, Twine(name) + ": the operator must return " + typeName(elemT) +
                   ", got " + describe(r, at));
    SmallVector<Value> out = leavesOf(r, at);
    for (auto [v, t] : llvm::zip(out, elemTypes))
      if (v.getType() != t)
        fail(at, Twine(name) + ": the operator returns a value of another shape");
    return out;
  };
  if (scan) {
    SmallVector<Type> results;
    for (Type t : elemTypes)
      results.push_back(getArrayOfType(t));
    auto op = b.create<ScanOp>(loc(at), results, inits, array.leaves);
    buildBody(op.getBody(), argTypes, at, body);
    return fromLeaves(arrayType(elemT, arrayT->size), SmallVector<Value>(op.getResults()));
  }
  auto op = b.create<ReduceOp>(loc(at), elemTypes, inits, array.leaves);
  buildBody(op.getBody(), argTypes, at, body);
  return fromLeaves(elemT, SmallVector<Value>(op.getResults()));
}

/// sum/product/maximum/minimum: a reduce with the operator's neutral element.
Val Elaborator::genReduceWith(const std::string &name, const Val &array, llvm::SMLoc at) {
  TypeP t = expectArray(array, at, name);
  if (isComplexType(t->elem)) {
    if (name != "sum" && name != "product")
      fail(at, name + " is not defined on complex numbers (complex numbers are not ordered)");
    Prim part = complexPart(t->elem);
    return genFold(false, builtinVal(name == "sum" ? "+" : "*"),
                   toComplex(constant(part, name == "sum" ? 0.0 : 1.0, at), part, at), array, at);
  }
  if (!isNumber(t->elem))
    fail(at, name + " needs an array of numbers, got " + describe(array, at));
  Prim p = t->elem->prim;
  double ne = 0;
  std::string op = "+";
  if (name == "product")
    ne = 1, op = "*";
  if (name == "maximum" || name == "minimum") {
    bool isMax = name == "maximum";
    op = isMax ? "max" : "min";
    if (isFloat(p))
      ne = isMax ? -INFINITY : INFINITY;
    else
      ne = p == Prim::I32 ? (isMax ? INT32_MIN : INT32_MAX)
                          : (isMax ? (double)INT64_MIN : (double)INT64_MAX);
  }
  Val neVal;
  if (!isFloat(p) && p == Prim::I64 && (name == "maximum" || name == "minimum"))
    neVal = data(primType(p), b.create<arith::ConstantIntOp>(
                                  loc(at), name == "maximum" ? INT64_MIN : INT64_MAX, 64));
  else
    neVal = constant(p, ne, at);
  return genFold(false, builtinVal(op), neVal, array, at);
}

//===----------------------------------------------------------------------===//
// Differentiation
//===----------------------------------------------------------------------===//


/// `jvp f x xTan`: a fad.jvp op whose body is `f` applied to the block
/// arguments; its value is the tangent of `f x` along `xTan`.
Val Elaborator::genJvp(const Val &fn, const Val &xIn, const Val &xTanIn, llvm::SMLoc at,
                       bool batched) {
  expectFn(fn, at, "jvp");
  if (xIn.kind == Val::Kind::Fn || xTanIn.kind == Val::Kind::Fn)
    fail(at, "jvp differentiates with respect to data, not functions");
  TypeP xType = eraseSizes(typeOf(xIn, at));
  Val x = xIn.literal ? coerce(xIn, primType(Prim::F64), at) : xIn;
  Val xTan = xTanIn.literal ? coerce(xTanIn, typeOf(x, at), at) : xTanIn;
  xType = eraseSizes(typeOf(x, at));
  if (!sameType(batched ? batchedType(xType) : xType, typeOf(xTan, at)))
    fail(at, "jvp: the tangent has type " + typeName(typeOf(xTan, at)) +
                 " but the point has type " + typeName(xType));
  SmallVector<Value> primals = leavesOf(x, at), tangents = leavesOf(xTan, at);
  // The body is built in a detached region: its yielded types, and so the
  // op's result types, are known only afterwards.
  Region body;
  TypeP resultType;
  SmallVector<Type> yielded =
      buildBody(body, ValueRange(primals).getTypes(), at, [&](ValueRange args) {
        Val r = apply(fn, fromLeaves(xType, SmallVector<Value>(args)), at);
        if (r.kind == Val::Kind::Fn)
          fail(at, "jvp: the function must return data, not a function");
        resultType = eraseSizes(typeOf(r, at));
        return leavesOf(r, at);
      });
  SmallVector<Type> resultTypes(yielded);
  for (Type t : yielded)
    resultTypes.push_back(batched ? Type(getArrayOfType(t)) : t);
  auto op = b.create<JvpOp>(loc(at), resultTypes, primals, tangents, batched,
                            IntegerAttr());
  op.getBody().takeBody(body);
  return fromLeaves(batched ? batchedType(resultType) : resultType,
                    SmallVector<Value>(op.getResults().drop_front(yielded.size())));
}

/// `vjp f x yAdj` (or `grad f x` when `yAdj` is null: a cotangent of 1 for
/// a scalar float result): a fad.vjp op whose body is `f` applied to the
/// block arguments; its value is the cotangent of `x`.
Val Elaborator::genVjp(const Val &fn, const Val &xIn, const Val *yAdjIn, llvm::SMLoc at) {
  const char *name = yAdjIn ? "vjp" : "grad";
  expectFn(fn, at, name);
  if (xIn.kind == Val::Kind::Fn)
    fail(at, Twine(name) + " differentiates with respect to data, not functions");
  Val x = xIn.literal ? coerce(xIn, primType(Prim::F64), at) : xIn;
  TypeP xType = eraseSizes(typeOf(x, at));
  SmallVector<Value> primals = leavesOf(x, at);
  Region body;
  TypeP resultType;
  SmallVector<Type> yielded =
      buildBody(body, ValueRange(primals).getTypes(), at, [&](ValueRange args) {
        Val r = apply(fn, fromLeaves(xType, SmallVector<Value>(args)), at);
        if (r.kind == Val::Kind::Fn)
          fail(at, Twine(name) + ": the function must return data, not a function");
        resultType = eraseSizes(typeOf(r, at));
        return leavesOf(r, at);
      });
  Val yAdj;
  if (yAdjIn) {
    yAdj = yAdjIn->literal ? coerce(*yAdjIn, resultType, at) : *yAdjIn;
    if (yAdj.kind == Val::Kind::Fn || !sameType(typeOf(yAdj, at), resultType))
      fail(at, "vjp: the cotangent has type " +
                   (yAdj.kind == Val::Kind::Fn ? std::string("function")
                                               : typeName(typeOf(yAdj, at))) +
                   " but the function returns " + typeName(resultType));
  } else {
    if (!isFloatType(resultType))
      fail(at, "grad needs a function returning a float, but it returns " +
                   typeName(resultType) +
                   (containsComplex(resultType) ? " (use vjp)" : " (use vjp or jacrev)"));
    yAdj = constant(resultType->prim, 1.0, at);
  }
  SmallVector<Value> cotangents = leavesOf(yAdj, at);
  SmallVector<Type> resultTypes(yielded);
  llvm::append_range(resultTypes, ValueRange(primals).getTypes());
  auto op = b.create<VjpOp>(loc(at), resultTypes, primals, cotangents);
  op.getBody().takeBody(body);
  return fromLeaves(xType, SmallVector<Value>(op.getResults().drop_front(yielded.size())));
}

/// `jacrev f x`: the Jacobian of `f` at `x`, output index first, by reverse
/// mode: row i is the cotangent of `x` for the i-th output basis vector.
Val Elaborator::genJacrev(const Val &fn, const Val &xIn, llvm::SMLoc at) {
  expectFn(fn, at, "jacrev");
  Val x = xIn.literal ? coerce(xIn, primType(Prim::F64), at) : xIn;
  if (!(x.kind == Val::Kind::Data &&
        (isFloatType(x.type) ||
         (x.type->kind == FType::Kind::Array && isFloatType(x.type->elem)))))
    fail(at, "jacrev needs a float or an array of floats, got " + describe(x, at));
  Val y = apply(fn, x, at);
  if (y.kind == Val::Kind::Data && isFloatType(y.type))
    return genVjp(fn, x, nullptr, at);
  if (y.kind != Val::Kind::Data || y.type->kind != FType::Kind::Array ||
      !isFloatType(y.type->elem))
    fail(at, "jacrev needs a function returning a float or an array of floats");
  Prim p = y.type->elem->prim;
  Value m = extent(y, at);
  return genBuild(m, at, [&](Val i) {
    Val basis = genBasisVector(m, i, p, at);
    return genVjp(fn, x, &basis, at);
  });
}

/// The `k`-th basis vector of length `n` (1 at k, 0 elsewhere), of type `p`.
Val Elaborator::genBasisVector(Value n, const Val &k, Prim p, llvm::SMLoc at) {
  return genBuild(n, at, [&](Val i) {
    Value same = b.create<arith::CmpIOp>(loc(at), arith::CmpIPredicate::eq,
                                         i.leaves[0], k.leaves[0]);
    return genIf(same, at, [&] { return constant(p, 1.0, at); },
                 [&] { return constant(p, 0.0, at); });
  });
}

/// `taylor f x v k`: the k+1 Taylor coefficients of t -> f (x + t v) at 0,
/// by Taylor mode: a fad.jvp carrying each value's coefficients 1..k as an
/// innermost dimension (x's are v, 0, ..., 0), propagated op by op.
Val Elaborator::genTaylor(const Val &fn, const Val &xIn, const Val &vIn,
                          const Val &orderIn, llvm::SMLoc at) {
  expectFn(fn, at, "taylor");
  if (!orderIn.literal || orderIn.type->prim != Prim::I64 || *orderIn.literal < 0 ||
      *orderIn.literal > 64)
    fail(at, "taylor: the order must be an integer literal between 0 and 64");
  int64_t order = (int64_t)*orderIn.literal;
  Val x = xIn.literal ? coerce(xIn, primType(Prim::F64), at) : xIn;
  bool scalarX = x.kind == Val::Kind::Data && isFloatType(x.type);
  if (!scalarX && !(x.kind == Val::Kind::Data && x.type->kind == FType::Kind::Array &&
                    isFloatType(x.type->elem)))
    fail(at, "taylor needs a float or an array of floats, got " + describe(x, at));
  TypeP elemType = scalarX ? x.type : x.type->elem;
  Val v = vIn.literal ? coerce(vIn, elemType, at) : vIn;
  if (v.kind != Val::Kind::Data || !sameType(eraseSizes(typeOf(v, at)), eraseSizes(x.type)))
    fail(at, "taylor: the direction must have the type of the point, " + typeName(x.type));
  Val y = apply(fn, x, at);
  if (y.kind != Val::Kind::Data || !isFloatType(y.type))
    fail(at, "taylor needs a function returning a float");
  Prim p = elemType->prim;
  if (order == 0)
    return genBuild(intConst(1, at).leaves[0], at, [&](Val) { return y; });
  // A point's series: coefficient 1 is the direction, the others are 0 (an
  // array literal, so that constant indexing folds).
  auto seriesOf = [&](Val direction) {
    SmallVector<Value> coefficients{direction.leaves[0]};
    for (int64_t k = 1; k < order; ++k)
      coefficients.push_back(constant(p, 0.0, at).leaves[0]);
    return data(arrayType(elemType, order),
                b.create<ArrayOp>(loc(at), getArrayOfType(scalarType(p)), coefficients));
  };
  Val seeds = scalarX ? seriesOf(v) : genBuild(extent(v, at), at, [&](Val i) {
    return seriesOf(data(elemType, b.create<IndexOp>(loc(at), scalarType(p), v.leaves[0],
                                                     ValueRange{i.leaves[0]})));
  });
  Val coefficients = genJvp(fn, x, seeds, at, /*batched=*/true);
  JvpOp op = coefficients.leaves[0].getDefiningOp<JvpOp>();
  op.setTaylorOrderAttr(b.getI64IntegerAttr(order));
  // [f x, c1, ..., ck]
  return genBuild(intConst(order + 1, at).leaves[0], at, [&](Val j) {
    Value first = b.create<arith::CmpIOp>(loc(at), arith::CmpIPredicate::eq, j.leaves[0],
                                          intConst(0, at).leaves[0]);
    return genIf(first, at, [&] { return y; }, [&] {
      Value one = intConst(1, at).leaves[0];
      Value index = b.create<SubOp>(loc(at), j.leaves[0], one);
      return data(y.type, b.create<IndexOp>(loc(at), scalarType(p), coefficients.leaves[0],
                                            ValueRange{index}));
    });
  });
}

/// `jacfwd f x`: the Jacobian of `f` at `x`, output index first, by forward
/// mode: column j is the tangent along the j-th basis vector.
Val Elaborator::genJacfwd(const Val &fn, const Val &xIn, llvm::SMLoc at) {
  expectFn(fn, at, "jacfwd");
  Val x = xIn.literal ? coerce(xIn, primType(Prim::F64), at) : xIn;
  if (x.kind == Val::Kind::Data && isFloatType(x.type))
    return genJvp(fn, x, constant(x.type->prim, 1.0, at), at);
  if (x.kind != Val::Kind::Data || x.type->kind != FType::Kind::Array ||
      !isFloatType(x.type->elem))
    fail(at, "jacfwd needs a float or an array of floats, got " + describe(x, at));
  // Vector mode: one traversal with the identity as a batch of n tangents
  // (x_i's tangents are row i). The result's tangent, with the batch
  // innermost, is the Jacobian with the output index first.
  Prim p = x.type->elem->prim;
  Value n = extent(x, at);
  Val identity = genBuild(n, at, [&](Val i) { return genBasisVector(n, i, p, at); });
  Val jacobian = genJvp(fn, x, identity, at, /*batched=*/true);
  TypeP t = jacobian.kind == Val::Kind::Data ? jacobian.type : nullptr;
  bool floats = t && t->kind == FType::Kind::Array &&
                (isFloatType(t->elem) ||
                 (t->elem->kind == FType::Kind::Array && isFloatType(t->elem->elem)));
  if (!floats)
    fail(at, "jacfwd needs a function returning a float or an array of floats");
  return jacobian;
}
