//===- LiteralReader.h - Reading fad literals and .npy files ------*- C++ -*-===//
//
// The reader of an executable's standard input: fad literals (scalars,
// arrays, tuples) and `@file.npy` references, flattened into leaves. Every
// malformed input ends in fail() (RuntimeState.h) with its location; the
// reader has no other state, so a fuzzer can run it on any text
// (test/fuzz).
//
//===----------------------------------------------------------------------===//

#ifndef FAD_RUNTIME_LITERALREADER_H
#define FAD_RUNTIME_LITERALREADER_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fad::rt {
/// One scalar of the input, as written.
struct Scalar {
  enum Kind { Int, Float, Bool, Complex } kind;
  int64_t i = 0;
  double f = 0;  ///< a number's value (a complex number's real part)
  double im = 0; ///< a complex number's imaginary part
};

/// A flattened argument: a scalar (rank 0) or a regular array.
struct Leaf {
  std::vector<int64_t> shape;
  std::vector<Scalar> data;
  bool anyRank = false; ///< `[]`: an empty array of any rank.
  size_t where = 0;     ///< Where it starts in the input (an offset).
};

/// "input line L, column C" of `offset` in `text` (computed only for
/// messages: a scan of the text).
std::string locationIn(const std::string &text, size_t offset);

/// A recursive-descent reader of fad literals over a whole input.
class LiteralReader {
public:
  explicit LiteralReader(const std::string &text) : text(text) {}

  /// Whether only blanks and comments are left.
  bool atEnd();
  /// Reads one literal and appends its flattened leaves to `leaves`;
  /// `depth` brackets and parentheses enclose it.
  void read(std::vector<Leaf> &leaves, unsigned depth = 0);

private:
  const std::string &text;
  size_t pos = 0;

  void skipSpace();
  bool peek(char c);
  void expect(char c);
  void readArray(std::vector<Leaf> &leaves, size_t where, unsigned depth);
  Scalar readScalar(size_t where);
  /// A real number as a part of a complex literal: an integer, a float,
  /// inf or nan with an optional '-'; false if malformed or out of range.
  static bool parseReal(const std::string &number, double &value);
  Leaf readNpy(size_t where);
};

/// The array that `bytes`, the contents of a .npy file (format 1 to 3,
/// little-endian f8, f4, i8, i4, c16, c8 or b1, C order), holds; `where` and `path`
/// name it in messages, `at` is the offset of its reference in the input.
Leaf parseNpy(const std::string &bytes, const std::string &where, const std::string &path,
              size_t at);
} // namespace fad::rt

#endif // FAD_RUNTIME_LITERALREADER_H
