//===- LiteralReader.cpp - Reading fad literals and .npy files ----*- C++ -*-===//
//
// This file implements the reader of an executable's input (LiteralReader.h).
//
//===----------------------------------------------------------------------===//

#include "LiteralReader.h"
#include "RuntimeState.h"
#include "fad/Runtime/FADRuntime.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

using namespace fad::rt;

std::string fad::rt::locationIn(const std::string &text, size_t offset) {
  int line = 1, col = 1;
  for (size_t k = 0; k < offset && k < text.size(); ++k)
    text[k] == '\n' ? (++line, col = 1) : ++col;
  return "input line " + std::to_string(line) + ", column " + std::to_string(col);
}

bool LiteralReader::atEnd() {
  skipSpace();
  return pos >= text.size();
}

void LiteralReader::read(std::vector<Leaf> &leaves, unsigned depth) {
  skipSpace();
  size_t where = pos;
  if (pos >= text.size())
    fail(locationIn(text, where) + ": expected a literal, found the end of the input");
  char c = text[pos];
  if ((c == '(' || c == '[') && depth >= FAD_MAX_NESTING)
    fail(locationIn(text, where) + ": brackets nested too deeply (more than " +
         std::to_string(FAD_MAX_NESTING) + " levels)");
  if (c == '(') {
    ++pos;
    for (bool first = true;; first = false) {
      skipSpace();
      if (peek(')') && !first) {
        ++pos;
        return;
      }
      if (!first)
        expect(',');
      read(leaves, depth + 1);
    }
  }
  if (c == '[') {
    readArray(leaves, where, depth);
    return;
  }
  if (c == '@') {
    leaves.push_back(readNpy(where));
    return;
  }
  Leaf leaf;
  leaf.where = where;
  leaf.data.push_back(readScalar(where));
  leaves.push_back(std::move(leaf));
}


void LiteralReader::skipSpace() {
  while (pos < text.size()) {
    if (std::isspace((unsigned char)text[pos]))
      ++pos;
    else if (text.compare(pos, 2, "--") == 0)
      while (pos < text.size() && text[pos] != '\n')
        ++pos;
    else
      break;
  }
}
bool LiteralReader::peek(char c) {
  skipSpace();
  return pos < text.size() && text[pos] == c;
}
void LiteralReader::expect(char c) {
  if (!peek(c))
    fail(locationIn(text, pos) + ": expected '" + std::string(1, c) + "'");
  ++pos;
}
void LiteralReader::readArray(std::vector<Leaf> &leaves, size_t where, unsigned depth) {
  ++pos; // '['
  std::vector<std::vector<Leaf>> rows;
  if (peek(']')) {
    ++pos;
    Leaf empty;
    empty.shape = {0};
    empty.anyRank = true;
    empty.where = where;
    leaves.push_back(std::move(empty));
    return;
  }
  for (bool first = true;; first = false) {
    if (!first) {
      if (peek(']')) {
        ++pos;
        break;
      }
      expect(',');
    }
    rows.emplace_back();
    read(rows.back(), depth + 1);
  }
  // Element j of every row becomes leaf j of the array, one rank higher.
  const std::vector<Leaf> &head = rows.front();
  for (size_t j = 0; j < head.size(); ++j) {
    Leaf leaf;
    leaf.where = where;
    leaf.shape.push_back(rows.size());
    leaf.shape.insert(leaf.shape.end(), head[j].shape.begin(), head[j].shape.end());
    for (const std::vector<Leaf> &row : rows) {
      if (row.size() != head.size() || row[j].shape != head[j].shape ||
          row[j].anyRank != head[j].anyRank)
        fail(locationIn(text, where) +
             ": array elements have different shapes (arrays must be regular)");
      leaf.data.insert(leaf.data.end(), row[j].data.begin(), row[j].data.end());
    }
    leaves.push_back(std::move(leaf));
  }
}

