//===- Runtime.cpp - Input, output and errors of fad programs -----*- C++ -*-===//
//
// This file implements the C ABI of FADRuntime.h: reading entry arguments as
// fad literals (or .npy files) from standard input, printing results so that
// they read back exactly (shortest round-trip floats), timing runs, and
// reporting run-time errors as one line on stderr with exit status 1.
//
//===----------------------------------------------------------------------===//

#include "LiteralReader.h"
#include "RuntimeState.h"
#include "fad/Runtime/FADRuntime.h"

#include <cfloat>
#include <charconv>
#include <complex>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>

using namespace fad::rt;

//===----------------------------------------------------------------------===//
// State
//===----------------------------------------------------------------------===//

Options &fad::rt::options() {
  static Options opts;
  return opts;
}
std::vector<std::string> &fad::rt::offeredEntries() {
  static std::vector<std::string> names;
  return names;
}
static bool found = false;
bool fad::rt::entryFound() { return found; }
std::vector<int64_t> &fad::rt::runTimes() {
  static std::vector<int64_t> times;
  return times;
}

void fad::rt::fail(const std::string &message) {
  // A library call's error goes back to its host, unless other processes
  // would wait for this one in a collective.
  if (CallFrame *call = severalProcesses() ? nullptr : activeCall()) {
    setCallError(*call, message);
    endFailedCall(*call);
  }
  // A check may fail on a thread of a parallel loop, in several at once:
  // the first prints and ends the process without running exit handlers
  // (the OpenMP runtime's would wait for the other threads); the others
  // wait here.
  static std::mutex failing;
  failing.lock();
  distBeforeError();
  std::fflush(stdout);
  std::fprintf(stderr, "error: %s\n", message.c_str());
  std::fflush(stderr);
  distAbort();
  std::_Exit(1);
}

namespace {
/// The whole standard input, kept for error messages.
std::string inputText;

std::string inputLocation(size_t offset) { return locationIn(inputText, offset); }

std::vector<Leaf> leaves;

const char *kindName(int64_t kind) {
  static const char *names[] = {"f64", "f32", "i64", "i32", "bool", "c128", "c64"};
  return names[kind];
}

bool isComplexKind(int64_t kind) { return kind == FAD_KIND_C128 || kind == FAD_KIND_C64; }

/// Checks that `s` fits `kind` (an integer literal may feed a float, a real
/// number a complex one).
void checkScalar(const Leaf &leaf, const Scalar &s, int64_t kind) {
  if (s.kind == Scalar::Complex && !isComplexKind(kind))
    fail(inputLocation(leaf.where) + ": expected a value of type " + kindName(kind) +
         ", got a complex number");
  bool ok = kind == FAD_KIND_BOOL                          ? s.kind == Scalar::Bool
            : kind <= FAD_KIND_F32 || isComplexKind(kind) ? s.kind != Scalar::Bool
                                                           : s.kind == Scalar::Int;
  if (ok && kind == FAD_KIND_I32 && (s.i < INT32_MIN || s.i > INT32_MAX))
    fail(inputLocation(leaf.where) + ": " + std::to_string(s.i) + " does not fit in i32");
  // A finite number beyond f32's range would silently become inf.
  if (ok && (kind == FAD_KIND_F32 || kind == FAD_KIND_C64))
    for (double part : {s.f, s.im})
      if (std::isfinite(part) && std::fabs(part) > FLT_MAX) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", part);
        fail(inputLocation(leaf.where) + ": " + text + " is out of range for " +
             kindName(kind) + " (at most 3.4e38)");
      }
  if (!ok)
    fail(inputLocation(leaf.where) + ": expected a value of type " + kindName(kind));
}

const Leaf &scalarLeaf(int64_t k, int64_t kind) {
  const Leaf &leaf = leaves.at(k);
  if (!leaf.shape.empty())
    fail(inputLocation(leaf.where) + ": expected a " + kindName(kind) + ", got an array");
  checkScalar(leaf, leaf.data[0], kind);
  return leaf;
}

