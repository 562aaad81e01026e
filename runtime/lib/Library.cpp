//===- Library.cpp - Calls into libraries built by fadc -----------*- C++ -*-===//
//
// This file implements FADLibrary.h. A generated entry function packs its C
// arguments into fad_args and calls fad_call with the program's thunk for that
// entry; the thunk reads the arguments and hands over the results through the
// same runtime functions that an executable's driver uses (FADRuntime.h),
// which serve the call frame installed here instead of standard input and
// output. A run-time error inside the program ends the call by longjmp back
// to fad_call: the frames in between are generated code, and the runtime
// functions that fail keep no objects with destructors alive across the jump
// except message temporaries, which leak.
//
//===----------------------------------------------------------------------===//

#include "PointerSet.h"
#include "RuntimeState.h"
#include "fad/Runtime/FADLibrary.h"
#include "fad/Runtime/FADRuntime.h"

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

using namespace fad::rt;

struct fad_context {
  std::string error;
  int64_t reportEvery = 0;
};

namespace {
/// A result held until the call succeeds, so that a failed call leaves the
/// caller's outputs untouched.
struct PendingResult {
  double f = 0, im = 0;
  int64_t i = 0;
  void *data = nullptr;
  std::vector<int64_t> shape;
};
} // namespace

struct fad::rt::CallFrame {
  fad_context *ctx;
  const char *entry;
  const fad_arg *args;
  int64_t nargs;
  const fad_result *results;
  int64_t nresults;
  std::vector<PendingResult> pending;
  PointerSet live;           ///< what the program allocated and holds
  /// Buffers of `live` handed to the caller as results: the program's own
  /// free of them is skipped (callResultArray).
  PointerSet handedOver;
  bool printResults = false; ///< print instead of collecting (fad-repl)
  int status = FAD_OK;
  std::string message;
  std::jmp_buf jump;
  /// The first failed chunk of the parallel loop running now (its index,
  /// -1 if none, and its message), and the lock the chunks take to record
  /// a failure or to touch `live`.
  std::mutex chunkLock;
  int64_t failedChunk = -1;
  std::string chunkMessage;
};

static thread_local CallFrame *current = nullptr;

namespace {
/// The chunk of a library call's parallel checked loop that this thread
/// runs (fad_rt_chunk_begin .. fad_rt_chunk_end): a failed check records
/// its message in `call` and jumps to `jump`, which the generated code set
/// at the chunk's start, after freeing what the chunk allocated.
struct Chunk {
  CallFrame *call = nullptr; ///< null outside a chunk
  int64_t index = 0;
  std::jmp_buf jump;
  PointerSet allocated; ///< buffers the chunk allocated and still holds
};
thread_local Chunk chunk;
} // namespace

// libomp's API (omp.h ships with clang, not on the C++ compiler's path),
// and its entry point for a parallel region (what `#pragma omp parallel`
// compiles to), whose source location may be null.
extern "C" {
void omp_set_num_threads(int);
void omp_set_dynamic(int);
int omp_get_max_threads(void);
int omp_get_num_procs(void);
int omp_get_thread_num(void);
void __kmpc_fork_call(void *location, int32_t nargs, void (*body)(int32_t *, int32_t *, ...), ...);
}

int fad::rt::runnableThreads(const char *loadavg) {
  double l1, l5, l15;
  int running = 0, total = 0;
  if (std::sscanf(loadavg, "%lf %lf %lf %d/%d", &l1, &l5, &l15, &running, &total) != 5 ||
      running < 1)
    return -1;
  return running;
}

int fad::rt::idleCores(int cores, int runnable) {
  return std::max(1, std::min(cores, cores - (runnable - 1)));
}

/// The default thread count: OMP_NUM_THREADS (its first number) when set,
/// else the cores that the other runnable threads leave idle (idleCores),
/// read when the count is set.
static int defaultThreads() {
  if (const char *env = std::getenv("OMP_NUM_THREADS"))
    if (int n = std::atoi(env); n >= 1)
      return n;
  int cores = omp_get_num_procs();
  char text[256] = {};
  if (std::FILE *f = std::fopen("/proc/loadavg", "r")) {
    size_t n = std::fread(text, 1, sizeof text - 1, f);
    std::fclose(f);
    text[n] = 0;
    if (int runnable = fad::rt::runnableThreads(text); runnable > 0)
      return fad::rt::idleCores(cores, runnable);
  }
  return cores;
}
CallFrame *fad::rt::activeCall() { return current; }
CallFrame *fad::rt::collectingCall() {
  return current && !current->printResults ? current : nullptr;
}

