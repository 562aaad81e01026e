//===- GPU.cpp - MLIR's CUDA wrappers for --target=cuda ---------*- C++ -*-===//
//
// The host code that MLIR's gpu-to-llvm lowering emits calls the mgpu*
// functions of MLIR's CudaRuntimeWrappers.cpp, which Debian does not ship;
// this file implements them with the same C signatures (MLIR 19). Nothing
// links against CUDA: the driver (libcuda.so.1, or $FAD_CUDA_DRIVER) is
// loaded with dlopen when a GPU program starts, so that the runtime builds
// and CPU programs run on machines without it.
//
// MLIR 19 loads the module, looks up the kernel, creates a stream, launches,
// synchronizes and destroys the stream and module around every launch.
// Those calls are cheap here: modules are loaded once per image (unloading
// is a no-op; they live until exit), kernels are looked up once per module
// and name, and each thread keeps one stream (destroying is a no-op).
//
// Buffers are CUDA managed memory (Allocator.cpp takes its blocks from
// gpuAllocate once the GPU has started), so kernels read and write the
// program's arrays directly and each array migrates to the device once.
//
// A driver call that fails ends the program, or the library call, through
// fail() with a one-line message.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <string>
#include <utility>

using namespace fad::rt;

// Defined (as a byte 1) by the generated code of --target=cuda programs; the
// weak reference is null in every other program.
extern "C" __attribute__((weak)) const char fad_gpu_program;

namespace {
// The few driver API types used here (cuda.h is not needed to build).
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;
using CUjit_option = int;
constexpr CUresult CUDA_SUCCESS = 0;
constexpr unsigned CU_MEM_ATTACH_GLOBAL = 1;
constexpr unsigned CU_STREAM_NON_BLOCKING = 1;
constexpr unsigned CU_EVENT_DISABLE_TIMING = 2;
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr CUjit_option CU_JIT_OPTIMIZATION_LEVEL = 7;

/// The driver's entry points, filled by gpuStart (the `_v2` symbols where
/// the driver ABI has them).
struct Driver {
  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuDeviceGetCount)(int *count);
  CUresult (*cuDeviceGet)(CUdevice *device, int ordinal);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*cuCtxSetCurrent)(CUcontext context);
  CUresult (*cuCtxSetLimit)(int limit, size_t value);
  CUresult (*cuGetErrorName)(CUresult error, const char **name);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *p, size_t bytes, unsigned flags);
  CUresult (*cuMemFree)(CUdeviceptr p);
  CUresult (*cuMemcpyAsync)(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream);
  CUresult (*cuMemsetD32Async)(CUdeviceptr dst, unsigned value, size_t count, CUstream stream);
  CUresult (*cuModuleLoadData)(CUmodule *module, const void *image);
  CUresult (*cuModuleLoadDataEx)(CUmodule *module, const void *image, unsigned numOptions,
                                 CUjit_option *options, void **values);
  CUresult (*cuModuleGetFunction)(CUfunction *function, CUmodule module, const char *name);
  CUresult (*cuLaunchKernel)(CUfunction function, unsigned gridX, unsigned gridY, unsigned gridZ,
                             unsigned blockX, unsigned blockY, unsigned blockZ, unsigned smem,
                             CUstream stream, void **params, void **extra);
  CUresult (*cuStreamCreate)(CUstream *stream, unsigned flags);
  CUresult (*cuStreamDestroy)(CUstream stream);
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuStreamWaitEvent)(CUstream stream, CUevent event, unsigned flags);
  CUresult (*cuEventCreate)(CUevent *event, unsigned flags);
  CUresult (*cuEventDestroy)(CUevent event);
  CUresult (*cuEventSynchronize)(CUevent event);
  CUresult (*cuEventRecord)(CUevent event, CUstream stream);
};
Driver cu;
CUcontext context; ///< the primary context of the device, made current per thread

std::atomic<int32_t> defaultDevice{0}; ///< mgpuSetDefaultDevice, read by gpuStart

