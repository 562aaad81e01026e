//===- LibraryAPI.h - Sources of a library's C and Python API -----*- C++ -*-===//
//
// The text that fadc --emit=lib/shared/python writes next to the compiled
// program: the C header, the C wrappers that turn each entry's C signature
// into a fad_call (FADLibrary.h), and a ctypes/NumPy Python module.
//
//===----------------------------------------------------------------------===//

#ifndef FAD_PIPELINES_LIBRARYAPI_H
#define FAD_PIPELINES_LIBRARYAPI_H

#include "fad/Pipelines/Pipelines.h"

namespace fad {

/// `<prefix>.h`: FADLibrary.h's declarations, then one function per entry:
///   int <prefix>_<entry>(fad_context *ctx, <args>, <result pointers>);
/// where an array argument is `const T *x, const int64_t x_shape[rank]` and
/// an array result is `T **resultK, int64_t resultK_shape[rank]`.
std::string libraryHeader(llvm::StringRef prefix, llvm::ArrayRef<EntrySignature> entries);

/// The C99 source of the entry functions declared by libraryHeader.
std::string libraryWrappers(llvm::StringRef prefix, llvm::ArrayRef<EntrySignature> entries);

/// `<prefix>.py`: loads `sharedLibrary` (a file name next to the module) and
/// defines one Python function per entry.
std::string pythonModule(llvm::StringRef prefix, llvm::StringRef sharedLibrary,
                         llvm::ArrayRef<EntrySignature> entries);

} // namespace fad

#endif // FAD_PIPELINES_LIBRARYAPI_H
