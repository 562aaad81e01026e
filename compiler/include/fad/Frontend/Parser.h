//===- Parser.h - Parse .fad source into an AST -------------------*- C++ -*-===//
//
// The parser's public interface. Its Spirit X3 grammar is private to
// Parser.cpp; errors are reported through the SourceMgr's diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_FRONTEND_PARSER_H
#define FAD_FRONTEND_PARSER_H

#include "fad/Frontend/AST.h"

#include "llvm/ADT/StringRef.h"

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

/// Parses buffer `bufferId` as one expression, the body of an entry point
/// named `entry` (without parameters or result type) that the module
/// returned holds: fad-repl's inputs, whose diagnostics then point into the
/// text as typed.
std::optional<ast::Module> parseEntryExpression(llvm::SourceMgr &sourceMgr,
                                                unsigned bufferId, llvm::StringRef entry);

} // namespace fad

#endif // FAD_FRONTEND_PARSER_H
