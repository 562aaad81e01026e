//===- GPURuntimeTest.cpp - The runtime's CUDA paths over a fake driver ---===//
//
// The runtime's mgpu* functions (GPU.cpp) and its managed-memory allocator,
// driven the way MLIR's host code drives them, over FakeCudaDriver.c: a
// stand-in libcuda.so.1 that runs host functions as kernels. So these tests
// need no GPU and run everywhere.
//
// gpuStart runs once per process, so this is a binary of its own
// (FADGPURuntimeTests; FADRuntimeTests checks the no-driver path). Every test
// points FAD_CUDA_DRIVER at the fake before the GPU starts, and counts the
// driver calls as differences of the fake's counters, so that the tests pass
// both alone (ctest runs each in a process of its own) and together. Tests
// that count allocations, streams or frees at thread exit run their work on a
// fresh thread, whose allocator lists and stream start empty.
//
// Failures that end the program are death tests: "fast" ones (fork) after
// the GPU has started, and "threadsafe" ones (the binary runs again, this
// test alone) for the failures of the start itself, which must be the first
// start of the process.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <functional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#ifndef FAD_FAKE_CUDA
#error "FAD_FAKE_CUDA must name the fake driver (test/unittests/CMakeLists.txt)"
#endif

// GPU.cpp's entry points, as MLIR 19's host code declares them.
extern "C" {
void *mgpuModuleLoadJIT(void *data, int optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                      intptr_t blockX, intptr_t blockY, intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount);
void *mgpuStreamCreate();
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void *mgpuEventCreate();
void mgpuEventDestroy(void *event);
void mgpuEventSynchronize(void *event);
void mgpuEventRecord(void *event, void *stream);
void *mgpuMemAlloc(uint64_t sizeBytes, void *stream, bool isHostShared);
void mgpuMemFree(void *ptr, void *stream);
void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream);
void mgpuMemset32(void *dst, unsigned int value, size_t count, void *stream);
void mgpuSetDefaultDevice(int32_t device);
}

using ::testing::ExitedWithCode;
using ::testing::HasSubstr;

