//===- Parser.cpp - The Spirit X3 grammar of .fad -----------------*- C++ -*-===//
//
// This file implements parseModule with a Boost.Spirit X3 grammar: the only
// translation unit that includes Spirit. Rules synthesize fad::ast nodes
// through semantic actions; every node's location is the first character of
// its match. Precedence, tightest first: indexing and projection (no space
// before `[` or `.`), application, `**` (right associative), unary `-`/`!`,
// `* / %`, `+ -`, comparisons, `&&`, `||`, `with`, `|>`. `if`, `let`, `loop` and
// lambdas extend as far right as possible. Expectation points (`>`) after
// keywords and operators turn a failed match into a located error; X3 throws
// for them, and this file catches every exception before returning.
//
//===----------------------------------------------------------------------===//

#include "fad/Frontend/Parser.h"
#include "fad/Runtime/FADRuntime.h"

#include "llvm/Support/SourceMgr.h"

#include <boost/fusion/include/at_c.hpp>
#include <boost/spirit/home/x3.hpp>

#include <algorithm>
#include <charconv>
#include <deque>
#include <numeric>

namespace x3 = boost::spirit::x3;
using boost::fusion::at_c;
using namespace fad::ast;

namespace {

using Iterator = const char *;

/// A syntax error found inside a semantic action (e.g. a literal overflow).
struct SyntaxError {
  Iterator where;
  std::string message;
};

/// End of the buffer being parsed, for skipping blanks in locations.
thread_local Iterator bufferEnd = nullptr;

/// Skips white space and `--` comments: X3 reports a match as starting
/// before its pre-skip, and diagnostics should point at the token.
Iterator skipBlank(Iterator p) {
  while (p < bufferEnd) {
    if (std::isspace((unsigned char)*p))
      ++p;
    else if (p + 1 < bufferEnd && p[0] == '-' && p[1] == '-')
      while (p < bufferEnd && *p != '\n')
        ++p;
    else
      break;
  }
  return p;
}

/// `located[p]`: parses `p` and records where its match starts (after the
/// pre-skip) as the location of the rule's result. Boost 1.74's `_where` in
/// semantic actions is the input *after* the match, and rules whose
/// definitions have actions pass no attribute to on_success handlers, so the
/// rule's value is reached here through the rule context instead.
template <typename Subject>
struct LocatedDirective : x3::unary_parser<Subject, LocatedDirective<Subject>> {
  using Base = x3::unary_parser<Subject, LocatedDirective<Subject>>;
  static const bool handles_container = Subject::handles_container;
  using Base::Base;

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It &first, const It &last, const Ctx &ctx, RCtx &rctx, Attr &attr) const {
    x3::skip_over(first, last, ctx);
    llvm::SMLoc loc = llvm::SMLoc::getFromPointer(first);
    if (!this->subject.parse(first, last, ctx, rctx, attr))
      return false;
    if constexpr (std::is_same_v<RCtx, ExprPtr>) {
      if (rctx)
        rctx->loc = loc;
    } else if constexpr (std::is_same_v<RCtx, TypeExpr> ||
                         std::is_same_v<RCtx, Pattern> || std::is_same_v<RCtx, Decl>) {
      rctx.loc = loc;
    }
    return true;
  }
};
struct LocatedGen {
  template <typename Subject>
  LocatedDirective<typename x3::extension::as_parser<Subject>::value_type>
  operator[](const Subject &subject) const {
    return {x3::as_parser(subject)};
  }
};
const LocatedGen located{};

/// A node located by the enclosing rule's on_success.
template <typename Ctx> ExprPtr node(const Ctx &, Expr::Kind kind) {
  return std::make_shared<Expr>(kind, llvm::SMLoc());
}

ExprPtr binary(const std::string &op, ExprPtr lhs, ExprPtr rhs) {
  auto e = std::make_shared<Expr>(Expr::Kind::Binary, lhs->loc);
  e->name = op;
  e->kids = {std::move(lhs), std::move(rhs)};
  return e;
}

ExprPtr apply(ExprPtr fn, ExprPtr arg) {
  auto e = std::make_shared<Expr>(Expr::Kind::Apply, fn->loc);
  e->kids = {std::move(fn), std::move(arg)};
  return e;
}

/// One postfix operation: `[i, j]`, `[lo:hi]`, `.k` or `.name`.
struct Postfix {
  bool isIndex = false;
  bool isSlice = false;
  std::vector<ExprPtr> indices; ///< a slice: {lo, hi}, each possibly null
  int64_t field = 0;
  std::string fieldName; ///< `.name`
};

/// The fields of a record type or expression as written.
template <typename T> struct Fields {
  std::vector<std::string> names;
  std::vector<Iterator> where;
  std::vector<T> values;
};

/// The order that sorts `f` by name: a record's fields are kept sorted
/// wherever it is flattened (the IR, the C API, standard input), so that
/// `{b = 1.0, a = 2}` and `{a = 2, b = 1.0}` are the same value. A name
/// written twice is an error.
template <typename T> std::vector<size_t> sortedFields(const Fields<T> &f) {
  std::vector<size_t> order(f.names.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return f.names[a] < f.names[b]; });
  for (size_t k = 1; k < order.size(); ++k)
    if (f.names[order[k]] == f.names[order[k - 1]])
      throw SyntaxError{f.where[order[k]],
                        "field '" + f.names[order[k]] + "' appears twice in this record"};
  return order;
}

