#include "core/base64.h"

#include <utility>
#include <vector>

#include <fmt/format.h>

namespace flotilla {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

Status IllegalAt(size_t offset) {
  return InvalidArgument(fmt::format("illegal base64 data at input byte {}", offset));
}
}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    uint32_t n = uint8_t(data[i]) << 16;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

StatusOr<std::string> Base64DecodeStrict(std::string_view in) {
  std::string out;
  std::vector<std::pair<char, size_t>> chars;  // the input without line breaks, with offsets
  for (size_t i = 0; i < in.size(); i++)
    if (in[i] != '\n' && in[i] != '\r') chars.push_back({in[i], i});
  const size_t n = chars.size();
  out.reserve(n / 4 * 3);
  for (size_t q = 0; q < n; q += 4) {
    int v[4];
    int have = 0;
    for (int k = 0; k < 4; k++) {
      if (q + k >= n) {  // a short final quantum (k > 0: the loop ends at n when k == 0)
        if (k >= 2) return IllegalAt(in.size());
        return IllegalAt(chars[q + k - 1].second + 1 - (k == 1 ? 1 : 0));
      }
      char c = chars[q + k].first;
      if (c == '=') {
        if (k < 2 || (k == 2 && (q + 3 >= n || chars[q + 3].first != '=')) || q + 4 < n)
          return IllegalAt(chars[q + k].second);
        break;
      }
      v[k] = Value(c);
      if (v[k] < 0) return IllegalAt(chars[q + k].second);
      have++;
    }
    uint32_t x = 0;
    for (int k = 0; k < have; k++) x |= v[k] << (18 - 6 * k);
    out.push_back(static_cast<char>(x >> 16));
    if (have >= 3) out.push_back(static_cast<char>((x >> 8) & 0xFF));
    if (have >= 4) out.push_back(static_cast<char>(x & 0xFF));
  }
  return out;
}

StatusOr<std::string> Base64Decode(std::string_view text) {
  // Normalised to what the strict decoder accepts: no line breaks, padding restored. A lone
  // final character carries fewer than 8 bits, so it decodes to nothing (once checked).
  std::string padded;
  padded.reserve(text.size() + 3);
  for (char c : text)
    if (c != '\n' && c != '\r') padded.push_back(c);
  while (!padded.empty() && padded.back() == '=') padded.pop_back();
  if (padded.size() % 4 == 1) {
    if (Value(padded.back()) < 0) return InvalidArgument("illegal base64 data");
    padded.pop_back();
  }
  while (padded.size() % 4 != 0) padded.push_back('=');
  auto out = Base64DecodeStrict(padded);
  if (!out.ok()) return InvalidArgument("illegal base64 data");
  return out;
}

}  // namespace flotilla
