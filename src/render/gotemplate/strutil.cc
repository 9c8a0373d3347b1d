#include "render/gotemplate/strutil.h"

#include <fmt/format.h>

#include "render/gotemplate/lexer.h"

namespace flotilla::gotemplate {
namespace {

bool IsSpaceRune(char32_t r) {
  return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xA0 || r == 0x1680 ||
         (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f ||
         r == 0x3000;
}
bool IsUpperRune(char32_t r) {
  return (r >= 'A' && r <= 'Z') || (r >= 0xC0 && r <= 0xDE && r != 0xD7);
}
bool IsLowerRune(char32_t r) {
  return (r >= 'a' && r <= 'z') || (r >= 0xDF && r <= 0xFF && r != 0xF7);
}
bool IsLetterRune(char32_t r) {
  return IsUpperRune(r) || IsLowerRune(r) || r == 0xAA || r == 0xB5 || r == 0xBA ||
         (r >= 0x100 && !IsSpaceRune(r) && !(r >= 0x2000 && r <= 0x2BFF) && r != 0xFFFD);
}
bool IsDigitRune(char32_t r) { return r >= '0' && r <= '9'; }
bool IsPunctRune(char32_t r) {
  if (r < 0x80)
    return r < 0x80 && std::string_view("!\"#%&'()*,-./:;?@[\\]_{}").find(static_cast<char>(r)) !=
                           std::string_view::npos;
  return r == 0xA1 || r == 0xA7 || r == 0xAB || r == 0xB6 || r == 0xB7 || r == 0xBB || r == 0xBF ||
         (r >= 0x2010 && r <= 0x2027) || (r >= 0x2030 && r <= 0x205E);
}
char32_t UpperRune(char32_t r) {
  if (r >= 'a' && r <= 'z') return r - 32;
  if (r >= 0xE0 && r <= 0xFE && r != 0xF7) return r - 32;
  if (r == 0xFF) return 0x178;
  if (r == 0xB5) return 0x39C;
  return r;
}
char32_t LowerRune(char32_t r) {
  if (r >= 'A' && r <= 'Z') return r + 32;
  if (r >= 0xC0 && r <= 0xDE && r != 0xD7) return r + 32;
  return r;
}

template <typename F>
std::string MapRunes(const std::string& s, F fn) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    int w;
    char32_t r = DecodeRune(s, i, &w);
    if (r == 0xFFFD && w == 1) {
      out += "\xEF\xBF\xBD";
    } else {
      AppendRune(&out, fn(r));
    }
    i += w;
  }
  return out;
}

struct Rune {
  char32_t r;
  size_t pos;
  int w;
};

std::vector<Rune> Runes(const std::string& s) {
  std::vector<Rune> out;
  for (size_t i = 0; i < s.size();) {
    int w;
    char32_t r = DecodeRune(s, i, &w);
    out.push_back({r, i, w});
    i += w;
  }
  return out;
}

}  // namespace

std::string TrimSpace(const std::string& s) {
  auto rs = Runes(s);
  size_t b = 0, e = rs.size();
  while (b < e && IsSpaceRune(rs[b].r) && !(rs[b].r == 0xFFFD)) b++;
  while (e > b && IsSpaceRune(rs[e - 1].r)) e--;
  if (b == e) return "";
  return s.substr(rs[b].pos, rs[e - 1].pos + rs[e - 1].w - rs[b].pos);
}

std::string ToUpper(const std::string& s) { return MapRunes(s, UpperRune); }
std::string ToLower(const std::string& s) { return MapRunes(s, LowerRune); }

std::string Title(const std::string& s) {
  char32_t prev = ' ';
  return MapRunes(s, [&](char32_t r) {
    // strings.Title's isSeparator.
    bool sep;
    if (prev <= 0x7F) {
      sep = !((prev >= '0' && prev <= '9') || (prev >= 'a' && prev <= 'z') ||
              (prev >= 'A' && prev <= 'Z') || prev == '_');
    } else {
      sep = IsSpaceRune(prev) || !(IsLetterRune(prev) || IsDigitRune(prev));
    }
    char32_t out = sep ? UpperRune(r) : r;
    prev = r;
    return out;
  });
}

std::string Untitle(const std::string& s) {
  if (s.empty()) return s;
  int w;
  char32_t r = DecodeRune(s, 0, &w);
  std::string out;
  AppendRune(&out, LowerRune(r));
  return out + s.substr(w);
}