/// The inside of `[...]` before it is known to be indices or a slice.
struct Subscript {
  ExprPtr first;
  bool isSlice = false;
  ExprPtr hi;
  std::vector<ExprPtr> rest;
};

/// `a[lo:hi]` (lo 0 and hi `length a` when left out) is sugar for
///   let #a = a in let #lo = lo in let #hi = hi in
///   #build (#hi - #lo) (\#i -> #a[#lo + #i])
/// so its bounds are checked like any index (and a negative extent like any
/// build's), and it differentiates like a build of indexing. Names starting
/// with `#` cannot be written in programs: nothing a program binds captures
/// them, and `#build` and `#length` are always the builtins.
ExprPtr desugarSlice(ExprPtr array, ExprPtr lo, ExprPtr hi) {
  llvm::SMLoc loc = array->loc;
  auto make = [&](Expr::Kind kind) { return std::make_shared<Expr>(kind, loc); };
  auto var = [&](const char *name) {
    ExprPtr e = make(Expr::Kind::Var);
    e->name = name;
    return e;
  };
  auto named = [&](const char *name) {
    Pattern p;
    p.loc = loc;
    p.name = name;
    return p;
  };
  auto let = [&](const char *name, ExprPtr value, ExprPtr body) {
    ExprPtr e = make(Expr::Kind::Let);
    e->patterns = {named(name)};
    e->kids = {std::move(value), std::move(body)};
    return e;
  };
  if (!lo) {
    lo = make(Expr::Kind::IntLit);
    lo->intValue = 0;
  }
  if (!hi)
    hi = apply(var("#length"), var("#a"));
  ExprPtr element = make(Expr::Kind::Index);
  element->kids = {var("#a"), binary("+", var("#lo"), var("#i"))};
  ExprPtr body = make(Expr::Kind::Lambda);
  body->patterns = {named("#i")};
  body->kids = {element};
  ExprPtr build = apply(apply(var("#build"), binary("-", var("#hi"), var("#lo"))),
                        body);
  return let("#a", std::move(array),
             let("#lo", std::move(lo), let("#hi", std::move(hi), build)));
}

/// The tail of a loop: `for i < n do body` or `while c do body`.
struct LoopTail {
  bool isFor = false;
  std::string counter;
  ExprPtr bound, body;
};

