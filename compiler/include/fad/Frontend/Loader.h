//===- Loader.h - Load programs and their imports -----------------*- C++ -*-===//
//
// The modules of a program in dependency order: the prelude first, then each
// imported file before the files that import it. fadc loads one file
// (loadProgram in MLIRGen.h); fad-repl adds files and inputs one at a time
// and drops those of a failed input.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_FRONTEND_LOADER_H
#define FAD_FRONTEND_LOADER_H

#include "fad/Frontend/AST.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <set>
#include <string>
#include <vector>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace fad {

class Loader {
public:
  Loader(llvm::SourceMgr &sourceMgr, llvm::ArrayRef<std::string> searchDirs)
      : sourceMgr(sourceMgr), searchDirs(searchDirs.begin(), searchDirs.end()) {}

  /// Parses the prelude (built into the compiler). Call first.
  bool loadPrelude();
  /// Parses `path` and what it imports, skipping files loaded already.
  /// Prints a located diagnostic and returns false on failure.
  bool loadFile(llvm::StringRef path, llvm::SMLoc importedAt = llvm::SMLoc());
  /// Parses `text` as a module named `name` (imports are found from the
  /// current directory and the search directories).
  bool loadText(llvm::StringRef text, llvm::StringRef name);
  /// Parses `text` as one expression named `name`, the body of an entry
  /// point `entry` without parameters (fad-repl's inputs).
  bool loadEntryExpression(llvm::StringRef text, llvm::StringRef name, llvm::StringRef entry);

  const std::vector<ast::Module> &modules() const { return loaded; }
  /// Forgets the modules after the first `count` (those of a failed input).
  void truncate(size_t count);

private:
  llvm::SourceMgr &sourceMgr;
  std::vector<std::string> searchDirs;
  std::vector<ast::Module> loaded;
  std::vector<std::string> files; ///< loaded[i]'s real path ("" for text)
  std::set<std::string> inProgress; ///< files whose imports are being loaded

  bool error(llvm::SMLoc at, const llvm::Twine &message);
  std::string resolve(llvm::StringRef importer, llvm::StringRef name);
  bool loadBuffer(unsigned bufferId, llvm::StringRef path, const std::string &real);
};

} // namespace fad

#endif // FAD_FRONTEND_LOADER_H
