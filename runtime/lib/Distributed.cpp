//===- Distributed.cpp - Processes and collectives of compiled programs ---===//
//
// The runtime side of fad.process_index/count, fad.allreduce, fad.allgather
// and fad.reduce_scatter, and the process start, end and abort that
// RuntimeState.h declares. Built twice from this one file: without
// FAD_WITH_MPI (in fad_runtime and fad_runtime_lib: one process, every
// collective the identity) and with it (fad_runtime_mpi, which `fadc --mpi`
// links ahead of fad_runtime with --whole-archive, so that its definitions
// are the ones used; and fad_runtime_lib_mpi, the runtime of libraries
// built with --mpi). Both builds define the same symbols.
//
// Under MPI the processes are MPI_COMM_WORLD's (an executable's) or the
// communicator a library's host sets (fad_set_communicator). Collectives are called from
// the main thread only (a loop containing one is never parallelized), so
// MPI_THREAD_FUNNELED suffices. Every collective first checks that all
// processes passed compatible extents (one small allreduce): a mismatch is
// reported as an error, never a hang or a corrupted result.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"

#include "fad/Runtime/FADLibrary.h"
#include "fad/Runtime/FADRuntime.h"

#include <cstring>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#ifdef FAD_WITH_MPI
#include <chrono>
#include <climits>
#include <cstdio>
#define OMPI_SKIP_MPICXX 1 // the C API only
#include <mpi.h>
#include <thread>
#endif

using fad::rt::Descriptor;
using fad::rt::elementsOf;
using fad::rt::fail;