Scalar LiteralReader::readScalar(size_t where) {
  size_t start = pos;
  while (pos < text.size() &&
         (std::isalnum((unsigned char)text[pos]) || text[pos] == '.' ||
          text[pos] == '-' || text[pos] == '+' || text[pos] == '_'))
    ++pos;
  std::string token = text.substr(start, pos - start);
  if (token.empty())
    fail(locationIn(text, where) + ": expected a literal, found '" + std::string(1, text[pos]) + "'");
  Scalar s;
  // A complex number: `2.5i`, `1.5+2.0i`, `-1e-3-4i`, `nan+infi` (parts as
  // real literals; the last sign that does not follow an exponent's e
  // separates them).
  if (token.size() > 1 && token.back() == 'i') {
    std::string body = token.substr(0, token.size() - 1);
    size_t split = body.size();
    while (--split > 0 && !((body[split] == '+' || body[split] == '-') &&
                            body[split - 1] != 'e' && body[split - 1] != 'E'))
      ;
    auto part = [&](std::string number) {
      if (!number.empty() && number[0] == '+')
        number.erase(0, 1);
      double value;
      if (!parseReal(number, value))
        fail(locationIn(text, where) + ": malformed complex literal '" + token +
             "' (its parts are real numbers within f64's range)");
      return value;
    };
    s.kind = Scalar::Complex;
    s.f = split > 0 ? part(body.substr(0, split)) : 0.0;
    s.im = part(body.substr(split));
    return s;
  }
  if (token == "true" || token == "false") {
    s.kind = Scalar::Bool;
    s.i = token == "true";
    return s;
  }
  if (token == "inf" || token == "-inf" || token == "nan" || token == "-nan") {
    s.kind = Scalar::Float;
    parseReal(token, s.f);
    return s;
  }
  const char *first = token.data(), *last = token.data() + token.size();
  bool isFloat = token.find_first_of(".eE") != std::string::npos;
  if (!isFloat) {
    auto [end, ec] = std::from_chars(first, last, s.i);
    if (ec == std::errc::result_out_of_range)
      fail(locationIn(text, where) + ": integer literal '" + token + "' is out of range");
    if (ec == std::errc() && end == last) {
      s.kind = Scalar::Int;
      s.f = (double)s.i;
      return s;
    }
  } else {
    auto [end, ec] = std::from_chars(first, last, s.f);
    bool whole = end == last && std::isdigit((unsigned char)token.back());
    if (ec == std::errc::result_out_of_range && whole)
      fail(locationIn(text, where) + ": float literal '" + token +
           "' is out of range (f64 holds magnitudes from 4.9e-324 to 1.8e308)");
    if (ec == std::errc() && whole) {
      s.kind = Scalar::Float;
      return s;
    }
  }
  fail(locationIn(text, where) + ": malformed literal '" + token + "'");
}

bool LiteralReader::parseReal(const std::string &number, double &value) {
  if (number == "inf" || number == "-inf" || number == "nan" || number == "-nan") {
    value = number[0] == '-' ? (number[1] == 'i' ? -INFINITY : -NAN)
                             : (number[0] == 'i' ? INFINITY : NAN);
    return true;
  }
  const char *first = number.data(), *last = number.data() + number.size();
  auto [end, ec] = std::from_chars(first, last, value);
  return ec == std::errc() && end == last && !number.empty() &&
         std::isdigit((unsigned char)number.back());
}

Leaf LiteralReader::readNpy(size_t at) {
  std::string where = locationIn(text, at);
  size_t start = ++pos;
  while (pos < text.size() && !std::isspace((unsigned char)text[pos]) &&
         text[pos] != ',' && text[pos] != ')' && text[pos] != ']')
    ++pos;
  std::string path = text.substr(start, pos - start);
  // Only a regular file has a size to bound the reading by (a directory or
  // /dev/zero would fail late or read forever).
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    fail(where + ": cannot open '" + path + "'" +
         (std::filesystem::exists(path, ec) ? ": not a regular file" : ""));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(where + ": cannot open '" + path + "'");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parseNpy(bytes, where, path, at);
}

