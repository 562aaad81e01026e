//===- MLIRGen.cpp - Elaborate the fad AST into the fad dialect ---*- C++ -*-===//
//
// This file implements mlirGen: a single walk over the AST that resolves
// names, infers and checks types and sizes, and emits fad IR. The walk is an
// "elaborator" in the style of partial evaluation: an expression evaluates to
// a compile-time value (Val) that is either data (SSA values of the fad
// dialect, with a fad type), a tuple of values, or a function (a closure over
// the AST). Applying a function inlines its body with the arguments bound, so
// every function is specialized to its arguments' types and to the functions
// passed to it, and no function value survives into the IR (Futhark's
// defunctionalization by specialization). Tuples are flattened into their
// components and arrays of tuples into one array per component, so the IR
// only ever sees scalars and arrays of scalars.
//
// Errors throw an internal exception after emitting a located diagnostic;
// mlirGen catches it and returns null.
//
//===----------------------------------------------------------------------===//

#include "fad/Frontend/MLIRGen.h"
#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SourceMgr.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>

using namespace mlir;
using namespace fad;
using fad::ast::Decl;
using fad::ast::Expr;
using fad::ast::ExprPtr;
using fad::ast::TypeExpr;

namespace {

//===----------------------------------------------------------------------===//
// Types of the source language
//===----------------------------------------------------------------------===//

enum class Prim { F64, F32, I64, I32, Bool };

struct FType;
using TypeP = std::shared_ptr<const FType>;

/// A data type of the source language. Function types are not represented:
/// functions are always known closures and are checked when applied.
struct FType {
  enum class Kind { Prim, Array, Tuple } kind;
  Prim prim = Prim::F64;
  TypeP elem;                  ///< Array element.
  std::optional<int64_t> size; ///< Array extent, when known statically.
  std::vector<TypeP> elems;    ///< Tuple components.
};

TypeP primType(Prim p) {
  auto t = std::make_shared<FType>();
  t->kind = FType::Kind::Prim;
  t->prim = p;
  return t;
}
TypeP arrayType(TypeP elem, std::optional<int64_t> size = std::nullopt) {
  auto t = std::make_shared<FType>();
  t->kind = FType::Kind::Array;
  t->elem = std::move(elem);
  t->size = size;
  return t;
}
TypeP tupleType(std::vector<TypeP> elems) {
  auto t = std::make_shared<FType>();
  t->kind = FType::Kind::Tuple;
  t->elems = std::move(elems);
  return t;
}

bool isFloat(Prim p) { return p == Prim::F64 || p == Prim::F32; }
bool isInt(Prim p) { return p == Prim::I64 || p == Prim::I32; }
bool isPrim(const TypeP &t) { return t->kind == FType::Kind::Prim; }
bool isNumber(const TypeP &t) { return isPrim(t) && t->prim != Prim::Bool; }
bool isFloatType(const TypeP &t) { return isPrim(t) && isFloat(t->prim); }

const char *primName(Prim p) {
  switch (p) {
  case Prim::F64: return "f64";
  case Prim::F32: return "f32";
  case Prim::I64: return "i64";
  case Prim::I32: return "i32";
  case Prim::Bool: return "bool";
  }
  return "?";
}

std::string typeName(const TypeP &t) {
  switch (t->kind) {
  case FType::Kind::Prim:
    return primName(t->prim);
  case FType::Kind::Array:
    return "[" + (t->size ? std::to_string(*t->size) : std::string()) + "]" +
           typeName(t->elem);
  case FType::Kind::Tuple: {
    std::string s = "(";
    for (size_t i = 0; i < t->elems.size(); ++i)
      s += (i ? ", " : "") + typeName(t->elems[i]);
    return s + ")";
  }
  }
  return "?";
}

/// Equality up to array extents (which are checked separately).
bool sameType(const TypeP &a, const TypeP &b) {
  if (a->kind != b->kind)
    return false;
  switch (a->kind) {
  case FType::Kind::Prim:
    return a->prim == b->prim;
  case FType::Kind::Array:
    return sameType(a->elem, b->elem);
  case FType::Kind::Tuple:
    if (a->elems.size() != b->elems.size())
      return false;
    for (size_t i = 0; i < a->elems.size(); ++i)
      if (!sameType(a->elems[i], b->elems[i]))
        return false;
    return true;
  }
  return false;
}

/// The type of a batch of tangents of a `t` value, the batch innermost:
/// f64 -> [n]f64, [m]f64 -> [m][n]f64, (a, b) -> (batched a, batched b).
TypeP batchedType(const TypeP &t) {
  switch (t->kind) {
  case FType::Kind::Prim:
    return arrayType(t);
  case FType::Kind::Array:
    return arrayType(batchedType(t->elem), t->size);
  case FType::Kind::Tuple: {
    std::vector<TypeP> elems;
    for (const TypeP &e : t->elems)
      elems.push_back(batchedType(e));
    return tupleType(elems);
  }
  }
  return t;
}

/// `t` without static extents, for values whose extent may change (loops).
TypeP eraseSizes(const TypeP &t) {
  switch (t->kind) {
  case FType::Kind::Prim:
    return t;
  case FType::Kind::Array:
    return arrayType(eraseSizes(t->elem));
  case FType::Kind::Tuple: {
    std::vector<TypeP> elems;
    for (const TypeP &e : t->elems)
      elems.push_back(eraseSizes(e));
    return tupleType(elems);
  }
  }
  return t;
}

//===----------------------------------------------------------------------===//
// Compile-time values
//===----------------------------------------------------------------------===//

struct Closure;
struct Env;
using EnvP = std::shared_ptr<const Env>;

/// What an expression elaborates to.
struct Val {
  enum class Kind { Data, Tuple, Fn } kind = Kind::Data;
  TypeP type;                          ///< Data: a prim or array type.
  SmallVector<Value, 1> leaves;        ///< Data: the flattened SSA values.
  std::vector<Val> parts;              ///< Tuple.
  std::shared_ptr<const Closure> fn;   ///< Fn.
  /// Set for a numeric literal, so that it can take the type its context
  /// needs (`x * 2` with x: f32 makes the 2 an f32).
  std::optional<double> literal;
};

/// A function value: what to inline when it has all its arguments.
struct Closure {
  enum class Kind { Lambda, Def, Builtin } kind;
  const Expr *lambda = nullptr; ///< Lambda.
  EnvP env;                     ///< Lambda: the captured scope.
  const Decl *def = nullptr;    ///< Def.
  std::string builtin;          ///< Builtin name (also operator sections).
  size_t arity = 0;
  std::vector<Val> args; ///< Arguments supplied so far.
};

/// A persistent scope: a linked list of bindings.
struct Env {
  std::string name;
  Val value;
  EnvP parent;
};

EnvP bind(EnvP env, const std::string &name, Val value) {
  return std::make_shared<const Env>(Env{name, std::move(value), std::move(env)});
}

const Val *lookup(const EnvP &env, StringRef name) {
  for (const Env *e = env.get(); e; e = e->parent.get())
    if (e->name == name)
      return &e->value;
  return nullptr;
}

/// Thrown after a diagnostic has been emitted.
struct ElabError {};

//===----------------------------------------------------------------------===//
// The elaborator
//===----------------------------------------------------------------------===//

class Elaborator {
public:
  Elaborator(MLIRContext &ctx, llvm::SourceMgr &sm, const MLIRGenOptions &options)
      : ctx(ctx), sourceMgr(sm), options(options), b(&ctx) {}

  OwningOpRef<ModuleOp> run(const std::vector<ast::Module> &modules);

private:
  MLIRContext &ctx;
  llvm::SourceMgr &sourceMgr;
  const MLIRGenOptions &options;
  OpBuilder b;
  llvm::StringMap<const Decl *> defs;
  /// An instance of a def being inlined: the def and the code of the
  /// functions it was given (instanceKey).
  struct ActiveDef {
    const Decl *def;
    std::string key;
  };
  /// Instances being inlined, innermost last, to reject recursion.
  std::vector<ActiveDef> activeDefs;
  bool isActive(const Decl &d) const {
    return llvm::any_of(activeDefs, [&](const ActiveDef &a) { return a.def == &d; });
  }
  /// The result types of the functions of MLIRGenOptions::callDefs.
  llvm::DenseMap<Operation *, TypeP> defResultTypes;
  /// When inlining a prelude function (a def or a lambda), its ops and
  /// errors take the caller's location, so that errors point at user code.
  std::optional<Location> locOverride;
  unsigned preludeBuffer = ~0u;
  /// Where each line of a source buffer starts (sourceLoc).
  llvm::DenseMap<unsigned, std::vector<const char *>> lineStarts;

  //--- Diagnostics and locations -------------------------------------------

  Location loc(llvm::SMLoc at) { return locOverride ? *locOverride : sourceLoc(at); }