namespace grammar {
using x3::_attr;
using x3::_val;
using x3::lexeme;
using x3::lit;
using x3::no_skip;
using x3::raw;
using x3::ascii::alnum;
using x3::ascii::alpha;
using x3::ascii::char_;
using x3::ascii::digit;
using x3::ascii::space;

//--- Lexical ---------------------------------------------------------------



auto const identChar = alnum | char_('_') | char_('\'');
/// A keyword: `word` not followed by an identifier character. Named
/// `'word'` so that an expectation failure says "expected 'then'".
auto kw(const char *word) {
  static std::deque<std::string> names;
  names.push_back("'" + std::string(word) + "'");
  return x3::rule<class keyword_r>{names.back().c_str()} =
             lexeme[lit(word) >> !identChar];
}
auto const keyword = kw("def") | kw("entry") | kw("import") | kw("let") |
                     kw("in") | kw("if") | kw("then") | kw("else") |
                     kw("loop") | kw("for") | kw("while") | kw("do") |
                     kw("with") | kw("type") | kw("true") | kw("false");
// Comments may hold any UTF-8 (findBadByte validates it): bytes, not ASCII.
auto const skipper = space | (lit("--") >> *(x3::standard::char_ - x3::eol));

x3::rule<class name_r, std::string> const name = "a name";
auto const name_def =
    lexeme[(alpha | char_('_')) >> *(alnum | char_('_') | char_('\''))] - keyword;

x3::rule<class string_r, std::string> const stringLit = "a string";
auto const stringLit_def = lexeme['"' > *(char_ - '"' - x3::eol) > '"'];

//--- Types -------------------------------------------------------------------

x3::rule<class type_r, TypeExpr> const type = "a type";
x3::rule<class btype_r, TypeExpr> const baseType = "a type";

auto mkPrim = [](auto &ctx) {
  TypeExpr t;
  t.kind = TypeExpr::Kind::Prim;
    t.prim = _attr(ctx);
  _val(ctx) = t;
};
template <int Form> struct MkArray {
  template <typename Ctx> void operator()(Ctx &ctx) const {
    TypeExpr t;
    t.kind = TypeExpr::Kind::Array;
        if constexpr (Form == 0) {
      t.elems = {_attr(ctx)};
    } else {
      if constexpr (Form == 1)
        t.dim = at_c<0>(_attr(ctx));
      else
        t.dimName = at_c<0>(_attr(ctx));
      t.elems = {at_c<1>(_attr(ctx))};
    }
    _val(ctx) = t;
  }
};
auto mkTupleType = [](auto &ctx) {
  auto &elems = _attr(ctx);
  if (elems.size() == 1) {
    _val(ctx) = elems.front();
    return;
  }
  TypeExpr t;
  t.kind = TypeExpr::Kind::Tuple;
    t.elems = elems;
  _val(ctx) = t;
};
auto mkFunType = [](auto &ctx) {
  auto &param = at_c<0>(_attr(ctx));
  auto &result = at_c<1>(_attr(ctx));
  if (!result) {
    _val(ctx) = param;
    return;
  }
  TypeExpr t;
  t.kind = TypeExpr::Kind::Function;
  t.loc = param.loc;
  t.elems = {param, *result};
  _val(ctx) = t;
};

auto addFieldName = [](auto &ctx) {
  _val(ctx).names.push_back(_attr(ctx));
  _val(ctx).where.push_back(x3::_where(ctx).begin() - _attr(ctx).size());
};
auto addFieldValue = [](auto &ctx) { _val(ctx).values.push_back(_attr(ctx)); };
auto mkRecordType = [](auto &ctx) {
  Fields<TypeExpr> &f = _attr(ctx);
  TypeExpr t;
  t.kind = TypeExpr::Kind::Tuple;
  for (size_t i : sortedFields(f)) {
    t.fields.push_back(f.names[i]);
    t.elems.push_back(f.values[i]);
  }
  _val(ctx) = t;
};
auto mkTypeVar = [](auto &ctx) {
  TypeExpr t;
  t.kind = TypeExpr::Kind::Var;
  t.prim = _attr(ctx);
  _val(ctx) = t;
};
x3::rule<class record_type_fields_r, Fields<TypeExpr>> const recordTypeFields =
    "a field (name: type)";
auto const recordTypeFields_def = (name[addFieldName] > lit(':') > type[addFieldValue]) % ',';

// Named, so that an expectation failure inside says what was expected.
x3::rule<class type_list_r, std::vector<TypeExpr>> const typeList = "a type";
auto const typeList_def = type % ',';

x3::rule<class prim_r, std::string> const primName = "a type";
auto const primName_def = lexeme[(x3::string("f64") | x3::string("f32") |
                              x3::string("i64") | x3::string("i32") |
                              x3::string("c128") | x3::string("c64") |
                              x3::string("bool")) >>
                             !identChar];
auto const baseType_def = located[primName[mkPrim] |
    (lit('[') >> lit(']') > baseType)[MkArray<0>{}] |
    (lit('[') >> x3::int64 >> lit(']') > baseType)[MkArray<1>{}] |
    (lit('[') >> name >> lit(']') > baseType)[MkArray<2>{}] |
    (lit('(') > typeList > lit(')'))[mkTupleType] |
    (lit('{') > recordTypeFields > lit('}'))[mkRecordType] | name[mkTypeVar]];
auto const type_def = located[(baseType >> -(lit("->") > type))[mkFunType]];

//--- Patterns ----------------------------------------------------------------

x3::rule<class pattern_r, Pattern> const pattern = "a pattern";

auto mkWildcard = [](auto &ctx) {
  Pattern p;
  p.kind = Pattern::Kind::Wildcard;
    _val(ctx) = p;
};
auto mkNamePattern = [](auto &ctx) {
  Pattern p;
  p.kind = Pattern::Kind::Name;
    p.name = _attr(ctx);
  _val(ctx) = p;
};
/// `(p : t)`, `(p)` or `(p1, ..., pk)`: one rule for all three, so that
/// the pattern after '(' is parsed once (two alternatives that each parse
/// it would take time exponential in the nesting of parentheses).
auto mkParenPattern = [](auto &ctx) {
  Pattern first = at_c<0>(_attr(ctx));
  const boost::optional<TypeExpr> &type = at_c<1>(_attr(ctx));
  const std::vector<Pattern> &rest = at_c<2>(_attr(ctx)); // empty after a type
  if (type)
    first.type = std::make_shared<TypeExpr>(*type);
  if (rest.empty()) {
    _val(ctx) = first;
    return;
  }
  Pattern p;
  p.kind = Pattern::Kind::Tuple;
  p.elems.push_back(first);
  p.elems.insert(p.elems.end(), rest.begin(), rest.end());
  _val(ctx) = p;
};

x3::rule<class pattern_type_r, boost::optional<TypeExpr>> const patternType = "a type";
x3::rule<class pattern_rest_r, std::vector<Pattern>> const patternRest = "a pattern";
x3::rule<class patterns_r, std::vector<Pattern>> const patterns = "a pattern";
x3::rule<class closing_paren_r> const closingParen = "')'"; // looked at, not consumed
auto const patternType_def = -(lit(':') > type > closingParen); // `(p : t)` only
auto const patternRest_def = *(lit(',') > pattern);
auto const patterns_def = +pattern;
auto const closingParen_def = &lit(')');
auto const pattern_def = located[lexeme[lit('_') >> !identChar][mkWildcard] | name[mkNamePattern] |
    (lit('(') >> pattern >> patternType >> patternRest > lit(')'))[mkParenPattern]];

//--- Expressions -------------------------------------------------------------

x3::rule<class expr_r, ExprPtr> const expr = "an expression";
x3::rule<class or_r, ExprPtr> const orExpr = "an expression";
x3::rule<class and_r, ExprPtr> const andExpr = "an expression";
x3::rule<class cmp_r, ExprPtr> const cmpExpr = "an expression";
x3::rule<class add_r, ExprPtr> const addExpr = "an expression";
x3::rule<class mul_r, ExprPtr> const mulExpr = "an expression";
x3::rule<class unary_r, ExprPtr> const unaryExpr = "an expression";
x3::rule<class pow_r, ExprPtr> const powExpr = "an expression";
x3::rule<class app_r, ExprPtr> const appExpr = "an expression";
x3::rule<class postfix_r, ExprPtr> const postfixExpr = "an expression";
x3::rule<class atom_r, ExprPtr> const atom = "an expression";
x3::rule<class postop_r, Postfix> const postfixOp = "an index or projection";
x3::rule<class subscript_r, Subscript> const subscript = "an index or a slice";
x3::rule<class looptail_r, LoopTail> const loopTail = "'for' or 'while'";
x3::rule<class if_r, ExprPtr> const ifExpr = "an if expression";
x3::rule<class let_r, ExprPtr> const letExpr = "a let expression";
x3::rule<class loop_r, ExprPtr> const loopExpr = "a loop";
x3::rule<class lambda_r, ExprPtr> const lambdaExpr = "a lambda";
x3::rule<class with_r, ExprPtr> const withExpr = "an expression";
x3::rule<class field_path_r, std::string> const fieldPath = "a field name";
x3::rule<class record_fields_r, Fields<ExprPtr>> const recordFields = "a field (name = value)";
x3::rule<class expr_list_r, std::vector<ExprPtr>> const exprList = "an expression";

/// For alternatives that are a sub-rule as is: a rule whose definition has
/// semantic actions does not propagate attributes by itself.
auto pass = [](auto &ctx) { _val(ctx) = _attr(ctx); };
auto foldBinary = [](auto &ctx) {
  ExprPtr acc = at_c<0>(_attr(ctx));
  for (auto &rhs : at_c<1>(_attr(ctx)))
    acc = binary(at_c<0>(rhs), acc, at_c<1>(rhs));
  _val(ctx) = acc;
};
auto foldPipe = [](auto &ctx) {
  ExprPtr acc = at_c<0>(_attr(ctx));
  for (auto &fn : at_c<1>(_attr(ctx)))
    acc = apply(fn, acc);
  _val(ctx) = acc;
};
auto foldApply = [](auto &ctx) {
  ExprPtr acc = at_c<0>(_attr(ctx));
  for (auto &arg : at_c<1>(_attr(ctx)))
    acc = apply(acc, arg);
  _val(ctx) = acc;
};
auto mkPow = [](auto &ctx) {
  auto &base = at_c<0>(_attr(ctx));
  auto &exponent = at_c<1>(_attr(ctx));
  _val(ctx) = exponent ? binary("**", base, *exponent) : base;
};
template <char Op> struct MkUnary {
  template <typename Ctx> void operator()(Ctx &ctx) const {
    ExprPtr e = node(ctx, Expr::Kind::Unary);
    e->name = std::string(1, Op);
    e->kids = {_attr(ctx)};
    _val(ctx) = e;
  }
};
auto foldPostfix = [](auto &ctx) {
  ExprPtr acc = at_c<0>(_attr(ctx));
  for (Postfix &op : at_c<1>(_attr(ctx))) {
    if (op.isSlice) {
      acc = desugarSlice(acc, op.indices[0], op.indices[1]);
      continue;
    }
    auto e = std::make_shared<Expr>(op.isIndex ? Expr::Kind::Index : Expr::Kind::Project,
                                    acc->loc);
    e->kids = {acc};
    e->kids.insert(e->kids.end(), op.indices.begin(), op.indices.end());
    e->field = op.field;
    e->name = op.fieldName;
    acc = e;
  }
  _val(ctx) = acc;
};
auto setFirst = [](auto &ctx) { _val(ctx).first = _attr(ctx); };
auto setSlice = [](auto &ctx) { _val(ctx).isSlice = true; };
auto setHi = [](auto &ctx) { _val(ctx).hi = _attr(ctx); };
auto addRest = [](auto &ctx) { _val(ctx).rest.push_back(_attr(ctx)); };
/// `[...]`: indices, or one slice. Errors point at the closing bracket.
auto mkSubscriptOp = [](auto &ctx) {
  Subscript &s = _attr(ctx);
  Postfix p;
  Iterator closing = _where(ctx).begin() - 1;
  if (s.isSlice) {
    if (!s.rest.empty())
      throw SyntaxError{closing, "a slice has one range, as in a[lo:hi] (slice rows with "
                                 "map, as in map (\\r -> r[lo:hi]) m)"};
    p.isSlice = true;
    p.indices = {s.first, s.hi};
  } else {
    if (!s.first)
      throw SyntaxError{closing, "expected an index or a slice (lo:hi) inside [ ]"};
    p.isIndex = true;
    p.indices = {s.first};
    p.indices.insert(p.indices.end(), s.rest.begin(), s.rest.end());
  }
  _val(ctx) = p;
};
auto mkProjectOp = [](auto &ctx) {
  Postfix p;
  p.field = _attr(ctx);
  _val(ctx) = p;
};
auto mkFieldOp = [](auto &ctx) {
  Postfix p;
  p.fieldName = _attr(ctx);
  _val(ctx) = p;
};
auto mkRecord = [](auto &ctx) {
  Fields<ExprPtr> &f = _attr(ctx);
  ExprPtr e = node(ctx, Expr::Kind::Tuple);
  for (size_t i : sortedFields(f)) {
    e->fields.push_back(f.names[i]);
    e->kids.push_back(f.values[i]);
  }
  _val(ctx) = e;
};
auto setPath = [](auto &ctx) { _val(ctx) = _attr(ctx); };
auto extendPath = [](auto &ctx) { _val(ctx) += "." + _attr(ctx); };
auto foldWith = [](auto &ctx) {
  ExprPtr acc = at_c<0>(_attr(ctx));
  for (auto &update : at_c<1>(_attr(ctx))) {
    auto e = std::make_shared<Expr>(Expr::Kind::Update, acc->loc);
    e->name = at_c<0>(update);
    e->kids = {acc, at_c<1>(update)};
    acc = e;
  }
  _val(ctx) = acc;
};
auto mkFloat = [](auto &ctx) {
  auto range = _attr(ctx);
  ExprPtr e = node(ctx, Expr::Kind::FloatLit);
  auto [end, ec] = std::from_chars(range.begin(), range.end(), e->floatValue);
  if (ec != std::errc() || end != range.end())
    throw SyntaxError{range.begin(), "float literal out of range of f64 (magnitudes from "
                                     "4.9e-324 to 1.8e308)"};
  _val(ctx) = e;
};
/// `2.5i`, `3i`: the imaginary number, as `complex 0.0 2.5` (desugared:
/// `#complex`, which no binding shadows).
auto mkImaginary = [](auto &ctx) {
  auto range = _attr(ctx);
  ExprPtr im = node(ctx, Expr::Kind::FloatLit);
  auto [end, ec] = std::from_chars(range.begin(), range.end(), im->floatValue);
  if (ec != std::errc() || end != range.end())
    throw SyntaxError{range.begin(), "imaginary literal out of range of f64 (magnitudes from "
                                     "4.9e-324 to 1.8e308)"};
  ExprPtr re = node(ctx, Expr::Kind::FloatLit);
  re->floatValue = 0.0;
  ExprPtr complexFn = node(ctx, Expr::Kind::Var);
  complexFn->name = "#complex";
  _val(ctx) = apply(apply(complexFn, re), im);
};
auto mkInt = [](auto &ctx) {
  auto range = _attr(ctx);
  ExprPtr e = node(ctx, Expr::Kind::IntLit);
  auto [end, ec] = std::from_chars(range.begin(), range.end(), e->intValue);
  if (ec != std::errc() || end != range.end())
    throw SyntaxError{range.begin(), "integer literal out of range of i64"};
  _val(ctx) = e;
};
template <bool Value> struct MkBool {
  template <typename Ctx> void operator()(Ctx &ctx) const {
    ExprPtr e = node(ctx, Expr::Kind::BoolLit);
    e->boolValue = Value;
    _val(ctx) = e;
  }
};
auto mkVar = [](auto &ctx) {
  ExprPtr e = node(ctx, Expr::Kind::Var);
  e->name = _attr(ctx);
  _val(ctx) = e;
};
auto mkString = [](auto &ctx) {
  ExprPtr e = node(ctx, Expr::Kind::StringLit);
  e->name = _attr(ctx);
  _val(ctx) = e;
};
auto mkArray = [](auto &ctx) {
  ExprPtr e = node(ctx, Expr::Kind::Array);
  e->kids = _attr(ctx);
  _val(ctx) = e;
};
auto mkEmptyArray = [](auto &ctx) { _val(ctx) = node(ctx, Expr::Kind::Array); };
auto mkSection = [](auto &ctx) {
  ExprPtr e = node(ctx, Expr::Kind::Section);
  e->name = _attr(ctx);
  _val(ctx) = e;
};
auto mkParen = [](auto &ctx) {
  auto &elems = _attr(ctx);
  if (elems.size() == 1) {
    _val(ctx) = elems.front();
    return;
  }
  ExprPtr e = node(ctx, Expr::Kind::Tuple);
  e->kids = elems;
  _val(ctx) = e;
};
auto mkIf = [](auto &ctx) {
  ExprPtr e = node(ctx, Expr::Kind::If);
  e->kids = {at_c<0>(_attr(ctx)), at_c<1>(_attr(ctx)), at_c<2>(_attr(ctx))};
  _val(ctx) = e;
};
auto mkLet = [](auto &ctx) {
  ExprPtr e = node(ctx, Expr::Kind::Let);
  e->patterns = {at_c<0>(_attr(ctx))};
  e->kids = {at_c<1>(_attr(ctx)), at_c<2>(_attr(ctx))};
  _val(ctx) = e;
};
auto mkForTail = [](auto &ctx) {
  LoopTail t;
  t.isFor = true;
  t.counter = at_c<0>(_attr(ctx));
  t.bound = at_c<1>(_attr(ctx));
  t.body = at_c<2>(_attr(ctx));
  _val(ctx) = t;
};
auto mkWhileTail = [](auto &ctx) {
  LoopTail t;
  t.bound = at_c<0>(_attr(ctx));
  t.body = at_c<1>(_attr(ctx));
  _val(ctx) = t;
};
auto mkLoop = [](auto &ctx) {
  LoopTail &tail = at_c<2>(_attr(ctx));
  ExprPtr e = node(ctx, tail.isFor ? Expr::Kind::LoopFor : Expr::Kind::LoopWhile);
  e->patterns = {at_c<0>(_attr(ctx))};
  e->name = tail.counter;
  e->kids = {at_c<1>(_attr(ctx)), tail.bound, tail.body};
  _val(ctx) = e;
};
auto mkLambda = [](auto &ctx) {
  ExprPtr e = node(ctx, Expr::Kind::Lambda);
  e->patterns = at_c<0>(_attr(ctx));
  e->kids = {at_c<1>(_attr(ctx))};
  _val(ctx) = e;
};

auto const exponent = char_("eE") >> -char_("+-") >> +digit;
auto const floatLit =
    lexeme[raw[+digit >> ((lit('.') >> +digit >> -exponent) | exponent)] >>
           !(identChar | '.')][mkFloat];
auto const intLit = lexeme[raw[+digit] >> !(identChar | '.')][mkInt];
auto const imaginaryLit =
    lexeme[raw[+digit >> -((lit('.') >> +digit >> -exponent) | exponent)] >> lit('i') >>
           !(identChar | '.')][mkImaginary];
x3::rule<class opname_r, std::string> const operatorName = "an operator";
x3::rule<class cmpop_r, std::string> const compareOp = "an operator";
x3::rule<class addop_r, std::string> const addOp = "an operator";
x3::rule<class mulop_r, std::string> const mulOp = "an operator";
x3::rule<class orop_r, std::string> const orOp = "an operator";
x3::rule<class andop_r, std::string> const andOp = "an operator";
auto const orOp_def = x3::string("||");
auto const andOp_def = x3::string("&&");
auto const operatorName_def =
    x3::string("**") | x3::string("==") | x3::string("!=") | x3::string("<=") |
    x3::string(">=") | x3::string("&&") | x3::string("||") | x3::string("+") |
    x3::string("-") | x3::string("*") | x3::string("/") | x3::string("%") |
    x3::string("<") | x3::string(">") | lexeme[x3::string("max") >> !identChar] |
    lexeme[x3::string("min") >> !identChar];
auto const compareOp_def = x3::string("==") | x3::string("!=") | x3::string("<=") |
                       x3::string(">=") | x3::string("<") | (x3::string(">"));
auto const addOp_def = x3::string("+") | (x3::string("-") >> !lit('>'));
auto const mulOp_def = (x3::string("*") >> !lit('*')) | x3::string("/") | x3::string("%");

auto const expr_def = located[(withExpr >> *(lit("|>") > withExpr))[foldPipe]];
auto const orExpr_def = located[(andExpr >> *(orOp > andExpr))[foldBinary]];
auto const andExpr_def = located[(cmpExpr >> *(andOp > cmpExpr))[foldBinary]];
auto const cmpExpr_def = located[(addExpr >> *(compareOp > addExpr))[foldBinary]];
auto const addExpr_def = located[(mulExpr >> *(addOp > mulExpr))[foldBinary]];
auto const mulExpr_def = located[(unaryExpr >> *(mulOp > unaryExpr))[foldBinary]];
auto const unaryExpr_def = located[(lit('-') > unaryExpr)[MkUnary<'-'>{}] |
                           (lit('!') > unaryExpr)[MkUnary<'!'>{}] |
                           ifExpr[pass] | letExpr[pass] | loopExpr[pass] |
                           lambdaExpr[pass] | powExpr[pass]];
// `r with a.b = v with c = w`: looser than `||`, tighter than `|>`, and
// chained from the left.
auto const withExpr_def =
    located[(orExpr >> *(kw("with") > fieldPath > lit('=') > orExpr))[foldWith]];
auto const fieldPath_def = name[setPath] >> *(no_skip[lit('.')] >> name[extendPath]);
auto const recordFields_def = (name[addFieldName] > lit('=') > expr[addFieldValue]) % ',';
auto const exprList_def = expr % ',';
auto const powExpr_def = located[(appExpr >> -(lit("**") > unaryExpr))[mkPow]];
auto const appExpr_def = located[(postfixExpr >> *postfixExpr)[foldApply]];
auto const postfixExpr_def = located[(atom >> *postfixOp)[foldPostfix]];
// One parse of the first expression serves indices and slices alike (no
// backtracking: nested subscripts stay linear).
auto const subscript_def = -expr[setFirst] >> -(lit(':')[setSlice] >> -expr[setHi]) >>
                           *(lit(',') > expr[addRest]);
auto const postfixOp_def =
    (no_skip[lit('[')] > subscript > lit(']'))[mkSubscriptOp] |
    no_skip[lit('.') >> x3::uint_][mkProjectOp] | no_skip[lit('.') >> name][mkFieldOp];
auto const atom_def = located[imaginaryLit | floatLit | intLit | kw("true")[MkBool<true>{}] | kw("false")[MkBool<false>{}] |
    stringLit[mkString] |
    (lit('[') >> lit(']'))[mkEmptyArray] |
    (lit('[') > exprList > lit(']'))[mkArray] |
    (lit('(') >> operatorName >> lit(')'))[mkSection] |
    (lit('(') > exprList > lit(')'))[mkParen] |
    (lit('{') > recordFields > lit('}'))[mkRecord] | name[mkVar]];
auto const ifExpr_def = located[(kw("if") > expr > kw("then") > expr > kw("else") > expr)[mkIf]];
auto const letExpr_def = located[(kw("let") > pattern > lit('=') > expr > kw("in") > expr)[mkLet]];
auto const loopTail_def =
    (kw("for") > name > lit('<') > expr > kw("do") > expr)[mkForTail] |
    (kw("while") > expr > kw("do") > expr)[mkWhileTail];
auto const loopExpr_def = located[(kw("loop") > pattern > lit('=') > expr > loopTail)[mkLoop]];
auto const lambdaExpr_def = located[(lit('\\') > patterns > lit("->") > expr)[mkLambda]];

//--- Declarations --------------------------------------------------------------

x3::rule<class decl_r, Decl> const decl = "a declaration (def, entry, type or import)";
x3::rule<class module_r, std::vector<Decl>> const module = "a module";

template <Decl::Kind K> struct MkDef {
  template <typename Ctx> void operator()(Ctx &ctx) const {
    Decl d;
    d.kind = K;
        auto &attr = _attr(ctx);
    d.name = at_c<0>(attr);
    d.typeParams = at_c<1>(attr);
    d.sizeParams = at_c<2>(attr);
    d.params = at_c<3>(attr);
    if (at_c<4>(attr))
      d.resultType = std::make_shared<TypeExpr>(*at_c<4>(attr));
    d.body = at_c<5>(attr);
    _val(ctx) = d;
  }
};
auto mkImport = [](auto &ctx) {
  Decl d;
  d.kind = Decl::Kind::Import;
    d.name = _attr(ctx);
  _val(ctx) = d;
};

auto const sizeParam = lit('[') >> name >> lit(']');
x3::rule<class type_param_r, std::string> const typeParam = "a type parameter";
auto const typeParam_def = lexeme[lit('\'') >> name];
auto const defTail = name > *typeParam > *sizeParam > *pattern > -(lit(':') > type) > lit('=') > expr;
auto mkTypeAlias = [](auto &ctx) {
  Decl d;
  d.kind = Decl::Kind::Type;
  d.name = at_c<0>(_attr(ctx));
  d.resultType = std::make_shared<TypeExpr>(at_c<1>(_attr(ctx)));
  _val(ctx) = d;
};
auto const decl_def = located[(kw("def") > defTail)[MkDef<Decl::Kind::Def>{}] |
                      (kw("type") > name > lit('=') > type)[mkTypeAlias] |
                      (kw("entry") > defTail)[MkDef<Decl::Kind::Entry>{}] |
                      (kw("import") > stringLit)[mkImport]];
auto const module_def = *decl > x3::eoi;

BOOST_SPIRIT_DEFINE(name, stringLit, primName, operatorName, compareOp, addOp,
                    mulOp, orOp, andOp, type, baseType, pattern, patternType, patternRest, patterns, closingParen, expr, orExpr,
                    andExpr, cmpExpr, addExpr, mulExpr, unaryExpr, powExpr,
                    appExpr, postfixExpr, postfixOp, subscript, atom, ifExpr, letExpr,
                    loopTail, loopExpr, lambdaExpr, withExpr, fieldPath, recordFields,
                    recordTypeFields, typeParam, typeList, exprList, decl, module)
} // namespace grammar

