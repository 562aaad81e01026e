//===- SourceTypes.cpp - Types of the fad source language ---------*- C++ -*-===//
//
// This file implements the frontend's representation of source types: their
// construction, names, comparison, batching for vector-mode tangents, the
// MLIR types their values are flattened into, and the literal rules.
//
//===----------------------------------------------------------------------===//

#include "SourceTypes.h"

#include "fad/Dialect/FAD/IR/FADOps.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace fad::frontend {

TypeP primType(Prim p) {
  auto t = std::make_shared<FType>();
  t->kind = FType::Kind::Prim;
  t->prim = p;
  return t;
}
TypeP arrayType(TypeP elem, std::optional<int64_t> size) {
  auto t = std::make_shared<FType>();
  t->kind = FType::Kind::Array;
  t->elem = std::move(elem);
  t->size = size;
  return t;
}
TypeP tupleType(std::vector<TypeP> elems, std::vector<std::string> fields) {
  auto t = std::make_shared<FType>();
  t->kind = FType::Kind::Tuple;
  t->elems = std::move(elems);
  t->fields = std::move(fields);
  return t;
}

TypeP complexType(Prim part) {
  auto t = std::make_shared<FType>();
  t->kind = FType::Kind::Tuple;
  t->elems = {primType(part), primType(part)};
  t->complex = true;
  return t;
}

bool containsComplex(const TypeP &t) {
  if (isComplexType(t))
    return true;
  if (t->kind == FType::Kind::Array)
    return containsComplex(t->elem);
  return llvm::any_of(t->elems, [](const TypeP &e) { return containsComplex(e); });
}

TypeP namedType(llvm::StringRef name) {
  if (name == "c128")
    return complexType(Prim::F64);
  if (name == "c64")
    return complexType(Prim::F32);
  return primType(primNamed(name));
}

Prim primNamed(llvm::StringRef name) {
  if (name == "f64") return Prim::F64;
  if (name == "f32") return Prim::F32;
  if (name == "i64") return Prim::I64;
  if (name == "i32") return Prim::I32;
  return Prim::Bool;
}

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
    if (t->complex)
      return complexPart(t) == Prim::F64 ? "c128" : "c64";
    bool record = !t->fields.empty();
    std::string s = record ? "{" : "(";
    for (size_t i = 0; i < t->elems.size(); ++i)
      s += (i ? ", " : "") + (record ? t->fields[i] + ": " : std::string()) +
           typeName(t->elems[i]);
    return s + (record ? "}" : ")");
  }
  }
  return "?";
}

bool sameType(const TypeP &a, const TypeP &b) {
  if (a->kind != b->kind)
    return false;
  switch (a->kind) {
  case FType::Kind::Prim:
    return a->prim == b->prim;
  case FType::Kind::Array:
    return sameType(a->elem, b->elem);
  case FType::Kind::Tuple:
    if (a->elems.size() != b->elems.size() || a->fields != b->fields || a->complex != b->complex)
      return false;
    for (size_t i = 0; i < a->elems.size(); ++i)
      if (!sameType(a->elems[i], b->elems[i]))
        return false;
    return true;
  }
  return false;
}

TypeP batchedType(const TypeP &t) {
  switch (t->kind) {
  case FType::Kind::Prim:
    return arrayType(t);
  case FType::Kind::Array:
    return arrayType(batchedType(t->elem), t->size);
  case FType::Kind::Tuple: {
    if (t->complex) // the same leaves as the pair of batched parts
      return arrayType(t);
    std::vector<TypeP> elems;
    for (const TypeP &e : t->elems)
      elems.push_back(batchedType(e));
    return tupleType(elems, t->fields);
  }
  }
  return t;
}

TypeP eraseSizes(const TypeP &t) {
  switch (t->kind) {
  case FType::Kind::Prim:
    return t;
  case FType::Kind::Array:
    return arrayType(eraseSizes(t->elem));
  case FType::Kind::Tuple: {
    if (t->complex)
      return t;
    std::vector<TypeP> elems;
    for (const TypeP &e : t->elems)
      elems.push_back(eraseSizes(e));
    return tupleType(elems, t->fields);
  }
  }
  return t;
}

Type scalarType(MLIRContext *ctx, Prim p) {
  switch (p) {
  case Prim::F64: return Float64Type::get(ctx);
  case Prim::F32: return Float32Type::get(ctx);
  case Prim::I64: return IntegerType::get(ctx, 64);
  case Prim::I32: return IntegerType::get(ctx, 32);
  case Prim::Bool: return IntegerType::get(ctx, 1);
  }
  return {};
}

void leafTypes(MLIRContext *ctx, const TypeP &t, SmallVectorImpl<Type> &out) {
  switch (t->kind) {
  case FType::Kind::Prim:
    out.push_back(scalarType(ctx, t->prim));
    return;
  case FType::Kind::Array: {
    SmallVector<Type> elems;
    leafTypes(ctx, t->elem, elems);
    for (Type e : elems)
      out.push_back(getArrayOfType(e));
    return;
  }
  case FType::Kind::Tuple:
    for (const TypeP &e : t->elems)
      leafTypes(ctx, e, out);
    return;
  }
}

size_t leafCount(MLIRContext *ctx, const TypeP &t) {
  SmallVector<Type> types;
  leafTypes(ctx, t, types);
  return types.size();
}

bool literalBecomes(const TypeP &literal, const TypeP &want) {
  if (!isNumber(want) || sameType(literal, want))
    return false;
  return !(isInt(want->prim) && isFloat(literal->prim));
}

LiteralUnification unifyLiterals(const TypeP &a, bool aLiteral, const TypeP &c,
                                 bool cLiteral) {
  if (aLiteral && !cLiteral)
    return LiteralUnification::FirstTakesSecond;
  if (cLiteral && !aLiteral)
    return LiteralUnification::SecondTakesFirst;
  // Two literals: the float one decides (`1 + 2.5` is an f64).
  if (aLiteral && cLiteral && isFloatType(c))
    return LiteralUnification::FirstTakesSecond;
  if (aLiteral && cLiteral && isFloatType(a))
    return LiteralUnification::SecondTakesFirst;
  return LiteralUnification::None;
}

} // namespace fad::frontend
