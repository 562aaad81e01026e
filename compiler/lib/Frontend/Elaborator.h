//===- Elaborator.h - Elaborate the fad AST into the fad dialect --*- C++ -*-===//
//
// Private to the frontend. The elaborator is a single walk over the AST that
// resolves names, infers and checks types and sizes, and emits fad IR, in
// the style of partial evaluation: an expression evaluates to a
// compile-time value (Val) that is either data (SSA values of the fad
// dialect, with a source type), a tuple of values, or a function (a closure
// over the AST). Applying a function inlines its body with the arguments
// bound, so every function is specialized to its arguments' types and to
// the functions passed to it, and no function value survives into the IR
// (Futhark's defunctionalization by specialization). Tuples are flattened
// into their components and arrays of tuples into one array per component,
// so the IR only ever sees scalars and arrays of scalars.
//
// Errors throw an internal exception (ElabError) after emitting a located
// diagnostic; run catches it and returns null.
//
// The elaborator is implemented in Elaborator.cpp; the builtins it applies
// (Builtins.h), which use the helpers in the public part of the class, in
// Builtins.cpp; source types in SourceTypes.h.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_LIB_FRONTEND_ELABORATOR_H
#define FAD_LIB_FRONTEND_ELABORATOR_H

#include "Builtins.h"
#include "SourceTypes.h"

#include "fad/Frontend/MLIRGen.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SourceMgr.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fad::frontend {

//===----------------------------------------------------------------------===//
// Compile-time values
//===----------------------------------------------------------------------===//

struct Closure;
struct Env;
using EnvP = std::shared_ptr<const Env>;

/// What an expression elaborates to.
struct Val {
  enum class Kind { Data, Tuple, Fn } kind = Kind::Data;
  TypeP type;                              ///< Data: a prim or array type.
  llvm::SmallVector<mlir::Value, 1> leaves; ///< Data: the flattened SSA values.
  std::vector<Val> parts;                  ///< Tuple.
  std::vector<std::string> fields;         ///< Tuple: a record's field names.
  bool complex = false;                    ///< Tuple: a complex number (re, im).
  std::shared_ptr<const Closure> fn;       ///< Fn.
  /// Set for a numeric literal, so that it can take the type its context
  /// needs (`x * 2` with x: f32 makes the 2 an f32).
  std::optional<double> literal;
  /// Set for a string literal, which only the label of trace may be
  /// (Elaborator::gen, Apply): a Data value without type or leaves.
  std::optional<std::string> text;
};

/// A function value: what to inline when it has all its arguments.
struct Closure {
  enum class Kind { Lambda, Def, Builtin } kind;
  const ast::Expr *lambda = nullptr; ///< Lambda.
  EnvP env;                          ///< Lambda: the captured scope.
  const ast::Decl *def = nullptr;    ///< Def.
  const Builtin *builtin = nullptr;  ///< Builtin (also operator sections).
  size_t arity = 0;
  std::vector<Val> args; ///< Arguments supplied so far.
};

/// A persistent scope: a linked list of bindings.
struct Env {
  std::string name;
  Val value;
  EnvP parent;
};

EnvP bind(EnvP env, const std::string &name, Val value);
const Val *lookup(const EnvP &env, llvm::StringRef name);

/// Thrown after a diagnostic has been emitted.
struct ElabError {};

//===----------------------------------------------------------------------===//
// The elaborator
//===----------------------------------------------------------------------===//

class Elaborator {
public:
  Elaborator(mlir::MLIRContext &ctx, llvm::SourceMgr &sm, const MLIRGenOptions &options);

  mlir::OwningOpRef<mlir::ModuleOp> run(const std::vector<ast::Module> &modules);

  //--- For the builtins ---------------------------------------------------------
  // What builtin builders (Builtins.cpp) build with: the builder, located
  // diagnostics, values, checks of arguments, bodies of structured ops, and
  // application of function values.

  mlir::OpBuilder b;