template <typename T>
void fillArray(int64_t k, int64_t rank, void *opaque) {
  const Leaf &leaf = leaves.at(k);
  const auto &desc = *static_cast<const Descriptor *>(opaque);
  T *base = reinterpret_cast<T *>(desc.aligned);
  forEachElement(desc, rank, [&](int64_t at, int64_t n) {
    const Scalar &s = leaf.data[n];
    if constexpr (std::is_floating_point_v<T>)
      base[at] = (T)s.f;
    else
      base[at] = (T)s.i;
  });
}

/// Part `part` (0 real, 1 imaginary) of complex leaf `k` into `desc`.
template <typename T>
void fillComplexPart(int64_t k, int32_t part, int64_t rank, void *opaque) {
  const Leaf &leaf = leaves.at(k);
  const auto &desc = *static_cast<const Descriptor *>(opaque);
  T *base = reinterpret_cast<T *>(desc.aligned);
  forEachElement(desc, rank, [&](int64_t at, int64_t n) {
    const Scalar &s = leaf.data[n];
    base[at] = (T)(part ? s.im : s.f);
  });
}

std::string formatScalar(double v, bool single) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto result = single ? std::to_chars(buf, buf + sizeof buf, (float)v)
                       : std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, result.ptr);
  if (s.find_first_of(".e") == std::string::npos)
    s += ".0";
  return s;
}
template <typename T> std::string format(T v) {
  if constexpr (std::is_same_v<T, double>)
    return formatScalar(v, false);
  else if constexpr (std::is_same_v<T, float>)
    return formatScalar(v, true);
  else if constexpr (std::is_same_v<T, bool>)
    return v ? "true" : "false";
  else if constexpr (std::is_same_v<T, std::complex<double>> ||
                     std::is_same_v<T, std::complex<float>>) {
    // As the input reads it back: 1.5+2.0i, 0.0-1.0i, 1.0+nani.
    std::string im = format(v.imag());
    return format(v.real()) + (im[0] == '-' ? "" : "+") + im + "i";
  }
  else
    return std::to_string(v);
}

/// Position of the next result printed (names --npy-out files).
int resultCount = 0;

void printScalar(const std::string &text) {
  ++resultCount;
  std::puts(text.c_str());
}

template <typename T> const char *npyDescr() {
  if constexpr (std::is_same_v<T, double>)
    return "<f8";
  else if constexpr (std::is_same_v<T, float>)
    return "<f4";
  else if constexpr (std::is_same_v<T, int64_t>)
    return "<i8";
  else if constexpr (std::is_same_v<T, int32_t>)
    return "<i4";
  else if constexpr (std::is_same_v<T, std::complex<double>>)
    return "<c16";
  else if constexpr (std::is_same_v<T, std::complex<float>>)
    return "<c8";
  else
    return "|b1";
}

/// An array as results print it: nested brackets, elements as format<T>.
template <typename T> std::string formatArray(int64_t rank, void *opaque) {
  auto *desc = static_cast<Descriptor *>(opaque);
  const int64_t *sizes = desc->sizesAndStrides, *strides = sizes + rank;
  const T *base = reinterpret_cast<const T *>(desc->aligned) + desc->offset;
  std::string out;
  auto rec = [&](auto &self, int64_t d, int64_t at) -> void {
    out += '[';
    for (int64_t k = 0; k < sizes[d]; ++k) {
      if (k)
        out += ", ";
      if (d + 1 == rank)
        out += format<T>(base[at + k * strides[d]]);
      else
        self(self, d + 1, at + k * strides[d]);
    }
    out += ']';
  };
  rec(rec, 0, 0);
  return out;
}

