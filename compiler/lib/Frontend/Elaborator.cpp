//===- Elaborator.cpp - Elaborate the fad AST into the fad dialect -*- C++ -*-===//
//
// This file implements the elaborator (Elaborator.h): names and scopes,
// application of function values (inlining lambdas and defs, one instance
// per argument types and functions given, with recursion rejected on
// instances), checks of values against declared types and sizes, the
// expressions of the language, entry points, and mlirGen. Builtins are
// elaborated in Builtins.cpp.
//
//===----------------------------------------------------------------------===//

#include "Elaborator.h"

#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

using namespace mlir;
using namespace fad;
using namespace fad::frontend;
using fad::ast::Decl;
using fad::ast::Expr;
using fad::ast::ExprPtr;
using fad::ast::TypeExpr;

EnvP fad::frontend::bind(EnvP env, const std::string &name, Val value) {
  return std::make_shared<const Env>(Env{name, std::move(value), std::move(env)});
}

const Val *fad::frontend::lookup(const EnvP &env, StringRef name) {
  for (const Env *e = env.get(); e; e = e->parent.get())
    if (e->name == name)
      return &e->value;
  return nullptr;
}

Elaborator::Elaborator(MLIRContext &ctx, llvm::SourceMgr &sm, const MLIRGenOptions &options)
    : b(&ctx), ctx(ctx), sourceMgr(sm), options(options), builtins(ctx) {}

bool Elaborator::isActive(const Decl &d) const {
  return llvm::any_of(activeDefs, [&](const ActiveDef &a) { return a.def == &d; });
}

//===----------------------------------------------------------------------===//
// Diagnostics and locations
//===----------------------------------------------------------------------===//

Location Elaborator::loc(llvm::SMLoc at) { return locOverride ? *locOverride : sourceLoc(at); }

