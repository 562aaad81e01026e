/*===- FakeCudaDriver.c - A stand-in libcuda.so.1 for the runtime's tests -===//
 *
 * A fake CUDA driver: a shared library with the cu* entry points that
 * runtime/lib/GPU.cpp looks up with dlsym, so that the runtime's driver paths
 * (start, module and kernel caches, streams, launches, managed memory, the
 * failure messages) can be tested on a machine without a GPU. The runtime
 * loads it in place of libcuda.so.1 when FAD_CUDA_DRIVER names it
 * (FADGPURuntimeTests does so; see GPURuntimeTest.cpp).
 *
 * "Kernels" are host functions: cuModuleGetFunction returns one of the
 * functions of the `kernels` table below, and cuLaunchKernel calls it once per
 * thread of the grid (grid and block x extents only; every kernel here is
 * one-dimensional), synchronously, on the calling thread. Managed memory is
 * ordinary host memory (aligned_alloc). Modules are the image pointers
 * themselves; the context is a constant, current per thread as in the driver.
 *
 * The test reaches the fake through two more exported functions, which it
 * finds with dlsym on the same library (dlopen of the same path returns the
 * runtime's handle):
 *   long long fake_cuda_count(const char *what): a counter or recorded value
 *     (names in `countNames`; -1 for an unknown name);
 *   void fake_cuda_fail(const char *call): makes the driver call `call` fail
 *     from now on ("" or null: none fails). cuInit fails with
 *     CUDA_ERROR_NO_DEVICE, cuDeviceGetCount reports no device,
 *     cuModuleLoadDataEx fails with CUDA_ERROR_INVALID_PTX and a two-line JIT
 *     log; cuDevicePrimaryCtxRetain, cuCtxSetCurrent, cuCtxSetLimit,
 *     cuMemAllocManaged, cuLaunchKernel, cuStreamSynchronize and
 *     cuEventSynchronize fail with CUDA_ERROR_ILLEGAL_ADDRESS (as after a
 *     kernel's fault); other calls never fail this way.
 * $FAKE_CUDA_FAIL sets the failing call at load time (for trying a program
 * by hand); $FAKE_CUDA_REPORT prints the counters on stderr at exit.
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_CONTEXT = 201,
  CUDA_ERROR_INVALID_PTX = 218,
  CUDA_ERROR_INVALID_HANDLE = 400,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_ILLEGAL_ADDRESS = 700,
};
enum {
  CU_MEM_ATTACH_GLOBAL = 1,
  CU_LIMIT_MALLOC_HEAP_SIZE = 2,
  CU_JIT_ERROR_LOG_BUFFER = 5,
  CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6
};

/*--- Failures ----------------------------------------------------------------*/

static char failing[64]; /* the driver call that fails; "" for none */

EXPORT void fake_cuda_fail(const char *call) {
  snprintf(failing, sizeof failing, "%s", call ? call : "");
}
static int fails(const char *call) { return strcmp(failing, call) == 0; }

__attribute__((constructor)) static void readFailEnv(void) {
  fake_cuda_fail(getenv("FAKE_CUDA_FAIL"));
}

/*--- Counters ----------------------------------------------------------------*/

enum {
  kAllocs,      /* cuMemAllocManaged successes */
  kFrees,       /* cuMemFree_v2 successes */
  kLoads,       /* cuModuleLoadData(Ex) successes */
  kLookups,     /* cuModuleGetFunction calls */
  kStreams,     /* cuStreamCreate calls */
  kStreamFrees, /* cuStreamDestroy_v2 calls */
  kLaunches,    /* cuLaunchKernel successes */
  kThreads,     /* kernel threads run, over all launches */
  kSyncs,       /* cuStreamSynchronize calls */
  kHeapLimit,   /* the last CU_LIMIT_MALLOC_HEAP_SIZE cuCtxSetLimit set; -1 before */
  kJitOptLevel, /* the optimization level of the last cuModuleLoadDataEx; -1 before */
  kGridX,       /* the last launch's extents, its shared memory and stream */
  kBlockX,
  kSharedBytes,
  kStream,
  kCount
};
static const char *const countNames[kCount] = {[kAllocs] = "allocs",
                                               [kFrees] = "frees",
                                               [kLoads] = "loads",
                                               [kLookups] = "lookups",
                                               [kStreams] = "streams",
                                               [kStreamFrees] = "stream_frees",
                                               [kLaunches] = "launches",
                                               [kThreads] = "threads",
                                               [kSyncs] = "syncs",
                                               [kHeapLimit] = "heap_limit",
                                               [kJitOptLevel] = "jit_opt_level",
                                               [kGridX] = "grid_x",
                                               [kBlockX] = "block_x",
                                               [kSharedBytes] = "shared_bytes",
                                               [kStream] = "stream"};
