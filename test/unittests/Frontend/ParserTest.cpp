//===- ParserTest.cpp - Unit tests of the .fad parser -------------*- C++ -*-===//
//
// Checks the shape of the AST for the precedence and associativity rules of
// docs/LanguageRef.md, and that syntax errors are reported, not thrown.
//
//===----------------------------------------------------------------------===//

#include "fad/Frontend/Parser.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>

using namespace fad;

namespace {
/// Parses `source` as one module; `errors` receives the diagnostics.
std::optional<ast::Module> parse(llvm::SourceMgr &sm, const std::string &source,
                                 std::string *errors = nullptr) {
  sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(source, "test.fad"),
                        llvm::SMLoc());
  static std::string sink;
  std::string *out = errors ? errors : &sink;
  sm.setDiagHandler(
      [](const llvm::SMDiagnostic &d, void *ctx) {
        llvm::raw_string_ostream os(*static_cast<std::string *>(ctx));
        d.print("", os, false);
      },
      out);
  return parseModule(sm, sm.getMainFileID());
}

/// The body of the only def in `source`, printed as a parenthesized term.
std::string shape(const ast::Expr &e) {
  using K = ast::Expr::Kind;
  switch (e.kind) {
  case K::Var:
    return e.name;
  case K::IntLit:
    return std::to_string(e.intValue);
  case K::FloatLit:
    return "f";
  case K::Binary:
    return "(" + shape(*e.kids[0]) + " " + e.name + " " + shape(*e.kids[1]) + ")";
  case K::Unary:
    return "(" + e.name + shape(*e.kids[0]) + ")";
  case K::Apply:
    return "(" + shape(*e.kids[0]) + " " + shape(*e.kids[1]) + ")";
  case K::Index: {
    std::string s = shape(*e.kids[0]) + "[";
    for (size_t i = 1; i < e.kids.size(); ++i)
      s += (i > 1 ? "," : "") + shape(*e.kids[i]);
    return s + "]";
  }
  case K::Project:
    return shape(*e.kids[0]) + "." + std::to_string(e.field);
  case K::Array:
    return "[array]";
  default:
    return "?";
  }
}

std::string bodyShape(const std::string &expr) {
  llvm::SourceMgr sm;
  std::optional<ast::Module> m = parse(sm, "def t = " + expr);
  if (!m || m->decls.size() != 1)
    return "<parse error>";
  return shape(*m->decls[0].body);
}
} // namespace

// Multiplication binds tighter than addition; both associate to the left.
TEST(ParserTest, ArithmeticPrecedence) {
  EXPECT_EQ(bodyShape("a + b * c - d"), "((a + (b * c)) - d)");
}

// `**` is right associative and binds tighter than unary minus.
TEST(ParserTest, PowerAndUnaryMinus) {
  EXPECT_EQ(bodyShape("-x ** 2 ** y"), "(-(x ** (2 ** y)))");
}

// Indexing binds tighter than application: `f a[i]` is `f (a[i])`; a space
// before `[` makes an array-literal argument instead.
TEST(ParserTest, IndexingVersusApplication) {
  EXPECT_EQ(bodyShape("f a[i] b"), "((f a[i]) b)");
  EXPECT_EQ(bodyShape("f [1]"), "(f [array])");
  EXPECT_EQ(bodyShape("m[i, j]"), "m[i,j]");
}

// The pipe is the loosest operator and associates to the left.
TEST(ParserTest, PipeIsLoosest) {
  EXPECT_EQ(bodyShape("x |> f |> g a"), "((g a) (f x))");
  EXPECT_EQ(bodyShape("a < b && c || d"), "(((a < b) && c) || d)");
}

// Tuple projections chain.
TEST(ParserTest, Projection) { EXPECT_EQ(bodyShape("p.1.0"), "p.1.0"); }

// A syntax error is a located diagnostic, never an exception.
TEST(ParserTest, ErrorsAreLocated) {
  llvm::SourceMgr sm;
  std::string errors;
  EXPECT_FALSE(parse(sm, "def f (x: f64) = x +\n", &errors));
  EXPECT_NE(errors.find("test.fad:2:1: error: expected an expression"), std::string::npos)
      << errors;
}

// Bytes that cannot be program text are rejected before parsing.
TEST(ParserTest, RejectsBinaryInput) {
  llvm::SourceMgr sm;
  std::string errors;
  EXPECT_FALSE(parse(sm, std::string("def f = \x01\xff"), &errors));
  EXPECT_NE(errors.find("unexpected byte 0x01"), std::string::npos) << errors;
}