Location Elaborator::sourceLoc(llvm::SMLoc at) {
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

void Elaborator::fail(llvm::SMLoc at, const Twine &message) {
  InFlightDiagnostic error = emitError(loc(at), message);
  if (locOverride && isInPrelude(at))
    error.attachNote(sourceLoc(at)) << "inside the prelude, here";
  error.report();
  throw ElabError{};
}

bool Elaborator::isInPrelude(llvm::SMLoc at) const {
  return at.isValid() && sourceMgr.FindBufferContainingLoc(at) == preludeBuffer;
}

template <typename Fn>
auto Elaborator::asCalledFrom(llvm::SMLoc code, llvm::SMLoc at, Fn body) {
  std::optional<Location> saved = locOverride;
  if (isInPrelude(code) && !locOverride)
    locOverride = loc(at);
  auto restore = llvm::make_scope_exit([&] { locOverride = saved; });
  return body();
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

Val Elaborator::fromLeaves(const TypeP &t, ArrayRef<Value> leaves) {
  Val v;
  if (t->kind == FType::Kind::Tuple) {
    v.kind = Val::Kind::Tuple;
    v.fields = t->fields;
    v.complex = t->complex;
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

TypeP Elaborator::typeOf(const Val &v, llvm::SMLoc at) {
  switch (v.kind) {
  case Val::Kind::Data:
    return v.type;
  case Val::Kind::Tuple: {
    if (v.complex)
      return complexType(v.parts[0].type->prim);
    std::vector<TypeP> elems;
    for (const Val &p : v.parts)
      elems.push_back(typeOf(p, at));
    return tupleType(elems, v.fields);
  }
  case Val::Kind::Fn:
    fail(at, "a function cannot be used as data here");
  }
  return nullptr;
}

void Elaborator::leavesOf(const Val &v, llvm::SMLoc at, SmallVectorImpl<Value> &out) {
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

SmallVector<Value> Elaborator::leavesOf(const Val &v, llvm::SMLoc at) {
  SmallVector<Value> out;
  leavesOf(v, at, out);
  return out;
}

Val Elaborator::data(TypeP t, Value v) {
  Val r;
  r.type = std::move(t);
  r.leaves = {v};
  return r;
}

Val Elaborator::constant(Prim p, double value, llvm::SMLoc at) {
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

Val Elaborator::intConst(int64_t value, llvm::SMLoc at) {
  return data(primType(Prim::I64), b.create<arith::ConstantIntOp>(loc(at), value, 64));
}

Val Elaborator::coerce(const Val &v, const TypeP &want, llvm::SMLoc at) {
  if (!v.literal || v.kind != Val::Kind::Data || !literalBecomes(v.type, want))
    return v;
  Val r = constant(want->prim, *v.literal, at);
  r.literal = v.literal;
  return r;
}

void Elaborator::unify(Val &a, Val &c, llvm::SMLoc at) {
  if (a.kind != Val::Kind::Data || c.kind != Val::Kind::Data)
    return;
  switch (unifyLiterals(a.type, a.literal.has_value(), c.type, c.literal.has_value())) {
  case LiteralUnification::FirstTakesSecond:
    a = coerce(a, c.type, at);
    return;
  case LiteralUnification::SecondTakesFirst:
    c = coerce(c, a.type, at);
    return;
  case LiteralUnification::None:
    return;
  }
}

const Val &Elaborator::scalar(const Val &v, llvm::SMLoc at, StringRef what) {
  if (v.kind != Val::Kind::Data || !isPrim(v.type))
    fail(at, what + " needs a scalar, got " + describe(v, at));
  return v;
}

std::string Elaborator::describe(const Val &v, llvm::SMLoc at) {
  if (v.kind == Val::Kind::Fn)
    return "a function";
  return "a value of type " + typeName(typeOf(v, at));
}

Value Elaborator::expectPrim(const Val &v, Prim p, llvm::SMLoc at, StringRef what) {
  Val c = coerce(v, primType(p), at);
  if (c.kind != Val::Kind::Data || !isPrim(c.type) || c.type->prim != p)
    fail(at, what + " must be " + primName(p) + ", got " + describe(v, at));
  return c.leaves[0];
}

TypeP Elaborator::expectArray(const Val &v, llvm::SMLoc at, StringRef what) {
  if (v.kind != Val::Kind::Data || v.type->kind != FType::Kind::Array)
    fail(at, what + " needs an array, got " + describe(v, at));
  return v.type;
}

const Closure &Elaborator::expectFn(const Val &v, llvm::SMLoc at, StringRef what) {
  if (v.kind != Val::Kind::Fn)
    fail(at, what + " needs a function, got " + describe(v, at));
  return *v.fn;
}

Value Elaborator::extent(const Val &v, llvm::SMLoc at) {
  return b.create<DimOp>(loc(at), v.leaves[0], 0);
}

void Elaborator::checkSameExtent(const Val &a, const Val &c, llvm::SMLoc at, StringRef what) {
  if (a.type->size && c.type->size) {
    if (*a.type->size != *c.type->size)
      fail(at, what + ": arrays of sizes " + std::to_string(*a.type->size) + " and " +
                   std::to_string(*c.type->size));
    return;
  }
  Value n = extent(a, at), m = extent(c, at);
  Value same = b.create<arith::CmpIOp>(loc(at), arith::CmpIPredicate::eq, n, m);
  b.create<AssertOp>(loc(at), same, (what + ": arrays of different sizes").str(),
                     ValueRange{n, m});
}

SmallVector<Type> Elaborator::buildBody(Region &region, TypeRange argTypes, llvm::SMLoc at,
                                        function_ref<SmallVector<Value>(ValueRange)> body) {
  OpBuilder::InsertionGuard guard(b);
  SmallVector<Location> locs(argTypes.size(), loc(at));
  Block *block = b.createBlock(&region, {}, argTypes, locs);
  SmallVector<Value> yielded = body(block->getArguments());
  b.create<YieldOp>(loc(at), yielded);
  return SmallVector<Type>(ValueRange(yielded).getTypes());
}

//===----------------------------------------------------------------------===//
// Patterns and declared types
//===----------------------------------------------------------------------===//

EnvP Elaborator::bindPattern(EnvP env, const ast::Pattern &p, const Val &v) {
  if (p.type)
    checkAgainst(*p.type, v, p.loc, nullptr, "pattern");
  switch (p.kind) {
  case ast::Pattern::Kind::Wildcard:
    return env;
  case ast::Pattern::Kind::Name:
    return bind(std::move(env), p.name, p.type ? coerceTo(*p.type, v, p.loc) : v);
  case ast::Pattern::Kind::Tuple:
    if (v.kind != Val::Kind::Tuple || v.parts.size() != p.elems.size() || !v.fields.empty() ||
        v.complex)
      fail(p.loc, "tuple pattern of " + std::to_string(p.elems.size()) +
                      " components does not match " + describe(v, p.loc));
    for (size_t i = 0; i < p.elems.size(); ++i)
      env = bindPattern(std::move(env), p.elems[i], v.parts[i]);
    return env;
  }
  return env;
}

Val Elaborator::coerceTo(const TypeExpr &t, const Val &v, llvm::SMLoc at) {
  if (t.kind == TypeExpr::Kind::Prim && isComplexType(namedType(t.prim)))
    return toComplex(v, complexPart(namedType(t.prim)), at);
  if (t.kind == TypeExpr::Kind::Prim)
    return coerce(v, primType(primNamed(t.prim)), at);
  if (t.kind == TypeExpr::Kind::Tuple && v.kind == Val::Kind::Tuple &&
      v.parts.size() == t.elems.size()) {
    Val r = v;
    for (size_t i = 0; i < t.elems.size(); ++i)
      r.parts[i] = coerceTo(t.elems[i], v.parts[i], at);
    return r;
  }
  return v;
}

TypeP Elaborator::resolve(const TypeExpr &t, StringRef what) {
  switch (t.kind) {
  case TypeExpr::Kind::Prim:
    return namedType(t.prim);
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
    return tupleType(elems, t.fields);
  }
  case TypeExpr::Kind::Function:
    fail(t.loc, what + " cannot have a function type");
  case TypeExpr::Kind::Var: {
    if (const TypeExpr *alias = aliasedType(t))
      return resolve(*alias, what);
    // Innermost first: a lambda written in a def may run inside another.
    for (auto scope = typeScopes.rbegin(); scope != typeScopes.rend(); ++scope)
      if (TypeP bound = scope->lookup(t.prim))
        return bound;
    fail(t.loc, "unknown type '" + t.prim + "' (a type is f64, f32, i64, i32, bool, an "
                "array, tuple or record type, or a type parameter 't of the def)");
  }
  }
  return nullptr;
}

const TypeExpr *Elaborator::aliasedType(const TypeExpr &t) const {
  if (t.kind != TypeExpr::Kind::Var)
    return nullptr;
  for (const auto &scope : typeScopes)
    if (scope.count(t.prim))
      return nullptr;
  const Decl *alias = typeAliases.lookup(t.prim);
  return alias ? alias->resultType.get() : nullptr;
}

void Elaborator::checkAliasCycles(const TypeExpr &t, std::vector<std::string> &path) {
  if (t.kind == TypeExpr::Kind::Var) {
    const Decl *alias = typeAliases.lookup(t.prim);
    if (!alias)
      return;
    if (llvm::is_contained(path, t.prim)) {
      std::string cycle;
      for (const std::string &name : path)
        cycle += "'" + name + "' refers to ";
      fail(t.loc, "type " + cycle + "'" + t.prim + "' again: a type cannot contain itself");
    }
    path.push_back(t.prim);
    checkAliasCycles(*alias->resultType, path);
    path.pop_back();
    return;
  }
  for (const TypeExpr &e : t.elems)
    checkAliasCycles(e, path);
}

bool Elaborator::matchTypeVar(const TypeExpr &var, const TypeP &t) {
  if (typeScopes.empty() || !typeScopes.back().count(var.prim))
    resolve(var, ""); // fails: not a type parameter of this def
  TypeP &bound = typeScopes.back()[var.prim];
  if (!bound) {
    bound = eraseSizes(t);
    return true;
  }
  return sameType(bound, t);
}

std::function<void()> Elaborator::enterTypeScope(const Decl &d) {
  typeScopes.emplace_back();
  for (const std::string &t : d.typeParams)
    typeScopes.back()[t] = nullptr;
  return [this] { typeScopes.pop_back(); };
}

const Val &Elaborator::field(const Val &v, StringRef name, llvm::SMLoc at) {
  if (v.kind != Val::Kind::Tuple || v.fields.empty())
    fail(at, "field ." + name + " needs a record, got " + describe(v, at));
  for (auto [f, part] : llvm::zip_equal(v.fields, v.parts))
    if (f == name)
      return part;
  fail(at, "record " + typeName(typeOf(v, at)) + " has no field '" + name + "'");
}

Val Elaborator::updateField(const Val &v, StringRef path, Val value, llvm::SMLoc at) {
  auto [name, rest] = path.split('.');
  const Val &old = field(v, name, at);
  Val updated = v;
  Val &slot = updated.parts[&old - v.parts.data()];
  if (!rest.empty()) {
    slot = updateField(old, rest, std::move(value), at);
    return updated;
  }
  TypeP want = typeOf(old, at);
  slot = value.literal ? coerce(value, want, at) : value;
  if (!sameType(typeOf(slot, at), want))
    fail(at, "field '" + name + "' has type " + typeName(want) + " but the update gives " +
                 describe(value, at));
  return updated;
}

void Elaborator::checkAgainst(const TypeExpr &t, const Val &v, llvm::SMLoc at, SizeEnv *sizes,
                              StringRef what, unsigned depth, const Val *array) {
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
  case TypeExpr::Kind::Var:
    if (const TypeExpr *alias = aliasedType(t))
      return checkAgainst(*alias, v, at, sizes, what, depth, array);
    if (v.kind == Val::Kind::Fn || !matchTypeVar(t, typeOf(v, at)))
      mismatch();
    return;
  case TypeExpr::Kind::Tuple:
    if (v.kind != Val::Kind::Tuple || v.parts.size() != t.elems.size() || v.fields != t.fields ||
        v.complex)
      mismatch();
    for (size_t i = 0; i < t.elems.size(); ++i)
      checkAgainst(t.elems[i], v.parts[i], at, sizes, what);
    return;
  case TypeExpr::Kind::Prim: {
    TypeP want = namedType(t.prim);
    if (isComplexType(want)) {
      if (v.kind == Val::Kind::Fn)
        mismatch();
      if (!sameType(typeOf(toComplex(v, complexPart(want), at, /*onlyLiterals=*/true), at), want))
        mismatch();
      return;
    }
    Val c = coerce(v, want, at);
    if (c.kind != Val::Kind::Data || !isPrim(c.type) || c.type->prim != primNamed(t.prim))
      mismatch();
    return;
  }
  case TypeExpr::Kind::Array:
    break;
  }
  // Arrays: walk the element types, checking one dimension per level.
  if (v.kind != Val::Kind::Data || v.type->kind != FType::Kind::Array)
    mismatch();
  const Val &base = array ? *array : v;
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
                         (what + ": size " + t.dimName + " does not match its earlier use").str(),
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
  if (!matchType(elemT, elem))
    mismatch();
}

bool Elaborator::matchType(const TypeExpr &t, const TypeP &actual) {
  switch (t.kind) {
  case TypeExpr::Kind::Var:
    if (const TypeExpr *alias = aliasedType(t))
      return matchType(*alias, actual);
    return matchTypeVar(t, actual);
  case TypeExpr::Kind::Prim:
    return sameType(actual, namedType(t.prim));
  case TypeExpr::Kind::Array:
    return actual->kind == FType::Kind::Array && matchType(t.elems[0], actual->elem);
  case TypeExpr::Kind::Tuple:
    if (actual->kind != FType::Kind::Tuple || actual->fields != t.fields || actual->complex ||
        actual->elems.size() != t.elems.size())
      return false;
    for (auto [e, a] : llvm::zip_equal(t.elems, actual->elems))
      if (!matchType(e, a))
        return false;
    return true;
  case TypeExpr::Kind::Function:
    return false;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Names and application
//===----------------------------------------------------------------------===//

static Val makeClosure(std::shared_ptr<Closure> c) {
  Val v;
  v.kind = Val::Kind::Fn;
  v.fn = std::move(c);
  return v;
}

Val Elaborator::builtinVal(StringRef name) {
  auto c = std::make_shared<Closure>();
  c->kind = Closure::Kind::Builtin;
  c->builtin = builtins.lookup(name);
  assert(c->builtin && "not a builtin");
  c->arity = c->builtin->arity;
  return makeClosure(c);
}

//===----------------------------------------------------------------------===//
// Application: lambdas, defs and their instances
//===----------------------------------------------------------------------===//

Val Elaborator::varRef(const std::string &name, const EnvP &env, llvm::SMLoc at) {
  // Desugared syntax (slices) names builtins `#name`, which no binding of
  // the program can shadow.
  if (name.size() > 1 && name[0] == '#' && builtins.lookup(name.substr(1)))
    return builtinVal(name.substr(1));
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
  if (const Builtin *builtin = builtins.lookup(name))
    // A builtin of no arguments (process_index) is a value, built here.
    return builtin->arity ? builtinVal(name) : builtin->build(*this, *builtin, {}, at);
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
    return c.builtin->build(*this, *c.builtin, c.args, at);
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
  {
    auto leaveTypeScope = llvm::make_scope_exit(enterTypeScope(d));
    SizeEnv sizes;
    for (size_t i = 0; i < d.params.size(); ++i) {
      const ast::Pattern &p = d.params[i];
      checkAgainst(*p.type, args[i], at, &sizes,
                   "argument " + std::to_string(i + 1) + " of '" + d.name + "'");
      Val arg = coerceTo(*p.type, args[i], at);
      paramTypes.push_back(eraseSizes(typeOf(arg, at)));
      leavesOf(arg, at, operands);
    }
  }
  // The source types too: a tuple and a record of the same leaves differ.
  for (const TypeP &t : paramTypes)
    os << typeName(t) << ";";
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
           (c.builtin ? c.builtin->name : std::string());
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
  auto leaveTypeScope = llvm::make_scope_exit(enterTypeScope(d));
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


//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

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
static std::optional<double> literalValue(const Expr &e) {
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
  case Expr::Kind::StringLit:
    fail(at, "a string literal can only be the label of trace (trace \"x\" x)");
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
    v.fields = e.fields;
    for (const ExprPtr &k : e.kids)
      v.parts.push_back(gen(*k, env));
    return v;
  }
  case Expr::Kind::Update:
    return updateField(gen(*e.kids[0], env), e.name, gen(*e.kids[1], env), at);
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
    const Expr &arg = *e.kids[1];
    // trace's label, its first argument, is the one place for a string.
    if (arg.kind == Expr::Kind::StringLit && fn.kind == Val::Kind::Fn &&
        fn.fn->kind == Closure::Kind::Builtin && fn.fn->builtin->name == "trace" &&
        fn.fn->args.empty()) {
      Val label;
      label.text = arg.name;
      return apply(fn, label, at);
    }
    return apply(fn, gen(arg, env), at);
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
      if (isComplex(x))
        return genComplexFunction("-", x, at);
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
    if (!e.name.empty())
      return field(v, e.name, at);
    if (v.kind != Val::Kind::Tuple || !v.fields.empty() || v.complex)
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

/// The C API's names of the leaves of a value of type `t` called `base`:
/// `x`; a tuple's components `x_0`, `x_1`, ...; a record's `x_w`, `x_b`
/// (arrays of tuples and records alike, one array per component); both
/// parts of a complex number are `x`, one value of the C API.
static void leafNames(const TypeP &t, const std::string &base,
                      SmallVectorImpl<std::string> &out) {
  if (t->kind == FType::Kind::Array)
    return leafNames(t->elem, base, out);
  if (t->kind != FType::Kind::Tuple || isComplexType(t)) {
    out.append(isComplexType(t) ? 2 : 1, base);
    return;
  }
  for (auto [k, e] : llvm::enumerate(t->elems))
    leafNames(e, base + "_" + (t->fields.empty() ? std::to_string(k) : t->fields[k]), out);
}

/// Appends, per leaf of a value of type `t`, 1 for the real part of a
/// complex number (the next leaf is its imaginary part), else 0: what the
/// entry attributes `fad.entry_arg_parts` and `fad.entry_result_parts` say
/// to the driver, which reads and prints a complex number as one value.
static void complexParts(const TypeP &t, SmallVectorImpl<int32_t> &out) {
  if (t->kind == FType::Kind::Array)
    return complexParts(t->elem, out);
  if (isComplexType(t)) {
    out.append({1, 0});
  } else if (t->kind == FType::Kind::Tuple) {
    for (const TypeP &e : t->elems)
      complexParts(e, out);
  } else {
    out.push_back(0);
  }
}

void Elaborator::genEntry(const Decl &d) {
  requireParamTypes(d);
  if (!d.typeParams.empty())
    fail(d.loc, "entry point '" + d.name + "' cannot have type parameters");
  if (!d.resultType && !options.inferEntryResults)
    fail(d.loc, "entry point '" + d.name + "' needs a result type");
  SmallVector<Type> argTypes;
  SmallVector<Attribute> leafNameAttrs;
  SmallVector<int32_t> argParts, resultParts;
  std::vector<TypeP> paramTypes;
  for (auto [k, p] : llvm::enumerate(d.params)) {
    // Extents of arguments are only known at run time, where they are checked.
    paramTypes.push_back(eraseSizes(resolve(*p.type, "a parameter of an entry point")));
    leafTypes(paramTypes.back(), argTypes);
    complexParts(paramTypes.back(), argParts);
    SmallVector<std::string> names;
    leafNames(paramTypes.back(),
              p.kind == ast::Pattern::Kind::Name ? p.name : "arg" + std::to_string(k), names);
    for (const std::string &name : names)
      leafNameAttrs.push_back(b.getStringAttr(name));
  }
  if (d.resultType && hasFunctionType(*d.resultType))
    fail(d.resultType->loc, "an entry point cannot return a function");
  auto fn = b.create<func::FuncOp>(loc(d.loc), "fad_entry_" + d.name,
                                   b.getFunctionType(argTypes, {}));
  fn->setAttr("fad.entry", b.getStringAttr(d.name));
  fn->setAttr("fad.entry_params", b.getI64IntegerAttr(d.params.size()));
  fn->setAttr("fad.entry_leaf_names", b.getArrayAttr(leafNameAttrs));
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
  TypeP resultType = typeOf(result, d.body->loc);
  complexParts(resultType, resultParts);
  if (llvm::is_contained(argParts, 1) || llvm::is_contained(resultParts, 1)) {
    fn->setAttr("fad.entry_arg_parts", b.getDenseI32ArrayAttr(argParts));
    fn->setAttr("fad.entry_result_parts", b.getDenseI32ArrayAttr(resultParts));
  }
  fn->setAttr("fad.entry_type", b.getStringAttr(typeName(resultType)));
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
  if (!d.typeParams.empty())
    return; // checked where it is applied, with the types it gets
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
        if (d.kind == Decl::Kind::Type) {
          if (const Decl *previous = typeAliases.lookup(d.name);
              previous && !options.allowRedefinition) {
            emitError(loc(d.loc), "type '" + d.name + "' is defined twice")
                    .attachNote(loc(previous->loc))
                << "first definition here";
            throw ElabError{};
          }
          if (hasFunctionType(*d.resultType))
            fail(d.resultType->loc, "type '" + d.name + "' cannot name a function type");
          typeAliases[d.name] = &d;
          continue;
        }
        if (builtins.lookup(d.name))
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
    for (const ast::Module &m : modules) // in source order: a stable error
      for (const Decl &d : m.decls)
        if (d.kind == Decl::Kind::Type) {
          std::vector<std::string> path{d.name};
          checkAliasCycles(*d.resultType, path);
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


OwningOpRef<ModuleOp> fad::mlirGen(MLIRContext &context, llvm::SourceMgr &sourceMgr,
                                   const std::vector<ast::Module> &modules,
                                   const MLIRGenOptions &options) {
  return Elaborator(context, sourceMgr, options).run(modules);
}