  /// The location of source position `at` (the caller's, inside the prelude).
  mlir::Location loc(llvm::SMLoc at);
  /// Emits `message` at `at` and unwinds the elaboration.
  [[noreturn]] void fail(llvm::SMLoc at, const llvm::Twine &message);

  mlir::Type scalarType(Prim p) { return frontend::scalarType(&ctx, p); }
  void leafTypes(const TypeP &t, llvm::SmallVectorImpl<mlir::Type> &out) {
    frontend::leafTypes(&ctx, t, out);
  }
  size_t leafCount(const TypeP &t) { return frontend::leafCount(&ctx, t); }

  /// The value of type `t` whose flattened SSA values are `leaves`.
  Val fromLeaves(const TypeP &t, llvm::ArrayRef<mlir::Value> leaves);
  TypeP typeOf(const Val &v, llvm::SMLoc at);
  void leavesOf(const Val &v, llvm::SMLoc at, llvm::SmallVectorImpl<mlir::Value> &out);
  llvm::SmallVector<mlir::Value> leavesOf(const Val &v, llvm::SMLoc at);
  Val data(TypeP t, mlir::Value v);
  Val constant(Prim p, double value, llvm::SMLoc at);
  Val intConst(int64_t value, llvm::SMLoc at);
  /// The builtin `name` as a function value.
  Val builtinVal(llvm::StringRef name);

  /// If `v` is a numeric literal of another type than `want`, the same literal
  /// at type `want` (an integer literal may become a float, not vice versa).
  Val coerce(const Val &v, const TypeP &want, llvm::SMLoc at);
  /// Makes numeric literals among `a`, `c` take the other's type.
  void unify(Val &a, Val &c, llvm::SMLoc at);

  const Val &scalar(const Val &v, llvm::SMLoc at, llvm::StringRef what);
  std::string describe(const Val &v, llvm::SMLoc at);
  mlir::Value expectPrim(const Val &v, Prim p, llvm::SMLoc at, llvm::StringRef what);
  /// Checks that `v` is an array and returns its type.
  TypeP expectArray(const Val &v, llvm::SMLoc at, llvm::StringRef what);
  const Closure &expectFn(const Val &v, llvm::SMLoc at, llvm::StringRef what);

  /// The outer extent of array `v` as an i64 value.
  mlir::Value extent(const Val &v, llvm::SMLoc at);
  /// A run-time check (or a compile-time error when both are static) that
  /// arrays `a` and `c` have the same outer extent.
  void checkSameExtent(const Val &a, const Val &c, llvm::SMLoc at, llvm::StringRef what);