std::string errorName(CUresult result) {
  const char *name = nullptr;
  if (cu.cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    return "CUDA error " + std::to_string(result);
  return name;
}

/// The text that marks why a kernel-launching program cannot run.
constexpr const char *kCompiled = " (compiled with --target=cuda)";

/// Loads the driver and makes the device's primary context current; the
/// error message on failure.
std::string start() {
  const char *env = std::getenv("FAD_CUDA_DRIVER");
  std::string path = env && *env ? env : "libcuda.so.1";
  void *library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return "no CUDA device: " + path + " not found" + kCompiled;
  const std::pair<const char *, void *> symbols[] = {
      {"cuInit", &cu.cuInit},
      {"cuDeviceGetCount", &cu.cuDeviceGetCount},
      {"cuDeviceGet", &cu.cuDeviceGet},
      {"cuDevicePrimaryCtxRetain", &cu.cuDevicePrimaryCtxRetain},
      {"cuCtxSetCurrent", &cu.cuCtxSetCurrent},
      {"cuCtxSetLimit", &cu.cuCtxSetLimit},
      {"cuGetErrorName", &cu.cuGetErrorName},
      {"cuMemAllocManaged", &cu.cuMemAllocManaged},
      {"cuMemFree_v2", &cu.cuMemFree},
      {"cuMemcpyAsync", &cu.cuMemcpyAsync},
      {"cuMemsetD32Async", &cu.cuMemsetD32Async},
      {"cuModuleLoadData", &cu.cuModuleLoadData},
      {"cuModuleLoadDataEx", &cu.cuModuleLoadDataEx},
      {"cuModuleGetFunction", &cu.cuModuleGetFunction},
      {"cuLaunchKernel", &cu.cuLaunchKernel},
      {"cuStreamCreate", &cu.cuStreamCreate},
      {"cuStreamDestroy_v2", &cu.cuStreamDestroy},
      {"cuStreamSynchronize", &cu.cuStreamSynchronize},
      {"cuStreamWaitEvent", &cu.cuStreamWaitEvent},
      {"cuEventCreate", &cu.cuEventCreate},
      {"cuEventDestroy_v2", &cu.cuEventDestroy},
      {"cuEventSynchronize", &cu.cuEventSynchronize},
      {"cuEventRecord", &cu.cuEventRecord},
  };
  for (auto [name, slot] : symbols) {
    void *function = dlsym(library, name);
    if (!function)
      return "no CUDA device: " + path + " lacks " + name + kCompiled;
    *static_cast<void **>(slot) = function; // POSIX: function pointers are pointers
  }
  auto failed = [](const char *call, CUresult result) {
    return std::string("no CUDA device: ") + call + " failed: " + errorName(result) + kCompiled;
  };
  if (CUresult r = cu.cuInit(0))
    return failed("cuInit", r);
  int count = 0;
  if (CUresult r = cu.cuDeviceGetCount(&count))
    return failed("cuDeviceGetCount", r);
  if (count == 0)
    return std::string("no CUDA device: no device found") + kCompiled;
  int32_t ordinal = defaultDevice.load();
  if (ordinal < 0 || ordinal >= count)
    return "no CUDA device: device " + std::to_string(ordinal) + " requested, " +
           std::to_string(count) + " found" + kCompiled;
  CUdevice device;
  if (CUresult r = cu.cuDeviceGet(&device, ordinal))
    return failed("cuDeviceGet", r);
  if (CUresult r = cu.cuDevicePrimaryCtxRetain(&context, device))
    return failed("cuDevicePrimaryCtxRetain", r);
  // Kernels allocate per-thread rows with the device's malloc, whose heap
  // is 8 MiB by default: too small for 65536 threads with a row each.
  constexpr int CU_LIMIT_MALLOC_HEAP_SIZE = 2;
  const char *heap = std::getenv("FAD_CUDA_HEAP_BYTES");
  size_t heapBytes = heap && *heap ? std::strtoull(heap, nullptr, 10) : size_t(1) << 30;
  if (CUresult r = cu.cuCtxSetCurrent(context))
    return failed("cuCtxSetCurrent", r);
  if (CUresult r = cu.cuCtxSetLimit(CU_LIMIT_MALLOC_HEAP_SIZE, heapBytes))
    return failed("cuCtxSetLimit", r);
  return "";
}

/// Ends the program, or the library call, with the message `make()` returns:
/// made in a scope of its own, so that it is destroyed before a library
/// call's longjmp skips this frame (see RuntimeState.h). Callers keep no
/// objects with destructors alive either.
template <typename MakeMessage> [[noreturn]] void endWith(MakeMessage make) {
  {
    std::string message = make();
    if (CallFrame *frame = activeCall())
      setCallError(*frame, message);
    else
      fail(message);
  }
  endFailedCall(*activeCall());
}
/// On a failed driver call: "CUDA error in <call>: <name><detail()>".
template <typename Detail>
[[noreturn]] void cudaFail(const char *call, CUresult result, Detail detail) {
  endWith(
      [&] { return std::string("CUDA error in ") + call + ": " + errorName(result) + detail(); });
}
void check(const char *call, CUresult result) {
  if (result != CUDA_SUCCESS)
    cudaFail(call, result, [] { return std::string(); });
}
/// After a synchronization: a kernel's failure surfaces there.
void checkSync(const char *call, CUresult result) {
  if (result != CUDA_SUCCESS)
    cudaFail(call, result, [] {
      return std::string(" (a kernel failed: a run-time check in a kernel traps; build with "
                         "--target=cuda-emulate to see which)");
    });
}

std::once_flag startOnce;
std::string startError; ///< empty once the GPU has started
bool started() {
  std::call_once(startOnce, [] {
    startError = start();
    if (startError.empty())
      gpuActive.store(true, std::memory_order_release);
  });
  return startError.empty();
}

/// Makes the context current on this thread (the driver keeps the current
/// context per thread); starts the GPU first if generated code calls in
/// before gpuStart did (it does not: executables and library calls start it).
thread_local bool contextCurrent = false;
void enter() {
  if (contextCurrent)
    return;
  if (!started())
    endWith([] { return startError; });
  check("cuCtxSetCurrent", cu.cuCtxSetCurrent(context));
  contextCurrent = true;
}

/// This thread's stream, destroyed when the thread ends.
struct ThreadStream {
  CUstream stream = nullptr;
  ~ThreadStream() {
    if (stream)
      cu.cuStreamDestroy(stream); // errors ignored: nothing is left to report to
  }
};
thread_local ThreadStream threadStream;

/// Loaded modules by image, and kernels by module and name (a kernel's name
/// is a constant of generated code, but keyed by text to be safe).
std::mutex cacheMutex;
std::map<const void *, CUmodule> modules;
std::map<std::pair<CUmodule, std::string>, CUfunction> functions;

/// The module of `image`, loaded by `load(module, log)` the first time
/// (`log`: room for the JIT's error log, kLogBytes).
constexpr size_t kLogBytes = 4096;
template <typename Load> CUmodule moduleOf(const void *image, const char *call, Load load) {
  enter();
  char log[kLogBytes] = {};
  CUresult result;
  {
    std::lock_guard<std::mutex> lock(cacheMutex);
    CUmodule &module = modules[image];
    if (module)
      return module;
    result = load(module, log);
    if (result == CUDA_SUCCESS)
      return module;
    modules.erase(image);
  }
  cudaFail(call, result, [&] {
    std::string text = log; // the JIT's log, on one line
    for (char &c : text)
      if (c == '\n')
        c = ' ';
    while (!text.empty() && text.back() == ' ')
      text.pop_back();
    return text.empty() ? text : ": " + text;
  });
}
} // namespace