int64_t fad::rt::elementSize(int64_t kind) {
  static const int64_t sizes[] = {8, 4, 8, 4, 1, 16, 8};
  return sizes[kind];
}

void fad::rt::setCallError(CallFrame &call, const std::string &message) {
  call.status = FAD_ERROR_RUNTIME;
  call.message = message;
}
void fad::rt::endFailedCall(CallFrame &call) { std::longjmp(call.jump, 1); }

bool fad::rt::inCallChunk() { return chunk.call != nullptr; }
void fad::rt::setChunkError(const std::string &message) {
  std::lock_guard<std::mutex> lock(chunk.call->chunkLock);
  CallFrame &call = *chunk.call;
  if (call.failedChunk < 0 || chunk.index < call.failedChunk) {
    call.failedChunk = chunk.index;
    call.chunkMessage = message;
  }
}
void fad::rt::endFailedChunk() {
  chunk.allocated.forEach(deallocate);
  chunk.allocated.clear();
  std::longjmp(chunk.jump, 1);
}

/// Ends the call with `message` (message temporaries leak: only for errors
/// that a correct wrapper cannot cause).
[[noreturn]] static void callFail(CallFrame &call, const std::string &message) {
  setCallError(call, message);
  endFailedCall(call);
}

/// The argument `leaf`, checked against what the program expects (the
/// generated wrapper and thunk agree by construction; this guards the ABI).
static const fad_arg &argument(CallFrame &call, int64_t leaf, int64_t kind, int64_t rank) {
  if (leaf < 0 || leaf >= call.nargs || call.args[leaf].kind != kind ||
      call.args[leaf].rank != rank)
    callFail(call, "argument " + std::to_string(leaf) + " of '" + call.entry +
                       "' does not match the compiled program (rebuild the library)");
  return call.args[leaf];
}

double fad::rt::callArgFloat(CallFrame &call, int64_t leaf, int64_t kind) {
  return argument(call, leaf, kind, 0).f;
}
int64_t fad::rt::callArgInt(CallFrame &call, int64_t leaf, int64_t kind) {
  int64_t v = argument(call, leaf, kind, 0).i;
  return kind == FAD_KIND_BOOL ? v != 0 : v;
}
int64_t fad::rt::callArgDim(CallFrame &call, int64_t leaf, int64_t kind, int64_t rank,
                            int64_t dim) {
  return argument(call, leaf, kind, rank).shape[dim];
}
void fad::rt::callArgFill(CallFrame &call, int64_t leaf, int64_t kind, int64_t rank, void *opaque) {
  const fad_arg &arg = argument(call, leaf, kind, rank);
  const auto &desc = *static_cast<const Descriptor *>(opaque);
  const char *from = static_cast<const char *>(arg.data);
  int64_t size = elementSize(kind);
  if (kind != FAD_KIND_BOOL && isContiguous(desc, rank)) {
    int64_t total = 1;
    for (int64_t d = 0; d < rank; ++d)
      total *= desc.sizesAndStrides[d];
    std::memcpy(desc.aligned + desc.offset * size, from, total * size);
    return;
  }
  forEachElement(desc, rank, [&](int64_t at, int64_t n) {
    char *to = desc.aligned + at * size;
    if (kind == FAD_KIND_BOOL)
      *to = from[n] != 0;
    else
      std::memcpy(to, from + n * size, size);
  });
}

/// A complex scalar argument points to its value (fad_c128 or fad_c64).
double fad::rt::callArgComplex(CallFrame &call, int64_t leaf, int64_t kind, int32_t part) {
  const fad_arg &arg = argument(call, leaf, kind, 0);
  if (kind == FAD_KIND_C128)
    return static_cast<const double *>(arg.data)[part];
  return static_cast<const float *>(arg.data)[part];
}
void fad::rt::callArgFillComplex(CallFrame &call, int64_t leaf, int64_t kind, int32_t part,
                                 int64_t rank, void *opaque) {
  const fad_arg &arg = argument(call, leaf, kind, rank);
  const auto &desc = *static_cast<const Descriptor *>(opaque);
  forEachElement(desc, rank, [&](int64_t at, int64_t n) {
    if (kind == FAD_KIND_C128)
      reinterpret_cast<double *>(desc.aligned)[at] =
          static_cast<const double *>(arg.data)[2 * n + part];
    else
      reinterpret_cast<float *>(desc.aligned)[at] =
          static_cast<const float *>(arg.data)[2 * n + part];
  });
}