  /// Builds the body of a structured op into `region`: a block with
  /// arguments of `argTypes`, filled by `body`, ended by a fad.yield of what
  /// `body` returns. Returns the yielded values' types.
  llvm::SmallVector<mlir::Type>
  buildBody(mlir::Region &region, mlir::TypeRange argTypes, llvm::SMLoc at,
            llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::ValueRange)> body);

  /// Recreates `op` with result types `resultTypes`, moving its regions
  /// over; used for ops whose result types are known only after their
  /// bodies are built.
  template <typename OpTy>
  OpTy withResults(OpTy op, mlir::TypeRange resultTypes) {
    mlir::OperationState state(op.getLoc(), op->getName());
    state.addOperands(op->getOperands());
    state.addAttributes(op->getAttrs());
    state.addTypes(resultTypes);
    for (mlir::Region &r : op->getRegions())
      state.addRegion()->takeBody(r);
    mlir::Operation *created = b.create(state);
    op->erase();
    return llvm::cast<OpTy>(created);
  }

  Val apply(const Val &fn, Val arg, llvm::SMLoc at);
  Val applyAll(const Val &fn, llvm::ArrayRef<Val> args, llvm::SMLoc at) {
    Val r = fn;
    for (const Val &a : args)
      r = apply(r, a, at);
    return r;
  }
  Val genIf(mlir::Value cond, llvm::SMLoc at, llvm::function_ref<Val()> thenGen,
            llvm::function_ref<Val()> elseGen);

  //--- Builtins, in Builtins.cpp ------------------------------------------------

  /// `lhs op rhs` for the operators, and the builtins of two scalars that
  /// behave as operators (max, min, atan2).
  Val genBinary(const std::string &op, Val lhs, Val rhs, llvm::SMLoc at);
  Val genBitwise(const std::string &op, Val lhs, Val rhs, llvm::SMLoc at);
  Val genMap(const Val &fn, llvm::ArrayRef<Val> arrays, llvm::SMLoc at);
  Val genFold(bool scan, const Val &op, const Val &ne, const Val &array, llvm::SMLoc at);
  Val genBuild(mlir::Value n, llvm::SMLoc at, llvm::function_ref<Val(Val)> elem);
  Val genReduceWith(const std::string &op, const Val &array, llvm::SMLoc at);
  Val genJvp(const Val &fn, const Val &x, const Val &xTan, llvm::SMLoc at,
             bool batched = false);
  Val genJacfwd(const Val &fn, const Val &x, llvm::SMLoc at);
  Val genVjp(const Val &fn, const Val &x, const Val *yAdj, llvm::SMLoc at);
  Val genJacrev(const Val &fn, const Val &x, llvm::SMLoc at);

  //--- Complex numbers, in Complex.cpp -------------------------------------------

  static bool isComplex(const Val &v) { return v.kind == Val::Kind::Tuple && v.complex; }
  /// The complex number re + i im of two floats of one type (literals take
  /// the other's type).
  Val makeComplex(Val re, Val im, llvm::SMLoc at);
  /// `v` as a complex number with parts of type `part`: a complex of that
  /// part, a float of it (imaginary part 0) or a numeric literal. Anything
  /// else comes back unchanged, or (`onlyLiterals`) only literals convert.
  Val toComplex(const Val &v, Prim part, llvm::SMLoc at, bool onlyLiterals = false);
  /// `lhs op rhs` where either operand is complex (the other may be real).
  Val genComplexBinary(const std::string &op, Val lhs, Val rhs, llvm::SMLoc at);
  /// The function `name` (re, im, conj, abs, arg, exp, log, sqrt, sin, cos,
  /// tanh, sinh, cosh, unary -) of a complex number.
  Val genComplexFunction(llvm::StringRef name, const Val &z, llvm::SMLoc at);
  Val genBasisVector(mlir::Value n, const Val &k, Prim p, llvm::SMLoc at);
  Val genTaylor(const Val &fn, const Val &x, const Val &v, const Val &order, llvm::SMLoc at);