std::string DeleteWhiteSpace(const std::string& s) {
  std::string out;
  for (const Rune& r : Runes(s))
    if (!IsSpaceRune(r.r)) out.append(s, r.pos, r.w);
  return out;
}

std::string Initials(const std::string& s) {
  std::string out;
  bool gap = true;
  for (unsigned char c : s) {
    if (IsSpaceRune(c)) {
      gap = true;
    } else if (gap) {
      AppendRune(&out, c);  // goutils reads bytes as runes
      gap = false;
    }
  }
  return out;
}

std::string SwapCase(const std::string& s) {
  return MapRunes(s, [](char32_t r) {
    if (IsUpperRune(r)) return LowerRune(r);
    if (IsLowerRune(r)) return UpperRune(r);
    return r;
  });
}

namespace {

bool IsConnector(char32_t r) { return r == '-' || r == '_' || IsSpaceRune(r); }

enum WordType { kInvalidWord, kNumberWord, kUpperWord, kAlphaWord, kConnWord, kPunctWord, kOther };

struct Word {
  WordType wt = kInvalidWord;
  std::string word;
  std::string rest;
};

// xstrings' nextWord.
Word NextWord(const std::string& str) {
  Word out;
  if (str.empty()) return out;
  auto rune_at = [&](size_t i, int* w) { return DecodeRune(str, i, w); };
  size_t offset = 0;
  int size;
  char32_t r = rune_at(0, &size);
  offset += size;
  if (r == 0xFFFD) {
    out.wt = kInvalidWord;
    out.word = str.substr(0, offset);
    out.rest = str.substr(offset);
    return out;
  }
  size_t pos = size;  // start of `remaining`
  auto loop = [&](auto pred) {
    while (pos < str.size()) {
      int w;
      char32_t c = rune_at(pos, &w);
      if (!pred(c)) break;
      offset += w;
      pos += w;
    }
  };
  if (IsConnector(r)) {
    out.wt = kConnWord;
    loop(IsConnector);
  } else if (IsPunctRune(r)) {
    out.wt = kPunctWord;
    loop(IsPunctRune);
  } else if (IsUpperRune(r)) {
    out.wt = kUpperWord;
    if (pos < str.size()) {
      int w;
      char32_t c = rune_at(pos, &w);
      if (IsUpperRune(c)) {
        int prev = w;
        offset += w;
        pos += w;
        char32_t last = c;
        bool stopped = false;
        while (pos < str.size()) {
          int w2;
          last = rune_at(pos, &w2);
          if (!IsUpperRune(last)) {
            stopped = true;
            break;
          }
          prev = w2;
          offset += w2;
          pos += w2;
        }
        if (stopped && IsLetterRune(last)) {
          offset -= prev;
          pos = offset;
        }
      } else if (IsLetterRune(c)) {
        offset += w;
        pos += w;
        loop([](char32_t x) { return IsLetterRune(x) && !IsUpperRune(x); });
      }
    }
  } else if (IsLetterRune(r)) {
    out.wt = kAlphaWord;
    loop([](char32_t x) { return IsLetterRune(x) && !IsUpperRune(x); });
  } else if (IsDigitRune(r)) {
    out.wt = kNumberWord;
    loop(IsDigitRune);
  } else {
    out.wt = kOther;
    loop([](char32_t x) {
      return !(IsConnector(x) || IsLetterRune(x) || IsDigitRune(x) || IsPunctRune(x));
    });
  }
  out.word = str.substr(0, offset);
  out.rest = str.substr(pos);
  return out;
}

void ToLowerWord(std::string* buf, WordType wt, const std::string& s, char connector) {
  if (wt != kUpperWord && wt != kConnWord) {
    *buf += s;
    return;
  }
  for (const Rune& r : Runes(s)) {
    if (IsConnector(r.r)) {
      buf->push_back(connector);
    } else if (IsUpperRune(r.r)) {
      AppendRune(buf, LowerRune(r.r));
    } else {
      buf->append(s, r.pos, r.w);
    }
  }
}

}  // namespace

