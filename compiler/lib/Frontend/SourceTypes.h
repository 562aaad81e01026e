//===- SourceTypes.h - Types of the fad source language -----------*- C++ -*-===//
//
// Private to the frontend. The elaborator's representation of the types of
// fad programs (primitive types, arrays with an extent known or not at
// compile time, tuples), their names in diagnostics, the MLIR types a value
// of each type is flattened into, and the rules by which a numeric literal
// takes the type its context needs.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_FRONTEND_SOURCETYPES_H
#define FAD_LIB_FRONTEND_SOURCETYPES_H

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Types.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fad::frontend {

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
  /// A record is a tuple with named components: the names, sorted, one per
  /// component (a tuple: none). Records of the same names and types are the
  /// same type (structural, as in Futhark).
  std::vector<std::string> fields;
  /// A complex number, c128 or c64: a tuple of its real and imaginary parts
  /// (f64 or f32), so that arrays of them are a pair of float arrays and
  /// every op, loop and derivative rule of floats applies to them (the
  /// language keeps the parts out of reach of tuple patterns).
  bool complex = false;
};

TypeP primType(Prim p);
TypeP arrayType(TypeP elem, std::optional<int64_t> size = std::nullopt);
TypeP tupleType(std::vector<TypeP> elems, std::vector<std::string> fields = {});
/// c128 (`part` f64) or c64 (f32).
TypeP complexType(Prim part);
inline bool isComplexType(const TypeP &t) { return t->kind == FType::Kind::Tuple && t->complex; }
/// The float type of a complex type's parts.
inline Prim complexPart(const TypeP &t) { return t->elems[0]->prim; }
/// Whether `t` is or contains a complex type.
bool containsComplex(const TypeP &t);

inline bool isFloat(Prim p) { return p == Prim::F64 || p == Prim::F32; }
inline bool isInt(Prim p) { return p == Prim::I64 || p == Prim::I32; }
inline bool isPrim(const TypeP &t) { return t->kind == FType::Kind::Prim; }
inline bool isNumber(const TypeP &t) { return isPrim(t) && t->prim != Prim::Bool; }
inline bool isFloatType(const TypeP &t) { return isPrim(t) && isFloat(t->prim); }

/// The primitive type a type annotation names (`f64`, ...; anything else is
/// `bool`, the parser admitting only these names).
Prim primNamed(llvm::StringRef name);
/// The type a primitive type name denotes: c128 and c64 as well.
TypeP namedType(llvm::StringRef name);
const char *primName(Prim p);
/// The type as a program writes it: `[3]f64`, `(i64, []f32)`, `{b: f64}`.
std::string typeName(const TypeP &t);

/// Equality up to array extents (which are checked separately).
bool sameType(const TypeP &a, const TypeP &b);

/// The type of a batch of tangents of a `t` value, the batch innermost:
/// f64 -> [n]f64, [m]f64 -> [m][n]f64, (a, b) -> (batched a, batched b).
TypeP batchedType(const TypeP &t);

/// `t` without static extents, for values whose extent may change (loops).
TypeP eraseSizes(const TypeP &t);

//--- MLIR types of source types ----------------------------------------------

/// The MLIR type of a value of primitive type `p`.
mlir::Type scalarType(mlir::MLIRContext *ctx, Prim p);
/// The flattened MLIR types of a value of type `t`: tuples become their
/// components, arrays of tuples one array per component.
void leafTypes(mlir::MLIRContext *ctx, const TypeP &t,
               llvm::SmallVectorImpl<mlir::Type> &out);
/// How many MLIR values a value of type `t` is flattened into.
size_t leafCount(mlir::MLIRContext *ctx, const TypeP &t);

//--- Literals ------------------------------------------------------------------

/// Whether a numeric literal of type `literal` takes type `want` where its
/// context needs one: an integer literal may become a float, a float literal
/// never becomes an integer, and nothing becomes a bool.
bool literalBecomes(const TypeP &literal, const TypeP &want);

/// Which of the two operands of a binary operation (`a`, `c`: their types,
/// and whether each is a numeric literal) takes the other's type.
enum class LiteralUnification { None, FirstTakesSecond, SecondTakesFirst };
LiteralUnification unifyLiterals(const TypeP &a, bool aLiteral, const TypeP &c,
                                 bool cLiteral);

} // namespace fad::frontend

#endif // FAD_LIB_FRONTEND_SOURCETYPES_H
