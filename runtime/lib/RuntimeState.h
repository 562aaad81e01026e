//===- RuntimeState.h - State shared by the runtime's files -------*- C++ -*-===//
//
// Options set by the command line (Main.cpp) and read by the functions that
// generated code calls (Runtime.cpp), and the hooks through which those
// functions serve a library call instead (Library.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_RUNTIME_RUNTIMESTATE_H
#define FAD_RUNTIME_RUNTIMESTATE_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <sched.h>
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

/// Prints "error: <message>" on stderr and exits with status 1 -- or, inside
/// a library call, ends that call with the message (see Library.cpp).
[[noreturn]] void fail(const std::string &message);

/// Processes (Distributed.cpp; one process without MPI). distStart begins
/// them (MPI_Init) before anything else runs and silences the standard
/// output of every process but 0; distFinish ends them. fail() calls
/// distBeforeError before it prints and distAbort after, which ends every
/// process (MPI_Abort) when there are several.
void distStart(int *argc, char ***argv);
void distFinish();
void distBeforeError();
void distAbort();
int64_t processIndex();
int64_t processCount();
/// Whether this process is one of several that run collectives together
/// (then an error must end them all: the others would wait forever).
bool severalProcesses();
/// The whole standard input, read by process 0 and sent to the others.
std::string readStandardInput();

/// The number of runnable threads in the system, from the text of
/// /proc/loadavg (its fourth field, "running/total"), or -1.
int runnableThreads(const char *loadavg);
/// The default thread count on `cores` cores while `runnable` threads
/// (this one included) are runnable: the cores the others leave idle, at
/// least 1. On a busy machine, OpenMP workers that spin at barriers while
/// the OS runs other jobs make a parallel program many times slower than a
/// sequential one; on an idle one, this is one thread per core.
int idleCores(int cores, int runnable);

/// The CPU for the `worker`-th (1, 2, ...) worker of a team whose master
/// runs on `masterCpu`: the worker-th CPU of `allowed` other than the
/// master's, round robin; -1 when `allowed` has no other CPU.
int workerCpu(const cpu_set_t &allowed, int masterCpu, int worker);

/// The buffers of generated code (Allocator.cpp): `bytes` at `alignment`
/// (a power of two), or null when memory is exhausted; `deallocate` takes
/// only what `allocate` returned (or null), on any thread. Blocks are
/// reused: a freed block goes to a cache of its size class for the next
/// allocation (an alignment above 16 bytes is made within a larger block).
void *allocate(size_t bytes, size_t alignment);
void deallocate(void *p);
/// Lets `deallocate(interior)` free `block` (what `allocate` returned):
/// `interior` is `block` or lies at least 16 bytes into it (memref
/// lowering aligns a buffer's data past its block's start), and the 16
/// bytes before it are padding that nothing reads. False (nothing marked)
/// when `interior` is less than 16 bytes in.
bool adoptInterior(void *block, void *interior);

/// The GPU of programs compiled with --target=cuda (GPU.cpp).
/// Whether this program is one: generated code defines the byte
/// `fad_gpu_program`.
bool gpuProgram();
/// Loads the CUDA driver and makes its device ready, once per process (any
/// thread; later calls return the first outcome). False, with
/// "no CUDA device: ..." in `error`, when the driver or a device is missing.
bool gpuStart(std::string &error);
/// Set once gpuStart has succeeded: from then on the allocator takes fresh
/// blocks from gpuAllocate (CUDA managed memory: null when exhausted) and
/// returns them to gpuFree, which never fails.
extern std::atomic<bool> gpuActive;
void *gpuAllocate(size_t bytes);
void gpuFree(void *p);

/// An MLIR strided memref descriptor of any rank.
struct Descriptor {
  void *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[1]; // sizes[rank], then strides[rank]
};

/// The first element of an array given as its descriptor (identity layout).
template <typename T> T *elementsOf(void *desc) {
  auto *d = static_cast<Descriptor *>(desc);
  return reinterpret_cast<T *>(d->aligned) + d->offset;
}

/// A library call in progress on this thread (fad_call), or null when the
/// runtime serves an executable's `main`.
struct CallFrame;
CallFrame *activeCall();
/// The active call if it collects results (else results are printed).
CallFrame *collectingCall();

/// The argument and result functions of FADRuntime.h, inside a library call.
double callArgFloat(CallFrame &call, int64_t leaf, int64_t kind);
int64_t callArgInt(CallFrame &call, int64_t leaf, int64_t kind);
int64_t callArgDim(CallFrame &call, int64_t leaf, int64_t kind, int64_t rank, int64_t dim);
void callArgFill(CallFrame &call, int64_t leaf, int64_t kind, int64_t rank, void *desc);
void callResultFloat(CallFrame &call, int64_t kind, double value);
void callResultInt(CallFrame &call, int64_t kind, int64_t value);
void callResultArray(CallFrame &call, int64_t kind, int64_t rank, void *desc);
double callArgComplex(CallFrame &call, int64_t leaf, int64_t kind, int32_t part);
void callArgFillComplex(CallFrame &call, int64_t leaf, int64_t kind, int32_t part,
                        int64_t rank, void *desc);
void callResultComplex(CallFrame &call, int64_t kind, double re, double im);

int64_t callReportEvery(CallFrame &call);
/// Ends a library call with an error: first record the message, then jump
/// out (in two steps, so that the message's temporaries are gone before the
/// jump skips their destructors).
void setCallError(CallFrame &call, const std::string &message);
[[noreturn]] void endFailedCall(CallFrame &call);
/// Whether this thread runs a chunk of a library call's parallel loop
/// (fad_rt_chunk_begin); a failure there is recorded for the call
/// (setChunkError, the first chunk's message wins) and abandons the chunk
/// (endFailedChunk); the loop's caller then ends the call with it.
bool inCallChunk();
void setChunkError(const std::string &message);
[[noreturn]] void endFailedChunk();

/// Bytes per element of a FAD_KIND_*.
int64_t elementSize(int64_t kind);
/// Visits the elements of a strided array in row-major order: visit(offset
/// in elements from the aligned base, position in row-major order).
/// Whether the array is row-major and contiguous (its elements from
/// `desc.offset` on, in order, without gaps): then it is copied as one block.
inline bool isContiguous(const Descriptor &desc, int64_t rank) {
  const int64_t *sizes = desc.sizesAndStrides, *strides = sizes + rank;
  for (int64_t d = rank - 1, expected = 1; d >= 0; expected *= sizes[d--])
    if (sizes[d] != 1 && strides[d] != expected)
      return false;
  return true;
}
template <typename Visit>
void forEachElement(const Descriptor &desc, int64_t rank, Visit visit) {
  const int64_t *sizes = desc.sizesAndStrides, *strides = sizes + rank;
  int64_t total = 1;
  for (int64_t d = 0; d < rank; ++d)
    total *= sizes[d];
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0; n < total; ++n) {
    int64_t at = desc.offset;
    for (int64_t d = 0; d < rank; ++d)
      at += index[d] * strides[d];
    visit(at, n);
    for (int64_t d = rank - 1; d >= 0 && ++index[d] == sizes[d]; --d)
      index[d] = 0;
  }
}
} // namespace fad::rt

#endif // FAD_RUNTIME_RUNTIMESTATE_H