Leaf fad::rt::parseNpy(const std::string &bytes, const std::string &where, const std::string &path,
                       size_t at) {
  auto bad = [&](const std::string &why) -> Leaf {
    fail(where + ": '" + path + "' is not a supported .npy file: " + why);
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return bad("bad magic");
  int version = (unsigned char)bytes[6];
  if (version < 1 || version > 3)
    return bad("format version " + std::to_string(version) + " (1, 2 or 3 are read)");
  size_t headerLen, headerStart;
  if (version == 1) {
    headerLen = (unsigned char)bytes[8] | ((unsigned char)bytes[9] << 8);
    headerStart = 10;
  } else {
    if (bytes.size() < 12)
      return bad("truncated header");
    headerLen = 0;
    for (int k = 3; k >= 0; --k)
      headerLen = (headerLen << 8) | (unsigned char)bytes[8 + k];
    headerStart = 12;
  }
  if (headerLen > bytes.size() - headerStart)
    return bad("truncated header");
  std::string header = bytes.substr(headerStart, headerLen);
  auto field = [&](const std::string &key) {
    size_t k = header.find("'" + key + "'");
    if (k == std::string::npos)
      bad("no '" + key + "'");
    k = header.find(':', k);
    if (k == std::string::npos)
      bad("no value for '" + key + "'");
    return header.substr(k + 1);
  };
  std::string descr = field("descr");
  descr = descr.substr(descr.find('\'') + 1);
  descr = descr.substr(0, descr.find('\''));
  if (field("fortran_order").find("False") != 0 &&
      field("fortran_order").find(" False") != 0)
    return bad("Fortran order");
  std::string shapeText = field("shape");
  size_t open = shapeText.find('('), close = shapeText.find(')');
  if (open == std::string::npos || close == std::string::npos || close < open)
    return bad("malformed shape");
  shapeText = shapeText.substr(open + 1, close - open - 1);
  Leaf leaf;
  leaf.where = at;
  std::stringstream shapeStream(shapeText);
  std::string dim;
  size_t count = 1;
  while (std::getline(shapeStream, dim, ',')) {
    size_t first = dim.find_first_not_of(' '), last = dim.find_last_not_of(' ');
    if (first == std::string::npos)
      continue;
    dim = dim.substr(first, last - first + 1);
    int64_t extent = 0;
    auto [end, err] = std::from_chars(dim.data(), dim.data() + dim.size(), extent);
    if (err != std::errc() || end != dim.data() + dim.size() || extent < 0)
      return bad("malformed extent '" + dim + "' in the shape");
    leaf.shape.push_back(extent);
    if (__builtin_mul_overflow(count, (size_t)extent, &count))
      return bad("the shape has more elements than memory");
  }
  size_t width = descr == "<c16"                   ? 16
                 : descr == "<f8" || descr == "<i8" || descr == "<c8" ? 8
                 : descr == "<f4" || descr == "<i4" ? 4
                 : descr == "|b1"                   ? 1
                                                    : 0;
  if (!width)
    return bad("element type " + descr + " (use <f8, <f4, <i8, <i4, <c16, <c8 or |b1)");
  const char *data = bytes.data() + headerStart + headerLen;
  size_t size = 0, present = bytes.size() - headerStart - headerLen;
  if (__builtin_mul_overflow(count, width, &size) || present < size)
    return bad("truncated data");
  if (present > size)
    return bad("trailing data after the array");
  for (size_t k = 0; k < count; ++k, data += width) {
    Scalar s;
    if (descr == "<f8") {
      s.kind = Scalar::Float;
      std::memcpy(&s.f, data, 8);
    } else if (descr == "<f4") {
      float f;
      std::memcpy(&f, data, 4);
      s.kind = Scalar::Float, s.f = f;
    } else if (descr == "<i8") {
      std::memcpy(&s.i, data, 8);
      s.kind = Scalar::Int, s.f = (double)s.i;
    } else if (descr == "<c16") {
      s.kind = Scalar::Complex;
      std::memcpy(&s.f, data, 8);
      std::memcpy(&s.im, data + 8, 8);
    } else if (descr == "<c8") {
      float parts[2];
      std::memcpy(parts, data, 8);
      s.kind = Scalar::Complex, s.f = parts[0], s.im = parts[1];
    } else if (descr == "<i4") {
      int32_t i;
      std::memcpy(&i, data, 4);
      s.kind = Scalar::Int, s.i = i, s.f = i;
    } else {
      s.kind = Scalar::Bool, s.i = *data != 0;
    }
    leaf.data.push_back(s);
  }
  return leaf;
}

