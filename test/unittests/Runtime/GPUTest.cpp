//===- GPUTest.cpp - The runtime's CUDA driver loading -------------------===//

#include "RuntimeState.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace {

// This binary defines no fad_gpu_program: it is not a --target=cuda program.
TEST(GPU, TestsAreNoGPUProgram) { EXPECT_FALSE(fad::rt::gpuProgram()); }

// gpuStart runs once per process, so this test must be the first to call it
// (no other test does); FAD_CUDA_DRIVER forces the no-driver path even on a
// machine with a GPU.
TEST(GPU, StartFailsWithoutTheDriver) {
  ASSERT_EQ(setenv("FAD_CUDA_DRIVER", "/nonexistent/libcuda.so.1", 1), 0);
  std::string error;
  EXPECT_FALSE(fad::rt::gpuStart(error));
  EXPECT_EQ(error, "no CUDA device: /nonexistent/libcuda.so.1 not found "
                   "(compiled with --target=cuda)");
  // Later calls give the first outcome.
  std::string again;
  EXPECT_FALSE(fad::rt::gpuStart(again));
  EXPECT_EQ(again, error);
  // The allocator keeps using malloc.
  EXPECT_FALSE(fad::rt::gpuActive.load());
  void *p = fad::rt::allocate(100, 16);
  ASSERT_NE(p, nullptr);
  fad::rt::deallocate(p);
}

} // namespace
