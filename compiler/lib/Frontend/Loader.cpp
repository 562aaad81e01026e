//===- Loader.cpp - Load programs and their imports ---------------*- C++ -*-===//
//
// This file implements the Loader and loadProgram: the prelude
// (stdlib/prelude.fad, embedded at build time), then every imported file
// before the files that import it.
//
//===----------------------------------------------------------------------===//

#include "fad/Frontend/Loader.h"
#include "fad/Frontend/MLIRGen.h"
#include "fad/Frontend/Parser.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <algorithm>

using namespace fad;

namespace {
#include "PreludeSource.inc" // const char kPreludeSource[]
} // namespace

bool Loader::error(llvm::SMLoc at, const llvm::Twine &message) {
  if (at.isValid())
    sourceMgr.PrintMessage(at, llvm::SourceMgr::DK_Error, message);
  else
    llvm::errs() << "error: " << message << "\n";
  return false;
}

/// The file an `import "name"` in `importer` refers to, or "".
std::string Loader::resolve(llvm::StringRef importer, llvm::StringRef name) {
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

bool Loader::loadPrelude() {
  unsigned id = sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBuffer(kPreludeSource, "prelude.fad"), llvm::SMLoc());
  return loadBuffer(id, "prelude.fad", "");
}

bool Loader::loadFile(llvm::StringRef path, llvm::SMLoc importedAt) {
  llvm::SmallString<256> real;
  if (llvm::sys::fs::real_path(path, real))
    real = path;
  std::string key(real);
  if (inProgress.count(key))
    return error(importedAt, "import cycle: '" + path +
                                 "' is being loaded already (a file found beside the "
                                 "importer comes before the standard library)");
  if (std::find(files.begin(), files.end(), key) != files.end())
    return true;
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return error(importedAt, "cannot read '" + path + "': " + buffer.getError().message());
  unsigned id = sourceMgr.AddNewSourceBuffer(std::move(*buffer), importedAt);
  inProgress.insert(key);
  bool ok = loadBuffer(id, path, key);
  inProgress.erase(key);
  return ok;
}

bool Loader::loadText(llvm::StringRef text, llvm::StringRef name) {
  unsigned id = sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, name),
                                             llvm::SMLoc());
  return loadBuffer(id, name, "");
}

bool Loader::loadEntryExpression(llvm::StringRef text, llvm::StringRef name,
                                 llvm::StringRef entry) {
  unsigned id = sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, name),
                                             llvm::SMLoc());
  std::optional<ast::Module> module = parseEntryExpression(sourceMgr, id, entry);
  if (!module)
    return false;
  loaded.push_back(std::move(*module));
  files.push_back("");
  return true;
}

/// Parses buffer `bufferId` (the file `path`), loads its imports, then
/// appends it.
bool Loader::loadBuffer(unsigned bufferId, llvm::StringRef path, const std::string &real) {
  std::optional<ast::Module> module = parseModule(sourceMgr, bufferId);
  if (!module)
    return false;
  for (const ast::Decl &d : module->decls) {
    if (d.kind != ast::Decl::Kind::Import)
      continue;
    std::string target = resolve(path, d.name);
    if (target.empty())
      return error(d.loc, "cannot find '" + d.name + ".fad' beside '" + path +
                              "' or in the standard library");
    if (!loadFile(target, d.loc))
      return false;
  }
  loaded.push_back(std::move(*module));
  files.push_back(real);
  return true;
}

void Loader::truncate(size_t count) {
  if (count < loaded.size()) {
    loaded.resize(count);
    files.resize(count);
  }
}

std::optional<std::vector<ast::Module>>
fad::loadProgram(llvm::SourceMgr &sourceMgr, llvm::StringRef path,
                 llvm::ArrayRef<std::string> searchDirs) {
  Loader loader(sourceMgr, searchDirs);
  if (!loader.loadPrelude() || !loader.loadFile(path))
    return std::nullopt;
  return loader.modules();
}
