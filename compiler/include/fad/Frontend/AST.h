//===- AST.h - The abstract syntax tree of .fad programs ----------*- C++ -*-===//
//
// The AST that the parser produces and MLIRGen consumes. Every node records
// where it starts in the source buffer (an llvm::SMLoc into the SourceMgr's
// buffer), so that every diagnostic can point at file:line:col with a caret.
// No Boost type appears here: Spirit X3 stays inside Parser.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_FRONTEND_AST_H
#define FAD_FRONTEND_AST_H

#include "llvm/Support/SMLoc.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fad::ast {

/// A type as written: `f64`, `[n]f64`, `[3][m]f32`, `(f64, i64)`,
/// `{b: f64, w: [n]f64}`, `f64 -> f64`, or a type parameter `t`.
struct TypeExpr {
  enum class Kind { Prim, Array, Tuple, Function, Var } kind = Kind::Prim;
  llvm::SMLoc loc;
  std::string prim;            ///< Prim: f64, f32, i64, i32 or bool; Var: its name.
  std::string dimName;         ///< Array: the size variable, or "" ...
  std::optional<int64_t> dim;  ///< ... a literal size, or neither (`[]`).
  std::vector<TypeExpr> elems; ///< Array: {element}; Tuple: components;
                               ///< Function: {parameter, result}.
  /// A record: the field names, sorted, one per element (a tuple: empty).
  std::vector<std::string> fields;
};

/// A binding pattern: a name, `_`, or a tuple of patterns, maybe typed.
struct Pattern {
  enum class Kind { Name, Wildcard, Tuple } kind = Kind::Name;
  llvm::SMLoc loc;
  std::string name;
  std::vector<Pattern> elems;
  std::shared_ptr<TypeExpr> type; ///< The annotation, if any.
};

struct Expr;
using ExprPtr = std::shared_ptr<Expr>;

/// An expression. The meaning of `kids`, `name` and `patterns` depends on
/// the kind, as listed next to each.
struct Expr {
  enum class Kind {
    FloatLit,  ///< floatValue
    IntLit,    ///< intValue
    BoolLit,   ///< boolValue
    StringLit, ///< name: the text (only as trace's label, `trace "x" x`)
    Var,       ///< name
    Array,     ///< kids: elements
    Tuple,     ///< kids: components (at least two); a record: also
               ///< fields, the names, sorted, one per kid
    Update,    ///< kids[0] with name = kids[1]; name is a field path `a.b`
    Let,       ///< patterns[0] = kids[0] in kids[1]
    If,        ///< if kids[0] then kids[1] else kids[2]
    Lambda,    ///< \patterns... -> kids[0]
    Apply,     ///< kids[0] applied to kids[1]
    Binary,    ///< kids[0] name kids[1]; name is the operator symbol
    Unary,     ///< name kids[0]; name is "-" or "!"
    Section,   ///< (name): an operator as a function value
    Index,     ///< kids[0][kids[1], ...]
    Project,   ///< kids[0].field, or kids[0].name for a record field
    LoopFor,   ///< loop patterns[0] = kids[0] for name < kids[1] do kids[2]
    LoopWhile, ///< loop patterns[0] = kids[0] while kids[1] do kids[2]
  } kind;
  llvm::SMLoc loc;
  double floatValue = 0;
  int64_t intValue = 0;
  bool boolValue = false;
  int64_t field = 0;
  std::string name;
  std::vector<ExprPtr> kids;
  std::vector<Pattern> patterns;
  std::vector<std::string> fields;

  Expr(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}
};

/// A top-level declaration.
struct Decl {
  enum class Kind { Import, Def, Entry, Type } kind = Kind::Def;
  llvm::SMLoc loc;
  std::string name;                    ///< Def/Entry/Type name, or the import path.
  std::vector<std::string> sizeParams; ///< `[n]` parameters.
  std::vector<std::string> typeParams; ///< `'t` parameters.
  std::vector<Pattern> params;         ///< Each typed.
  std::shared_ptr<TypeExpr> resultType; ///< Type: the type it names.
  ExprPtr body;
};

/// One parsed source file.
struct Module {
  unsigned bufferId = 0;
  std::vector<Decl> decls;
};

/// Prints `module` as an indented tree (fadc --emit=ast).
void dump(const Module &module, llvm::raw_ostream &os);
/// Prints a type in source syntax.
void print(const TypeExpr &type, llvm::raw_ostream &os);
/// Prints `name [n] (x: t) ... : r` as written.
void printSignature(const Decl &decl, llvm::raw_ostream &os);

} // namespace fad::ast

#endif // FAD_FRONTEND_AST_H