  /// Where `at` is in its file, whatever the override.
  Location sourceLoc(llvm::SMLoc at) {
    if (!at.isValid())
      return UnknownLoc::get(&ctx);
    unsigned buffer = sourceMgr.FindBufferContainingLoc(at);
    if (!buffer)
      return UnknownLoc::get(&ctx);
    // SourceMgr finds a column by scanning back to the line's start, which
    // is quadratic over a long line (a literal of 10^5 numbers): binary
    // search over the buffer's line starts instead.
    std::vector<const char *> &starts = lineStarts[buffer];
    const llvm::MemoryBuffer *text = sourceMgr.getMemoryBuffer(buffer);
    if (starts.empty()) {
      starts.push_back(text->getBufferStart());
      for (const char *p = text->getBufferStart(); p < text->getBufferEnd(); ++p)
        if (*p == '\n')
          starts.push_back(p + 1);
    }
    auto next = std::upper_bound(starts.begin(), starts.end(), at.getPointer());
    unsigned line = next - starts.begin();
    unsigned col = at.getPointer() - *std::prev(next) + 1;
    return FileLineColLoc::get(&ctx, text->getBufferIdentifier(), line, col);
  }

  [[noreturn]] void fail(llvm::SMLoc at, const Twine &message) {
    InFlightDiagnostic error = emitError(loc(at), message);
    if (locOverride && isInPrelude(at))
      error.attachNote(sourceLoc(at)) << "inside the prelude, here";
    error.report();
    throw ElabError{};
  }

  bool isInPrelude(llvm::SMLoc at) const {
    return at.isValid() && sourceMgr.FindBufferContainingLoc(at) == preludeBuffer;
  }

  /// Runs `body` with the prelude's code at `at` (a def or lambda written
  /// there) taking the location of the user's code that called it.
  template <typename Fn>
  auto asCalledFrom(llvm::SMLoc code, llvm::SMLoc at, Fn body) {
    std::optional<Location> saved = locOverride;
    if (isInPrelude(code) && !locOverride)
      locOverride = loc(at);
    auto restore = llvm::make_scope_exit([&] { locOverride = saved; });
    return body();
  }

  //--- MLIR types of source types --------------------------------------------

  Type scalarType(Prim p) {
    switch (p) {
    case Prim::F64: return b.getF64Type();
    case Prim::F32: return b.getF32Type();
    case Prim::I64: return b.getI64Type();
    case Prim::I32: return b.getI32Type();
    case Prim::Bool: return b.getI1Type();
    }
    return {};
  }

  /// The flattened MLIR types of a value of type `t`.
  void leafTypes(const TypeP &t, SmallVectorImpl<Type> &out) {
    switch (t->kind) {
    case FType::Kind::Prim:
      out.push_back(scalarType(t->prim));
      return;
    case FType::Kind::Array: {
      SmallVector<Type> elems;
      leafTypes(t->elem, elems);
      for (Type e : elems)
        out.push_back(getArrayOfType(e));
      return;
    }
    case FType::Kind::Tuple:
      for (const TypeP &e : t->elems)
        leafTypes(e, out);
      return;
    }
  }
  size_t leafCount(const TypeP &t) {
    SmallVector<Type> types;
    leafTypes(t, types);
    return types.size();
  }

  //--- Values -------------------------------------------------------------

  /// The value of type `t` whose flattened SSA values are `leaves`.
  Val fromLeaves(const TypeP &t, ArrayRef<Value> leaves) {
    Val v;
    if (t->kind == FType::Kind::Tuple) {
      v.kind = Val::Kind::Tuple;
      for (const TypeP &e : t->elems) {
        size_t n = leafCount(e);
        v.parts.push_back(fromLeaves(e, leaves.take_front(n)));
        leaves = leaves.drop_front(n);
      }
      return v;
    }
    v.type = t;
    v.leaves.assign(leaves.begin(), leaves.end());
    return v;
  }

  TypeP typeOf(const Val &v, llvm::SMLoc at) {
    switch (v.kind) {
    case Val::Kind::Data:
      return v.type;
    case Val::Kind::Tuple: {
      std::vector<TypeP> elems;
      for (const Val &p : v.parts)
        elems.push_back(typeOf(p, at));
      return tupleType(elems);
    }
    case Val::Kind::Fn:
      fail(at, "a function cannot be used as data here");
    }
    return nullptr;
  }

  void leavesOf(const Val &v, llvm::SMLoc at, SmallVectorImpl<Value> &out) {
    switch (v.kind) {
    case Val::Kind::Data:
      out.append(v.leaves.begin(), v.leaves.end());
      return;
    case Val::Kind::Tuple:
      for (const Val &p : v.parts)
        leavesOf(p, at, out);
      return;
    case Val::Kind::Fn:
      fail(at, "a function cannot be used as data here");
    }
  }
  SmallVector<Value> leavesOf(const Val &v, llvm::SMLoc at) {
    SmallVector<Value> out;
    leavesOf(v, at, out);
    return out;
  }

  Val data(TypeP t, Value v) {
    Val r;
    r.type = std::move(t);
    r.leaves = {v};
    return r;
  }

  Val constant(Prim p, double value, llvm::SMLoc at) {
    Location l = loc(at);
    Value v;
    switch (p) {
    case Prim::F64:
    case Prim::F32:
      if (p == Prim::F32 && std::isfinite(value) &&
          std::fabs(value) > std::numeric_limits<float>::max()) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", value);
        fail(at, "literal " + std::string(text) + " is out of range of f32 (at most 3.4e38)");
      }
      v = b.create<arith::ConstantOp>(l, b.getFloatAttr(scalarType(p), value));
      break;
    case Prim::I64:
    case Prim::I32:
      v = b.create<arith::ConstantOp>(l, b.getIntegerAttr(scalarType(p), (int64_t)value));
      break;
    case Prim::Bool:
      v = b.create<arith::ConstantOp>(l, b.getBoolAttr(value != 0));
      break;
    }
    return data(primType(p), v);
  }

  Val intConst(int64_t value, llvm::SMLoc at) {
    return data(primType(Prim::I64),
                b.create<arith::ConstantIntOp>(loc(at), value, 64));
  }

  /// If `v` is a numeric literal of another type than `want`, the same literal
  /// at type `want` (an integer literal may become a float, not vice versa).
  Val coerce(const Val &v, const TypeP &want, llvm::SMLoc at) {
    if (!v.literal || !isNumber(want) || v.kind != Val::Kind::Data ||
        sameType(v.type, want))
      return v;
    if (isInt(want->prim) && isFloat(v.type->prim))
      return v;
    Val r = constant(want->prim, *v.literal, at);
    r.literal = v.literal;
    return r;
  }

  /// Makes numeric literals among `a`, `c` take the other's type.
  void unify(Val &a, Val &c, llvm::SMLoc at) {
    if (a.kind != Val::Kind::Data || c.kind != Val::Kind::Data)
      return;
    if (a.literal && !c.literal)
      a = coerce(a, c.type, at);
    else if (c.literal && !a.literal)
      c = coerce(c, a.type, at);
    else if (a.literal && c.literal && isFloatType(c.type))
      a = coerce(a, c.type, at);
    else if (a.literal && c.literal && isFloatType(a.type))
      c = coerce(c, a.type, at);
  }

  const Val &scalar(const Val &v, llvm::SMLoc at, StringRef what) {
    if (v.kind != Val::Kind::Data || !isPrim(v.type))
      fail(at, what + " needs a scalar, got " + describe(v, at));
    return v;
  }
  std::string describe(const Val &v, llvm::SMLoc at) {
    if (v.kind == Val::Kind::Fn)
      return "a function";
    return "a value of type " + typeName(typeOf(v, at));
  }
  Value expectPrim(const Val &v, Prim p, llvm::SMLoc at, StringRef what) {
    Val c = coerce(v, primType(p), at);
    if (c.kind != Val::Kind::Data || !isPrim(c.type) || c.type->prim != p)
      fail(at, what + " must be " + primName(p) + ", got " + describe(v, at));
    return c.leaves[0];
  }
  /// Checks that `v` is an array and returns its type.
  TypeP expectArray(const Val &v, llvm::SMLoc at, StringRef what) {
    if (v.kind != Val::Kind::Data || v.type->kind != FType::Kind::Array)
      fail(at, what + " needs an array, got " + describe(v, at));
    return v.type;
  }
  const Closure &expectFn(const Val &v, llvm::SMLoc at, StringRef what) {
    if (v.kind != Val::Kind::Fn)
      fail(at, what + " needs a function, got " + describe(v, at));
    return *v.fn;
  }

  /// The outer extent of array `v` as an i64 value.
  Value extent(const Val &v, llvm::SMLoc at) {
    return b.create<DimOp>(loc(at), v.leaves[0], 0);
  }

  /// A run-time check (or a compile-time error when both are static) that
  /// arrays `a` and `c` have the same outer extent.
  void checkSameExtent(const Val &a, const Val &c, llvm::SMLoc at, StringRef what) {
    if (a.type->size && c.type->size) {
      if (*a.type->size != *c.type->size)
        fail(at, what + ": arrays of sizes " + std::to_string(*a.type->size) +
                     " and " + std::to_string(*c.type->size));
      return;
    }
    Value n = extent(a, at), m = extent(c, at);
    Value same = b.create<arith::CmpIOp>(loc(at), arith::CmpIPredicate::eq, n, m);
    b.create<AssertOp>(loc(at), same, (what + ": arrays of different sizes").str(),
                       ValueRange{n, m});
  }

