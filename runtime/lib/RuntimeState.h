//===- RuntimeState.h - State shared by the runtime's files -------*- C++ -*-===//
//
// Options set by the command line (Main.cpp) and read by the functions that
// generated code calls (Runtime.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_RUNTIME_RUNTIMESTATE_H
#define FAD_RUNTIME_RUNTIMESTATE_H

#include <cstdint>
#include <string>
#include <vector>

namespace fad::rt {
struct Options {
  std::string entry = "main";  ///< -e
  int64_t runs = 1;            ///< -r
  std::string timingFile;      ///< -t
  std::string npyOut;          ///< --npy-out: directory for array results
  int64_t reportEvery = 0;     ///< -p: print `report`s whose step it divides
};
Options &options();

/// Names of the entries the program offered, in order; whether one matched.
std::vector<std::string> &offeredEntries();
bool entryFound();
/// Microseconds of each timed run.
std::vector<int64_t> &runTimes();

/// Prints "error: <message>" on stderr and exits with status 1.
[[noreturn]] void fail(const std::string &message);
} // namespace fad::rt

#endif // FAD_RUNTIME_RUNTIMESTATE_H