/// The next result, checked against the generated wrapper's expectation.
static PendingResult &nextResult(CallFrame &call, int64_t kind, int64_t rank) {
  int64_t k = call.pending.size();
  if (k >= call.nresults || call.results[k].kind != kind || call.results[k].rank != rank)
    callFail(call, std::string("result ") + std::to_string(k) + " of '" + call.entry +
                       "' does not match the compiled program (rebuild the library)");
  return call.pending.emplace_back();
}

void fad::rt::callResultFloat(CallFrame &call, int64_t kind, double value) {
  nextResult(call, kind, 0).f = value;
}
void fad::rt::callResultComplex(CallFrame &call, int64_t kind, double re, double im) {
  PendingResult &result = nextResult(call, kind, 0);
  result.f = re, result.im = im;
}
void fad::rt::callResultInt(CallFrame &call, int64_t kind, int64_t value) {
  nextResult(call, kind, 0).i = value;
}
/// A result array goes to the caller as the program's own buffer when that
/// buffer is whole, contiguous and the program's to give (it is in `live`,
/// not an argument's or a constant's): copying a large result into a fresh
/// block cost more than computing it (ht's 6 MB Jacobian: page faults and
/// clearing on every call). Otherwise it is copied into a new block. Both
/// come from the runtime's allocator, which fad_free returns them to.
void fad::rt::callResultArray(CallFrame &call, int64_t kind, int64_t rank, void *opaque) {
  PendingResult &result = nextResult(call, kind, rank);
  const auto &desc = *static_cast<const Descriptor *>(opaque);
  int64_t size = elementSize(kind), total = 1;
  result.shape.assign(desc.sizesAndStrides, desc.sizesAndStrides + rank);
  for (int64_t extent : result.shape)
    total *= extent;
  bool contiguous = isContiguous(desc, rank);
  if (contiguous && desc.offset == 0 && call.live.contains(desc.allocated) &&
      adoptInterior(desc.allocated, desc.aligned)) {
    call.live.erase(desc.allocated);
    call.handedOver.insert(desc.allocated);
    result.data = desc.aligned;
    return;
  }
  auto *to = static_cast<char *>(allocate(total > 0 ? total * size : 1, alignof(double)));
  if (!to) {
    call.status = FAD_ERROR_MEMORY;
    call.message = std::string("out of memory for result ") +
                   std::to_string(call.pending.size() - 1) + " of '" + call.entry + "'";
    std::longjmp(call.jump, 1);
  }
  result.data = to;
  if (contiguous)
    return (void)std::memcpy(to, desc.aligned + desc.offset * size, total * size);
  forEachElement(desc, rank, [&](int64_t at, int64_t n) {
    std::memcpy(to + n * size, desc.aligned + at * size, size);
  });
}

int64_t fad::rt::callReportEvery(CallFrame &call) { return call.ctx->reportEvery; }

/// Checks the caller's arrays before the program sees them.
static bool validArguments(const char *entry, const fad_arg *args, int64_t nargs,
                           std::string &message) {
  for (int64_t k = 0; k < nargs; ++k) {
    const fad_arg &arg = args[k];
    std::string which = "argument " + std::to_string(k) + " of '" + entry + "'";
    if (arg.rank == 0 && (arg.kind == FAD_KIND_C128 || arg.kind == FAD_KIND_C64) && !arg.data) {
      message = which + ": the pointer to the complex number is null";
      return false;
    }
    if (arg.rank == 0)
      continue;
    if (!arg.shape) {
      message = which + ": the shape pointer is null";
      return false;
    }
    int64_t total = 1;
    for (int32_t d = 0; d < arg.rank; ++d) {
      if (arg.shape[d] < 0) {
        message = which + ": extent " + std::to_string(d) + " is negative (" +
                  std::to_string(arg.shape[d]) + ")";
        return false;
      }
      if (arg.shape[d] > 0 && total > INT64_MAX / elementSize(arg.kind) / arg.shape[d]) {
        message = which + ": the array is too large";
        return false;
      }
      total *= arg.shape[d];
    }
    if (total > 0 && !arg.data) {
      message = which + ": the data pointer is null";
      return false;
    }
  }
  return true;
}

int fad::rt::workerCpu(const cpu_set_t &allowed, int masterCpu, int worker) {
  std::vector<int> others;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &allowed) && cpu != masterCpu)
      others.push_back(cpu);
  return others.empty() || worker < 1 ? -1 : others[(worker - 1) % others.size()];
}