  //--- Region-building helpers ----------------------------------------------

  /// Builds the body of a structured op into `region`: a block with
  /// arguments of `argTypes`, filled by `body`, ended by a fad.yield of what
  /// `body` returns. Returns the yielded values' types.
  SmallVector<Type> buildBody(Region &region, TypeRange argTypes,
                              llvm::SMLoc at,
                              function_ref<SmallVector<Value>(ValueRange)> body) {
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Location> locs(argTypes.size(), loc(at));
    Block *block = b.createBlock(&region, {}, argTypes, locs);
    SmallVector<Value> yielded = body(block->getArguments());
    b.create<YieldOp>(loc(at), yielded);
    return SmallVector<Type>(ValueRange(yielded).getTypes());
  }

  /// Recreates `op` with result types `resultTypes`, moving its regions
  /// over; used for ops whose result types are known only after their
  /// bodies are built.
  template <typename OpTy>
  OpTy withResults(OpTy op, TypeRange resultTypes) {
    OperationState state(op.getLoc(), op->getName());
    state.addOperands(op->getOperands());
    state.addAttributes(op->getAttrs());
    state.addTypes(resultTypes);
    for (Region &r : op->getRegions())
      state.addRegion()->takeBody(r);
    Operation *created = b.create(state);
    op->erase();
    return cast<OpTy>(created);
  }

  //--- Patterns ------------------------------------------------------------

  EnvP bindPattern(EnvP env, const ast::Pattern &p, const Val &v) {
    if (p.type)
      checkAgainst(*p.type, v, p.loc, nullptr, "pattern");
    switch (p.kind) {
    case ast::Pattern::Kind::Wildcard:
      return env;
    case ast::Pattern::Kind::Name:
      return bind(std::move(env), p.name,
                  p.type ? coerceTo(*p.type, v, p.loc) : v);
    case ast::Pattern::Kind::Tuple:
      if (v.kind != Val::Kind::Tuple || v.parts.size() != p.elems.size())
        fail(p.loc, "tuple pattern of " + std::to_string(p.elems.size()) +
                        " components does not match " + describe(v, p.loc));
      for (size_t i = 0; i < p.elems.size(); ++i)
        env = bindPattern(std::move(env), p.elems[i], v.parts[i]);
      return env;
    }
    return env;
  }

  /// `v` with literals coerced to the annotated primitive type.
  Val coerceTo(const TypeExpr &t, const Val &v, llvm::SMLoc at) {
    if (t.kind == TypeExpr::Kind::Prim)
      return coerce(v, primType(primOf(t)), at);
    if (t.kind == TypeExpr::Kind::Tuple && v.kind == Val::Kind::Tuple &&
        v.parts.size() == t.elems.size()) {
      Val r = v;
      for (size_t i = 0; i < t.elems.size(); ++i)
        r.parts[i] = coerceTo(t.elems[i], v.parts[i], at);
      return r;
    }
    return v;
  }

  //--- Declared types ------------------------------------------------------

  Prim primOf(const TypeExpr &t) {
    if (t.prim == "f64") return Prim::F64;
    if (t.prim == "f32") return Prim::F32;
    if (t.prim == "i64") return Prim::I64;
    if (t.prim == "i32") return Prim::I32;
    return Prim::Bool;
  }

  /// The data type a declared type denotes (extents become static only for
  /// literal sizes); fails for function types.
  TypeP resolve(const TypeExpr &t, StringRef what) {
    switch (t.kind) {
    case TypeExpr::Kind::Prim:
      return primType(primOf(t));
    case TypeExpr::Kind::Array: {
      TypeP array = arrayType(resolve(t.elems[0], what), t.dim);
      // NumPy's bound too; every pass walks each dimension.
      constexpr unsigned kMaxRank = 64;
      unsigned rank = 0;
      for (const FType *a = array.get(); a->kind == FType::Kind::Array; a = a->elem.get())
        ++rank;
      if (rank > kMaxRank)
        fail(t.loc, "arrays of rank above " + Twine(kMaxRank) + " are not supported");
      return array;
    }
    case TypeExpr::Kind::Tuple: {
      std::vector<TypeP> elems;
      for (const TypeExpr &e : t.elems)
        elems.push_back(resolve(e, what));
      return tupleType(elems);
    }
    case TypeExpr::Kind::Function:
      fail(t.loc, what + " cannot have a function type");
    }
    return nullptr;
  }

  using SizeEnv = llvm::StringMap<Value>;

  /// Checks that `v` has the declared type `t`. Size variables are bound in
  /// `sizes` at their first occurrence and checked at run time afterwards
  /// (or at compile time when both extents are static).
  void checkAgainst(const TypeExpr &t, const Val &v, llvm::SMLoc at,
                    SizeEnv *sizes, StringRef what, unsigned depth = 0,
                    const Val *array = nullptr) {
    auto mismatch = [&]() {
      std::string declared;
      llvm::raw_string_ostream os(declared);
      print(t, os);
      fail(at, what + " has type " + declared + " but got " + describe(v, at));
    };
    switch (t.kind) {
    case TypeExpr::Kind::Function:
      if (v.kind != Val::Kind::Fn)
        mismatch();
      return;
    case TypeExpr::Kind::Tuple:
      if (v.kind != Val::Kind::Tuple || v.parts.size() != t.elems.size())
        mismatch();
      for (size_t i = 0; i < t.elems.size(); ++i)
        checkAgainst(t.elems[i], v.parts[i], at, sizes, what);
      return;
    case TypeExpr::Kind::Prim: {
      Val c = coerce(v, primType(primOf(t)), at);
      if (c.kind != Val::Kind::Data || !isPrim(c.type) || c.type->prim != primOf(t))
        mismatch();
      return;
    }
    case TypeExpr::Kind::Array:
      break;
    }
    // Arrays: walk the element types, checking one dimension per level.
    if (v.kind != Val::Kind::Data || v.type->kind != FType::Kind::Array)
      mismatch();
    TypeP full = v.type;
    const Val &base = array ? *array : v;
    (void)full;
    // The extent of this level of the array, as an i64.
    auto dimValue = [&]() -> Value {
      return b.create<DimOp>(loc(at), base.leaves[0], depth);
    };
    std::optional<int64_t> known = v.type->size;
    if (t.dim) {
      if (known && *known != *t.dim)
        fail(at, what + " must have size " + std::to_string(*t.dim) + ", got " +
                     std::to_string(*known));
      if (!known) {
        Value want = b.create<arith::ConstantIntOp>(loc(at), *t.dim, 64);
        Value got = dimValue();
        Value same = b.create<arith::CmpIOp>(loc(at), arith::CmpIPredicate::eq, got, want);
        b.create<AssertOp>(loc(at), same, (what + " must have size " + Twine(*t.dim)).str(),
                           ValueRange{got, want});
      }
    } else if (!t.dimName.empty() && sizes) {
      auto it = sizes->find(t.dimName);
      if (it == sizes->end()) {
        (*sizes)[t.dimName] = dimValue();
      } else {
        Value got = dimValue();
        Value same = b.create<arith::CmpIOp>(loc(at), arith::CmpIPredicate::eq, got, it->second);
        b.create<AssertOp>(loc(at), same,
                           (what + ": size " + t.dimName +
                            " does not match its earlier use").str(),
                           ValueRange{got, it->second});
      }
    }
    // Recurse into the element type, keeping the same leaves (one rank less).
    const TypeExpr &elemT = t.elems[0];
    TypeP elem = v.type->elem;
    if (elemT.kind == TypeExpr::Kind::Array) {
      Val inner = v;
      inner.type = elem;
      checkAgainst(elemT, inner, at, sizes, what, depth + 1, &base);
      return;
    }
    // Non-array element: compare types only (no more extents).
    TypeP declared = resolveOrNull(elemT);
    if (!declared || !sameType(declared, elem))
      mismatch();
  }

  TypeP resolveOrNull(const TypeExpr &t) {
    if (t.kind == TypeExpr::Kind::Function)
      return nullptr;
    if (t.kind == TypeExpr::Kind::Tuple)
      for (const TypeExpr &e : t.elems)
        if (!resolveOrNull(e))
          return nullptr;
    return resolve(t, "");
  }

  //--- Expressions -----------------------------------------------------------

