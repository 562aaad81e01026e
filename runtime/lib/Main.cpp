//===- Main.cpp - The main function of fad executables ------------*- C++ -*-===//
//
// This file implements `main` for executables built by fadc: it parses the
// command line (Futhark's conventions: -e NAME, -r N, -t FILE), runs the
// generated driver and writes the timing file.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"
#include "fad/Runtime/FADLibrary.h"
#include "fad/Runtime/FADRuntime.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#if defined(__SSE2__)
#include <pmmintrin.h>
#endif

using namespace fad::rt;

static void usage(const char *program) {
  std::printf("usage: %s [-e ENTRY] [-r RUNS] [-t FILE] [-p N] [-j THREADS]\n"
              "          [--npy-out DIR] [--flush-subnormals]\n"
              "Reads the entry point's arguments from standard input as fad\n"
              "literals (an argument may also be @FILE.npy) and prints its\n"
              "results, one a line.\n"
              "  -e ENTRY      run entry point ENTRY (default: main)\n"
              "  -r RUNS       run it RUNS times, print the last result\n"
              "  -t FILE       write each run's time in nanoseconds to FILE\n"
              "  -p N          print `report step value` calls whose step is a\n"
              "                multiple of N on stderr (progress)\n"
              "  -j THREADS    run parallel loops on THREADS threads (default:\n"
              "                OMP_NUM_THREADS, else one per core that other\n"
              "                running programs leave idle)\n"
              "  --npy-out DIR write array results to DIR/resultK.npy\n"
              "  --flush-subnormals\n"
              "                compute with subnormal floats as zero (inputs\n"
              "                and results), which some CPUs handle 10-100x slower\n",
              program);
}

int main(int argc, char **argv) {
  distStart(&argc, &argv);
  Options &opts = options();
  bool threadsGiven = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        fail("option " + arg + " needs a value");
      return argv[++i];
    };
    auto positive = [&]() -> int64_t {
      std::string text = value();
      char *end = nullptr;
      errno = 0;
      long long n = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end || n < 1)
        fail(arg + " needs a positive integer, got '" + text + "'");
      if (errno == ERANGE)
        fail(arg + " " + text + " is out of range (at most " + std::to_string(LLONG_MAX) + ")");
      return n;
    };
    if (arg == "-e") {
      opts.entry = value();
    } else if (arg == "-r") {
      opts.runs = positive();
    } else if (arg == "-p") {
      opts.reportEvery = positive();
    } else if (arg == "-j") {
      fad_set_threads(static_cast<int32_t>(std::min<int64_t>(positive(), FAD_MAX_THREADS)));
      threadsGiven = true;
    } else if (arg == "-t") {
      opts.timingFile = value();
    } else if (arg == "--npy-out") {
      opts.npyOut = value();
    } else if (arg == "--flush-subnormals") {
      // Set before any parallel loop: the OpenMP threads take the master's
      // floating-point control when they start a parallel region.
#if defined(__SSE2__)
      _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
      _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
#else
      fail("--flush-subnormals is not supported on this CPU");
#endif
    } else if (arg == "-h" || arg == "--help") {
      usage(argv[0]);
      distFinish();
      return 0;
    } else {
      fail("unknown option '" + arg + "' (see --help)");
    }
  }
  if (!threadsGiven)
    fad_set_threads(0); // the default: OMP_NUM_THREADS, else the idle cores
  // A --target=cuda program needs the driver and a device before it runs
  // (after the options, so that --help works without them).
  if (std::string error; gpuProgram() && !gpuStart(error))
    fail(error);
  fad_main();
  if (!entryFound()) {
    std::string known;
    for (const std::string &name : offeredEntries())
      known += (known.empty() ? "" : ", ") + name;
    fail("no entry point '" + opts.entry + "' (entry points: " +
         (known.empty() ? "none" : known) + ")");
  }
  if (!opts.timingFile.empty() && processIndex() == 0) {
    std::ofstream out(opts.timingFile);
    for (int64_t ns : runTimes())
      out << ns << "\n";
    if (!out)
      fail("cannot write timing file '" + opts.timingFile + "'");
  }
  if (std::fflush(stdout) != 0)
    fail("cannot write the results");
  distFinish();
  return 0;
}