template <typename T>
void printArray(int64_t rank, void *opaque) {
  auto *desc = static_cast<Descriptor *>(opaque);
  const int64_t *sizes = desc->sizesAndStrides;
  const std::string &dir = options().npyOut;
  if (!dir.empty() && processIndex() != 0) // results are written once, by process 0
    return;
  if (!dir.empty()) {
    std::string path = dir + "/result" + std::to_string(resultCount++) + ".npy";
    std::string header = "{'descr': '" + std::string(npyDescr<T>()) +
                         "', 'fortran_order': False, 'shape': (";
    for (int64_t d = 0; d < rank; ++d)
      header += std::to_string(sizes[d]) + (rank == 1 || d + 1 < rank ? ", " : "");
    header += "), }";
    while ((10 + header.size() + 1) % 64)
      header += ' ';
    header += '\n';
    std::error_code ec;
    std::filesystem::create_directories(dir, ec); // a missing --npy-out directory is made
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    uint16_t len = header.size();
    out.put(len & 0xff).put(len >> 8);
    out << header;
    const T *elements = reinterpret_cast<const T *>(desc->aligned);
    forEachElement(*desc, rank, [&](int64_t at, int64_t) {
      out.write(reinterpret_cast<const char *>(&elements[at]), sizeof(T));
    });
    if (!out)
      fail("cannot write '" + path + "'");
    std::printf("@%s\n", path.c_str());
    return;
  }
  ++resultCount;
  std::puts(formatArray<T>(rank, opaque).c_str());
}

/// Calls `use` with the descriptor of a row-major copy of the complex array
/// whose parts `re` and `im` describe, as std::complex<T> elements (what
/// the output and a library's caller see).
template <typename T, typename Use>
void withInterleaved(int64_t rank, void *re, void *im, Use use) {
  const auto &r = *static_cast<const Descriptor *>(re);
  const auto &i = *static_cast<const Descriptor *>(im);
  std::vector<int64_t> descriptor(3 + 2 * rank, 0);
  int64_t total = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    descriptor[3 + d] = r.sizesAndStrides[d];
    descriptor[3 + rank + d] = total;
    total *= r.sizesAndStrides[d];
  }
  std::vector<std::complex<T>> elements(total);
  forEachElement(r, rank, [&](int64_t at, int64_t n) {
    elements[n].real(reinterpret_cast<const T *>(r.aligned)[at]);
  });
  forEachElement(i, rank, [&](int64_t at, int64_t n) {
    elements[n].imag(reinterpret_cast<const T *>(i.aligned)[at]);
  });
  descriptor[0] = descriptor[1] = reinterpret_cast<int64_t>(elements.data());
  use(descriptor.data());
}

/// Ends a library call with the message `make()` returns, or the program.
/// fail(make()), where the message is freed before a library call returns
/// its error (endFailedCall does not return through this frame).
template <typename MakeMessage> [[noreturn]] void failWith(MakeMessage make) {
  if (inCallChunk()) {
    setChunkError(make());
    endFailedChunk();
  }
  if (CallFrame *call = severalProcesses() ? nullptr : activeCall()) {
    setCallError(*call, make());
    endFailedCall(*call);
  }
  fail(make());
}

using Clock = std::chrono::steady_clock;
Clock::time_point timerStart;
} // namespace

//===----------------------------------------------------------------------===//
// The C ABI
//===----------------------------------------------------------------------===//