static long long counts[kCount] = {[kHeapLimit] = -1, [kJitOptLevel] = -1};

/* Counters change on any thread the runtime calls from. */
static void add(int which, long long n) { __atomic_fetch_add(&counts[which], n, __ATOMIC_SEQ_CST); }
static void set(int which, long long v) { __atomic_store_n(&counts[which], v, __ATOMIC_SEQ_CST); }

EXPORT long long fake_cuda_count(const char *what) {
  for (int i = 0; i < kCount; ++i)
    if (strcmp(what, countNames[i]) == 0)
      return __atomic_load_n(&counts[i], __ATOMIC_SEQ_CST);
  return -1;
}

__attribute__((destructor)) static void report(void) {
  if (!getenv("FAKE_CUDA_REPORT"))
    return;
  fprintf(stderr, "fake cuda:");
  for (int i = 0; i < kCount; ++i)
    fprintf(stderr, " %s %lld", countNames[i], counts[i]);
  fprintf(stderr, "\n");
}

/*--- Kernels -----------------------------------------------------------------*/

/* A kernel runs once per thread with the launch's parameters: pointers to
 * the argument values, as the driver takes them. */
typedef void (*Kernel)(void **params, long thread);

/* add_one(memref<?xf64>): its parameters are a 1-D memref's descriptor
 * (allocated, aligned, offset, size, stride), as MLIR's host code passes
 * them; thread t adds 1 to element t when t < size. */
static void add_one(void **params, long thread) {
  double *aligned = *(double **)params[1];
  long long offset = *(long long *)params[2], size = *(long long *)params[3],
            stride = *(long long *)params[4];
  if (thread < size)
    aligned[offset + thread * stride] += 1;
}

static const struct {
  const char *name;
  Kernel kernel;
} kernels[] = {{"add_one", add_one}};

/*--- Device and context ------------------------------------------------------*/

static char primaryContext; /* its address is the context */
static __thread void *current;

