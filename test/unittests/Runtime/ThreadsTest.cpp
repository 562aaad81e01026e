//===- ThreadsTest.cpp - The default thread count on a busy machine -------===//
//
// The default thread count is the cores that other runnable threads leave
// idle (runtime/lib/Library.cpp): parsing /proc/loadavg and the arithmetic.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"

#include <gtest/gtest.h>

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