extern "C" {

int32_t fad_rt_select(const char *entry, int64_t nparams, int64_t nleaves) {
  offeredEntries().push_back(entry);
  if (found || options().entry != entry)
    return 0;
  found = true;
  inputText = readStandardInput();
  LiteralReader reader(inputText);
  int64_t params = 0;
  while (!reader.atEnd()) {
    reader.read(leaves);
    ++params;
  }
  // Tuples (and arrays of tuples) may be written whole or as their
  // components, so what must match is the flattened count.
  if ((int64_t)leaves.size() != nleaves) {
    if (params != nparams)
      fail("entry point '" + std::string(entry) + "' takes " + std::to_string(nparams) +
           " argument" + (nparams == 1 ? "" : "s") + ", got " + std::to_string(params));
    fail("the arguments of entry point '" + std::string(entry) +
         "' do not have the shape of its parameters (tuples and arrays of "
         "tuples flatten to " + std::to_string(nleaves) + " values, got " +
         std::to_string(leaves.size()) + ")");
  }
  return 1;
}

// Each argument and result function serves the library call in progress on
// this thread if there is one (Library.cpp), else the executable's input and
// output.
static double argFloat(int64_t k, int64_t kind) {
  CallFrame *call = activeCall();
  return call ? callArgFloat(*call, k, kind) : scalarLeaf(k, kind).data[0].f;
}
static int64_t argInt(int64_t k, int64_t kind) {
  CallFrame *call = activeCall();
  return call ? callArgInt(*call, k, kind) : scalarLeaf(k, kind).data[0].i;
}
double fad_rt_arg_f64(int64_t k) { return argFloat(k, FAD_KIND_F64); }
float fad_rt_arg_f32(int64_t k) { return argFloat(k, FAD_KIND_F32); }
int64_t fad_rt_arg_i64(int64_t k) { return argInt(k, FAD_KIND_I64); }
int32_t fad_rt_arg_i32(int64_t k) { return argInt(k, FAD_KIND_I32); }
int32_t fad_rt_arg_bool(int64_t k) { return argInt(k, FAD_KIND_BOOL); }

int64_t fad_rt_arg_dim(int64_t k, int64_t kind, int64_t rank, int64_t dim) {
  if (CallFrame *call = activeCall())
    return callArgDim(*call, k, kind, rank, dim);
  Leaf &leaf = leaves.at(k);
  if (leaf.anyRank)
    leaf.shape.resize(rank, 0), leaf.anyRank = false;
  if ((int64_t)leaf.shape.size() != rank)
    fail(inputLocation(leaf.where) + ": expected an array of rank " + std::to_string(rank) +
         " of " + kindName(kind) + ", got " +
         (leaf.shape.empty() ? std::string("a scalar")
                             : "rank " + std::to_string(leaf.shape.size())));
  if (dim == 0)
    for (const Scalar &s : leaf.data)
      checkScalar(leaf, s, kind);
  return leaf.shape[dim];
}

#define FAD_ARG_FILL(SUFFIX, T, KIND)                                          \
  void fad_rt_arg_fill_##SUFFIX(int64_t k, int64_t rank, void *d) {           \
    if (CallFrame *call = activeCall())                                        \
      return callArgFill(*call, k, KIND, rank, d);                             \
    fillArray<T>(k, rank, d);                                                  \
  }
FAD_ARG_FILL(f64, double, FAD_KIND_F64)
FAD_ARG_FILL(f32, float, FAD_KIND_F32)
FAD_ARG_FILL(i64, int64_t, FAD_KIND_I64)
FAD_ARG_FILL(i32, int32_t, FAD_KIND_I32)
FAD_ARG_FILL(bool, bool, FAD_KIND_BOOL)

double fad_rt_arg_c128(int64_t k, int32_t part) {
  if (CallFrame *call = activeCall())
    return callArgComplex(*call, k, FAD_KIND_C128, part);
  const Scalar &s = scalarLeaf(k, FAD_KIND_C128).data[0];
  return part ? s.im : s.f;
}
float fad_rt_arg_c64(int64_t k, int32_t part) {
  if (CallFrame *call = activeCall())
    return (float)callArgComplex(*call, k, FAD_KIND_C64, part);
  const Scalar &s = scalarLeaf(k, FAD_KIND_C64).data[0];
  return (float)(part ? s.im : s.f);
}
void fad_rt_arg_fill_c128(int64_t k, int32_t part, int64_t rank, void *d) {
  if (CallFrame *call = activeCall())
    return callArgFillComplex(*call, k, FAD_KIND_C128, part, rank, d);
  fillComplexPart<double>(k, part, rank, d);
}
void fad_rt_arg_fill_c64(int64_t k, int32_t part, int64_t rank, void *d) {
  if (CallFrame *call = activeCall())
    return callArgFillComplex(*call, k, FAD_KIND_C64, part, rank, d);
  fillComplexPart<float>(k, part, rank, d);
}