std::string CamelToLower(const std::string& str, char connector) {
  if (str.empty()) return "";
  std::string buf;
  Word w = NextWord(str);
  while (!w.rest.empty()) {
    if (w.wt != kConnWord) ToLowerWord(&buf, w.wt, w.word, connector);
    WordType prev = w.wt;
    std::string last = w.word;
    w = NextWord(w.rest);
    switch (prev) {
      case kNumberWord:
        while (w.wt == kAlphaWord || w.wt == kNumberWord) {
          ToLowerWord(&buf, w.wt, w.word, connector);
          w = NextWord(w.rest);
        }
        if (w.wt != kInvalidWord && w.wt != kPunctWord && w.wt != kConnWord)
          buf.push_back(connector);
        break;
      case kConnWord:
        ToLowerWord(&buf, prev, last, connector);
        break;
      case kPunctWord:
        break;
      default: {
        if (w.wt != kNumberWord) {
          if (w.wt != kConnWord && w.wt != kPunctWord) buf.push_back(connector);
          break;
        }
        if (w.rest.empty()) break;
        std::string last2 = w.word;
        w = NextWord(w.rest);
        if (w.wt != kAlphaWord) {
          ToLowerWord(&buf, kNumberWord, last2, connector);
          if (w.wt != kConnWord && w.wt != kPunctWord) buf.push_back(connector);
          break;
        }
        buf.push_back(connector);
        ToLowerWord(&buf, kNumberWord, last2, connector);
        while (w.wt == kAlphaWord || w.wt == kNumberWord) {
          ToLowerWord(&buf, w.wt, w.word, connector);
          w = NextWord(w.rest);
        }
        if (w.wt != kInvalidWord && w.wt != kConnWord && w.wt != kPunctWord)
          buf.push_back(connector);
      }
    }
  }
  ToLowerWord(&buf, w.wt, w.word, connector);
  return buf;
}

std::string ToCamelCase(const std::string& s) {
  if (s.empty()) return "";
  auto rs = Runes(s);
  std::string buf;
  size_t i = 0;
  char32_t r0 = 0, r1 = 0;
  bool got = false;
  for (; i < rs.size(); i++) {
    r0 = rs[i].r;
    if (!IsConnector(r0)) {
      r0 = UpperRune(r0);
      got = true;
      i++;
      break;
    }
    AppendRune(&buf, r0);
  }
  if (i >= rs.size()) {
    if (got) AppendRune(&buf, r0);
    return buf;
  }
  for (; i < rs.size(); i++) {
    r1 = r0;
    r0 = rs[i].r;
    if (IsConnector(r0) && IsConnector(r1)) {
      AppendRune(&buf, r1);
      continue;
    }
    if (IsConnector(r1)) {
      r0 = UpperRune(r0);
    } else {
      r0 = LowerRune(r0);
      AppendRune(&buf, r1);
    }
  }
  AppendRune(&buf, r0);
  return buf;
}

std::string Base32Encode(const std::string& s) {
  static const char* kAlpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  for (size_t i = 0; i < s.size(); i += 5) {
    uint64_t v = 0;
    size_t n = std::min<size_t>(5, s.size() - i);
    for (size_t k = 0; k < 5; k++)
      v = (v << 8) | (k < n ? static_cast<unsigned char>(s[i + k]) : 0);
    static const int kChars[] = {0, 2, 4, 5, 7, 8};
    int nc = kChars[n];
    for (int k = 0; k < 8; k++) out += k < nc ? kAlpha[(v >> (35 - 5 * k)) & 31] : '=';
  }
  return out;
}

bool Base32Decode(const std::string& in, std::string* out, std::string* err) {
  out->clear();
  std::string s;
  for (char c : in)
    if (c != '\n' && c != '\r') s.push_back(c);
  if (s.size() % 8 != 0) {
    *err = fmt::format("illegal base32 data at input byte {}", (s.size() / 8) * 8);
    return false;
  }
  for (size_t i = 0; i < s.size(); i += 8) {
    uint64_t v = 0;
    int have = 0;
    for (int k = 0; k < 8; k++) {
      char c = s[i + k];
      int d = -1;
      if (c >= 'A' && c <= 'Z')
        d = c - 'A';
      else if (c >= '2' && c <= '7')
        d = c - '2' + 26;
      else if (c == '=' && k >= 2)
        break;
      if (d < 0) {
        *err = fmt::format("illegal base32 data at input byte {}", i + k);
        return false;
      }
      v |= static_cast<uint64_t>(d) << (35 - 5 * k);
      have++;
    }
    static const int kBytes[] = {0, 0, 1, 1, 2, 3, 3, 4, 5};
    for (int k = 0; k < kBytes[have]; k++) out->push_back(static_cast<char>(v >> (32 - 8 * k)));
  }
  return true;
}

}  // namespace flotilla::gotemplate