  Val gen(const Expr &e, const EnvP &env);
  Val genBinary(const std::string &op, Val lhs, Val rhs, llvm::SMLoc at);
  Val genBitwise(const std::string &op, Val lhs, Val rhs, llvm::SMLoc at);
  Val genIf(Value cond, llvm::SMLoc at, function_ref<Val()> thenGen,
            function_ref<Val()> elseGen);
  Val genLoop(const Expr &e, const EnvP &env);
  Val apply(const Val &fn, Val arg, llvm::SMLoc at);
  Val applyAll(const Val &fn, ArrayRef<Val> args, llvm::SMLoc at) {
    Val r = fn;
    for (const Val &a : args)
      r = apply(r, a, at);
    return r;
  }
  Val invoke(const Closure &c, llvm::SMLoc at);
  Val invokeDef(const Decl &d, ArrayRef<Val> args, llvm::SMLoc at);
  Val inlineDef(const Decl &d, ArrayRef<Val> args, llvm::SMLoc at);
  /// inlineDef's work once the instance is on the stack: binds the
  /// arguments, checks their types and sizes, elaborates the body.
  Val inlineBody(const Decl &d, ArrayRef<Val> args, llvm::SMLoc at);
  std::optional<Val> callDef(const Decl &d, ArrayRef<Val> args, llvm::SMLoc at);
  Val invokeBuiltin(const std::string &name, ArrayRef<Val> args, llvm::SMLoc at);
  Val varRef(const std::string &name, const EnvP &env, llvm::SMLoc at);

  Val genMap(const Val &fn, ArrayRef<Val> arrays, llvm::SMLoc at);
  Val genFold(bool scan, const Val &op, const Val &ne, const Val &array,
              llvm::SMLoc at);
  Val genBuild(Value n, llvm::SMLoc at, function_ref<Val(Val)> elem);
  Val genReduceWith(const std::string &op, const Val &array, llvm::SMLoc at);
  Val genJvp(const Val &fn, const Val &x, const Val &xTan, llvm::SMLoc at,
             bool batched = false);
  Val genJacfwd(const Val &fn, const Val &x, llvm::SMLoc at);
  Val genVjp(const Val &fn, const Val &x, const Val *yAdj, llvm::SMLoc at);
  Val genJacrev(const Val &fn, const Val &x, llvm::SMLoc at);
  Val genBasisVector(Value n, const Val &k, Prim p, llvm::SMLoc at);
  Val genTaylor(const Val &fn, const Val &x, const Val &v, const Val &order, llvm::SMLoc at);

  void genEntry(const Decl &d);
  void checkComponentExtents(const TypeP &t, ArrayRef<Value> leaves, int64_t outer,
                             llvm::SMLoc at, const std::string &what);
  void checkDef(const Decl &d);
  void requireParamTypes(const Decl &d);
};

//===----------------------------------------------------------------------===//
// Builtins
//===----------------------------------------------------------------------===//

/// Prelude functions implemented in C++, with their arity.
const llvm::StringMap<size_t> &builtinArities() {
  static const llvm::StringMap<size_t> arities = {
      {"map", 2},     {"map2", 3},    {"map3", 4},      {"zip", 2},
      {"zip3", 3},    {"unzip", 1},   {"unzip3", 1},    {"iota", 1},
      {"replicate", 2}, {"length", 1}, {"build", 2},    {"reduce", 3},
      {"scan", 3},    {"sum", 1},     {"product", 1},   {"maximum", 1},
      {"minimum", 1}, {"transpose", 1}, {"exp", 1},     {"log", 1},
      {"sin", 1},     {"cos", 1},     {"tan", 1},       {"tanh", 1},
      {"sqrt", 1},    {"abs", 1},     {"floor", 1},     {"ceil", 1},
      {"max", 2},     {"min", 2},     {"pow", 2},       {"f64", 1},
      {"f32", 1},     {"i64", 1},     {"i32", 1},       {"+", 2},
      {"-", 2},       {"*", 2},       {"/", 2},         {"%", 2},
      {"**", 2},      {"==", 2},      {"!=", 2},        {"<", 2},
      {"<=", 2},      {">", 2},       {">=", 2},        {"&&", 2},
      {"||", 2},      {"jvp", 3},     {"jacfwd", 2},    {"hessian", 2},
      {"vjp", 3},     {"grad", 2},    {"jacrev", 2},    {"taylor", 4},
      {"fixpoint", 2}, {"fixpoint_with", 4}, {"taylor_bound", 5},
      {"xor", 2},     {"shl", 2},     {"shr", 2},       {"atan2", 2},
      {"report", 2},  {"update", 3}};
  return arities;
}

Val makeClosure(std::shared_ptr<Closure> c) {
  Val v;
  v.kind = Val::Kind::Fn;
  v.fn = std::move(c);
  return v;
}

Val builtinVal(const std::string &name) {
  auto c = std::make_shared<Closure>();
  c->kind = Closure::Kind::Builtin;
  c->builtin = name;
  c->arity = builtinArities().lookup(name);
  return makeClosure(c);
}

Val Elaborator::varRef(const std::string &name, const EnvP &env, llvm::SMLoc at) {
  if (const Val *v = lookup(env, name))
    return *v;
  if (const Decl *d = defs.lookup(name)) {
    if (d->params.empty())
      return invokeDef(*d, {}, at);
    auto c = std::make_shared<Closure>();
    c->kind = Closure::Kind::Def;
    c->def = d;
    c->arity = d->params.size();
    return makeClosure(c);
  }
  if (builtinArities().count(name))
    return builtinVal(name);
  fail(at, "unknown name '" + name + "'");
}

Val Elaborator::apply(const Val &fn, Val arg, llvm::SMLoc at) {
  if (fn.kind != Val::Kind::Fn)
    fail(at, "cannot apply " + describe(fn, at) + " to an argument");
  auto c = std::make_shared<Closure>(*fn.fn);
  c->args.push_back(std::move(arg));
  if (c->args.size() < c->arity)
    return makeClosure(c);
  return invoke(*c, at);
}

Val Elaborator::invoke(const Closure &c, llvm::SMLoc at) {
  switch (c.kind) {
  case Closure::Kind::Lambda: {
    EnvP env = c.env;
    for (size_t i = 0; i < c.arity; ++i)
      env = bindPattern(env, c.lambda->patterns[i], c.args[i]);
    return asCalledFrom(c.lambda->loc, at, [&] { return gen(*c.lambda->kids[0], env); });
  }
  case Closure::Kind::Def:
    return invokeDef(*c.def, c.args, at);
  case Closure::Kind::Builtin:
    return invokeBuiltin(c.builtin, c.args, at);
  }
  return {};
}

Val Elaborator::invokeDef(const Decl &d, ArrayRef<Val> args, llvm::SMLoc at) {
  if (options.callDefs && !isActive(d))
    if (std::optional<Val> result = callDef(d, args, at))
      return *result;
  return inlineDef(d, args, at);
}

static bool containsFunction(const Val &v) {
  return v.kind == Val::Kind::Fn || llvm::any_of(v.parts, containsFunction);
}

/// The call form of invokeDef (MLIRGenOptions::callDefs), or nullopt where
/// the def must be inlined.
std::optional<Val> Elaborator::callDef(const Decl &d, ArrayRef<Val> args, llvm::SMLoc at) {
  if (d.kind != Decl::Kind::Def || sourceMgr.FindBufferContainingLoc(d.loc) == preludeBuffer ||
      llvm::any_of(args, containsFunction))
    return std::nullopt;
  // Only where the body being built is attached to the module (derivatives
  // build theirs apart) and not inside derivative code.
  ModuleOp module;
  for (Operation *op = b.getInsertionBlock()->getParentOp(); op; op = op->getParentOp()) {
    if (isa<JvpOp, VjpOp, TaylorBoundOp>(op))
      return std::nullopt;
    module = dyn_cast<ModuleOp>(op);
  }
  if (!module)
    return std::nullopt;
  // Arguments as the def's parameters take them; the function's parameter
  // types have no static sizes (a def's sizes are checked where it runs).
  SmallVector<Value> operands;
  SmallVector<TypeP> paramTypes;
  std::string signature;
  llvm::raw_string_ostream os(signature);
  SizeEnv sizes;
  for (size_t i = 0; i < d.params.size(); ++i) {
    const ast::Pattern &p = d.params[i];
    checkAgainst(*p.type, args[i], at, &sizes,
                 "argument " + std::to_string(i + 1) + " of '" + d.name + "'");
    Val arg = coerceTo(*p.type, args[i], at);
    paramTypes.push_back(eraseSizes(typeOf(arg, at)));
    leavesOf(arg, at, operands);
  }
  for (Value v : operands)
    os << v.getType() << ";";
  // One function per def (its source position) and argument types.
  std::string name = "fad_def_";
  for (char c : d.name)
    name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  name += "_" + llvm::utohexstr(llvm::hash_combine(d.loc.getPointer(), signature));

  auto fn = module.lookupSymbol<func::FuncOp>(name);
  if (!fn) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(module.getBody());
    fn = b.create<func::FuncOp>(loc(d.loc), name,
                                b.getFunctionType(ValueRange(operands).getTypes(), {}));
    fn->setAttr("fad.def", b.getStringAttr(d.name));
    Block *block = fn.addEntryBlock();
    b.setInsertionPointToStart(block);
    std::vector<Val> params;
    SmallVector<Value> argValues(block->getArguments());
    ArrayRef<Value> blockArgs = argValues;
    for (const TypeP &t : paramTypes) {
      size_t n = leafCount(t);
      params.push_back(fromLeaves(t, blockArgs.take_front(n)));
      blockArgs = blockArgs.drop_front(n);
    }
    Val result = inlineDef(d, params, at);
    if (containsFunction(result)) {
      fn->erase();
      return std::nullopt;
    }
    SmallVector<Value> results = leavesOf(result, at);
    b.create<func::ReturnOp>(loc(d.loc), results);
    fn.setType(b.getFunctionType(fn.getArgumentTypes(), ValueRange(results).getTypes()));
    defResultTypes[fn] = eraseSizes(typeOf(result, at));
  }
  auto call = b.create<func::CallOp>(loc(at), fn, operands);
  return fromLeaves(defResultTypes.lookup(fn), SmallVector<Value>(call.getResults()));
}