private:
  mlir::MLIRContext &ctx;
  llvm::SourceMgr &sourceMgr;
  const MLIRGenOptions &options;
  BuiltinTable builtins;
  llvm::StringMap<const ast::Decl *> defs;
  /// `type name = t` declarations, by name.
  llvm::StringMap<const ast::Decl *> typeAliases;
  /// The type `t` names when it is a type alias (a Var that no type
  /// parameter in scope shadows), else null.
  const ast::TypeExpr *aliasedType(const ast::TypeExpr &t) const;
  /// Fails at an alias that refers to itself, directly or not.
  void checkAliasCycles(const ast::TypeExpr &t, std::vector<std::string> &path);
  /// An instance of a def being inlined: the def and the code of the
  /// functions it was given (instanceKey).
  struct ActiveDef {
    const ast::Decl *def;
    std::string key;
  };
  /// Instances being inlined, innermost last, to reject recursion.
  std::vector<ActiveDef> activeDefs;
  bool isActive(const ast::Decl &d) const;
  /// The result types of the functions of MLIRGenOptions::callDefs.
  llvm::DenseMap<mlir::Operation *, TypeP> defResultTypes;
  /// When inlining a prelude function (a def or a lambda), its ops and
  /// errors take the caller's location, so that errors point at user code.
  std::optional<mlir::Location> locOverride;
  unsigned preludeBuffer = ~0u;
  /// Where each line of a source buffer starts (sourceLoc).
  llvm::DenseMap<unsigned, std::vector<const char *>> lineStarts;

  //--- Diagnostics and locations -------------------------------------------

  /// Where `at` is in its file, whatever the override.
  mlir::Location sourceLoc(llvm::SMLoc at);
  bool isInPrelude(llvm::SMLoc at) const;
  /// Runs `body` with the prelude's code at `code` (a def or lambda written
  /// there) taking the location of the user's code that called it (`at`).
  template <typename Fn>
  auto asCalledFrom(llvm::SMLoc code, llvm::SMLoc at, Fn body);

  //--- Patterns and declared types ------------------------------------------

  EnvP bindPattern(EnvP env, const ast::Pattern &p, const Val &v);
  /// `v` with literals coerced to the annotated primitive type.
  Val coerceTo(const ast::TypeExpr &t, const Val &v, llvm::SMLoc at);
  /// The data type a declared type denotes (extents become static only for
  /// literal sizes); fails for function types.
  TypeP resolve(const ast::TypeExpr &t, llvm::StringRef what);
  /// Whether `actual` has the shape of declared type `t` (extents aside),
  /// binding the type parameters `t` mentions.
  bool matchType(const ast::TypeExpr &t, const TypeP &actual);
  using SizeEnv = llvm::StringMap<mlir::Value>;
  /// The types bound to the type parameters of the defs being elaborated,
  /// innermost last: bound where a parameter's value first meets one (`'t`
  /// in `(x: t)`), checked at its other occurrences.
  std::vector<llvm::StringMap<TypeP>> typeScopes;
  /// Binds or checks type parameter `name` (a TypeExpr::Kind::Var) against
  /// `t`; false on a mismatch.
  bool matchTypeVar(const ast::TypeExpr &var, const TypeP &t);
  /// Opens the type scope of an instance of `d`; returns what closes it.
  std::function<void()> enterTypeScope(const ast::Decl &d);
  /// The field `name` of record `v`, or an error naming the fields it has.
  const Val &field(const Val &v, llvm::StringRef name, llvm::SMLoc at);
  /// `v` with the field at `path` (`a.b`) replaced by `value`, of the same type.
  Val updateField(const Val &v, llvm::StringRef path, Val value, llvm::SMLoc at);
  /// Checks that `v` has the declared type `t`. Size variables are bound in
  /// `sizes` at their first occurrence and checked at run time afterwards
  /// (or at compile time when both extents are static).
  void checkAgainst(const ast::TypeExpr &t, const Val &v, llvm::SMLoc at, SizeEnv *sizes,
                    llvm::StringRef what, unsigned depth = 0, const Val *array = nullptr);

  //--- Expressions and applications -----------------------------------------

  Val gen(const ast::Expr &e, const EnvP &env);
  Val genLoop(const ast::Expr &e, const EnvP &env);
  Val varRef(const std::string &name, const EnvP &env, llvm::SMLoc at);
  Val invoke(const Closure &c, llvm::SMLoc at);
  Val invokeDef(const ast::Decl &d, llvm::ArrayRef<Val> args, llvm::SMLoc at);
  Val inlineDef(const ast::Decl &d, llvm::ArrayRef<Val> args, llvm::SMLoc at);
  /// inlineDef's work once the instance is on the stack: binds the
  /// arguments, checks their types and sizes, elaborates the body.
  Val inlineBody(const ast::Decl &d, llvm::ArrayRef<Val> args, llvm::SMLoc at);
  std::optional<Val> callDef(const ast::Decl &d, llvm::ArrayRef<Val> args, llvm::SMLoc at);

  //--- Declarations ----------------------------------------------------------

  void genEntry(const ast::Decl &d);
  void checkComponentExtents(const TypeP &t, llvm::ArrayRef<mlir::Value> leaves,
                             int64_t outer, llvm::SMLoc at, const std::string &what);
  void checkDef(const ast::Decl &d);
  void requireParamTypes(const ast::Decl &d);
};

} // namespace fad::frontend

#endif // FAD_LIB_FRONTEND_ELABORATOR_H