/// The length of the well-formed UTF-8 sequence at `p` (RFC 3629: no
/// overlong forms, no surrogates, at most U+10FFFF), or 0.
unsigned utf8Length(Iterator p, Iterator end) {
  auto byte = [&](ptrdiff_t k) -> unsigned { return (unsigned char)p[k]; };
  unsigned c = byte(0), n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2
                          : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || end - p < n)
    return 0;
  for (unsigned k = 1; k < n; ++k)
    if ((byte(k) & 0xC0) != 0x80)
      return 0;
  if ((c == 0xE0 && byte(1) < 0xA0) || (c == 0xED && byte(1) > 0x9F) ||
      (c == 0xF0 && byte(1) < 0x90) || (c == 0xF4 && byte(1) > 0x8F))
    return 0;
  return n;
}

/// A byte the program text cannot hold, and why.
struct BadByte {
  Iterator where;
  const char *why;
};

/// The first byte that can never appear outside a comment (control
/// characters, non-ASCII) or that is not well-formed UTF-8 in a comment.
/// Checked before parsing, so that the grammar only ever sees ASCII outside
/// comments. `p` is past any byte-order mark.
std::optional<BadByte> findBadByte(Iterator p, Iterator end) {
  bool inComment = false;
  while (p < end) {
    unsigned char c = *p;
    if (c == '\n')
      inComment = false;
    else if (!inComment && c == '-' && p + 1 < end && p[1] == '-')
      inComment = true;
    if (inComment && c >= 0x80) {
      unsigned n = utf8Length(p, end);
      if (n == 0)
        return BadByte{p, "is not valid UTF-8 (comments may hold UTF-8 text)"};
      p += n;
      continue;
    }
    if (!inComment && (c >= 0x7f || (c < 0x20 && c != '\t' && c != '\r' && c != '\n')))
      return BadByte{p, "in program text (outside comments only ASCII is allowed)"};
    ++p;
  }
  return std::nullopt;
}