/// What decides which code an instance of a def runs, apart from the types
/// of its data: the code of each function among `values` (a lambda, def or
/// builtin, with the functions it was given or captured), to `depth` levels
/// of functions within functions. Data contributes nothing, so the keys are
/// finitely many and a chain of distinct instances ends.
static void appendInstanceKey(std::string &key, ArrayRef<Val> values, unsigned depth) {
  for (const Val &v : values) {
    if (v.kind == Val::Kind::Tuple) {
      key += '(';
      appendInstanceKey(key, v.parts, depth);
      key += ')';
    }
    if (v.kind != Val::Kind::Fn)
      continue;
    const Closure &c = *v.fn;
    key += "[" + std::to_string(static_cast<int>(c.kind)) + ":" +
           llvm::utohexstr(reinterpret_cast<uintptr_t>(c.lambda ? (const void *)c.lambda
                                                                : (const void *)c.def)) +
           c.builtin;
    if (depth > 0) {
      appendInstanceKey(key, c.args, depth - 1);
      // The functions a lambda captured, innermost binding of each name.
      llvm::StringSet<> seen;
      for (const Env *e = c.env.get(); e; e = e->parent.get())
        if (seen.insert(e->name).second && e->value.kind != Val::Kind::Data)
          appendInstanceKey(key, e->value, depth - 1);
    }
    key += ']';
  }
}

Val Elaborator::inlineDef(const Decl &d, ArrayRef<Val> args, llvm::SMLoc at) {
  // Recursion is decided on instances, not names: `app g x` where g itself
  // calls `app` with another function runs two different instances of app.
  std::string key;
  appendInstanceKey(key, args, /*depth=*/3);
  auto same = llvm::find_if(activeDefs, [&](const ActiveDef &a) {
    return a.def == &d && a.key == key;
  });
  if (same != activeDefs.end()) {
    std::string cycle = "'" + d.name + "'";
    for (auto it = std::next(same); it != activeDefs.end(); ++it)
      cycle += " calls '" + it->def->name + "', which";
    fail(at, "recursion: " + cycle + " calls '" + d.name +
                 "' again: fad has no recursion (use a loop)");
  }
  activeDefs.push_back({&d, std::move(key)});
  Val result = asCalledFrom(d.loc, at, [&] { return inlineBody(d, args, at); });
  activeDefs.pop_back();
  return result;
}

Val Elaborator::inlineBody(const Decl &d, ArrayRef<Val> args, llvm::SMLoc at) {
  SizeEnv sizes;
  EnvP env;
  for (size_t i = 0; i < d.params.size(); ++i) {
    const ast::Pattern &p = d.params[i];
    std::string what = "argument " + std::to_string(i + 1) + " of '" + d.name + "'";
    checkAgainst(*p.type, args[i], at, &sizes, what);
    ast::Pattern untyped = p;
    untyped.type = nullptr;
    env = bindPattern(env, untyped, coerceTo(*p.type, args[i], at));
  }
  for (const std::string &size : d.sizeParams) {
    auto it = sizes.find(size);
    if (it == sizes.end())
      fail(d.loc, "size parameter '" + size + "' of '" + d.name +
                      "' is not the size of any parameter");
    env = bind(env, size, data(primType(Prim::I64), it->second));
  }
  Val result = gen(*d.body, env);
  if (d.resultType) {
    checkAgainst(*d.resultType, result, d.body->loc, &sizes,
                 "the result of '" + d.name + "'");
    result = coerceTo(*d.resultType, result, d.body->loc);
  }
  return result;
}

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

