//===- Parser.h - Parse .fad source into an AST -------------------*- C++ -*-===//
//
// The parser's public interface. Its Spirit X3 grammar is private to
// Parser.cpp; errors are reported through the SourceMgr's diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_FRONTEND_PARSER_H
#define FAD_FRONTEND_PARSER_H

#include "fad/Frontend/AST.h"

#include <optional>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace fad {

/// Parses buffer `bufferId` of `sourceMgr`. On a syntax error, prints one
/// located diagnostic (file:line:col and a caret) through `sourceMgr` and
/// returns std::nullopt.
std::optional<ast::Module> parseModule(llvm::SourceMgr &sourceMgr,
                                       unsigned bufferId);

} // namespace fad

#endif // FAD_FRONTEND_PARSER_H
