//===- Allocator.cpp - The buffers of generated code -------------*- C++ -*-===//
//
// Generated code allocates an array wherever a value needs one: a loop whose
// body builds a few small arrays allocates and frees them on every
// iteration (an RK4 step, a reverse sweep re-reading its tape). glibc's
// malloc keeps only a handful of freed blocks per size in its per-thread
// cache, so such loops spent half their time in malloc and free. Small
// blocks are kept here instead, in per-thread free lists by size class.
//
// Large blocks (a tape, a map's residuals: allocated anew on every call of
// an entry) are kept too, a few per thread: glibc maps each large block
// from the kernel and unmaps it when freed, so every call paid page faults
// and page clearing on them again (a fifth of gmm's gradient at d = 10).
//
// Every block has a 16-byte header before it (which keeps malloc's 16-byte
// alignment): its size class (small) or its capacity in bytes (large), and
// the pointer that malloc returned. A block aligned further lies inside a
// larger one, and its header says so (kInterior) and where that is. A block
// may be freed on another thread than the one that allocated it (it joins
// that thread's lists).
//
// Generated code asks for 64-byte aligned buffers. Small ones are kept
// aligned, in lists of their own (kAligned in the header): taking one back
// is one list operation, not a block from the class lists aligned again
// (the aligned allocation and the free were a fifth of lstm's gradient).
//
// Once a --target=cuda program has started the GPU, fresh blocks are CUDA
// managed memory (gpuAllocate) instead, which kernels read and write; the
// header's pointer says which, so that each block goes back where it came
// from. The switch happens before generated code allocates anything (at the
// start of `main` or of a library call), so the lists never hand a malloc
// block to a GPU program.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"

#include <algorithm>
#include <array>
#include <cstdlib>

using namespace fad::rt;

namespace {
constexpr size_t kGranule = 16;
constexpr size_t kClasses = 256;        ///< blocks of up to 4 KiB are cached
/// Freed blocks kept per class and thread: up to 512, and up to 1 MiB. A
/// table: a division on every free was a third of its time.
constexpr std::array<uint32_t, kClasses> kMaxCached = [] {
  std::array<uint32_t, kClasses> max{};
  for (size_t c = 0; c < kClasses; ++c) {
    size_t byBytes = (size_t(1) << 20) / (c * kGranule + kGranule);
    max[c] = byBytes < 512 ? uint32_t(byBytes) : 512;
  }
  return max;
}();
/// The header of an interior pointer (adoptInterior): `raw` is the block.
constexpr uint64_t kInterior = ~uint64_t(1);
/// The header of a small block aligned to kListAlignment within a class
/// block (`raw`), at least a header's size past its start.
constexpr uint64_t kAligned = ~uint64_t(2);
constexpr size_t kListAlignment = 64;

struct Header {
  uint64_t sizeClass;
  uintptr_t raw; ///< what malloc or gpuAllocate returned, plus kManaged for gpuAllocate
};
static_assert(sizeof(Header) == kGranule, "the header keeps blocks 16-byte aligned");
constexpr uintptr_t kManaged = 1; ///< both return blocks aligned to at least 16

/// Returns a block's memory to where it came from.
void release(const Header &header) {
  if (header.raw & kManaged)
    gpuFree(reinterpret_cast<void *>(header.raw - kManaged));
  else
    std::free(reinterpret_cast<void *>(header.raw));
}

/// A free block's link to the next one in its list, in its first bytes.
void *&next(void *p) { return *static_cast<void **>(p); }

struct FreeLists {
  void *head[kClasses] = {}; ///< free blocks by class
  uint32_t count[kClasses] = {};
  void *aligned[kClasses] = {}; ///< free kAligned blocks by their class block's class
  uint32_t alignedCount[kClasses] = {};
  ~FreeLists() {
    for (size_t c = 0; c < kClasses; ++c) {
      for (void *p = head[c]; p; p = head[c]) {
        head[c] = next(p);
        release(static_cast<Header *>(p)[-1]);
      }
      for (void *p = aligned[c]; p; p = aligned[c]) {
        aligned[c] = next(p);
        release(reinterpret_cast<Header *>(static_cast<Header *>(p)[-1].raw)[-1]);
      }
    }
  }
};
thread_local FreeLists lists;

constexpr size_t kLargeBlocks = 8;                    ///< large blocks kept per thread
constexpr size_t kLargeBytes = size_t(256) << 20;     ///< their total capacity at most

struct LargeBlocks {
  void *block[kLargeBlocks] = {};
  size_t count = 0, bytes = 0;
  ~LargeBlocks() {
    for (size_t b = 0; b < count; ++b)
      release(static_cast<Header *>(block[b])[-1]);
  }
  /// A kept block of at least `bytes` and at most twice that, or null.
  void *take(size_t bytes) {
    size_t best = count;
    for (size_t b = 0; b < count; ++b) {
      size_t capacity = static_cast<Header *>(block[b])[-1].sizeClass;
      if (capacity >= bytes && capacity / 2 <= bytes &&
          (best == count || capacity < static_cast<Header *>(block[best])[-1].sizeClass))
        best = b;
    }
    if (best == count)
      return nullptr;
    void *p = block[best];
    block[best] = block[--count];
    this->bytes -= static_cast<Header *>(p)[-1].sizeClass;
    return p;
  }
  bool keep(void *p, size_t capacity) {
    if (count == kLargeBlocks || bytes + capacity > kLargeBytes)
      return false;
    block[count++] = p;
    bytes += capacity;
    return true;
  }
};
thread_local LargeBlocks largeBlocks;

/// The first address from `p` on that is a multiple of `alignment`.
char *alignUp(char *p, size_t alignment) {
  auto address = reinterpret_cast<uintptr_t>(p);
  return p + ((address + alignment - 1) / alignment * alignment - address);
}

/// A fresh block, from malloc or (in a GPU program) gpuAllocate.
void *fresh(size_t bytes, uint64_t sizeClass) {
  size_t total = sizeof(Header) + bytes;
  // Never taken in CPU programs: a predictable branch.
  bool managed = gpuActive.load(std::memory_order_relaxed);
  void *raw = managed ? gpuAllocate(total) : std::malloc(total);
  if (!raw)
    return nullptr;
  auto *header = static_cast<Header *>(raw);
  header->sizeClass = sizeClass;
  header->raw = reinterpret_cast<uintptr_t>(raw) + (managed ? kManaged : 0);
  return header + 1;
}
} // namespace

