//===- MemrefCopyTest.cpp - The runtime's strided copy --------------------===//

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {
/// MLIR's descriptor of a rank-2 memref and its unranked form.
struct Descriptor2 {
  void *allocated;
  double *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
};
struct Unranked {
  int64_t rank;
  void *descriptor;
};
} // namespace

extern "C" void memrefCopy(int64_t elemSize, Unranked *src, Unranked *dst);

namespace {

/// Copies a rows x cols view of `from` (at `fromOffset`, strides
/// `fromStrides`) into one of `to`.
void copy(std::vector<double> &from, int64_t fromOffset, const int64_t (&fromStrides)[2],
          std::vector<double> &to, int64_t toOffset, const int64_t (&toStrides)[2],
          int64_t rows, int64_t cols) {
  Descriptor2 s{from.data(), from.data(), fromOffset, {rows, cols},
                {fromStrides[0], fromStrides[1]}};
  Descriptor2 d{to.data(), to.data(), toOffset, {rows, cols}, {toStrides[0], toStrides[1]}};
  Unranked us{2, &s}, ud{2, &d};
  memrefCopy(sizeof(double), &us, &ud);
}

std::vector<double> iota(int64_t n) {
  std::vector<double> v(n);
  for (int64_t k = 0; k < n; ++k)
    v[k] = double(k);
  return v;
}

TEST(MemrefCopy, Contiguous) {
  std::vector<double> from = iota(12), to(12, -1.0);
  copy(from, 0, {4, 1}, to, 0, {4, 1}, 3, 4);
  EXPECT_EQ(to, from);
}

TEST(MemrefCopy, RowsOfALargerArrayAtAnOffset) {
  // Rows 1..2 of a 4 x 5 array, columns 1..3, into a dense 2 x 3 array.
  std::vector<double> from = iota(20), to(6, -1.0);
  copy(from, 6, {5, 1}, to, 0, {3, 1}, 2, 3);
  EXPECT_EQ(to, (std::vector<double>{6, 7, 8, 11, 12, 13}));
}

TEST(MemrefCopy, TransposedSource) {
  // The transpose of a 2 x 3 array (strides 1, 3) into a dense 3 x 2 one.
  std::vector<double> from = iota(6), to(6, -1.0);
  copy(from, 0, {1, 3}, to, 0, {2, 1}, 3, 2);
  EXPECT_EQ(to, (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

TEST(MemrefCopy, UnitDimensionWithAnyStride) {
  std::vector<double> from = iota(4), to(8, -1.0);
  copy(from, 0, {99, 1}, to, 4, {7, 1}, 1, 4);
  EXPECT_EQ(to, (std::vector<double>{-1, -1, -1, -1, 0, 1, 2, 3}));
}

TEST(MemrefCopy, Empty) {
  std::vector<double> from = iota(4), to(4, -1.0);
  copy(from, 0, {2, 1}, to, 0, {2, 1}, 0, 2);
  EXPECT_EQ(to, std::vector<double>(4, -1.0));
}

} // namespace