EXPORT CUresult cuInit(unsigned flags) {
  (void)flags;
  return fails("cuInit") ? CUDA_ERROR_NO_DEVICE : CUDA_SUCCESS;
}
EXPORT CUresult cuDeviceGetCount(int *count) {
  *count = fails("cuDeviceGetCount") ? 0 : 1;
  return CUDA_SUCCESS;
}
EXPORT CUresult cuDeviceGet(int *device, int ordinal) {
  if (ordinal != 0)
    return CUDA_ERROR_INVALID_VALUE;
  *device = ordinal;
  return CUDA_SUCCESS;
}
EXPORT CUresult cuDevicePrimaryCtxRetain(void **context, int device) {
  (void)device;
  if (fails("cuDevicePrimaryCtxRetain"))
    return CUDA_ERROR_ILLEGAL_ADDRESS;
  *context = &primaryContext;
  return CUDA_SUCCESS;
}
EXPORT CUresult cuCtxSetCurrent(void *context) {
  if (fails("cuCtxSetCurrent"))
    return CUDA_ERROR_ILLEGAL_ADDRESS;
  current = context;
  return CUDA_SUCCESS;
}
EXPORT CUresult cuCtxSetLimit(int limit, size_t value) {
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (fails("cuCtxSetLimit"))
    return CUDA_ERROR_ILLEGAL_ADDRESS;
  if (limit == CU_LIMIT_MALLOC_HEAP_SIZE)
    set(kHeapLimit, (long long)value);
  return CUDA_SUCCESS;
}
static const struct {
  CUresult error;
  const char *name;
} errorNames[] = {
    {CUDA_SUCCESS, "CUDA_SUCCESS"},
    {CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE"},
    {CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE"},
    {CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT"},
    {CUDA_ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX"},
    {CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE"},
    {CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND"},
    {CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS"},
};
EXPORT CUresult cuGetErrorName(CUresult error, const char **name) {
  for (size_t i = 0; i < sizeof errorNames / sizeof *errorNames; ++i)
    if (errorNames[i].error == error) {
      *name = errorNames[i].name;
      return CUDA_SUCCESS;
    }
  *name = NULL;
  return CUDA_ERROR_INVALID_VALUE;
}

/*--- Memory ------------------------------------------------------------------*/

EXPORT CUresult cuMemAllocManaged(CUdeviceptr *p, size_t bytes, unsigned flags) {
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (flags != CU_MEM_ATTACH_GLOBAL || bytes == 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (fails("cuMemAllocManaged"))
    return CUDA_ERROR_ILLEGAL_ADDRESS;
  void *block = aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!block)
    return CUDA_ERROR_INVALID_VALUE;
  *p = (CUdeviceptr)block;
  add(kAllocs, 1);
  return CUDA_SUCCESS;
}
EXPORT CUresult cuMemFree_v2(CUdeviceptr p) {
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  free((void *)p);
  add(kFrees, 1);
  return CUDA_SUCCESS;
}
EXPORT CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes, void *stream) {
  (void)stream;
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  memcpy((void *)dst, (const void *)src, bytes);
  return CUDA_SUCCESS;
}
EXPORT CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t count, void *stream) {
  (void)stream;
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  for (size_t i = 0; i < count; ++i)
    ((unsigned *)dst)[i] = value;
  return CUDA_SUCCESS;
}

/*--- Modules and kernels -----------------------------------------------------*/

EXPORT CUresult cuModuleLoadData(void **module, const void *image) {
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  *module = (void *)(uintptr_t)image; /* the module is its image */
  add(kLoads, 1);
  return CUDA_SUCCESS;
}
EXPORT CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned numOptions,
                                   int *options, void **values) {
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  char *log = NULL;
  size_t logBytes = 0;
  for (unsigned i = 0; i < numOptions; ++i) {
    if (options[i] == CU_JIT_ERROR_LOG_BUFFER)
      log = (char *)values[i];
    else if (options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES)
      logBytes = (size_t)values[i];
    else if (options[i] == 7 /* CU_JIT_OPTIMIZATION_LEVEL */)
      set(kJitOptLevel, (long long)(size_t)values[i]);
  }
  if (fails("cuModuleLoadDataEx")) {
    if (log && logBytes)
      snprintf(log, logBytes, "ptxas error: bad\nline two\n");
    return CUDA_ERROR_INVALID_PTX;
  }
  *module = (void *)(uintptr_t)image; /* the module is its image */
  add(kLoads, 1);
  return CUDA_SUCCESS;
}
EXPORT CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
  (void)module;
  add(kLookups, 1);
  for (size_t i = 0; i < sizeof kernels / sizeof *kernels; ++i)
    if (strcmp(name, kernels[i].name) == 0) {
      *function = (void *)kernels[i].kernel;
      return CUDA_SUCCESS;
    }
  return CUDA_ERROR_NOT_FOUND;
}
EXPORT CUresult cuLaunchKernel(void *function, unsigned gridX, unsigned gridY, unsigned gridZ,
                               unsigned blockX, unsigned blockY, unsigned blockZ,
                               unsigned sharedBytes, void *stream, void **params, void **extra) {
  (void)extra;
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!gridX || !gridY || !gridZ || !blockX || !blockY || !blockZ)
    return CUDA_ERROR_INVALID_VALUE;
  if (fails("cuLaunchKernel"))
    return CUDA_ERROR_ILLEGAL_ADDRESS;
  set(kGridX, gridX);
  set(kBlockX, blockX);
  set(kSharedBytes, sharedBytes);
  set(kStream, (long long)(size_t)stream);
  long threads = (long)gridX * blockX;
  for (long t = 0; t < threads; ++t)
    ((Kernel)function)(params, t);
  add(kLaunches, 1);
  add(kThreads, threads);
  return CUDA_SUCCESS;
}

/*--- Streams and events ------------------------------------------------------*/

EXPORT CUresult cuStreamCreate(void **stream, unsigned flags) {
  (void)flags;
  if (!current)
    return CUDA_ERROR_INVALID_CONTEXT;
  *stream = malloc(1);
  add(kStreams, 1);
  return CUDA_SUCCESS;
}
EXPORT CUresult cuStreamDestroy_v2(void *stream) {
  free(stream);
  add(kStreamFrees, 1);
  return CUDA_SUCCESS;
}
EXPORT CUresult cuStreamSynchronize(void *stream) {
  (void)stream;
  add(kSyncs, 1);
  return fails("cuStreamSynchronize") ? CUDA_ERROR_ILLEGAL_ADDRESS : CUDA_SUCCESS;
}
EXPORT CUresult cuStreamWaitEvent(void *stream, void *event, unsigned flags) {
  (void)stream, (void)flags;
  return event ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}
EXPORT CUresult cuEventCreate(void **event, unsigned flags) {
  (void)flags;
  *event = malloc(1);
  return CUDA_SUCCESS;
}
EXPORT CUresult cuEventDestroy_v2(void *event) {
  free(event);
  return CUDA_SUCCESS;
}
EXPORT CUresult cuEventSynchronize(void *event) {
  (void)event;
  return fails("cuEventSynchronize") ? CUDA_ERROR_ILLEGAL_ADDRESS : CUDA_SUCCESS;
}
EXPORT CUresult cuEventRecord(void *event, void *stream) {
  (void)stream;
  return event ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}
