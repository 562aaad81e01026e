//===- Loader.cpp - Load a program and its imports ----------------*- C++ -*-===//
//
// This file implements loadProgram: the prelude (stdlib/prelude.fad, embedded
// at build time), then every imported file before the files that import it.
//
//===----------------------------------------------------------------------===//

#include "fad/Frontend/MLIRGen.h"
#include "fad/Frontend/Parser.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <set>

using namespace fad;

namespace {
#include "PreludeSource.inc" // const char kPreludeSource[]

struct Loader {
  llvm::SourceMgr &sourceMgr;
  llvm::ArrayRef<std::string> searchDirs;
  std::vector<ast::Module> modules;
  std::set<std::string> loaded;
  std::set<std::string> inProgress; ///< files whose imports are being loaded

  bool error(llvm::SMLoc at, const llvm::Twine &message) {
    if (at.isValid())
      sourceMgr.PrintMessage(at, llvm::SourceMgr::DK_Error, message);
    else
      llvm::errs() << "error: " << message << "\n";
    return false;
  }

  /// The file an `import "name"` in `importer` refers to, or "".
  std::string resolve(llvm::StringRef importer, llvm::StringRef name) {
    llvm::SmallString<256> candidate(llvm::sys::path::parent_path(importer));
    llvm::sys::path::append(candidate, name + ".fad");
    if (llvm::sys::fs::exists(candidate))
      return std::string(candidate);
    for (const std::string &dir : searchDirs) {
      candidate = dir;
      llvm::sys::path::append(candidate, name + ".fad");
      if (llvm::sys::fs::exists(candidate))
        return std::string(candidate);
    }
    return "";
  }

  bool load(llvm::StringRef path, llvm::SMLoc importedAt) {
    llvm::SmallString<256> real;
    if (llvm::sys::fs::real_path(path, real))
      real = path;
    if (inProgress.count(std::string(real)))
      return error(importedAt, "import cycle: '" + path +
                                   "' is being loaded already (a file found beside the "
                                   "importer comes before the standard library)");
    if (!loaded.insert(std::string(real)).second)
      return true;
    inProgress.insert(std::string(real));
    auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
    if (!buffer)
      return error(importedAt, "cannot read '" + path + "': " +
                                   buffer.getError().message());
    unsigned id = sourceMgr.AddNewSourceBuffer(std::move(*buffer), importedAt);
    std::optional<ast::Module> module = parseModule(sourceMgr, id);
    if (!module)
      return false;
    for (const ast::Decl &d : module->decls) {
      if (d.kind != ast::Decl::Kind::Import)
        continue;
      std::string target = resolve(path, d.name);
      if (target.empty())
        return error(d.loc, "cannot find '" + d.name + ".fad' beside '" + path +
                                "' or in the standard library");
      if (!load(target, d.loc))
        return false;
    }
    inProgress.erase(std::string(real));
    modules.push_back(std::move(*module));
    return true;
  }
};
} // namespace

std::optional<std::vector<ast::Module>>
fad::loadProgram(llvm::SourceMgr &sourceMgr, llvm::StringRef path,
                 llvm::ArrayRef<std::string> searchDirs) {
  Loader loader{sourceMgr, searchDirs, {}, {}, {}};
  unsigned prelude = sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBuffer(kPreludeSource, "prelude.fad"), llvm::SMLoc());
  std::optional<ast::Module> module = parseModule(sourceMgr, prelude);
  if (!module)
    return std::nullopt;
  loader.modules.push_back(std::move(*module));
  if (!loader.load(path, llvm::SMLoc()))
    return std::nullopt;
  return std::move(loader.modules);
}