namespace {

/// The fake driver's test hooks (FakeCudaDriver.c).
struct FakeDriver {
  long long (*count)(const char *what);
  void (*fail)(const char *call);
};

/// Points the runtime at the fake (before the GPU starts) and opens it: the
/// same library, and the same counters, as the runtime's dlopen.
const FakeDriver &fake() {
  static const FakeDriver driver = [] {
    setenv("FAD_CUDA_DRIVER", FAD_FAKE_CUDA, 1);
    unsetenv("FAD_CUDA_HEAP_BYTES"); // the default heap limit unless a test sets one
    void *library = dlopen(FAD_FAKE_CUDA, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      std::fprintf(stderr, "cannot open the fake driver: %s\n", dlerror());
      std::abort();
    }
    FakeDriver d;
    *reinterpret_cast<void **>(&d.count) = dlsym(library, "fake_cuda_count");
    *reinterpret_cast<void **>(&d.fail) = dlsym(library, "fake_cuda_fail");
    if (!d.count || !d.fail) {
      std::fprintf(stderr, "the fake driver lacks its test hooks\n");
      std::abort();
    }
    return d;
  }();
  return driver;
}
long long count(const char *what) { return fake().count(what); }

/// Starts the GPU on the fake (the first call in the process does).
::testing::AssertionResult startGPU() {
  fake();
  std::string error;
  if (!fad::rt::gpuStart(error))
    return ::testing::AssertionFailure() << error;
  return ::testing::AssertionSuccess();
}

/// Runs `work` on a thread of its own and waits for it (and so for its
/// thread-local allocator lists and stream to be destroyed).
void onNewThread(const std::function<void()> &work) { std::thread(work).join(); }

/// One launch of add_one over `n` doubles at `a`, as MLIR 19's gpu-to-llvm
/// host code makes every launch: load the module, look up the kernel, create
/// a stream, launch, synchronize, destroy the stream, unload the module. The
/// parameters are the fields of a 1-D memref descriptor. Returns what the
/// runtime handed out.
struct Launch {
  void *module, *function, *stream;
};
Launch launchAddOne(const char *image, double *a, int64_t n, intptr_t grid, intptr_t block) {
  void *module = mgpuModuleLoadJIT(const_cast<char *>(image), 2);
  void *function = mgpuModuleGetFunction(module, "add_one");
  void *stream = mgpuStreamCreate();
  void *allocated = a;
  double *aligned = a;
  int64_t offset = 0, size = n, stride = 1;
  void *params[] = {&allocated, &aligned, &offset, &size, &stride};
  mgpuLaunchKernel(function, grid, 1, 1, block, 1, 1, 0, stream, params, nullptr, 5);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
  return {module, function, stream};
}

// Modules are cached by image address for the life of the process, so a
// test that counts loads launches from an image no earlier test (or earlier
// --gtest_repeat round) loaded: a copy it never frees.
const char *freshImage(const char *text) { return strdup(text); }
const char kEmptyImage[] = "// PTX: empty launch test\n";
const char kDeathImage[] = "// PTX: death tests\n";
const char kBadImage[] = "// PTX: does not compile\n";

TEST(GPUFakeDriver, StartsAndSetsTheDeviceHeap) {
  ASSERT_TRUE(startGPU());
  EXPECT_TRUE(fad::rt::gpuActive.load());
  // Kernels' per-thread rows come from the device malloc heap: 1 GiB.
  EXPECT_EQ(count("heap_limit"), 1LL << 30);
  // Later calls give the first outcome.
  std::string error;
  EXPECT_TRUE(fad::rt::gpuStart(error));
  EXPECT_EQ(error, "");
  // This binary is still no --target=cuda program.
  EXPECT_FALSE(fad::rt::gpuProgram());
}

TEST(GPUFakeDriver, LaunchRunsTheKernelOnEveryThreadOverManagedMemory) {
  ASSERT_TRUE(startGPU());
  onNewThread([] {
    long long allocs = count("allocs"), launches = count("launches"), threads = count("threads");
    constexpr int64_t n = 1024;
    auto *a = static_cast<double *>(fad::rt::allocate(n * sizeof(double), 16));
    ASSERT_NE(a, nullptr);
    // A fresh thread's first buffer is a fresh block: CUDA managed memory.
    EXPECT_EQ(count("allocs"), allocs + 1);
    for (int64_t i = 0; i < n; ++i)
      a[i] = double(i);

    void *stream = launchAddOne(freshImage("// PTX: launch test\n"), a, n, 4, 256).stream;
    EXPECT_EQ(count("launches"), launches + 1);
    EXPECT_EQ(count("threads"), threads + 1024);
    EXPECT_EQ(count("grid_x"), 4);
    EXPECT_EQ(count("block_x"), 256);
    EXPECT_EQ(count("shared_bytes"), 0);
    EXPECT_EQ(count("stream"), static_cast<long long>(reinterpret_cast<uintptr_t>(stream)));
    EXPECT_EQ(count("jit_opt_level"), 2);
    int wrong = 0;
    for (int64_t i = 0; i < n; ++i)
      wrong += a[i] != double(i + 1);
    EXPECT_EQ(wrong, 0);
    fad::rt::deallocate(a);
  });
}

TEST(GPUFakeDriver, ModulesKernelsAndStreamsAreCached) {
  ASSERT_TRUE(startGPU());
  long long loads = count("loads"), lookups = count("lookups"), streams = count("streams"),
            streamFrees = count("stream_frees"), launches = count("launches"),
            syncs = count("syncs");
  constexpr int64_t n = 300;
  const char *image = freshImage("// PTX: cache test\n");
  onNewThread([&] {
    auto *a = static_cast<double *>(fad::rt::allocate(n * sizeof(double), 16));
    ASSERT_NE(a, nullptr);
    for (int64_t i = 0; i < n; ++i)
      a[i] = 0;
    std::vector<void *> modules, functions, threadStreams;
    for (int cycle = 0; cycle < 3; ++cycle) {
      Launch launch = launchAddOne(image, a, n, 2, 256); // 512 threads, 300 elements
      modules.push_back(launch.module);
      functions.push_back(launch.function);
      threadStreams.push_back(launch.stream);
    }
    EXPECT_EQ(count("loads"), loads + 1);
    EXPECT_EQ(count("lookups"), lookups + 1);
    EXPECT_EQ(count("streams"), streams + 1);
    EXPECT_EQ(count("stream_frees"), streamFrees); // destroying is a no-op
    EXPECT_EQ(count("launches"), launches + 3);
    EXPECT_EQ(count("syncs"), syncs + 3);
    for (int cycle = 1; cycle < 3; ++cycle) {
      EXPECT_EQ(modules[cycle], modules[0]);
      EXPECT_EQ(functions[cycle], functions[0]);
      EXPECT_EQ(threadStreams[cycle], threadStreams[0]);
    }
    int wrong = 0;
    for (int64_t i = 0; i < n; ++i)
      wrong += a[i] != 3.0;
    EXPECT_EQ(wrong, 0);
    fad::rt::deallocate(a);
  });
  // The thread's stream went with the thread.
  EXPECT_EQ(count("stream_frees"), streamFrees + 1);
  // Another thread shares the module and kernel, with a stream of its own.
  onNewThread([&] {
    auto *a = static_cast<double *>(fad::rt::allocate(n * sizeof(double), 16));
    ASSERT_NE(a, nullptr);
    launchAddOne(image, a, n, 2, 256);
    fad::rt::deallocate(a);
  });
  EXPECT_EQ(count("loads"), loads + 1);
  EXPECT_EQ(count("lookups"), lookups + 1);
  EXPECT_EQ(count("streams"), streams + 2);
  EXPECT_EQ(count("stream_frees"), streamFrees + 2);
}

TEST(GPUFakeDriver, EmptyLaunchRunsNothing) {
  ASSERT_TRUE(startGPU());
  long long launches = count("launches");
  double a[1] = {5};
  launchAddOne(kEmptyImage, a, 1, 0, 256);
  launchAddOne(kEmptyImage, a, 1, 1, 0);
  EXPECT_EQ(count("launches"), launches);
  EXPECT_EQ(a[0], 5);
}

TEST(GPUFakeDriver, AllocatorReusesManagedBlocks) {
  ASSERT_TRUE(startGPU());
  long long allocs = count("allocs"), frees = count("frees");
  onNewThread([&] {
    // 10^4 allocations of one size, 100 live at a time.
    std::vector<void *> blocks(100);
    for (int round = 0; round < 100; ++round) {
      for (void *&p : blocks) {
        p = fad::rt::allocate(48, 16);
        ASSERT_NE(p, nullptr);
      }
      for (void *p : blocks)
        fad::rt::deallocate(p);
    }
    EXPECT_EQ(count("allocs"), allocs + 100);
    EXPECT_EQ(count("frees"), frees); // all kept by the thread
  });
  // ... and returned to the driver when the thread ended.
  EXPECT_EQ(count("frees"), frees + 100);
}

TEST(GPUFakeDriver, FreedBlocksGoBackToTheDriver) {
  ASSERT_TRUE(startGPU());
  long long allocs = count("allocs"), frees = count("frees");
  onNewThread([&] {
    // An over-aligned block lies in a cached one: kept when freed.
    void *aligned = fad::rt::allocate(100, 64);
    ASSERT_NE(aligned, nullptr);
    fad::rt::deallocate(aligned);
    EXPECT_EQ(count("allocs"), allocs + 1);
    EXPECT_EQ(count("frees"), frees);
    // More small blocks of a size than the cache keeps: the rest are freed.
    std::vector<void *> blocks(2000);
    for (void *&p : blocks) {
      p = fad::rt::allocate(64, 16);
      ASSERT_NE(p, nullptr);
    }
    for (void *p : blocks)
      fad::rt::deallocate(p);
    long long freedAtOnce = count("frees") - frees;
    EXPECT_GT(freedAtOnce, 0);
    EXPECT_LT(freedAtOnce, 2000);
    // A large block is kept for the next call...
    void *large = fad::rt::allocate(1 << 20, 16);
    ASSERT_NE(large, nullptr);
    fad::rt::deallocate(large);
    EXPECT_EQ(count("frees"), frees + freedAtOnce);
    EXPECT_EQ(count("allocs"), allocs + 1 + 2000 + 1);
  });
  // ... and every kept block is freed when the thread ends.
  EXPECT_EQ(count("frees") - frees, count("allocs") - allocs);
}

TEST(GPUFakeDriver, MemoryCopiesAndEvents) {
  ASSERT_TRUE(startGPU());
  long long allocs = count("allocs"), frees = count("frees");
  void *stream = mgpuStreamCreate();
  EXPECT_EQ(mgpuMemAlloc(0, stream, false), nullptr);
  auto *src = static_cast<unsigned *>(mgpuMemAlloc(16 * sizeof(unsigned), stream, false));
  auto *dst = static_cast<unsigned *>(mgpuMemAlloc(16 * sizeof(unsigned), stream, true));
  ASSERT_NE(src, nullptr);
  ASSERT_NE(dst, nullptr);
  EXPECT_EQ(count("allocs"), allocs + 2);
  mgpuMemset32(src, 7, 16, stream);
  mgpuMemcpy(dst, src, 16 * sizeof(unsigned), stream);
  void *event = mgpuEventCreate();
  mgpuEventRecord(event, stream);
  mgpuStreamWaitEvent(stream, event);
  mgpuEventSynchronize(event);
  mgpuEventDestroy(event);
  mgpuStreamSynchronize(stream);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(dst[i], 7u) << i;
  mgpuMemFree(src, stream);
  mgpuMemFree(dst, stream);
  mgpuMemFree(nullptr, stream);
  EXPECT_EQ(count("frees"), frees + 2);
  mgpuStreamDestroy(stream);
}

//===----------------------------------------------------------------------===//
// Failures that end the program (fast death tests: a fork, after the start)
//===----------------------------------------------------------------------===//

TEST(GPUFakeDriverDeathTest, LaunchFailureEndsTheProgram) {
  ASSERT_TRUE(startGPU());
  double a[4] = {};
  EXPECT_EXIT(
      {
        fake().fail("cuLaunchKernel");
        launchAddOne(kDeathImage, a, 4, 1, 4);
      },
      ExitedWithCode(1),
      HasSubstr("error: CUDA error in cuLaunchKernel: CUDA_ERROR_ILLEGAL_ADDRESS\n"));
}

TEST(GPUFakeDriverDeathTest, KernelFaultSurfacesAtTheSynchronization) {
  ASSERT_TRUE(startGPU());
  double a[4] = {};
  EXPECT_EXIT(
      {
        fake().fail("cuStreamSynchronize");
        launchAddOne(kDeathImage, a, 4, 1, 4);
      },
      ExitedWithCode(1),
      HasSubstr("error: CUDA error in cuStreamSynchronize: CUDA_ERROR_ILLEGAL_ADDRESS (a kernel "
                "failed: a run-time check in a kernel traps; build with --target=cuda-emulate "
                "to see which)\n"));
}

TEST(GPUFakeDriverDeathTest, JITFailureShowsItsLogOnOneLine) {
  ASSERT_TRUE(startGPU());
  EXPECT_EXIT(
      {
        fake().fail("cuModuleLoadDataEx");
        mgpuModuleLoadJIT(const_cast<char *>(kBadImage), 2);
      },
      ExitedWithCode(1),
      HasSubstr("error: CUDA error in cuModuleLoadDataEx: CUDA_ERROR_INVALID_PTX: ptxas error: "
                "bad line two\n"));
}

TEST(GPUFakeDriverDeathTest, UnknownKernelIsNamed) {
  ASSERT_TRUE(startGPU());
  EXPECT_EXIT(
      {
        void *module = mgpuModuleLoadJIT(const_cast<char *>(kDeathImage), 2);
        mgpuModuleGetFunction(module, "no_such_kernel");
      },
      ExitedWithCode(1),
      HasSubstr("error: CUDA error in cuModuleGetFunction: CUDA_ERROR_NOT_FOUND (kernel "
                "no_such_kernel)\n"));
}

TEST(GPUFakeDriverDeathTest, NegativeExtentIsRejected) {
  ASSERT_TRUE(startGPU());
  double a[4] = {};
  EXPECT_EXIT(launchAddOne(kDeathImage, a, 4, -1, 4), ExitedWithCode(1),
              HasSubstr("error: CUDA error in cuLaunchKernel: CUDA_ERROR_INVALID_VALUE (a grid or "
                        "block extent of -1)\n"));
}

//===----------------------------------------------------------------------===//
// Failures of the start (threadsafe death tests: the binary runs this test
// alone again, so the child's gpuStart is the process's first). Nothing here
// may start the GPU outside the death statements.
//===----------------------------------------------------------------------===//

/// Starts the GPU, with the fake's `call` failing (null: none); prints the
/// error, or "heap limit N" on success, and exits: 0 started, 2 failed with
/// the allocator still on malloc, 3 failed with managed memory on.
[[noreturn]] void startAndExit(const char *call) {
  fake().fail(call);
  std::string error;
  if (fad::rt::gpuStart(error)) {
    std::fprintf(stderr, "heap limit %lld\n", count("heap_limit"));
    std::fflush(stderr);
    _exit(0);
  }
  long long allocs = count("allocs");
  void *p = fad::rt::allocate(100, 16);
  fad::rt::deallocate(p);
  std::fprintf(stderr, "%s\n", error.c_str());
  std::fflush(stderr);
  _exit(fad::rt::gpuActive.load() || count("allocs") != allocs ? 3 : 2);
}

TEST(GPUFakeDriverDeathTest, StartFailuresAreNoDevice) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(startAndExit("cuInit"), ExitedWithCode(2),
              HasSubstr("no CUDA device: cuInit failed: CUDA_ERROR_NO_DEVICE (compiled with "
                        "--target=cuda)\n"));
  EXPECT_EXIT(startAndExit("cuDeviceGetCount"), ExitedWithCode(2),
              HasSubstr("no CUDA device: no device found (compiled with --target=cuda)\n"));
  EXPECT_EXIT(startAndExit("cuCtxSetLimit"), ExitedWithCode(2),
              HasSubstr("no CUDA device: cuCtxSetLimit failed: CUDA_ERROR_ILLEGAL_ADDRESS "
                        "(compiled with --target=cuda)\n"));
  EXPECT_EXIT(
      {
        mgpuSetDefaultDevice(1);
        startAndExit(nullptr);
      },
      ExitedWithCode(2),
      HasSubstr("no CUDA device: device 1 requested, 1 found (compiled with --target=cuda)\n"));
}

TEST(GPUFakeDriverDeathTest, HeapLimitFromTheEnvironment) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        fake(); // first: it unsets FAD_CUDA_HEAP_BYTES
        setenv("FAD_CUDA_HEAP_BYTES", "12345", 1);
        startAndExit(nullptr);
      },
      ExitedWithCode(0), HasSubstr("heap limit 12345\n"));
}

} // namespace
