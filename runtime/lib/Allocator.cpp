//===- Allocator.cpp - The buffers of generated code -------------*- C++ -*-===//
//
// Generated code allocates an array wherever a value needs one: a loop whose
// body builds a few small arrays allocates and frees them on every
// iteration (an RK4 step, a reverse sweep re-reading its tape). glibc's
// malloc keeps only a handful of freed blocks per size in its per-thread
// cache, so such loops spent half their time in malloc and free. Small
// blocks are kept here instead, in per-thread free lists by size class.
//
// Every block has a 16-byte header before it (which keeps malloc's 16-byte
// alignment): its size class, or kUncached, and the pointer that malloc
// returned. A block may be freed on another thread than the one that
// allocated it (it joins that thread's list).
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"

#include <cstdlib>

using namespace fad::rt;

namespace {
constexpr size_t kGranule = 16;
constexpr size_t kClasses = 32;         ///< blocks of up to 512 bytes are cached
constexpr uint32_t kMaxCached = 512;    ///< freed blocks kept per class and thread
constexpr uint64_t kUncached = ~uint64_t(0);

struct Header {
  uint64_t sizeClass;
  void *raw; ///< what malloc returned
};
static_assert(sizeof(Header) == kGranule, "the header keeps blocks 16-byte aligned");

struct FreeLists {
  void *head[kClasses] = {}; ///< each free block holds the next one's address
  uint32_t count[kClasses] = {};
  ~FreeLists() {
    for (size_t c = 0; c < kClasses; ++c)
      while (void *p = head[c]) {
        head[c] = *static_cast<void **>(p);
        std::free(static_cast<Header *>(p)[-1].raw);
      }
  }
};
thread_local FreeLists lists;

void *fromMalloc(size_t bytes, size_t alignment, uint64_t sizeClass) {
  size_t extra = alignment > kGranule ? alignment : 0;
  void *raw = std::malloc(sizeof(Header) + bytes + extra);
  if (!raw)
    return nullptr;
  auto address = reinterpret_cast<uintptr_t>(raw) + sizeof(Header);
  if (extra)
    address = (address + alignment - 1) / alignment * alignment;
  auto *header = reinterpret_cast<Header *>(address) - 1;
  header->sizeClass = sizeClass;
  header->raw = raw;
  return header + 1;
}
} // namespace

void *fad::rt::allocate(size_t bytes, size_t alignment) {
  size_t c = (bytes + kGranule - 1) / kGranule;
  if (alignment > kGranule || c >= kClasses)
    return fromMalloc(bytes, alignment, kUncached);
  if (void *p = lists.head[c]) {
    lists.head[c] = *static_cast<void **>(p);
    --lists.count[c];
    return p;
  }
  // A class-c block holds at least one pointer (the free-list link).
  return fromMalloc(c == 0 ? kGranule : c * kGranule, alignment, c);
}

void fad::rt::deallocate(void *p) {
  if (!p)
    return;
  Header &header = static_cast<Header *>(p)[-1];
  uint64_t c = header.sizeClass;
  if (c != kUncached && lists.count[c] < kMaxCached) {
    *static_cast<void **>(p) = lists.head[c];
    lists.head[c] = p;
    ++lists.count[c];
    return;
  }
  std::free(header.raw);
}
