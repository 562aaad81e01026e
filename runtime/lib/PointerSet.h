//===- PointerSet.h - A set of pointers for the runtime -----------*- C++ -*-===//
//
// The buffers a library call's program holds, so that a failed call frees
// them (Library.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_RUNTIME_POINTERSET_H
#define FAD_RUNTIME_POINTERSET_H

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace fad::rt {
/// A set of pointers by open addressing (linear probing, deletion by backward
/// shift), since a program may allocate and free a few small arrays per
/// element of a loop; std::unordered_set's node per insertion cost a ba
/// objective 4 ms over its 2 ms.
class PointerSet {
public:
  size_t count() const { return size; }
  bool contains(void *p) const { return !slots.empty() && slots[find(p)]; }
  void insert(void *p) {
    if (2 * (size + 1) > slots.size())
      grow();
    size_t k = find(p);
    if (!slots[k]) {
      slots[k] = p;
      ++size;
    }
  }
  /// Removes p; false when it was not in the set.
  bool erase(void *p) {
    if (slots.empty())
      return false;
    size_t k = find(p);
    if (!slots[k])
      return false;
    // Moves back the entries after k that probing would no longer reach.
    for (size_t next = (k + 1) & mask();; next = (next + 1) & mask()) {
      if (!slots[next])
        break;
      size_t home = slot(slots[next]);
      if (((next - home) & mask()) >= ((next - k) & mask())) {
        slots[k] = slots[next];
        k = next;
      }
    }
    slots[k] = nullptr;
    --size;
    return true;
  }
  void clear() {
    std::fill(slots.begin(), slots.end(), nullptr);
    size = 0;
  }
  template <typename Visit> void forEach(Visit visit) const {
    for (void *p : slots)
      if (p)
        visit(p);
  }

private:
  std::vector<void *> slots;
  size_t size = 0;

  size_t mask() const { return slots.size() - 1; }
  size_t slot(void *p) const {
    return (reinterpret_cast<uintptr_t>(p) >> 4) * 0x9E3779B97F4A7C15ull >> 20 & mask();
  }
  /// The slot holding p, or the empty slot where it would go.
  size_t find(void *p) const {
    size_t k = slot(p);
    while (slots[k] && slots[k] != p)
      k = (k + 1) & mask();
    return k;
  }
  void grow() {
    std::vector<void *> old(std::max<size_t>(64, 2 * slots.size()), nullptr);
    old.swap(slots);
    size = 0;
    for (void *p : old)
      if (p)
        insert(p);
  }
};
} // namespace fad::rt

#endif // FAD_RUNTIME_POINTERSET_H