/// Runs on every thread of placeTeam's region (an OpenMP outlined body:
/// thread ids, then the region's one argument, the CPU of the thread that
/// started it): a worker moves to its workerCpu, then may run anywhere
/// again.
static void placeWorker(int32_t *, int32_t *, const int *masterCpu) {
  int worker = omp_get_thread_num();
  cpu_set_t allowed;
  if (worker == 0 || sched_getaffinity(0, sizeof allowed, &allowed) != 0)
    return;
  int cpu = workerCpu(allowed, *masterCpu, worker);
  if (cpu < 0)
    return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  // Pinning the running thread migrates it before the call returns; the
  // kernel leaves it there when the whole set is allowed again.
  if (sched_setaffinity(0, sizeof one, &one) == 0)
    sched_setaffinity(0, sizeof allowed, &allowed);
}

/// Starts this thread's team of parallel-loop threads and puts its workers
/// on other CPUs than this thread's. Linux starts a new thread on its
/// creator's CPU, and spinning at the first barriers two threads sharing a
/// CPU took turns for up to 20 ms, until the scheduler moved one: ht's
/// residuals took 0.65 ms per call on two threads in those first calls
/// (0.12 ms on one), in 17 of 20 short processes. The threads are not
/// bound: once placed, the scheduler moves them as the load demands. Where
/// the user binds threads (OMP_PROC_BIND, OMP_PLACES, KMP_AFFINITY,
/// GOMP_CPU_AFFINITY) libomp places them instead; a GPU program's loops
/// with checks stay on the host's one thread.
static void placeTeam() {
  if (omp_get_max_threads() < 2 || gpuProgram())
    return;
  for (const char *binding : {"OMP_PROC_BIND", "OMP_PLACES", "KMP_AFFINITY", "GOMP_CPU_AFFINITY"})
    if (std::getenv(binding))
      return;
  int masterCpu = sched_getcpu();
  __kmpc_fork_call(nullptr, 1, reinterpret_cast<void (*)(int32_t *, int32_t *, ...)>(placeWorker),
                   &masterCpu);
}

/// Prepares the parallel loops that this thread starts, the first time it
/// calls into a program and again when its thread count changes (a
/// resized team has new workers to place). Lets libomp give each parallel
/// region fewer threads than the count when other programs keep cores busy
/// (OpenMP's dynamic adjustment; libomp's load-balance mode counts the
/// system's running threads in /proc, at most once a second, and leaves out
/// its own team's). A team larger than the idle cores waits at every
/// barrier for a descheduled worker while its idle workers spin.
/// OMP_DYNAMIC, when set, decides instead.
static void prepareTeam(bool resized) {
  static thread_local bool done = false;
  if (done && !resized)
    return;
  if (!done && !std::getenv("OMP_DYNAMIC"))
    omp_set_dynamic(1);
  done = true;
  placeTeam();
}

/// Runs `thunk` in `call`; on failure frees what the program and the call
/// had allocated, records the message in the context and returns false.
/// The GPU of a --target=cuda program is started first, before the program
/// allocates (Allocator.cpp relies on it).
static bool run(CallFrame &call, void (*thunk)(void)) {
  prepareTeam(/*resized=*/false);
  call.ctx->error.clear();
  call.pending.reserve(call.nresults);
  // A --target=cuda program fails every call when there is no GPU (the
  // first call starts it).
  if (std::string error; gpuProgram() && !gpuStart(error)) {
    setCallError(call, error);
    call.ctx->error = std::move(call.message);
    return false;
  }
  CallFrame *outer = current;
  current = &call;
  if (setjmp(call.jump) == 0) {
    thunk();
    if (!call.printResults && (int64_t)call.pending.size() != call.nresults) {
      call.status = FAD_ERROR_RUNTIME;
      call.message = std::string("'") + call.entry +
                     "' does not match the compiled program "
                     "(rebuild the library)";
    }
  }
  current = outer;
  if (call.status == FAD_OK)
    return true;
  call.live.forEach(deallocate);
  for (PendingResult &r : call.pending)
    deallocate(r.data);
  call.ctx->error = std::move(call.message);
  return false;
}

extern "C" {

// The allocation functions of generated code (MLIR's generic allocation
// functions, see Pipelines.cpp): inside a library call they keep track of the
// program's live buffers, so that a failed call frees them.
static void *track(void *p) {
  if (!p)
    return p;
  if (chunk.call)
    chunk.allocated.insert(p);
  else if (CallFrame *call = activeCall())
    call->live.insert(p);
  return p;
}
void *_mlir_memref_to_llvm_alloc(size_t size) {
  return track(allocate(size, alignof(std::max_align_t)));
}
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  return track(allocate(size, alignment));
}
void _mlir_memref_to_llvm_free(void *p) {
  if (chunk.call) {
    if (!chunk.allocated.erase(p)) { // allocated before the loop
      std::lock_guard<std::mutex> lock(chunk.call->chunkLock);
      chunk.call->live.erase(p);
    }
  } else if (CallFrame *call = activeCall()) {
    if (call->handedOver.erase(p)) // the caller's now
      return;
    call->live.erase(p);
  }
  deallocate(p);
}