int64_t fad_rt_runs(void) { return options().runs; }
void fad_rt_timer_start(void) { timerStart = Clock::now(); }
void fad_rt_timer_stop(void) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - timerStart);
  runTimes().push_back(ns.count());
}

#define FAD_PRINT(SUFFIX, T, KIND, TO_CALL)                                    \
  void fad_rt_print_##SUFFIX(T v) {                                            \
    if (CallFrame *call = collectingCall())                                    \
      return TO_CALL(*call, KIND, v);                                          \
    printScalar(format(v));                                                    \
  }                                                                            \
  void fad_rt_print_array_##SUFFIX(int64_t r, void *d) {                       \
    if (CallFrame *call = collectingCall())                                    \
      return callResultArray(*call, KIND, r, d);                               \
    printArray<T>(r, d);                                                       \
  }
FAD_PRINT(f64, double, FAD_KIND_F64, callResultFloat)
FAD_PRINT(f32, float, FAD_KIND_F32, callResultFloat)
FAD_PRINT(i64, int64_t, FAD_KIND_I64, callResultInt)
FAD_PRINT(i32, int32_t, FAD_KIND_I32, callResultInt)
void fad_rt_print_bool(int32_t v) {
  if (CallFrame *call = collectingCall())
    return callResultInt(*call, FAD_KIND_BOOL, v);
  printScalar(format((bool)v));
}
void fad_rt_print_array_bool(int64_t r, void *d) {
  if (CallFrame *call = collectingCall())
    return callResultArray(*call, FAD_KIND_BOOL, r, d);
  printArray<bool>(r, d);
}

void fad_rt_print_c128(double re, double im) {
  if (CallFrame *call = collectingCall())
    return callResultComplex(*call, FAD_KIND_C128, re, im);
  printScalar(format(std::complex<double>(re, im)));
}
void fad_rt_print_c64(float re, float im) {
  if (CallFrame *call = collectingCall())
    return callResultComplex(*call, FAD_KIND_C64, re, im);
  printScalar(format(std::complex<float>(re, im)));
}
#define FAD_PRINT_COMPLEX_ARRAY(SUFFIX, T, KIND)                               \
  void fad_rt_print_array_##SUFFIX(int64_t r, void *re, int64_t, void *im) {   \
    withInterleaved<T>(r, re, im, [&](void *d) {                               \
      if (CallFrame *call = collectingCall())                                  \
        return callResultArray(*call, KIND, r, d);                             \
      printArray<std::complex<T>>(r, d);                                       \
    });                                                                        \
  }
FAD_PRINT_COMPLEX_ARRAY(c128, double, FAD_KIND_C128)
FAD_PRINT_COMPLEX_ARRAY(c64, float, FAD_KIND_C64)

void fad_rt_fail(const char *message) {
  failWith([&] { return std::string(message); });
}

