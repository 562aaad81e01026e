//===- ThreadsTest.cpp - The default thread count on a busy machine -------===//
//
// The default thread count is the cores that other runnable threads leave
// idle (runtime/lib/Library.cpp): parsing /proc/loadavg and the arithmetic;
// each region's team follows the load (OpenMP's dynamic adjustment)
// unless OMP_DYNAMIC says otherwise; and a team's workers start on other
// CPUs than its master's without being bound to them.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"
#include "fad/Runtime/FADLibrary.h"

#include <cstdlib>
#include <gtest/gtest.h>
#include <thread>

extern "C" {
int omp_get_dynamic(void);
int omp_get_thread_num(void);
void __kmpc_fork_call(void *location, int32_t nargs, void (*body)(int32_t *, int32_t *, ...), ...);
}

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

static cpu_set_t cpus(std::initializer_list<int> list) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : list)
    CPU_SET(cpu, &set);
  return set;
}

TEST(Threads, WorkersGoToTheOtherCpusInTurn) {
  EXPECT_EQ(workerCpu(cpus({0, 1}), 0, 1), 1);
  EXPECT_EQ(workerCpu(cpus({0, 1}), 1, 1), 0);
  EXPECT_EQ(workerCpu(cpus({0, 1}), 0, 2), 1); // more workers than CPUs
  EXPECT_EQ(workerCpu(cpus({0, 2, 5}), 2, 1), 0);
  EXPECT_EQ(workerCpu(cpus({0, 2, 5}), 2, 2), 5);
  EXPECT_EQ(workerCpu(cpus({0, 2, 5}), 2, 3), 0);
  EXPECT_EQ(workerCpu(cpus({0, 2, 5}), 7, 1), 0); // the master outside the set
  EXPECT_EQ(workerCpu(cpus({3}), 3, 1), -1);      // no other CPU
}

// What each thread of a region may run on.
static cpu_set_t regionMasks[4];
static void recordMask(int32_t *, int32_t *, ...) {
  int thread = omp_get_thread_num();
  if (thread < 4)
    sched_getaffinity(0, sizeof(cpu_set_t), &regionMasks[thread]);
}

// Placing a team must leave its threads free to move: under load a pinned
// worker could not leave a busy CPU. (Without dynamic adjustment, so that
// both regions have two threads whatever the load.)
TEST(Threads, PlacedWorkersAreNotBound) {
  setenv("OMP_DYNAMIC", "false", 1);
  std::thread([] {
    cpu_set_t process;
    ASSERT_EQ(sched_getaffinity(0, sizeof process, &process), 0);
    fad_set_threads(2);
    for (cpu_set_t &mask : regionMasks)
      CPU_ZERO(&mask);
    __kmpc_fork_call(nullptr, 0, recordMask);
    EXPECT_TRUE(CPU_EQUAL(&regionMasks[0], &process));
    EXPECT_TRUE(CPU_EQUAL(&regionMasks[1], &process));
  }).join();
  unsetenv("OMP_DYNAMIC");
}
