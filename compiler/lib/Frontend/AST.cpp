//===- AST.cpp - Printing the fad AST -----------------------------*- C++ -*-===//
//
// This file implements the indented AST dump behind `fadc --emit=ast`.
//
//===----------------------------------------------------------------------===//

#include "fad/Frontend/AST.h"

using namespace fad::ast;

void fad::ast::print(const TypeExpr &type, llvm::raw_ostream &os) {
  switch (type.kind) {
  case TypeExpr::Kind::Prim:
  case TypeExpr::Kind::Var:
    os << type.prim;
    return;
  case TypeExpr::Kind::Array:
    os << "[";
    if (type.dim)
      os << *type.dim;
    else
      os << type.dimName;
    os << "]";
    print(type.elems[0], os);
    return;
  case TypeExpr::Kind::Tuple: {
    bool record = !type.fields.empty();
    os << (record ? "{" : "(");
    for (size_t i = 0; i < type.elems.size(); ++i) {
      os << (i ? ", " : "");
      if (record)
        os << type.fields[i] << ": ";
      print(type.elems[i], os);
    }
    os << (record ? "}" : ")");
    return;
  }
  case TypeExpr::Kind::Function:
    bool parens = type.elems[0].kind == TypeExpr::Kind::Function;
    os << (parens ? "(" : "");
    print(type.elems[0], os);
    os << (parens ? ")" : "") << " -> ";
    print(type.elems[1], os);
    return;
  }
}

static void printPattern(const Pattern &p, llvm::raw_ostream &os) {
  switch (p.kind) {
  case Pattern::Kind::Name:
    os << p.name;
    break;
  case Pattern::Kind::Wildcard:
    os << "_";
    break;
  case Pattern::Kind::Tuple:
    os << "(";
    for (size_t i = 0; i < p.elems.size(); ++i) {
      os << (i ? ", " : "");
      printPattern(p.elems[i], os);
    }
    os << ")";
    break;
  }
  if (p.type) {
    os << ": ";
    print(*p.type, os);
  }
}

static const char *kindName(Expr::Kind kind) {
  switch (kind) {
  case Expr::Kind::FloatLit: return "Float";
  case Expr::Kind::IntLit: return "Int";
  case Expr::Kind::BoolLit: return "Bool";
  case Expr::Kind::StringLit: return "String";
  case Expr::Kind::Var: return "Var";
  case Expr::Kind::Array: return "Array";
  case Expr::Kind::Tuple: return "Tuple";
  case Expr::Kind::Update: return "Update";
  case Expr::Kind::Let: return "Let";
  case Expr::Kind::If: return "If";
  case Expr::Kind::Lambda: return "Lambda";
  case Expr::Kind::Apply: return "Apply";
  case Expr::Kind::Binary: return "Binary";
  case Expr::Kind::Unary: return "Unary";
  case Expr::Kind::Section: return "Section";
  case Expr::Kind::Index: return "Index";
  case Expr::Kind::Project: return "Project";
  case Expr::Kind::LoopFor: return "LoopFor";
  case Expr::Kind::LoopWhile: return "LoopWhile";
  }
  return "?";
}

static void dumpExpr(const Expr &e, unsigned depth, llvm::raw_ostream &os) {
  os.indent(2 * depth) << kindName(e.kind);
  switch (e.kind) {
  case Expr::Kind::FloatLit:
    os << " " << e.floatValue;
    break;
  case Expr::Kind::IntLit:
    os << " " << e.intValue;
    break;
  case Expr::Kind::BoolLit:
    os << (e.boolValue ? " true" : " false");
    break;
  case Expr::Kind::StringLit:
    os << " \"" << e.name << "\"";
    break;
  case Expr::Kind::Project:
    if (e.name.empty())
      os << " ." << e.field;
    else
      os << " ." << e.name;
    break;
  case Expr::Kind::Tuple:
    for (const std::string &f : e.fields)
      os << " " << f;
    break;
  case Expr::Kind::LoopFor:
    os << " " << e.name;
    break;
  default:
    if (!e.name.empty())
      os << " " << e.name;
  }
  for (const Pattern &p : e.patterns) {
    os << " ";
    printPattern(p, os);
  }
  os << "\n";
  for (const ExprPtr &kid : e.kids)
    dumpExpr(*kid, depth + 1, os);
}

void fad::ast::printSignature(const Decl &d, llvm::raw_ostream &os) {
  os << d.name;
  for (const std::string &t : d.typeParams)
    os << " '" << t;
  for (const std::string &size : d.sizeParams)
    os << " [" << size << "]";
  for (const Pattern &p : d.params) {
    os << " (";
    printPattern(p, os);
    os << ")";
  }
  if (d.resultType) {
    os << " : ";
    print(*d.resultType, os);
  }
}

void fad::ast::dump(const Module &module, llvm::raw_ostream &os) {
  for (const Decl &d : module.decls) {
    switch (d.kind) {
    case Decl::Kind::Type:
      os << "Type " << d.name << " = ";
      print(*d.resultType, os);
      os << "\n";
      continue;
    case Decl::Kind::Import:
      os << "Import \"" << d.name << "\"\n";
      continue;
    case Decl::Kind::Def:
      os << "Def ";
      break;
    case Decl::Kind::Entry:
      os << "Entry ";
      break;
    }
    printSignature(d, os);
    os << "\n";
    dumpExpr(*d.body, 1, os);
  }
}