Val Elaborator::invokeBuiltin(const std::string &name, ArrayRef<Val> args,
                              llvm::SMLoc at) {
  Location l = loc(at);
  // Operators and scalar functions of two arguments.
  static const llvm::StringSet<> binaryOps = {
      "+", "-", "*", "/", "%", "**", "==", "!=", "<", "<=", ">", ">=",
      "&&", "||", "max", "min", "pow", "atan2"};
  if (binaryOps.contains(name))
    return genBinary(name == "pow" ? "**" : name, args[0], args[1], at);
  if (name == "xor" || name == "shl" || name == "shr")
    return genBitwise(name, args[0], args[1], at);
  if (name == "report") {
    Value step = expectPrim(args[0], Prim::I64, at, "the step of report");
    Val value = args[1].literal ? coerce(args[1], primType(Prim::F64), at) : args[1];
    scalar(value, at, "report");
    if (!isFloat(value.type->prim))
      fail(at, "report needs a float value, got " + typeName(value.type));
    return data(value.type, b.create<ReportOp>(l, step, value.leaves[0]));
  }

  // Scalar functions of one argument.
  static const llvm::StringSet<> floatFns = {"exp", "log", "sin", "cos", "tan",
                                             "tanh", "sqrt", "floor", "ceil"};
  if (floatFns.contains(name) || name == "abs") {
    const Val &x = scalar(args[0], at, name);
    if (!isNumber(x.type) || (name != "abs" && !isFloat(x.type->prim)))
      fail(at, name + " needs a float, got " + describe(x, at));
    Value v = x.leaves[0];
    Value r;
    if (name == "exp") r = b.create<ExpOp>(l, v);
    else if (name == "log") r = b.create<LogOp>(l, v);
    else if (name == "sin") r = b.create<SinOp>(l, v);
    else if (name == "cos") r = b.create<CosOp>(l, v);
    else if (name == "tan") r = b.create<TanOp>(l, v);
    else if (name == "tanh") r = b.create<TanhOp>(l, v);
    else if (name == "sqrt") r = b.create<SqrtOp>(l, v);
    else if (name == "floor") r = b.create<FloorOp>(l, v);
    else if (name == "ceil") r = b.create<CeilOp>(l, v);
    else r = b.create<AbsOp>(l, v);
    return data(x.type, r);
  }
  if (name == "f64" || name == "f32" || name == "i64" || name == "i32") {
    const Val &x = scalar(args[0], at, name);
    Prim to = name == "f64" ? Prim::F64 : name == "f32" ? Prim::F32
              : name == "i64" ? Prim::I64 : Prim::I32;
    Val r = data(primType(to), b.create<ConvertOp>(l, scalarType(to), x.leaves[0]));
    if (x.literal && !(isInt(to) && isFloat(x.type->prim)))
      r.literal = x.literal;
    return r;
  }

  // Arrays.
  if (name == "map")
    return genMap(args[0], {args[1]}, at);
  if (name == "map2")
    return genMap(args[0], {args[1], args[2]}, at);
  if (name == "map3")
    return genMap(args[0], {args[1], args[2], args[3]}, at);
  if (name == "zip" || name == "zip3") {
    std::vector<TypeP> elems;
    Val r;
    for (const Val &a : args) {
      expectArray(a, at, name);
      if (&a != &args.front())
        checkSameExtent(args.front(), a, at, name);
      elems.push_back(a.type->elem);
      r.leaves.append(a.leaves.begin(), a.leaves.end());
    }
    r.type = arrayType(tupleType(elems), args.front().type->size);
    return r;
  }
  if (name == "unzip" || name == "unzip3") {
    TypeP t = expectArray(args[0], at, name);
    size_t n = name == "unzip" ? 2 : 3;
    if (t->elem->kind != FType::Kind::Tuple || t->elem->elems.size() != n)
      fail(at, name + " needs an array of " + std::to_string(n) + "-tuples, got " +
                   describe(args[0], at));
    std::vector<TypeP> parts;
    for (const TypeP &e : t->elem->elems)
      parts.push_back(arrayType(e, t->size));
    return fromLeaves(tupleType(parts), args[0].leaves);
  }
  if (name == "length") {
    expectArray(args[0], at, name);
    return data(primType(Prim::I64), extent(args[0], at));
  }
  if (name == "iota") {
    Value n = expectPrim(args[0], Prim::I64, at, "the size given to iota");
    Val r = genBuild(n, at, [](Val i) { return i; });
    if (args[0].literal)
      r.type = arrayType(r.type->elem, (int64_t)*args[0].literal);
    return r;
  }
  if (name == "replicate" || name == "build") {
    Value n = expectPrim(args[0], Prim::I64, at, "the size given to " + name);
    const Val &x = args[1];
    if (name == "build")
      expectFn(x, at, "build");
    else if (x.kind == Val::Kind::Fn)
      fail(at, "replicate cannot make an array of functions");
    Val r = genBuild(n, at, [&](Val i) { return name == "build" ? apply(x, i, at) : x; });
    if (args[0].literal)
      r.type = arrayType(r.type->elem, (int64_t)*args[0].literal);
    return r;
  }
  if (name == "update") {
    // a with element (or row) i replaced by v; i and a row's extents are
    // checked at run time.
    TypeP t = expectArray(args[0], at, name);
    Value i = expectPrim(args[1], Prim::I64, at, "the index given to update");
    if (args[2].kind == Val::Kind::Fn)
      fail(at, "update cannot store a function in an array");
    Val v = coerce(args[2], t->elem, at);
    TypeP vt = typeOf(v, at);
    if (!sameType(vt, t->elem))
      fail(at, "update: the new element must be of the array's element type " +
                   typeName(t->elem) + ", got " + describe(v, at));
    SmallVector<Value> values = leavesOf(v, at), leaves;
    for (auto [leaf, value] : llvm::zip_equal(args[0].leaves, values))
      leaves.push_back(b.create<UpdateOp>(l, leaf.getType(), leaf, ValueRange{i}, value));
    return fromLeaves(t, leaves);
  }
  if (name == "reduce" || name == "scan")
    return genFold(name == "scan", args[0], args[1], args[2], at);
  if (name == "sum" || name == "product" || name == "maximum" || name == "minimum")
    return genReduceWith(name, args[0], at);
  if (name == "transpose") {
    TypeP t = expectArray(args[0], at, name);
    if (t->elem->kind != FType::Kind::Array)
      fail(at, "transpose needs an array of rank at least 2, got " + describe(args[0], at));
    Val r = args[0];
    r.type = arrayType(arrayType(t->elem->elem, t->size), t->elem->size);
    for (Value &leaf : r.leaves)
      leaf = b.create<TransposeOp>(l, leaf);
    return r;
  }
  // Differentiation.
  if (name == "jvp")
    return genJvp(args[0], args[1], args[2], at);
  if (name == "jacfwd")
    return genJacfwd(args[0], args[1], at);
  if (name == "hessian") {
    // Forward over forward: the Jacobian of x -> jacfwd f x.
    expectFn(args[0], at, name);
    return genJacfwd(apply(builtinVal("jacfwd"), args[0], at), args[1], at);
  }
  if (name == "vjp")
    return genVjp(args[0], args[1], &args[2], at);
  if (name == "grad")
    return genVjp(args[0], args[1], nullptr, at);
  if (name == "jacrev")
    return genJacrev(args[0], args[1], at);
  if (name == "taylor")
    return genTaylor(args[0], args[1], args[2], args[3], at);
  if (name == "taylor_bound") {
    // taylor_bound f x0 a b k: (coefficients, lo, hi), see fad.taylor_bound.
    expectFn(args[0], at, name);
    if (!args[4].literal || args[4].type->prim != Prim::I64 || *args[4].literal < 0 ||
        *args[4].literal > 16)
      fail(at, "taylor_bound: the order must be an integer literal between 0 and 16");
    Value x0 = expectPrim(args[1], Prim::F64, at, "the expansion point of taylor_bound");
    Value lower = expectPrim(args[2], Prim::F64, at, "the lower end of taylor_bound's interval");
    Value upper = expectPrim(args[3], Prim::F64, at, "the upper end of taylor_bound's interval");
    Type f64 = b.getF64Type();
    auto op = b.create<TaylorBoundOp>(l, getArrayOfType(f64), f64, f64, x0, lower, upper,
                                      (int64_t)*args[4].literal);
    buildBody(op.getBody(), {f64}, at, [&](ValueRange xs) {
      Val y = apply(args[0], data(primType(Prim::F64), xs[0]), at);
      if (y.kind != Val::Kind::Data || !isPrim(y.type) || y.type->prim != Prim::F64)
        fail(at, "taylor_bound needs a function from f64 to f64");
      return SmallVector<Value>{y.leaves[0]};
    });
    Val result;
    result.kind = Val::Kind::Tuple;
    result.parts = {data(arrayType(primType(Prim::F64), *args[4].literal + 1),
                         op.getCoefficients()),
                    data(primType(Prim::F64), op.getLo()), data(primType(Prim::F64), op.getHi())};
    return result;
  }
  if (name == "fixpoint" || name == "fixpoint_with") {
    // fixpoint_with tolerance limit f x0: the same with explicit settings.
    double tolerance = 1e-12;
    int64_t limit = 100000;
    if (name == "fixpoint_with") {
      if (!args[0].literal || *args[0].literal <= 0)
        fail(at, "fixpoint_with: the tolerance must be a positive number literal");
      if (!args[1].literal || args[1].type->prim != Prim::I64 || *args[1].literal < 1)
        fail(at, "fixpoint_with: the iteration limit must be a positive integer literal");
      tolerance = *args[0].literal;
      limit = (int64_t)*args[1].literal;
      args = args.drop_front(2);
    }
    expectFn(args[0], at, name);
    Val x0 = args[1].literal ? coerce(args[1], primType(Prim::F64), at) : args[1];
    if (x0.kind == Val::Kind::Fn)
      fail(at, "fixpoint needs a starting point, not a function");
    TypeP stateType = eraseSizes(typeOf(x0, at));
    SmallVector<Value> inits = leavesOf(x0, at);
    for (Value v : inits) {
      Type t = v.getType();
      if (auto array = dyn_cast<RankedTensorType>(t))
        t = array.getElementType();
      if (!isa<FloatType>(t))
        fail(at, "fixpoint needs a state of floats, got " + typeName(stateType));
    }
    auto op = b.create<FixpointOp>(l, ValueRange(inits).getTypes(), inits,
                                   b.getF64FloatAttr(tolerance), b.getI64IntegerAttr(limit));
    buildBody(op.getBody(), ValueRange(inits).getTypes(), at, [&](ValueRange state) {
      Val next = apply(args[0], fromLeaves(stateType, SmallVector<Value>(state)), at);
      if (next.literal)
        next = coerce(next, stateType, at);
      if (next.kind == Val::Kind::Fn || !sameType(typeOf(next, at), stateType))
        fail(at, "fixpoint: the function maps " + typeName(stateType) + " to " +
                     describe(next, at) + ", not to the same type");
      return leavesOf(next, at);
    });
    return fromLeaves(stateType, SmallVector<Value>(op.getResults()));
  }
  fail(at, "unknown builtin '" + name + "'");
}

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
                   typeName(resultType) + " (use vjp or jacrev)");
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

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

