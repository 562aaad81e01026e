//===- ThreadsTest.cpp - The default thread count on a busy machine -------===//
//
// The default thread count is the cores that other runnable threads leave
// idle (runtime/lib/Library.cpp): parsing /proc/loadavg and the arithmetic;
// and each region's team follows the load (OpenMP's dynamic adjustment)
// unless OMP_DYNAMIC says otherwise.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"
#include "fad/Runtime/FADLibrary.h"

#include <cstdlib>
#include <gtest/gtest.h>
#include <thread>

extern "C" int omp_get_dynamic(void);

using namespace fad::rt;

TEST(Threads, RunnableThreadsReadsTheFourthFieldOfLoadavg) {
  EXPECT_EQ(runnableThreads("0.52 0.58 0.59 3/512 12345\n"), 3);
  EXPECT_EQ(runnableThreads("7.91 7.20 6.02 9/1024 4242"), 9);
}

TEST(Threads, MalformedLoadavgIsUnknown) {
  EXPECT_EQ(runnableThreads(""), -1);
  EXPECT_EQ(runnableThreads("0.52 0.58 0.59"), -1);
  EXPECT_EQ(runnableThreads("0.52 0.58 0.59 0/512 1"), -1);
  EXPECT_EQ(runnableThreads("busy"), -1);
}

TEST(Threads, IdleCoresLeavesTheOthersTheirCores) {
  EXPECT_EQ(idleCores(2, 1), 2);   // only this program: every core
  EXPECT_EQ(idleCores(2, 2), 1);   // one other job
  EXPECT_EQ(idleCores(2, 9), 1);   // load 8 on 2 cores: one thread
  EXPECT_EQ(idleCores(16, 5), 12);
  EXPECT_EQ(idleCores(4, 0), 4);   // never more than the cores
}

// Each thread's setting is made once, on its first fad_set_threads or
// fad_call: fresh threads see each case.
TEST(Threads, TeamsFollowTheLoad) {
  unsetenv("OMP_DYNAMIC");
  std::thread([] {
    fad_set_threads(2);
    EXPECT_EQ(omp_get_dynamic(), 1);
  }).join();
}

TEST(Threads, OmpDynamicDecidesWhenSet) {
  setenv("OMP_DYNAMIC", "false", 1);
  std::thread([] {
    fad_set_threads(2);
    EXPECT_EQ(omp_get_dynamic(), 0);
  }).join();
  unsetenv("OMP_DYNAMIC");
}
