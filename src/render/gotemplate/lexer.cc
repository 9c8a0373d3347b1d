#include "render/gotemplate/lexer.h"

#include <cstring>

#include <fmt/format.h>

namespace flotilla::gotemplate {

char32_t DecodeRune(std::string_view s, size_t i, int* width) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  *width = 1;
  if (c < 0x80) return c;
  size_t rem = s.size() - i;
  if (c >= 0xC2 && c <= 0xDF && rem >= 2 && (b(i + 1) & 0xC0) == 0x80) {
    *width = 2;
    return ((c & 0x1F) << 6) | (b(i + 1) & 0x3F);
  }
  if (c >= 0xE0 && c <= 0xEF && rem >= 3 && (b(i + 1) & 0xC0) == 0x80 &&
      (b(i + 2) & 0xC0) == 0x80) {
    char32_t r = ((c & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F);
    if (r >= 0x800 && (r < 0xD800 || r > 0xDFFF)) {
      *width = 3;
      return r;
    }
    return 0xFFFD;
  }
  if (c >= 0xF0 && c <= 0xF4 && rem >= 4 && (b(i + 1) & 0xC0) == 0x80 &&
      (b(i + 2) & 0xC0) == 0x80 && (b(i + 3) & 0xC0) == 0x80) {
    char32_t r = ((c & 0x07) << 18) | ((b(i + 1) & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) |
                 (b(i + 3) & 0x3F);
    if (r >= 0x10000 && r <= 0x10FFFF) {
      *width = 4;
      return r;
    }
  }
  return 0xFFFD;
}

void AppendRune(std::string* out, char32_t r) {
  if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = 0xFFFD;
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

namespace {

bool IsPrintRune(char32_t r) {
  if (r < 0x80) return r >= 0x20 && r != 0x7f;
  if (r < 0xA0 || r == 0xAD) return false;
  if (r == 0x2028 || r == 0x2029 || (r >= 0xE000 && r <= 0xF8FF) || r == 0xFEFF) return false;
  return true;
}

}  // namespace

std::string GoQuote(std::string_view s, int max_runes) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  int n = 0;
  for (size_t i = 0; i < s.size();) {
    if (max_runes >= 0 && n >= max_runes) break;
    n++;
    int w;
    char32_t r = DecodeRune(s, i, &w);
    if (w == 1 && r == 0xFFFD) {
      out += "\\x";
      out.push_back(kHex[static_cast<unsigned char>(s[i]) >> 4]);
      out.push_back(kHex[static_cast<unsigned char>(s[i]) & 0xF]);
      i++;
      continue;
    }
    i += w;
    if (r == '"' || r == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(r));
      continue;
    }
    if (IsPrintRune(r)) {
      AppendRune(&out, r);
      continue;
    }
    switch (r) {
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (r < ' ' || r == 0x7f) {
          out += "\\x";
          out.push_back(kHex[r >> 4]);
          out.push_back(kHex[r & 0xF]);
        } else if (r < 0x10000) {
          out += fmt::format("\\u{:04x}", static_cast<uint32_t>(r));
        } else {
          out += fmt::format("\\U{:08x}", static_cast<uint32_t>(r));
        }
    }
  }
  return out + "\"";
}

bool GoUnquote(std::string_view s, std::string* out, std::string* err) {
  *err = "invalid syntax";
  out->clear();
  if (s.size() < 2) return false;
  char q = s.front();
  if (q != s.back()) return false;
  s = s.substr(1, s.size() - 2);
  if (q == '`') {
    if (s.find('`') != std::string_view::npos) return false;
    for (char c : s)
      if (c != '\r') out->push_back(c);
    return true;
  }
  if (q != '"') return false;
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '"' || c == '\n') return false;
    if (c != '\\') {
      out->push_back(c);
      i++;
      continue;
    }
    if (i + 1 >= s.size()) return false;
    char e = s[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out->push_back('\a');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'v':
        out->push_back('\v');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '"':
        out->push_back('"');
        break;
      case 'x':
      case 'u':
      case 'U': {
        int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (i + n > s.size()) return false;
        uint32_t v = 0;
        for (int k = 0; k < n; k++) {
          int h = hexval(s[i + k]);
          if (h < 0) return false;
          v = v * 16 + h;
        }
        i += n;
        if (e == 'x') {
          out->push_back(static_cast<char>(v));
        } else {
          if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
          AppendRune(out, v);
        }
        break;
      }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        if (i + 2 > s.size()) return false;
        int v = e - '0';
        for (int k = 0; k < 2; k++) {
          char d = s[i + k];
          if (d < '0' || d > '7') return false;
          v = v * 8 + (d - '0');
        }
        if (v > 255) return false;
        i += 2;
        out->push_back(static_cast<char>(v));
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

std::string Item::String() const {
  if (type == ItemType::kEOF) return "EOF";
  if (type == ItemType::kError) return std::string(val);
  if (type > ItemType::kKeyword) return "<" + std::string(val) + ">";
  int runes = 0;
  for (size_t i = 0; i < val.size();) {
    int w;
    DecodeRune(val, i, &w);
    i += w;
    runes++;
  }
  if (runes > 10) return GoQuote(val, 10) + "...";
  return GoQuote(val);
}

namespace {

constexpr char32_t kEof = static_cast<char32_t>(-1);
constexpr std::string_view kLeft = "{{";
constexpr std::string_view kRight = "}}";

bool IsSpace(char32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }
bool IsAlphaNumeric(char32_t r) {
  if (r == kEof) return false;
  if (r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
    return true;
  // Non-ASCII letters and digits (approximation of unicode.IsLetter/IsDigit).
  return r >= 0xAA && r != 0xFFFD && !(r >= 0x2000 && r <= 0x2BFF) && r != 0xD7 && r != 0xF7;
}
bool HasLeftTrimMarker(std::string_view s) { return s.size() >= 2 && s[0] == '-' && IsSpace(s[1]); }
bool HasRightTrimMarker(std::string_view s) {
  return s.size() >= 2 && IsSpace(s[0]) && s[1] == '-';
}
bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
const char* kSpaceChars = " \t\r\n";

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) { items_.reserve(input.size() / 8 + 4); }

 private:
  enum StateRet { kToText = 0, kToLeft = 1, kToInside = 2, kToDone = 3 };

  char32_t Next() {
    if (pos_ >= in_.size()) {
      at_eof_ = true;
      return kEof;
    }
    int w;
    char32_t r = DecodeRune(in_, pos_, &w);
    pos_ += w;
    last_w_ = w;
    if (r == '\n') line_++;
    return r;
  }
  char32_t Peek() {
    size_t p = pos_;
    int l = line_;
    bool e = at_eof_;
    char32_t r = Next();
    pos_ = p;
    line_ = l;
    at_eof_ = e;
    return r;
  }
  void Backup() {
    if (!at_eof_ && pos_ > 0) {
      // Step back one rune.
      size_t p = pos_ - 1;
      while (p > 0 && (static_cast<unsigned char>(in_[p]) & 0xC0) == 0x80 && pos_ - p < 4) p--;
      int w;
      DecodeRune(in_, p, &w);
      if (p + w != pos_) p = pos_ - 1;
      if (in_[p] == '\n') line_--;
      pos_ = p;
    }
  }
  void Emit(ItemType t) {
    items_.push_back(
        Item{t, static_cast<int>(start_), in_.substr(start_, pos_ - start_), start_line_, nullptr});
    start_ = pos_;
    start_line_ = line_;
  }
  void Ignore() {
    for (size_t i = start_; i < pos_; i++)
      if (in_[i] == '\n') line_++;
    start_ = pos_;
    start_line_ = line_;
  }
  bool Accept(std::string_view valid) {
    char32_t r = Next();
    if (r != kEof && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos)
      return true;
    Backup();
    return false;
  }
  void AcceptRun(std::string_view valid) {
    for (;;) {
      char32_t r = Next();
      if (r == kEof || r >= 0x80 || valid.find(static_cast<char>(r)) == std::string_view::npos)
        break;
    }
    Backup();
  }
  StateRet Errorf(std::string msg) {
    auto err = std::make_shared<const std::string>(std::move(msg));
    items_.push_back(Item{ItemType::kError, static_cast<int>(start_), *err, start_line_, err});
    failed_ = true;
    return kToDone;
  }
  int CountNewlines(size_t a, size_t b) {
    int n = 0;
    for (size_t i = a; i < b; i++) n += in_[i] == '\n';
    return n;
  }

  // Returns true when a left delimiter follows.
  bool LexText() {
    size_t x = in_.find(kLeft, pos_);
    if (x != std::string_view::npos) {
      size_t ldn = kLeft.size();
      pos_ = x;
      size_t trim = 0;
      if (HasLeftTrimMarker(in_.substr(pos_ + ldn))) {
        std::string_view t = in_.substr(start_, pos_ - start_);
        size_t e = t.find_last_not_of(kSpaceChars);
        trim = e == std::string_view::npos ? t.size() : t.size() - e - 1;
      }
      pos_ -= trim;
      if (pos_ > start_) {
        line_ += CountNewlines(start_, pos_);
        Emit(ItemType::kText);
      }
      pos_ += trim;
      Ignore();
      return true;
    }
    pos_ = in_.size();
    if (pos_ > start_) {
      line_ += CountNewlines(start_, pos_);
      Emit(ItemType::kText);
    }
    Emit(ItemType::kEOF);
    return false;
  }

  bool AtRightDelim(bool* trim) {
    std::string_view rest = in_.substr(pos_);
    if (HasRightTrimMarker(rest) && StartsWith(rest.substr(2), kRight)) {
      *trim = true;
      return true;
    }
    *trim = false;
    return StartsWith(rest, kRight);
  }

  size_t LeftTrimLength(std::string_view s) {
    size_t e = s.find_first_not_of(kSpaceChars);
    return e == std::string_view::npos ? s.size() : e;
  }

  // After lexing a left delim: returns the next state.
  int LexLeftDelim() {
    pos_ += kLeft.size();
    bool trim = HasLeftTrimMarker(in_.substr(pos_));
    size_t after = trim ? 2 : 0;
    if (StartsWith(in_.substr(pos_ + after), "/*")) {
      pos_ += after;
      Ignore();
      return LexComment();
    }
    Emit(ItemType::kLeftDelim);
    pos_ += after;
    Ignore();
    paren_depth_ = 0;
    return kToInside;
  }

  int LexComment() {
    pos_ += 2;
    size_t i = in_.find("*/", pos_);
    if (i == std::string_view::npos) return Errorf("unclosed comment");
    pos_ = i + 2;
    bool trim;
    if (!AtRightDelim(&trim)) return Errorf("comment ends before closing delimiter");
    if (trim) pos_ += 2;
    pos_ += kRight.size();
    if (trim) pos_ += LeftTrimLength(in_.substr(pos_));
    Ignore();
    return kToText;
  }

  int LexRightDelim() {
    bool trim = HasRightTrimMarker(in_.substr(pos_));
    if (trim) {
      pos_ += 2;
      Ignore();
    }
    pos_ += kRight.size();
    Emit(ItemType::kRightDelim);
    if (trim) {
      pos_ += LeftTrimLength(in_.substr(pos_));
      Ignore();
    }
    return kToText;
  }

  int LexInsideAction() {
    bool trim;
    if (AtRightDelim(&trim)) {
      if (paren_depth_ == 0) return LexRightDelim();
      return Errorf("unclosed left paren");
    }
    char32_t r = Next();
    if (r == kEof) return Errorf("unclosed action");
    if (IsSpace(r)) {
      Backup();
      return LexSpace();
    }
    switch (r) {
      case '=':
        Emit(ItemType::kAssign);
        return kToInside;
      case ':':
        if (Next() != '=') return Errorf("expected :=");
        Emit(ItemType::kDeclare);
        return kToInside;
      case '|':
        Emit(ItemType::kPipe);
        return kToInside;
      case '"':
        return LexQuote();
      case '`':
        return LexRawQuote();
      case '$':
        return LexVariable();
      case '\'':
        return LexChar();
      case '(':
        Emit(ItemType::kLeftParen);
        paren_depth_++;
        return kToInside;
      case ')':
        Emit(ItemType::kRightParen);
        paren_depth_--;
        if (paren_depth_ < 0) return Errorf("unexpected right paren U+0029 ')'");
        return kToInside;
      default:
        break;
    }
    if (r == '.') {
      if (pos_ < in_.size()) {
        char c = in_[pos_];
        if (c < '0' || c > '9') return LexFieldOrVariable(ItemType::kField);
      }
      Backup();
      return LexNumber();
    }
    if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
      Backup();
      return LexNumber();
    }
    if (IsAlphaNumeric(r)) {
      Backup();
      return LexIdentifier();
    }
    if (r < 0x80 && r >= 0x20 && r != 0x7f) {
      Emit(ItemType::kChar);
      return kToInside;
    }
    return Errorf("unrecognized character in action: " + RuneDesc(r));
  }

  static std::string RuneDesc(char32_t r) {
    std::string s = fmt::format("U+{:04X}", static_cast<uint32_t>(r));
    if (IsPrintRune(r)) {
      s += " '";
      AppendRune(&s, r);
      s += "'";
    }
    return s;
  }

  int LexSpace() {
    int n = 0;
    for (;;) {
      char32_t r = Peek();
      if (!IsSpace(r)) break;
      Next();
      n++;
    }
    std::string_view rest = in_.substr(pos_ - 1);
    if (HasRightTrimMarker(rest) && StartsWith(rest.substr(2), kRight)) {
      Backup();
      if (n == 1) return LexRightDelim();
    }
    Emit(ItemType::kSpace);
    return kToInside;
  }

  bool AtTerminator() {
    char32_t r = Peek();
    if (IsSpace(r)) return true;
    switch (r) {
      case kEof:
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
      default:
        break;
    }
    return StartsWith(in_.substr(pos_), kRight);
  }

  int LexIdentifier() {
    for (;;) {
      char32_t r = Next();
      if (IsAlphaNumeric(r)) continue;
      Backup();
      std::string_view word = in_.substr(start_, pos_ - start_);
      if (!AtTerminator()) return Errorf("bad character " + RuneDesc(r));
      static const std::pair<std::string_view, ItemType> kKeys[] = {
          {".", ItemType::kDot},
          {"block", ItemType::kBlock},
          {"break", ItemType::kBreak},
          {"continue", ItemType::kContinue},
          {"define", ItemType::kDefine},
          {"else", ItemType::kElse},
          {"end", ItemType::kEnd},
          {"if", ItemType::kIf},
          {"range", ItemType::kRange},
          {"nil", ItemType::kNil},
          {"template", ItemType::kTemplate},
          {"with", ItemType::kWith},
      };
      for (const auto& [k, t] : kKeys) {
        if (word == k) {
          Emit(t);
          return kToInside;
        }
      }
      if (word[0] == '.') {
        Emit(ItemType::kField);
      } else if (word == "true" || word == "false") {
        Emit(ItemType::kBool);
      } else {
        Emit(ItemType::kIdentifier);
      }
      return kToInside;
    }
  }

  int LexVariable() {
    if (AtTerminator()) {
      Emit(ItemType::kVariable);
      return kToInside;
    }
    return LexFieldOrVariable(ItemType::kVariable);
  }

  int LexFieldOrVariable(ItemType t) {
    if (AtTerminator()) {
      Emit(t == ItemType::kVariable ? ItemType::kVariable : ItemType::kDot);
      return kToInside;
    }
    char32_t r;
    for (;;) {
      r = Next();
      if (!IsAlphaNumeric(r)) {
        Backup();
        break;
      }
    }
    if (!AtTerminator()) return Errorf("bad character " + RuneDesc(r));
    Emit(t);
    return kToInside;
  }

  int LexChar() {
    for (;;) {
      char32_t r = Next();
      if (r == '\\') {
        char32_t e = Next();
        if (e != kEof && e != '\n') continue;
        return Errorf("unterminated character constant");
      }
      if (r == kEof || r == '\n') return Errorf("unterminated character constant");
      if (r == '\'') break;
    }
    Emit(ItemType::kCharConstant);
    return kToInside;
  }

  bool ScanNumber() {
    Accept("+-");
    std::string_view digits = "0123456789_";
    if (Accept("0")) {
      if (Accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (Accept("oO")) {
        digits = "01234567_";
      } else if (Accept("bB")) {
        digits = "01_";
      }
    }
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (digits.size() == 11 && Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    if (digits.size() == 23 && Accept("pP")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    Accept("i");
    if (IsAlphaNumeric(Peek())) {
      Next();
      return false;
    }
    return true;
  }

  int LexNumber() {
    if (!ScanNumber())
      return Errorf("bad number syntax: " + GoQuote(in_.substr(start_, pos_ - start_)));
    char32_t sign = Peek();
    if (sign == '+' || sign == '-') {
      if (!ScanNumber() || in_[pos_ - 1] != 'i')
        return Errorf("bad number syntax: " + GoQuote(in_.substr(start_, pos_ - start_)));
      Emit(ItemType::kComplex);
    } else {
      Emit(ItemType::kNumber);
    }
    return kToInside;
  }

  int LexQuote() {
    for (;;) {
      char32_t r = Next();
      if (r == '\\') {
        char32_t e = Next();
        if (e != kEof && e != '\n') continue;
        return Errorf("unterminated quoted string");
      }
      if (r == kEof || r == '\n') return Errorf("unterminated quoted string");
      if (r == '"') break;
    }
    Emit(ItemType::kString);
    return kToInside;
  }

  int LexRawQuote() {
    for (;;) {
      char32_t r = Next();
      if (r == kEof) return Errorf("unterminated raw quoted string");
      if (r == '`') break;
    }
    Emit(ItemType::kRawString);
    return kToInside;
  }

  // Dispatch helper: states return ints (kToText/kToLeft/kToInside/kToDone).
  std::string_view in_;
  size_t pos_ = 0, start_ = 0;
  int line_ = 1, start_line_ = 1;
  int last_w_ = 1;
  bool at_eof_ = false;
  bool failed_ = false;
  int paren_depth_ = 0;
  std::vector<Item> items_;

 public:
  std::vector<Item> RunAll() {
    int st = kToText;
    while (!failed_) {
      if (st == kToText) {
        if (!LexText()) break;
        st = LexLeftDelim();
      } else if (st == kToInside) {
        st = LexInsideAction();
      } else {
        break;
      }
    }
    return std::move(items_);
  }
};

}  // namespace

std::vector<Item> Lex(std::string_view input) {
  Lexer l(input);
  return l.RunAll();
}

}  // namespace flotilla::gotemplate