std::atomic<bool> fad::rt::gpuActive{false};

bool fad::rt::gpuProgram() { return &fad_gpu_program != nullptr; }

bool fad::rt::gpuStart(std::string &error) {
  if (started())
    return true;
  error = startError;
  return false;
}

void *fad::rt::gpuAllocate(size_t bytes) {
  enter();
  CUdeviceptr p = 0;
  if (cu.cuMemAllocManaged(&p, bytes ? bytes : 1, CU_MEM_ATTACH_GLOBAL) != CUDA_SUCCESS)
    return nullptr; // reported as exhausted memory, like malloc's null
  return reinterpret_cast<void *>(p);
}

void fad::rt::gpuFree(void *p) {
  // Never fails: after a kernel's failure every driver call does (the error
  // is sticky), and a failed library call still frees its buffers.
  if (!contextCurrent && cu.cuCtxSetCurrent(context) == CUDA_SUCCESS)
    contextCurrent = true;
  cu.cuMemFree(reinterpret_cast<CUdeviceptr>(p));
}

//===----------------------------------------------------------------------===//
// MLIR's CUDA runtime wrappers (signatures of MLIR 19's CudaRuntimeWrappers.cpp)
//===----------------------------------------------------------------------===//

extern "C" {

void *mgpuModuleLoad(void *data, size_t /*size*/) {
  return moduleOf(data, "cuModuleLoadData",
                  [&](CUmodule &module, char *) { return cu.cuModuleLoadData(&module, data); });
}

/// `data` is NUL-terminated PTX, compiled by the driver's JIT at `optLevel`.
void *mgpuModuleLoadJIT(void *data, int optLevel) {
  return moduleOf(data, "cuModuleLoadDataEx", [&](CUmodule &module, char *log) {
    CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                              CU_JIT_OPTIMIZATION_LEVEL};
    void *values[] = {log, reinterpret_cast<void *>(kLogBytes - 1),
                      reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
    return cu.cuModuleLoadDataEx(&module, data, 3, options, values);
  });
}

/// Modules stay loaded until the process ends (MLIR unloads after each launch).
void mgpuModuleUnload(void * /*module*/) {}

void *mgpuModuleGetFunction(void *module, const char *name) {
  enter();
  CUresult result;
  {
    std::lock_guard<std::mutex> lock(cacheMutex);
    auto key = std::make_pair(static_cast<CUmodule>(module), std::string(name));
    CUfunction &function = functions[key];
    if (function)
      return function;
    result = cu.cuModuleGetFunction(&function, key.first, name);
    if (result == CUDA_SUCCESS)
      return function;
    functions.erase(key);
  }
  cudaFail("cuModuleGetFunction", result, [&] { return std::string(" (kernel ") + name + ")"; });
}

/// The dimensions are MLIR's index type; a launch with an empty grid or
/// block runs nothing (the driver would reject it).
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                      intptr_t blockX, intptr_t blockY, intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  enter();
  intptr_t dims[] = {gridX, gridY, gridZ, blockX, blockY, blockZ};
  for (intptr_t d : dims) {
    if (d == 0)
      return;
    if (d < 0 || d > intptr_t(UINT32_MAX))
      cudaFail("cuLaunchKernel", 1 /*CUDA_ERROR_INVALID_VALUE*/,
               [&] { return " (a grid or block extent of " + std::to_string(d) + ")"; });
  }
  check("cuLaunchKernel",
        cu.cuLaunchKernel(static_cast<CUfunction>(function), gridX, gridY, gridZ, blockX, blockY,
                          blockZ, smem, static_cast<CUstream>(stream), params, extra));
}