void *fad_rt_chunks_begin(void) { return severalProcesses() ? nullptr : current; }

void *fad_rt_chunk_begin(void *call, int64_t index) {
  chunk.call = static_cast<CallFrame *>(call);
  chunk.index = index;
  return chunk.jump;
}

void fad_rt_chunk_end(void) {
  if (!chunk.call)
    return;
  if (chunk.allocated.count() > 0) { // buffers that outlive the chunk
    std::lock_guard<std::mutex> lock(chunk.call->chunkLock);
    chunk.allocated.forEach([](void *p) { chunk.call->live.insert(p); });
    chunk.allocated.clear();
  }
  chunk.call = nullptr;
}

void fad_rt_chunks_end(void *opaque) {
  auto *call = static_cast<CallFrame *>(opaque);
  if (!call || call->failedChunk < 0)
    return;
  call->failedChunk = -1;
  setCallError(*call, call->chunkMessage);
  endFailedCall(*call);
}

int fad_rt_call_printing(fad_context *ctx, const char *entry, void (*thunk)(void)) {
  if (!ctx)
    return FAD_ERROR_ARGUMENT;
  CallFrame call{ctx, entry, nullptr, 0, nullptr, 0};
  call.printResults = true;
  run(call, thunk);
  return call.status;
}

fad_context *fad_context_new(void) { return new (std::nothrow) fad_context; }
void fad_context_free(fad_context *ctx) { delete ctx; }
const char *fad_context_error(const fad_context *ctx) {
  return ctx ? ctx->error.c_str() : "no context (NULL)";
}
void fad_context_set_progress(fad_context *ctx, int64_t every) {
  if (ctx)
    ctx->reportEvery = every > 0 ? every : 0;
}
void fad_free(void *data) { deallocate(data); }

void fad_set_threads(int32_t n) {
  omp_set_num_threads(n >= 1 ? std::min(n, FAD_MAX_THREADS) : defaultThreads());
  prepareTeam(/*resized=*/true);
}
int32_t fad_threads(void) { return omp_get_max_threads(); }

// A GPU program's loops with checks stay sequential on the host.
int64_t fad_rt_chunks(void) { return current && gpuProgram() ? 1 : omp_get_max_threads(); }

int fad_call(fad_context *ctx, const char *entry, void (*thunk)(void), const fad_arg *args,
             int64_t nargs, fad_result *results, int64_t nresults) {
  if (!ctx)
    return FAD_ERROR_ARGUMENT;
  ctx->error.clear();
  if (!validArguments(entry, args, nargs, ctx->error))
    return FAD_ERROR_ARGUMENT;
  for (int64_t k = 0; k < nresults; ++k) {
    const fad_result &r = results[k];
    if (r.rank == 0 ? !r.scalar : !r.data || !r.shape) {
      ctx->error = "result " + std::to_string(k) + " of '" + entry + "': output pointer is null";
      return FAD_ERROR_ARGUMENT;
    }
  }
  CallFrame call{ctx, entry, args, nargs, results, nresults};
  if (!run(call, thunk))
    return call.status;
  for (int64_t k = 0; k < nresults; ++k) {
    const fad_result &r = results[k];
    PendingResult &p = call.pending[k];
    if (r.rank > 0) {
      *r.data = p.data;
      std::memcpy(r.shape, p.shape.data(), r.rank * sizeof(int64_t));
    } else if (r.kind == FAD_KIND_F64) {
      *static_cast<double *>(r.scalar) = p.f;
    } else if (r.kind == FAD_KIND_F32) {
      *static_cast<float *>(r.scalar) = (float)p.f;
    } else if (r.kind == FAD_KIND_C128) {
      double parts[2] = {p.f, p.im};
      std::memcpy(r.scalar, parts, sizeof parts);
    } else if (r.kind == FAD_KIND_C64) {
      float parts[2] = {(float)p.f, (float)p.im};
      std::memcpy(r.scalar, parts, sizeof parts);
    } else if (r.kind == FAD_KIND_I64) {
      *static_cast<int64_t *>(r.scalar) = p.i;
    } else {
      *static_cast<int32_t *>(r.scalar) = (int32_t)p.i;
    }
  }
  return FAD_OK;
}

} // extern "C"
