//===- ReaderFuzzer.cpp - libFuzzer targets: literal and .npy readers ---===//
//
// Runs the reader of an executable's input (runtime/lib/LiteralReader.h) on
// the input: as standard input text (FAD_FUZZ_NPY unset) or as the contents
// of a .npy file (FAD_FUZZ_NPY set). The runtime's fail() ends the process;
// here it throws, so that a rejected input ends one run and the next starts
// (tools/fuzz.sh literals|npy).
//
//===----------------------------------------------------------------------===//

#include "LiteralReader.h"
#include "RuntimeState.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {
struct Rejected {};
} // namespace

void fad::rt::fail(const std::string &) { throw Rejected(); }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string input(reinterpret_cast<const char *>(data), size);
  try {
#ifdef FAD_FUZZ_NPY
    fad::rt::parseNpy(input, "input line 1, column 1", "fuzz.npy", 0);
#else
    fad::rt::LiteralReader reader(input);
    std::vector<fad::rt::Leaf> leaves;
    while (!reader.atEnd())
      reader.read(leaves);
#endif
  } catch (const Rejected &) {
  }
  return 0;
}