/// This thread's stream (one per thread, created on first use).
void *mgpuStreamCreate() {
  enter();
  if (!threadStream.stream)
    check("cuStreamCreate", cu.cuStreamCreate(&threadStream.stream, CU_STREAM_NON_BLOCKING));
  return threadStream.stream;
}

/// The thread's stream lives until the thread ends.
void mgpuStreamDestroy(void * /*stream*/) {}

void mgpuStreamSynchronize(void *stream) {
  enter();
  checkSync("cuStreamSynchronize", cu.cuStreamSynchronize(static_cast<CUstream>(stream)));
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  enter();
  check("cuStreamWaitEvent",
        cu.cuStreamWaitEvent(static_cast<CUstream>(stream), static_cast<CUevent>(event), 0));
}

void *mgpuEventCreate() {
  enter();
  CUevent event = nullptr;
  check("cuEventCreate", cu.cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

void mgpuEventDestroy(void *event) {
  enter();
  check("cuEventDestroy", cu.cuEventDestroy(static_cast<CUevent>(event)));
}

void mgpuEventSynchronize(void *event) {
  enter();
  checkSync("cuEventSynchronize", cu.cuEventSynchronize(static_cast<CUevent>(event)));
}

void mgpuEventRecord(void *event, void *stream) {
  enter();
  check("cuEventRecord",
        cu.cuEventRecord(static_cast<CUevent>(event), static_cast<CUstream>(stream)));
}

/// Managed memory whether or not `isHostShared` asks for it, so that host
/// code may read any buffer (upstream uses cuMemAlloc for device-only ones).
void *mgpuMemAlloc(uint64_t sizeBytes, void * /*stream*/, bool /*isHostShared*/) {
  if (sizeBytes == 0)
    return nullptr;
  enter();
  CUdeviceptr p = 0;
  check("cuMemAllocManaged", cu.cuMemAllocManaged(&p, sizeBytes, CU_MEM_ATTACH_GLOBAL));
  return reinterpret_cast<void *>(p);
}

void mgpuMemFree(void *ptr, void * /*stream*/) {
  if (!ptr)
    return;
  enter();
  check("cuMemFree", cu.cuMemFree(reinterpret_cast<CUdeviceptr>(ptr)));
}

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream) {
  enter();
  check("cuMemcpyAsync",
        cu.cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst), reinterpret_cast<CUdeviceptr>(src),
                         sizeBytes, static_cast<CUstream>(stream)));
}

void mgpuMemset32(void *dst, unsigned int value, size_t count, void *stream) {
  enter();
  check("cuMemsetD32Async", cu.cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                                                static_cast<CUstream>(stream)));
}

/// Chooses the device; only before the GPU starts (MLIR keeps it per
/// thread; one device per process here).
void mgpuSetDefaultDevice(int32_t device) { defaultDevice.store(device); }

} // extern "C"