namespace {
/// The element count and the extent of the leading dimension of an array.
struct Extents {
  int64_t rows = 0, rowSize = 1;
  int64_t total() const { return rows * rowSize; }
};

Extents extentsOf(int64_t rank, void *desc) {
  auto *d = static_cast<Descriptor *>(desc);
  Extents e;
  e.rows = rank ? d->sizesAndStrides[0] : 1;
  for (int64_t k = 1; k < rank; ++k)
    e.rowSize *= d->sizesAndStrides[k];
  return e;
}


std::string where(const char *location) {
  return location && *location ? std::string(location) + ": " : std::string();
}

enum Kind : int32_t { Sum = 0, Max = 1, Min = 2 };

#ifdef FAD_WITH_MPI
/// The processes: MPI_COMM_WORLD's in an executable (distStart), the
/// host's communicator in a library (fad_set_communicator). Read when a
/// collective first needs them: a library's host initializes MPI.
MPI_Comm communicator = MPI_COMM_WORLD;
int processIndexValue = 0, processCountValue = 1;
bool known = false;

bool mpiRunning() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

/// Reads this process's index and the count from the communicator.
void knowProcesses() {
  if (known)
    return;
  if (!mpiRunning())
    fail("MPI is not running: a library built with --mpi needs its host to call MPI_Init "
         "before it calls the library");
  MPI_Comm_rank(communicator, &processIndexValue);
  MPI_Comm_size(communicator, &processCountValue);
  known = true;
}

template <typename T> MPI_Datatype mpiType();
template <> MPI_Datatype mpiType<double>() { return MPI_DOUBLE; }
template <> MPI_Datatype mpiType<float>() { return MPI_FLOAT; }
template <> MPI_Datatype mpiType<int64_t>() { return MPI_INT64_T; }
template <> MPI_Datatype mpiType<int32_t>() { return MPI_INT32_T; }

MPI_Op mpiOp(int32_t kind) { return kind == Max ? MPI_MAX : kind == Min ? MPI_MIN : MPI_SUM; }

/// The extents of an array, from dimension `from` on.
std::vector<int64_t> shapeOf(int64_t rank, void *desc, int64_t from = 0) {
  const int64_t *sizes = static_cast<Descriptor *>(desc)->sizesAndStrides;
  return std::vector<int64_t>(sizes + from, sizes + rank);
}

/// Whether `value` is the same on every process (two small allreduces).
bool sameEverywhere(std::vector<int64_t> value) {
  if (value.empty())
    return true;
  std::vector<int64_t> lo(value.size()), hi(value.size());
  MPI_Allreduce(value.data(), lo.data(), (int)value.size(), MPI_INT64_T, MPI_MIN, communicator);
  MPI_Allreduce(value.data(), hi.data(), (int)value.size(), MPI_INT64_T, MPI_MAX, communicator);
  return lo == hi;
}

/// An MPI count: elements of one message, which MPI takes as an int.
int messageCount(int64_t n, const char *location, const char *what) {
  if (n > INT_MAX)
    fail(where(location) + what + ": an array of " + std::to_string(n) +
         " elements is too large for one MPI message");
  return static_cast<int>(n);
}

/// Every process's `rows`, in process order.
std::vector<int64_t> rowsOfAll(int64_t rows) {
  std::vector<int64_t> all(processCountValue);
  MPI_Allgather(&rows, 1, MPI_INT64_T, all.data(), 1, MPI_INT64_T, communicator);
  return all;
}
#endif

template <typename T> T allreduceScalar(T value, int32_t kind, const char *location) {
#ifdef FAD_WITH_MPI
  knowProcesses();
  T result;
  MPI_Allreduce(&value, &result, 1, mpiType<T>(), mpiOp(kind), communicator);
  return result;
#else
  (void)kind, (void)location;
  return value;
#endif
}

template <typename T>
void allreduceArray(int64_t rankIn, void *in, int64_t rankOut, void *out, int32_t kind,
                    const char *location) {
  Extents e = extentsOf(rankIn, in);
  (void)rankOut;
#ifdef FAD_WITH_MPI
  knowProcesses();
  if (!sameEverywhere(shapeOf(rankIn, in)))
    fail(where(location) + "allreduce: the processes passed arrays of different extents");
  MPI_Allreduce(elementsOf<T>(in), elementsOf<T>(out),
                messageCount(e.total(), location, "allreduce"), mpiType<T>(), mpiOp(kind),
                communicator);
#else
  (void)kind, (void)location;
  std::memcpy(elementsOf<T>(out), elementsOf<T>(in), e.total() * sizeof(T));
#endif
}

template <typename T>
void allgather(int64_t rankIn, void *in, int64_t rankOut, void *out, const char *location) {
  Extents e = extentsOf(rankIn, in), o = extentsOf(rankOut, out);
#ifdef FAD_WITH_MPI
  knowProcesses();
  if (!sameEverywhere(shapeOf(rankIn, in, 1)))
    fail(where(location) + "allgather: the processes passed arrays with rows of different extents");
  std::vector<int64_t> rows = rowsOfAll(e.rows);
  std::vector<int> counts(processCountValue), offsets(processCountValue);
  int64_t at = 0;
  for (int r = 0; r < processCountValue; ++r) {
    counts[r] = messageCount(rows[r] * e.rowSize, location, "allgather");
    offsets[r] = messageCount(at, location, "allgather");
    at += rows[r] * e.rowSize;
  }
  if (at != o.total())
    fail(where(location) + "allgather: the result has " + std::to_string(o.total()) +
         " elements, the blocks " + std::to_string(at));
  T none{};
  MPI_Allgatherv(e.total() ? elementsOf<T>(in) : &none, counts[processIndexValue], mpiType<T>(),
                 o.total() ? elementsOf<T>(out) : &none, counts.data(), offsets.data(),
                 mpiType<T>(), communicator);
#else
  (void)location, (void)o;
  std::memcpy(elementsOf<T>(out), elementsOf<T>(in), e.total() * sizeof(T));
#endif
}

template <typename T>
void reduceScatter(int64_t rankIn, void *in, int64_t rankOut, void *out, const char *location) {
  Extents e = extentsOf(rankIn, in), o = extentsOf(rankOut, out);
#ifdef FAD_WITH_MPI
  knowProcesses();
  if (!sameEverywhere(shapeOf(rankIn, in)))
    fail(where(location) + "reduce_scatter: the processes passed arrays of different extents");
  messageCount(e.total(), location, "reduce_scatter");
  std::vector<int64_t> rows = rowsOfAll(o.rows);
  std::vector<int> counts(processCountValue);
  int64_t sum = 0;
  for (int r = 0; r < processCountValue; ++r) {
    counts[r] = messageCount(rows[r] * e.rowSize, location, "reduce_scatter");
    sum += rows[r];
  }
  if (sum != e.rows)
    fail(where(location) + "reduce_scatter: blocks of " + std::to_string(sum) +
         " rows in all from an array of " + std::to_string(e.rows));
  std::vector<T> scratch(e.total() ? 0 : 1), sink(o.total() ? 0 : 1);
  MPI_Reduce_scatter(e.total() ? elementsOf<T>(in) : scratch.data(),
                     o.total() ? elementsOf<T>(out) : sink.data(), counts.data(), mpiType<T>(),
                     MPI_SUM, communicator);
#else
  if (o.rows != e.rows)
    fail(where(location) + "reduce_scatter: a block of " + std::to_string(o.rows) +
         " rows from an array of " + std::to_string(e.rows));
  std::memcpy(elementsOf<T>(out), elementsOf<T>(in), e.total() * sizeof(T));
#endif
}
} // namespace

