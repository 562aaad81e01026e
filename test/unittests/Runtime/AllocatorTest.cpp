//===- AllocatorTest.cpp - The runtime's buffer allocator -----------------===//

#include "RuntimeState.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

using fad::rt::allocate;
using fad::rt::deallocate;

namespace {

bool alignedTo(void *p, size_t alignment) {
  return reinterpret_cast<uintptr_t>(p) % alignment == 0;
}

TEST(Allocator, BlocksAreAlignedDistinctAndWritable) {
  std::vector<void *> blocks;
  for (size_t bytes : {0, 1, 8, 16, 17, 100, 511, 512, 513, 4096, 1 << 20})
    for (size_t alignment : {8, 16, 64, 4096}) {
      void *p = allocate(bytes, alignment);
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(alignedTo(p, alignment)) << bytes << " bytes at " << alignment;
      std::memset(p, 0xab, bytes);
      blocks.push_back(p);
    }
  EXPECT_EQ(std::set<void *>(blocks.begin(), blocks.end()).size(), blocks.size());
  for (void *p : blocks)
    deallocate(p);
  deallocate(nullptr);
}

TEST(Allocator, SmallBlocksAreReused) {
  void *first = allocate(80, 16);
  deallocate(first);
  void *second = allocate(72, 16); // the same 80-byte class
  EXPECT_EQ(first, second);
  deallocate(second);
}

TEST(Allocator, OverAlignedBlocksAreReused) {
  // Generated code asks for 64-byte aligned buffers: they are aligned
  // within a cached block, and freeing one returns that block.
  for (int round = 0; round < 3; ++round) {
    void *first = allocate(200, 64);
    ASSERT_TRUE(alignedTo(first, 64));
    std::memset(first, 0xef, 200);
    deallocate(first);
    void *second = allocate(200, 64);
    EXPECT_EQ(first, second);
    deallocate(second);
  }
}

TEST(Allocator, AlignedBlocksAreKeptAligned) {
  // On a thread of its own: its lists are only this test's. Sizes of one
  // class share the kept aligned blocks; each block holds the largest of
  // them whatever its offset in the block that holds it.
  std::thread([] {
    for (size_t bytes : {size_t(0), size_t(1), size_t(100), size_t(3000)}) {
      void *first = allocate(bytes, 64);
      ASSERT_TRUE(alignedTo(first, 64));
      std::memset(first, 0x5a, bytes);
      deallocate(first);
      size_t sameClass = bytes / 16 * 16 + 16 - (bytes < 16 ? 0 : 1); // the granule's last size
      void *second = allocate(sameClass, 32);
      EXPECT_EQ(first, second) << bytes << " then " << sameClass << " bytes";
      std::memset(second, 0x6b, sameClass);
      void *third = allocate(bytes, 64); // the first one is in use
      EXPECT_NE(third, second);
      EXPECT_TRUE(alignedTo(third, 64));
      deallocate(second);
      deallocate(third);
    }
    // Many at once, freed on another thread (they join its lists).
    std::vector<void *> blocks;
    for (int k = 0; k < 2000; ++k) {
      blocks.push_back(allocate(8 * (k % 300), 64));
      ASSERT_TRUE(alignedTo(blocks.back(), 64));
      std::memset(blocks.back(), k & 0xff, 8 * (k % 300));
    }
    EXPECT_EQ(std::set<void *>(blocks.begin(), blocks.end()).size(), blocks.size());
    std::thread([&] {
      for (void *p : blocks)
        deallocate(p);
    }).join();
  }).join();
}

TEST(Allocator, InteriorPointersFreeTheirBlock) {
  // As memref lowering aligns a buffer's data past its block's start: the
  // block itself, or 16 bytes and more into it.
  void *block = allocate(96, 16);
  EXPECT_TRUE(fad::rt::adoptInterior(block, block));
  EXPECT_FALSE(fad::rt::adoptInterior(block, static_cast<char *>(block) + 8));
  char *interior = static_cast<char *>(block) + 32;
  ASSERT_TRUE(fad::rt::adoptInterior(block, interior));
  std::memset(interior, 0xcd, 64); // the data past the marker is the caller's
  deallocate(interior);            // frees the block: the class's next block
  EXPECT_EQ(allocate(96, 16), block);
  deallocate(block);
}

TEST(Allocator, LargeBlocksAreReusedWhenTheyFit) {
  // On a thread of its own: its kept blocks are only this test's.
  std::thread([] {
    void *first = allocate(3 << 20, 16);
    std::memset(first, 1, 3 << 20);
    deallocate(first);
    // At least the size asked for, at most twice: the kept block is reused.
    void *second = allocate(2 << 20, 16);
    EXPECT_EQ(first, second);
    std::memset(second, 2, 2 << 20);
    deallocate(second);
    // Not for more than it holds, nor for less than half of it.
    void *bigger = allocate((3 << 20) + 1, 16);
    void *smaller = allocate((3 << 19) - 1, 16);
    EXPECT_NE(bigger, second);
    EXPECT_NE(smaller, second);
    std::memset(bigger, 3, (3 << 20) + 1);
    std::memset(smaller, 4, (3 << 19) - 1);
    deallocate(bigger);
    deallocate(smaller);
  }).join();
}

TEST(Allocator, BlocksMayBeFreedOnAnotherThread) {
  std::vector<void *> blocks;
  for (int k = 0; k < 1000; ++k)
    blocks.push_back(allocate(16 * (k % 40), 16));
  std::thread other([&] {
    for (void *p : blocks)
      deallocate(p);
    // That thread's lists now hold them; it reuses them and frees the rest
    // when it ends.
    void *p = allocate(16, 16);
    EXPECT_NE(p, nullptr);
    deallocate(p);
  });
  other.join();
}

} // namespace