void *fad::rt::allocate(size_t bytes, size_t alignment) {
  if (alignment > kGranule && alignment <= kListAlignment) {
    // The class of a block with room for the data (and a free-list link)
    // past a header at any offset the alignment may need.
    size_t c = (std::max(bytes, kGranule) + kListAlignment + kGranule - 1) / kGranule;
    if (c < kClasses) {
      if (void *p = lists.aligned[c]) {
        lists.aligned[c] = next(p);
        --lists.alignedCount[c];
        return p;
      }
      auto *block = static_cast<char *>(allocate(c * kGranule, kGranule));
      if (!block)
        return nullptr;
      char *p = alignUp(block + sizeof(Header), kListAlignment);
      static_cast<Header *>(static_cast<void *>(p))[-1] = {kAligned,
                                                           reinterpret_cast<uintptr_t>(block)};
      return p;
    }
  }
  if (alignment > kGranule) {
    // A cached block with room to align within; the gap before the aligned
    // address (at least a header's size when there is one) marks it
    // interior, so that deallocate frees the block.
    auto *block = static_cast<char *>(allocate(bytes + alignment - kGranule, kGranule));
    if (!block)
      return nullptr;
    char *aligned = alignUp(block, alignment);
    adoptInterior(block, aligned);
    return aligned;
  }
  size_t c = (bytes + kGranule - 1) / kGranule;
  if (c >= kClasses) {
    if (void *p = largeBlocks.take(bytes))
      return p;
    return fresh(c * kGranule, c * kGranule);
  }
  if (void *p = lists.head[c]) {
    lists.head[c] = next(p);
    --lists.count[c];
    return p;
  }
  // A class-c block holds at least one pointer (the free-list link).
  return fresh(c == 0 ? kGranule : c * kGranule, c);
}

bool fad::rt::adoptInterior(void *block, void *interior) {
  auto gap = static_cast<char *>(interior) - static_cast<char *>(block);
  if (gap == 0)
    return true;
  if (gap < static_cast<ptrdiff_t>(sizeof(Header)))
    return false;
  static_cast<Header *>(interior)[-1] = {kInterior, reinterpret_cast<uintptr_t>(block)};
  return true;
}

void fad::rt::deallocate(void *p) {
  if (!p)
    return;
  Header &header = static_cast<Header *>(p)[-1];
  uint64_t c = header.sizeClass;
  if (c == kInterior)
    return deallocate(reinterpret_cast<void *>(header.raw));
  if (c == kAligned) {
    void *block = reinterpret_cast<void *>(header.raw);
    uint64_t blockClass = static_cast<Header *>(block)[-1].sizeClass;
    if (lists.alignedCount[blockClass] < kMaxCached[blockClass]) {
      next(p) = lists.aligned[blockClass];
      lists.aligned[blockClass] = p;
      ++lists.alignedCount[blockClass];
      return;
    }
    return deallocate(block);
  }
  if (c >= kClasses) {
    if (!largeBlocks.keep(p, c))
      release(header);
    return;
  }
  if (lists.count[c] < kMaxCached[c]) {
    next(p) = lists.head[c];
    lists.head[c] = p;
    ++lists.count[c];
    return;
  }
  release(header);
}