Val Elaborator::genBinary(const std::string &op, Val lhs, Val rhs, llvm::SMLoc at) {
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
  Value r;
  if (op == "+") r = b.create<AddOp>(l, x, y);
  else if (op == "-") r = b.create<SubOp>(l, x, y);
  else if (op == "*") r = b.create<MulOp>(l, x, y);
  else if (op == "/") r = b.create<DivOp>(l, x, y);
  else if (op == "%") r = b.create<RemOp>(l, x, y);
  else if (op == "**") r = b.create<PowOp>(l, x, y);
  else if (op == "max") r = b.create<MaxOp>(l, x, y);
  else if (op == "min") r = b.create<MinOp>(l, x, y);
  else if (op == "atan2" && isF) r = b.create<Atan2Op>(l, x, y);
  else if (op == "atan2") fail(at, "atan2 needs floats, got " + typeName(lhs.type));
  else fail(at, "unknown operator " + op);
  return data(lhs.type, r);
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

Val Elaborator::genIf(Value cond, llvm::SMLoc at, function_ref<Val()> thenGen,
                      function_ref<Val()> elseGen) {
  auto op = b.create<IfOp>(loc(at), TypeRange{}, cond);
  Val thenVal, elseVal;
  buildBody(op.getThenRegion(), {}, at, [&](ValueRange) {
    thenVal = thenGen();
    return leavesOf(thenVal, at);
  });
  // The else branch may need its literals coerced to the then branch's type.
  TypeP thenType = typeOf(thenVal, at);
  buildBody(op.getElseRegion(), {}, at, [&](ValueRange) {
    elseVal = elseGen();
    if (elseVal.literal)
      elseVal = coerce(elseVal, thenType, at);
    return leavesOf(elseVal, at);
  });
  TypeP elseType = typeOf(elseVal, at);
  // A literal then-branch may need the else branch's type instead
  // (`if c then 1 else 2.0` is an f64).
  if (!sameType(thenType, elseType) && thenVal.literal) {
    Block &thenBlock = op.getThenRegion().front();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(thenBlock.getTerminator());
    Val coerced = coerce(thenVal, elseType, at);
    if (sameType(typeOf(coerced, at), elseType)) {
      thenBlock.getTerminator()->setOperands(leavesOf(coerced, at));
      thenType = elseType;
    }
  }
  if (!sameType(thenType, elseType))
    fail(at, "the branches of if have different types: " + typeName(thenType) +
                 " and " + typeName(elseType));
  SmallVector<Type> types;
  leafTypes(thenType, types);
  op = withResults(op, types);
  return fromLeaves(eraseSizes(thenType), SmallVector<Value>(op.getResults()));
}

Val Elaborator::genLoop(const Expr &e, const EnvP &env) {
  llvm::SMLoc at = e.loc;
  Val init = gen(*e.kids[0], env);
  // Literals in the initial state take their annotated type, if any.
  if (e.patterns[0].type)
    init = coerceTo(*e.patterns[0].type, init, at);
  TypeP stateT = eraseSizes(typeOf(init, at));
  SmallVector<Type> stateTypes;
  leafTypes(stateT, stateTypes);
  SmallVector<Value> inits = leavesOf(init, at);
  auto checkNext = [&](const Val &next) {
    if (next.kind == Val::Kind::Fn || !sameType(typeOf(next, at), stateT))
      fail(e.kids[2]->loc, "the loop body returns " + describe(next, at) +
                               " but the loop state has type " + typeName(stateT));
  };
  if (e.kind == Expr::Kind::LoopFor) {
    Value n = expectPrim(gen(*e.kids[1], env), Prim::I64, e.kids[1]->loc,
                         "the bound of a for loop");
    auto op = b.create<ForOp>(loc(at), stateTypes, n, inits);
    SmallVector<Type> argTypes{b.getI64Type()};
    argTypes.append(stateTypes);
    buildBody(op.getBody(), argTypes, at, [&](ValueRange args) {
      EnvP inner = bind(env, e.name, data(primType(Prim::I64), args[0]));
      inner = bindPattern(inner, e.patterns[0],
                          fromLeaves(stateT, SmallVector<Value>(args.drop_front())));
      Val next = gen(*e.kids[2], inner);
      if (next.literal)
        next = coerce(next, stateT, at);
      checkNext(next);
      return leavesOf(next, at);
    });
    return fromLeaves(stateT, SmallVector<Value>(op.getResults()));
  }
  auto op = b.create<WhileOp>(loc(at), stateTypes, inits);
  buildBody(op.getCond(), stateTypes, at, [&](ValueRange args) {
    EnvP inner = bindPattern(env, e.patterns[0], fromLeaves(stateT, SmallVector<Value>(args)));
    return SmallVector<Value>{expectPrim(gen(*e.kids[1], inner), Prim::Bool,
                                         e.kids[1]->loc, "the condition of a while loop")};
  });
  buildBody(op.getBody(), stateTypes, at, [&](ValueRange args) {
    EnvP inner = bindPattern(env, e.patterns[0], fromLeaves(stateT, SmallVector<Value>(args)));
    Val next = gen(*e.kids[2], inner);
    if (next.literal)
      next = coerce(next, stateT, at);
    checkNext(next);
    return leavesOf(next, at);
  });
  return fromLeaves(stateT, SmallVector<Value>(op.getResults()));
}

/// A literal expression possibly under unary minus, e.g. `-2.0`.
std::optional<double> literalValue(const Expr &e) {
  if (e.kind == Expr::Kind::FloatLit)
    return e.floatValue;
  if (e.kind == Expr::Kind::IntLit)
    return (double)e.intValue;
  if (e.kind == Expr::Kind::Unary && e.name == "-")
    if (auto v = literalValue(*e.kids[0]))
      return -*v;
  return std::nullopt;
}

Val Elaborator::gen(const Expr &e, const EnvP &env) {
  llvm::SMLoc at = e.loc;
  switch (e.kind) {
  case Expr::Kind::FloatLit: {
    Val v = constant(Prim::F64, e.floatValue, at);
    v.literal = e.floatValue;
    return v;
  }
  case Expr::Kind::IntLit: {
    Val v = intConst(e.intValue, at);
    v.literal = (double)e.intValue;
    return v;
  }
  case Expr::Kind::BoolLit:
    return constant(Prim::Bool, e.boolValue, at);
  case Expr::Kind::Var:
    return varRef(e.name, env, at);
  case Expr::Kind::Section:
    return varRef(e.name, env, at);
  case Expr::Kind::Array: {
    if (e.kids.empty())
      fail(at, "the type of an empty array literal cannot be inferred; "
               "use replicate 0 x or iota 0");
    std::vector<Val> elems;
    for (const ExprPtr &k : e.kids)
      elems.push_back(gen(*k, env));
    // Literal elements take the type of the first non-literal element, or
    // of the first float literal when all are literals (linear: literals of
    // 10^5 numbers).
    const Val *model = nullptr;
    for (const Val &v : elems)
      if (v.kind == Val::Kind::Data && !v.literal) {
        model = &v;
        break;
      }
    if (!model)
      for (const Val &v : elems)
        if (v.kind == Val::Kind::Data && v.literal && isFloatType(v.type)) {
          model = &v;
          break;
        }
    if (model) {
      TypeP target = model->type;
      for (Val &v : elems)
        if (v.kind == Val::Kind::Data && v.literal)
          v = coerce(v, target, at);
    }
    TypeP elemT = typeOf(elems.front(), at);
    for (size_t i = 1; i < elems.size(); ++i)
      if (!sameType(typeOf(elems[i], e.kids[i]->loc), elemT))
        fail(e.kids[i]->loc, "array elements must have the same type: " +
                                 typeName(elemT) + " and " +
                                 typeName(typeOf(elems[i], at)));
    SmallVector<Type> leafTs;
    leafTypes(elemT, leafTs);
    SmallVector<Value> leaves;
    for (size_t j = 0; j < leafTs.size(); ++j) {
      SmallVector<Value> column;
      for (const Val &v : elems)
        column.push_back(leavesOf(v, at)[j]);
      leaves.push_back(b.create<ArrayOp>(loc(at), getArrayOfType(leafTs[j]), column));
    }
    return fromLeaves(arrayType(elemT, (int64_t)elems.size()), leaves);
  }
  case Expr::Kind::Tuple: {
    Val v;
    v.kind = Val::Kind::Tuple;
    for (const ExprPtr &k : e.kids)
      v.parts.push_back(gen(*k, env));
    return v;
  }
  case Expr::Kind::Let: {
    Val v = gen(*e.kids[0], env);
    return gen(*e.kids[1], bindPattern(env, e.patterns[0], v));
  }
  case Expr::Kind::If: {
    Value cond = expectPrim(gen(*e.kids[0], env), Prim::Bool, e.kids[0]->loc,
                            "the condition of if");
    return genIf(cond, at, [&] { return gen(*e.kids[1], env); },
                 [&] { return gen(*e.kids[2], env); });
  }
  case Expr::Kind::Lambda: {
    auto c = std::make_shared<Closure>();
    c->kind = Closure::Kind::Lambda;
    c->lambda = &e;
    c->env = env;
    c->arity = e.patterns.size();
    return makeClosure(c);
  }
  case Expr::Kind::Apply: {
    Val fn = gen(*e.kids[0], env);
    return apply(fn, gen(*e.kids[1], env), at);
  }
  case Expr::Kind::Binary: {
    const std::string &op = e.name;
    if (op == "&&" || op == "||") {
      // Short-circuit: the right operand is evaluated only when needed.
      Value lhs = expectPrim(gen(*e.kids[0], env), Prim::Bool, e.kids[0]->loc,
                             "the left operand of " + op);
      auto rhs = [&] {
        return data(primType(Prim::Bool),
                    expectPrim(gen(*e.kids[1], env), Prim::Bool, e.kids[1]->loc,
                               "the right operand of " + op));
      };
      auto constant = [&](bool v) { return this->constant(Prim::Bool, v, at); };
      return op == "&&" ? genIf(lhs, at, rhs, [&] { return constant(false); })
                        : genIf(lhs, at, [&] { return constant(true); }, rhs);
    }
    Val lhs = gen(*e.kids[0], env);
    Val rhs = gen(*e.kids[1], env);
    Val r = genBinary(op, lhs, rhs, at);
    return r;
  }
  case Expr::Kind::Unary: {
    if (e.name == "-") {
      if (auto lit = literalValue(e)) {
        // Integers are negated exactly: `*lit` went through a double.
        const Expr *inner = &e;
        bool negative = false;
        for (; inner->kind == Expr::Kind::Unary; inner = inner->kids[0].get())
          negative = !negative;
        Val v = inner->kind == Expr::Kind::IntLit
                    ? intConst(negative ? -inner->intValue : inner->intValue, at)
                    : constant(Prim::F64, *lit, at);
        v.literal = *lit;
        return v;
      }
      Val x = gen(*e.kids[0], env);
      scalar(x, at, "unary -");
      if (!isNumber(x.type))
        fail(at, "unary - needs a number, got bool");
      return data(x.type, b.create<NegOp>(loc(at), x.leaves[0]));
    }
    Value x = expectPrim(gen(*e.kids[0], env), Prim::Bool, e.kids[0]->loc,
                         "the operand of !");
    Value t = b.create<arith::ConstantOp>(loc(at), b.getBoolAttr(true));
    return data(primType(Prim::Bool), b.create<arith::XOrIOp>(loc(at), x, t));
  }
  case Expr::Kind::Index: {
    Val a = gen(*e.kids[0], env);
    TypeP t = expectArray(a, at, "indexing");
    SmallVector<Value> indices;
    for (size_t i = 1; i < e.kids.size(); ++i) {
      if (t->kind != FType::Kind::Array)
        fail(e.kids[i]->loc, "too many indices for " + describe(a, at));
      indices.push_back(expectPrim(gen(*e.kids[i], env), Prim::I64,
                                   e.kids[i]->loc, "an index"));
      t = t->elem;
    }
    SmallVector<Value> leaves;
    for (Value leaf : a.leaves) {
      auto tensorType = cast<RankedTensorType>(leaf.getType());
      Type result = tensorType.getElementType();
      if ((int64_t)indices.size() < tensorType.getRank())
        result = RankedTensorType::get(tensorType.getShape().drop_front(indices.size()),
                                       result);
      leaves.push_back(b.create<IndexOp>(loc(at), result, leaf, indices));
    }
    return fromLeaves(t, leaves);
  }
  case Expr::Kind::Project: {
    Val v = gen(*e.kids[0], env);
    if (v.kind != Val::Kind::Tuple)
      fail(at, "projection ." + std::to_string(e.field) + " needs a tuple, got " +
                   describe(v, at));
    if (e.field < 0 || e.field >= (int64_t)v.parts.size())
      fail(at, "tuple of " + std::to_string(v.parts.size()) +
                   " components has no component ." + std::to_string(e.field));
    return v.parts[e.field];
  }
  case Expr::Kind::LoopFor:
  case Expr::Kind::LoopWhile:
    return genLoop(e, env);
  }
  fail(at, "unsupported expression");
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

/// Whether a declared type mentions a function type.
static bool hasFunctionType(const TypeExpr &t) {
  if (t.kind == TypeExpr::Kind::Function)
    return true;
  for (const TypeExpr &e : t.elems)
    if (hasFunctionType(e))
      return true;
  return false;
}

void Elaborator::genEntry(const Decl &d) {
  requireParamTypes(d);
  if (!d.resultType && !options.inferEntryResults)
    fail(d.loc, "entry point '" + d.name + "' needs a result type");
  SmallVector<Type> argTypes;
  SmallVector<Attribute> leafNames; // for the C API: `x`, or `x_0`, `x_1`, ...
  std::vector<TypeP> paramTypes;
  for (auto [k, p] : llvm::enumerate(d.params)) {
    // Extents of arguments are only known at run time, where they are checked.
    paramTypes.push_back(eraseSizes(resolve(*p.type, "a parameter of an entry point")));
    size_t first = argTypes.size();
    leafTypes(paramTypes.back(), argTypes);
    std::string base = p.kind == ast::Pattern::Kind::Name ? p.name : "arg" + std::to_string(k);
    for (size_t j = first; j < argTypes.size(); ++j)
      leafNames.push_back(b.getStringAttr(
          argTypes.size() - first == 1 ? base : base + "_" + std::to_string(j - first)));
  }
  if (d.resultType && hasFunctionType(*d.resultType))
    fail(d.resultType->loc, "an entry point cannot return a function");
  auto fn = b.create<func::FuncOp>(loc(d.loc), "fad_entry_" + d.name,
                                   b.getFunctionType(argTypes, {}));
  fn->setAttr("fad.entry", b.getStringAttr(d.name));
  fn->setAttr("fad.entry_params", b.getI64IntegerAttr(d.params.size()));
  fn->setAttr("fad.entry_leaf_names", b.getArrayAttr(leafNames));
  OpBuilder::InsertionGuard guard(b);
  Block *block = fn.addEntryBlock();
  b.setInsertionPointToStart(block);
  std::vector<Val> args;
  ArrayRef<BlockArgument> blockArgs = block->getArguments();
  for (auto [k, t] : llvm::enumerate(paramTypes)) {
    size_t n = leafCount(t);
    SmallVector<Value> leaves(blockArgs.take_front(n));
    checkComponentExtents(t, leaves, 0, d.params[k].loc,
                          "argument " + std::to_string(k + 1) + " of '" + d.name + "'");
    args.push_back(fromLeaves(t, leaves));
    blockArgs = blockArgs.drop_front(n);
  }
  Val result = invokeDef(d, args, d.loc);
  if (result.kind == Val::Kind::Fn && options.inferEntryResults) {
    // fad-repl asked for the type of a function value: there is nothing to
    // run; its type is fixed only where it is applied.
    fn->setAttr("fad.entry_type", b.getStringAttr("a function"));
    b.create<func::ReturnOp>(loc(d.loc));
    return;
  }
  if (result.kind == Val::Kind::Fn)
    fail(d.body->loc, "an entry point cannot return a function");
  fn->setAttr("fad.entry_type", b.getStringAttr(typeName(typeOf(result, d.body->loc))));
  SmallVector<Value> results = leavesOf(result, d.body->loc);
  b.create<func::ReturnOp>(loc(d.loc), results);
  fn.setFunctionType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
}

/// An array of tuples arrives as one array per component (`leaves`, of type
/// `t` below `outer` array levels): a run-time check that the components
/// agree on each array level's extent, which the input could violate.
void Elaborator::checkComponentExtents(const TypeP &t, ArrayRef<Value> leaves, int64_t outer,
                                       llvm::SMLoc at, const std::string &what) {
  if (t->kind == FType::Kind::Array) {
    Value first = b.create<DimOp>(loc(at), leaves.front(), outer);
    for (Value leaf : leaves.drop_front()) {
      Value other = b.create<DimOp>(loc(at), leaf, outer);
      Value same = b.create<arith::CmpIOp>(loc(at), arith::CmpIPredicate::eq, first, other);
      b.create<AssertOp>(loc(at), same,
                         what + ": the components of an array of tuples have different sizes",
                         ValueRange{first, other});
    }
    checkComponentExtents(t->elem, leaves, outer + 1, at, what);
  } else if (t->kind == FType::Kind::Tuple) {
    for (const TypeP &component : t->elems) {
      size_t n = leafCount(component);
      checkComponentExtents(component, leaves.take_front(n), outer, at, what);
      leaves = leaves.drop_front(n);
    }
  }
}

/// Elaborates a def on parameters of its declared types in a scratch
/// function, so that errors in defs nobody calls are still reported.
/// Parameters of defs and entries are written `(x: t)`; the parser also
/// accepts bare patterns (for lambdas), so this is checked here.
void Elaborator::requireParamTypes(const Decl &d) {
  for (const ast::Pattern &p : d.params)
    if (!p.type)
      fail(p.loc, "parameter of '" + d.name + "' needs a type: (x: t)");
}

void Elaborator::checkDef(const Decl &d) {
  requireParamTypes(d);
  for (const ast::Pattern &p : d.params)
    if (hasFunctionType(*p.type))
      return; // checked where it is applied, with the function it gets
  OpBuilder::InsertionGuard guard(b);
  auto fn = b.create<func::FuncOp>(loc(d.loc), "__check_" + d.name,
                                   b.getFunctionType({}, {}));
  Block *block = fn.addEntryBlock();
  b.setInsertionPointToStart(block);
  std::vector<Val> args;
  for (const ast::Pattern &p : d.params) {
    TypeP t = eraseSizes(resolve(*p.type, "a parameter"));
    SmallVector<Type> types;
    leafTypes(t, types);
    SmallVector<Value> leaves;
    for (Type ty : types)
      leaves.push_back(block->addArgument(ty, loc(p.loc)));
    args.push_back(fromLeaves(t, leaves));
  }
  invokeDef(d, args, d.loc);
  fn->erase();
}

OwningOpRef<ModuleOp> Elaborator::run(const std::vector<ast::Module> &modules) {
  ctx.loadDialect<FADDialect, arith::ArithDialect, func::FuncDialect>();
  OwningOpRef<ModuleOp> module;
  try {
    for (const ast::Module &m : modules) {
      if (&m == &modules.front() && modules.size() > 1)
        preludeBuffer = m.bufferId;
      for (const Decl &d : m.decls) {
        if (d.kind == Decl::Kind::Import)
          continue;
        if (builtinArities().count(d.name))
          fail(d.loc, "'" + d.name + "' is a prelude function and cannot be redefined");
        if (const Decl *previous = defs.lookup(d.name);
            previous && !options.allowRedefinition) {
          emitError(loc(d.loc), "'" + d.name + "' is defined twice")
                  .attachNote(loc(previous->loc))
              << "first definition here";
          throw ElabError{};
        }
        defs[d.name] = &d;
      }
    }
    module = ModuleOp::create(loc(modules.back().decls.empty()
                                      ? llvm::SMLoc()
                                      : modules.back().decls.front().loc));
    b.setInsertionPointToEnd(module->getBody());
    for (const ast::Module &m : modules) {
      if (m.bufferId == preludeBuffer || m.bufferId < options.newFrom)
        continue;
      for (const Decl &d : m.decls) {
        if (d.kind == Decl::Kind::Def)
          checkDef(d);
        else if (d.kind == Decl::Kind::Entry)
          genEntry(d);
      }
    }
  } catch (const ElabError &) {
    return nullptr;
  }
  if (failed(verify(*module))) {
    emitError(module->getLoc(), "internal error: generated IR does not verify");
    return nullptr;
  }
  return module;
}

} // namespace

OwningOpRef<ModuleOp> fad::mlirGen(MLIRContext &context, llvm::SourceMgr &sourceMgr,
                                   const std::vector<ast::Module> &modules,
                                   const MLIRGenOptions &options) {
  return Elaborator(context, sourceMgr, options).run(modules);
}