//===----------------------------------------------------------------------===//
// Start, end and errors (RuntimeState.h)
//===----------------------------------------------------------------------===//

void fad::rt::distStart(int *argc, char ***argv) {
#ifdef FAD_WITH_MPI
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  knowProcesses();
  if (provided < MPI_THREAD_FUNNELED)
    fail("this MPI does not support threads calling it from the main thread only "
         "(MPI_THREAD_FUNNELED), which OpenMP loops need");
  // Results are printed once, by process 0.
  if (processIndexValue != 0 && !std::freopen("/dev/null", "w", stdout))
    fail("cannot silence the standard output of process " + std::to_string(processIndexValue));
#else
  (void)argc, (void)argv;
#endif
}

void fad::rt::distFinish() {
#ifdef FAD_WITH_MPI
  MPI_Finalize();
#endif
}

void fad::rt::distAbort() {
#ifdef FAD_WITH_MPI
  if (known && processCountValue > 1 && mpiRunning())
    MPI_Abort(communicator, 1);
#endif
}

void fad::rt::distBeforeError() {
#ifdef FAD_WITH_MPI
  // An error that every process meets (a bad input, a shape error in code
  // they all run) is printed once: the other processes give process 0 a
  // moment to report it and end them all.
  if (processCountValue > 1 && processIndexValue != 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
#endif
}

int64_t fad::rt::processIndex() {
#ifdef FAD_WITH_MPI
  knowProcesses();
  return processIndexValue;
#else
  return 0;
#endif
}

int64_t fad::rt::processCount() {
#ifdef FAD_WITH_MPI
  knowProcesses();
  return processCountValue;
#else
  return 1;
#endif
}

bool fad::rt::severalProcesses() {
#ifdef FAD_WITH_MPI
  if (!known && mpiRunning())
    knowProcesses();
  return known && processCountValue > 1;
#else
  return false;
#endif
}

std::string fad::rt::readStandardInput() {
  std::string text;
  if (processIndex() == 0)
    text.assign((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
#ifdef FAD_WITH_MPI
  // Process 0 reads; the others get the same text.
  int64_t size = static_cast<int64_t>(text.size());
  MPI_Bcast(&size, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  text.resize(size);
  for (int64_t at = 0; at < size; at += INT_MAX)
    MPI_Bcast(text.data() + at, (int)std::min<int64_t>(INT_MAX, size - at), MPI_CHAR, 0,
              MPI_COMM_WORLD);
#endif
  return text;
}

//===----------------------------------------------------------------------===//
// The entry points compiled code calls (FADRuntime.h)
//===----------------------------------------------------------------------===//

extern "C" {
int fad_set_communicator(const void *mpiComm) {
#ifdef FAD_WITH_MPI
  if (!mpiComm)
    return FAD_ERROR_ARGUMENT;
  communicator = *static_cast<const MPI_Comm *>(mpiComm);
  known = false;
  return FAD_OK;
#else
  (void)mpiComm;
  return FAD_ERROR_ARGUMENT;
#endif
}

int64_t fad_rt_process_index(void) { return fad::rt::processIndex(); }
int64_t fad_rt_process_count(void) { return fad::rt::processCount(); }

#define FAD_COLLECTIVES(SUFFIX, T)                                                     \
  T fad_rt_allreduce_##SUFFIX(T value, int32_t kind, const char *location) {           \
    return allreduceScalar<T>(value, kind, location);                                  \
  }                                                                                    \
  void fad_rt_allreduce_array_##SUFFIX(int64_t ri, void *in, int64_t ro, void *out,    \
                                       int32_t kind, const char *location) {           \
    allreduceArray<T>(ri, in, ro, out, kind, location);                                \
  }                                                                                    \
  void fad_rt_allgather_##SUFFIX(int64_t ri, void *in, int64_t ro, void *out,          \
                                 const char *location) {                               \
    allgather<T>(ri, in, ro, out, location);                                           \
  }                                                                                    \
  void fad_rt_reduce_scatter_##SUFFIX(int64_t ri, void *in, int64_t ro, void *out,     \
                                      const char *location) {                          \
    reduceScatter<T>(ri, in, ro, out, location);                                       \
  }
FAD_COLLECTIVES(f64, double)
FAD_COLLECTIVES(f32, float)
FAD_COLLECTIVES(i64, int64_t)
FAD_COLLECTIVES(i32, int32_t)
#undef FAD_COLLECTIVES
}
