//===- PointerSetTest.cpp - The runtime's set of live buffers -------------===//

#include "PointerSet.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>

namespace {

void *pointer(uintptr_t k) { return reinterpret_cast<void *>(k * 16); }

/// Random insertions and erasures (many colliding: addresses 16 bytes
/// apart, as the allocator's are) agree with std::set at every step,
/// through growth and the backward shifts of erasure.
TEST(PointerSet, AgreesWithStdSet) {
  fad::rt::PointerSet set;
  std::set<void *> reference;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 200000; ++step) {
    void *p = pointer(1 + rng() % 3000);
    if (rng() % 3) {
      set.insert(p);
      reference.insert(p);
    } else {
      set.erase(p);
      reference.erase(p);
    }
    ASSERT_EQ(set.count(), reference.size()) << "step " << step;
  }
  std::set<void *> seen;
  set.forEach([&](void *p) { EXPECT_TRUE(seen.insert(p).second); });
  EXPECT_EQ(seen, reference);
  for (void *p : reference)
    set.erase(p);
  EXPECT_EQ(set.count(), 0u);
  set.forEach([](void *) { ADD_FAILURE() << "a pointer left after erasing all"; });
}

TEST(PointerSet, EraseOfAbsentPointersChangesNothing) {
  fad::rt::PointerSet set;
  set.erase(pointer(1)); // empty: no slots yet
  set.insert(pointer(1));
  set.insert(pointer(1));
  set.erase(pointer(2));
  EXPECT_EQ(set.count(), 1u);
}

} // namespace