/// Deepest nesting of expressions the compiler accepts. Parsing and
/// elaboration recurse over the expression tree; fadc runs them on a thread
/// with a large stack, and this bound keeps any input within it.
constexpr unsigned kMaxNesting = 10000;
/// Deepest nesting of brackets: each level costs the grammar a few dozen
/// frames of recursion. The same bound as for literals on standard input.
constexpr unsigned kMaxBrackets = FAD_MAX_NESTING;

/// The first expression nested deeper than kMaxNesting, or null.
const Expr *findTooDeep(const Module &module) {
  std::vector<std::pair<const Expr *, unsigned>> work;
  for (const Decl &d : module.decls)
    if (d.body)
      work.push_back({d.body.get(), 1});
  while (!work.empty()) {
    auto [e, depth] = work.back();
    work.pop_back();
    if (depth > kMaxNesting)
      return e;
    for (const ExprPtr &kid : e->kids)
      work.push_back({kid.get(), depth + 1});
  }
  return nullptr;
}

/// The first bracket nested deeper than kMaxBrackets, or null.
Iterator findDeepBracket(Iterator p, Iterator end) {
  unsigned depth = 0;
  for (; p < end; ++p) {
    if (*p == '(' || *p == '[')
      ++depth;
    else if ((*p == ')' || *p == ']') && depth)
      --depth;
    if (depth > kMaxBrackets)
      return p;
  }
  return nullptr;
}