/// Copies between strided memrefs of any rank; called by MLIR's lowering of
/// memref.copy when a layout is not contiguous (it is normally provided by
/// libmlir_c_runner_utils, which compiled programs do not link).
struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};
void memrefCopy(int64_t elemSize, UnrankedMemRef *src, UnrankedMemRef *dst) {
  int64_t rank = src->rank;
  const auto &s = *static_cast<const Descriptor *>(src->descriptor);
  const auto &d = *static_cast<const Descriptor *>(dst->descriptor);
  const int64_t *sizes = s.sizesAndStrides, *sStrides = sizes + rank,
                *dStrides = d.sizesAndStrides + rank;
  int64_t total = 1;
  for (int64_t k = 0; k < rank; ++k)
    total *= sizes[k];
  if (total == 0)
    return;
  const char *from = s.aligned + s.offset * elemSize;
  char *to = d.aligned + d.offset * elemSize;
  // The innermost dimensions that both sides lay out contiguously are copied
  // as one run of `run` elements; an odometer walks the outer ones [0, outer).
  int64_t run = 1, outer = rank;
  while (outer > 0 && (sizes[outer - 1] == 1 ||
                       (sStrides[outer - 1] == run && dStrides[outer - 1] == run)))
    run *= sizes[--outer];
  int64_t bytes = run * elemSize;
  int64_t fixed[8] = {};
  std::vector<int64_t> more(outer > 8 ? outer : 0, 0);
  int64_t *index = outer > 8 ? more.data() : fixed;
  for (int64_t n = total / run, sAt = 0, dAt = 0; n > 0; --n) {
    std::memcpy(to + dAt * elemSize, from + sAt * elemSize, bytes);
    for (int64_t k = outer - 1; k >= 0; --k) {
      sAt += sStrides[k];
      dAt += dStrides[k];
      if (++index[k] < sizes[k])
        break;
      sAt -= sStrides[k] * sizes[k];
      dAt -= dStrides[k] * sizes[k];
      index[k] = 0;
    }
  }
}

void fad_rt_report(int64_t step, double value) {
  CallFrame *call = activeCall();
  int64_t every = call ? callReportEvery(*call) : options().reportEvery;
  if (every > 0 && step % every == 0 && processIndex() == 0)
    std::fprintf(stderr, "step %lld: %s\n", (long long)step, formatScalar(value, false).c_str());
}

/// One whole line per trace (a single write: lines of concurrent traces do
/// not mix), flushed so that it precedes a later failure's message.
static void traceLine(const char *label, const std::string &value) {
  std::string line = *label ? std::string(label) + ": " + value + "\n" : value + "\n";
  if (processCount() > 1) // every process traces: say which
    line = "process " + std::to_string(processIndex()) + ": " + line;
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void fad_rt_trace_scalar(const char *label, int64_t kind, double f, int64_t i) {
  switch (kind) {
  case FAD_KIND_F64:
    return traceLine(label, format(f));
  case FAD_KIND_F32:
    return traceLine(label, format((float)f));
  case FAD_KIND_BOOL:
    return traceLine(label, format((bool)i));
  default:
    return traceLine(label, format(i));
  }
}

#define FAD_TRACE_ARRAY(SUFFIX, T)                                             \
  void fad_rt_trace_array_##SUFFIX(const char *label, int64_t r, void *d) {    \
    traceLine(label, formatArray<T>(r, d));                                    \
  }
FAD_TRACE_ARRAY(f64, double)
FAD_TRACE_ARRAY(f32, float)
FAD_TRACE_ARRAY(i64, int64_t)
FAD_TRACE_ARRAY(i32, int32_t)
FAD_TRACE_ARRAY(bool, bool)

void fad_rt_fixpoint_error(const char *location, int64_t iterations, double lastChange) {
  failWith([&] {
    std::string where = location && *location ? std::string(location) + ": " : "";
    return where + "fixpoint did not converge in " + std::to_string(iterations) +
           " iterations (last change " + formatScalar(lastChange, false) + ")";
  });
}

void fad_rt_size_error(const char *message, int64_t a, int64_t b) {
  failWith([&] {
    return std::string(message) + " (sizes " + std::to_string(a) + " and " + std::to_string(b) +
           ")";
  });
}

void fad_rt_index_error(const char *location, int64_t index, int64_t extent) {
  failWith([&] {
    std::string where = location && *location ? std::string(location) + ": " : "";
    return where + "index " + std::to_string(index) + " out of bounds for an array of size " +
           std::to_string(extent);
  });
}

} // extern "C"