/// A readable name for what an expectation point wanted.
std::string describe(const std::string &which) {
  if (which.empty())
    return "more input";
  if (which == "eoi")
    return "a declaration (def, entry, type or import)";
  return which;
}

} // namespace

/// Parses buffer `bufferId` with `parse`, which fills `module` from the
/// text between its iterators (or returns false where it stops), reporting
/// every failure as one located diagnostic.
static std::optional<Module>
parseBuffer(llvm::SourceMgr &sourceMgr, unsigned bufferId, const char *expected,
            llvm::function_ref<bool(Iterator &, Iterator, Module &)> parse) {
  const llvm::MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(bufferId);
  Iterator begin = buffer->getBufferStart(), end = buffer->getBufferEnd();
  bufferEnd = end;
  auto error = [&](Iterator where, const llvm::Twine &message) {
    sourceMgr.PrintMessage(llvm::SMLoc::getFromPointer(where),
                           llvm::SourceMgr::DK_Error, message);
    return std::nullopt;
  };
  // A UTF-8 byte-order mark (some editors write one) is not program text.
  if (end - begin >= 3 && llvm::StringRef(begin, 3) == "\xEF\xBB\xBF")
    begin += 3;
  if (std::optional<BadByte> bad = findBadByte(begin, end)) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", (unsigned char)*bad->where);
    return error(bad->where, llvm::Twine("unexpected byte ") + hex + " " + bad->why);
  }
  if (Iterator deep = findDeepBracket(begin, end))
    return error(deep, "brackets nested too deeply (more than " + llvm::Twine(kMaxBrackets) +
                           " levels)");
  Module module;
  module.bufferId = bufferId;
  Iterator it = begin;
  try {
    if (!parse(it, end, module))
      return error(skipBlank(it), llvm::Twine("expected ") + expected);
  } catch (const x3::expectation_failure<Iterator> &failure) {
    Iterator where = skipBlank(failure.where());
    // Name the whole word when the error is at an identifier or keyword.
    Iterator wordEnd = where;
    while (wordEnd < end && (std::isalnum((unsigned char)*wordEnd) || *wordEnd == '_'))
      ++wordEnd;
    if (wordEnd == where && where < end)
      ++wordEnd;
    std::string found =
        where < end ? "'" + std::string(where, wordEnd) + "'" : "end of file";
    return error(where, "expected " + describe(failure.which()) + ", found " + found);
  } catch (const SyntaxError &failure) {
    return error(failure.where, failure.message);
  } catch (const std::exception &failure) {
    return error(skipBlank(it), llvm::Twine("parse error: ") + failure.what());
  }
  if (const Expr *deep = findTooDeep(module))
    return error(deep->loc.getPointer(), "expression nested too deeply (more than " +
                                             llvm::Twine(kMaxNesting) + " levels)");
  return module;
}

std::optional<Module> fad::parseModule(llvm::SourceMgr &sourceMgr, unsigned bufferId) {
  return parseBuffer(sourceMgr, bufferId, "a declaration (def, entry, type or import)",
                     [](Iterator &it, Iterator end, Module &module) {
                       return x3::phrase_parse(it, end, grammar::module, grammar::skipper,
                                               module.decls);
                     });
}

std::optional<Module> fad::parseEntryExpression(llvm::SourceMgr &sourceMgr, unsigned bufferId,
                                                llvm::StringRef entry) {
  return parseBuffer(sourceMgr, bufferId, "an expression",
                     [&](Iterator &it, Iterator end, Module &module) {
                       ExprPtr body;
                       if (!x3::phrase_parse(it, end, grammar::expr > x3::eoi,
                                             grammar::skipper, body))
                         return false;
                       Decl d;
                       d.kind = Decl::Kind::Entry;
                       d.name = entry.str();
                       d.loc = body->loc;
                       d.body = std::move(body);
                       module.decls.push_back(std::move(d));
                       return true;
                     });
}
