#include "render/gotemplate/gojson.h"

#include <cmath>

#include <fmt/format.h>

#include "render/gotemplate/gofmt.h"
#include "render/gotemplate/lexer.h"
#include "render/gotemplate/strutil.h"

namespace flotilla::gotemplate {
namespace {

void EncodeString(const std::string& s, bool escape_html, std::string* out) {
  static const char* kHex = "0123456789abcdef";
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\' &&
          (!escape_html || (c != '<' && c != '>' && c != '&'))) {
        out->push_back(static_cast<char>(c));
      } else {
        switch (c) {
          case '"':
            *out += "\\\"";
            break;
          case '\\':
            *out += "\\\\";
            break;
          case '\n':
            *out += "\\n";
            break;
          case '\r':
            *out += "\\r";
            break;
          case '\t':
            *out += "\\t";
            break;
          default:
            *out += "\\u00";
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 0xF]);
        }
      }
      i++;
      continue;
    }
    int w;
    char32_t r = DecodeRune(s, i, &w);
    if (r == 0xFFFD && w == 1) {
      *out += "\\ufffd";
      i++;
      continue;
    }
    if (r == 0x2028 || r == 0x2029) {
      *out += r == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out->append(s, i, w);
    }
    i += w;
  }
  out->push_back('"');
}

struct Encoder {
  const JsonStyle& style;
  Status error;

  void Newline(int depth, std::string* out) {
    out->push_back('\n');
    for (int i = 0; i < depth; i++) *out += style.indent;
  }

  void Encode(const Value& v, int depth, std::string* out) {
    if (depth > 10000) {
      if (error.ok()) error = InvalidArgument("json: unsupported value: encountered a cycle");
      return;
    }
    switch (v.type()) {
      case GoType::kInvalid:
      case GoType::kNilIface:
        *out += "null";
        return;
      case GoType::kBool:
        *out += v.bool_value() ? "true" : "false";
        return;
      case GoType::kInt:
      case GoType::kInt64:
      case GoType::kInt32:
      case GoType::kUint8:
        *out += std::to_string(v.int_value());
        return;
      case GoType::kUint64:
        *out += std::to_string(v.uint_value());
        return;
      case GoType::kFloat64:
        if (std::isnan(v.float_value()) || std::isinf(v.float_value())) {
          if (error.ok())
            error = InvalidArgument("json: unsupported value: " +
                                    FormatFloat(v.float_value(), 'g', -1));
          *out += "null";
          return;
        }
        *out += GoJsonFloat(v.float_value());
        return;
      case GoType::kString:
        EncodeString(v.str(), style.escape_html, out);
        return;
      case GoType::kBytes:
        EncodeString(Base64Encode(v.str()), style.escape_html, out);
        return;
      case GoType::kList:
      case GoType::kStringList:
      case GoType::kIntList: {
        if (v.is_nil_slice()) {
          *out += "null";
          return;
        }
        if (v.list().empty()) {
          *out += "[]";
          return;
        }
        out->push_back('[');
        bool first = true;
        for (const auto& e : v.list()) {
          if (!first) out->push_back(',');
          first = false;
          if (!style.indent.empty()) Newline(depth + 1, out);
          Encode(e, depth + 1, out);
        }
        if (!style.indent.empty()) Newline(depth, out);
        out->push_back(']');
        return;
      }
      case GoType::kMap:
      case GoType::kValues:
      case GoType::kStringMap: {
        if (v.map().empty()) {
          *out += "{}";
          return;
        }
        out->push_back('{');
        bool first = true;
        for (const auto& [k, e] : v.map()) {
          if (!first) out->push_back(',');
          first = false;
          if (!style.indent.empty()) Newline(depth + 1, out);
          EncodeString(k, style.escape_html, out);
          out->push_back(':');
          if (!style.indent.empty()) out->push_back(' ');
          Encode(e, depth + 1, out);
        }
        if (!style.indent.empty()) Newline(depth, out);
        out->push_back('}');
        return;
      }
      case GoType::kObject:
        Encode(Value::FromJson(v.object().ToJson(), true), depth, out);
        return;
    }
  }
};

}  // namespace

std::string GoJsonFloat(double f) {
  double a = std::fabs(f);
  char fmt = 'f';
  if (a != 0 && (a < 1e-6 || a >= 1e21)) fmt = 'e';
  std::string s = FormatFloat(f, fmt, -1);
  if (fmt == 'e') {
    // clean up e-09 to e-9
    size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') s.erase(n - 2, 1);
  }
  return s;
}

StatusOr<std::string> GoJsonMarshal(const Value& v, const JsonStyle& style) {
  Encoder e{style, Status()};
  std::string out;
  e.Encode(v, 0, &out);
  if (!e.error.ok()) return e.error;
  return out;
}

namespace {

// encoding/json's scanner, for its error messages.
class SyntaxChecker {
 public:
  explicit SyntaxChecker(const std::string& s) : s_(s) {}
  // Empty when valid.
  std::string Check() {
    Ws();
    if (!Value()) return err_;
    Ws();
    if (i_ < s_.size()) return Bad("after top-level value");
    return "";
  }

 private:
  static std::string Quote(char c) {
    if (c == '\'') return "'\\''";
    if (c == '"') return "'\"'";
    if (static_cast<unsigned char>(c) < 0x20) return fmt::format("'\\x{:02x}'", c);
    return std::string("'") + c + "'";
  }
  std::string Bad(const std::string& ctx) {
    if (i_ >= s_.size()) return err_ = "unexpected end of JSON input";
    return err_ = "invalid character " + Quote(s_[i_]) + " " + ctx;
  }
  void Ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      i_++;
  }
  bool Value() {
    if (i_ >= s_.size()) {
      err_ = "unexpected end of JSON input";
      return false;
    }
    char c = s_[i_];
    if (c == '{') return Object();
    if (c == '[') return Array();
    if (c == '"') return String();
    if (c == '-' || (c >= '0' && c <= '9')) return Number();
    if (c == 't') return Literal("true");
    if (c == 'f') return Literal("false");
    if (c == 'n') return Literal("null");
    Bad("looking for beginning of value");
    return false;
  }
  bool Literal(const char* lit) {
    for (size_t k = 0; lit[k]; k++, i_++) {
      if (i_ >= s_.size()) {
        err_ = "unexpected end of JSON input";
        return false;
      }
      if (s_[i_] != lit[k]) {
        Bad(fmt::format("in literal {} (expecting '{}')", lit, lit[k]));
        return false;
      }
    }
    return true;
  }
  bool Number() {
    if (s_[i_] == '-') i_++;
    if (i_ >= s_.size()) return Fail("unexpected end of JSON input");
    if (s_[i_] == '0') {
      i_++;
    } else if (s_[i_] >= '1' && s_[i_] <= '9') {
      while (i_ < s_.size() && isdigit(static_cast<unsigned char>(s_[i_]))) i_++;
    } else {
      Bad("in numeric literal");
      return false;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      i_++;
      if (i_ >= s_.size()) return Fail("unexpected end of JSON input");
      if (!isdigit(static_cast<unsigned char>(s_[i_]))) {
        Bad("after decimal point in numeric literal");
        return false;
      }
      while (i_ < s_.size() && isdigit(static_cast<unsigned char>(s_[i_]))) i_++;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      i_++;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) i_++;
      if (i_ >= s_.size()) return Fail("unexpected end of JSON input");
      if (!isdigit(static_cast<unsigned char>(s_[i_]))) {
        Bad("in exponent of numeric literal");
        return false;
      }
      while (i_ < s_.size() && isdigit(static_cast<unsigned char>(s_[i_]))) i_++;
    }
    return true;
  }
  bool Fail(const char* m) {
    err_ = m;
    return false;
  }
  bool String() {
    i_++;
    while (i_ < s_.size()) {
      unsigned char c = s_[i_];
      if (c == '"') {
        i_++;
        return true;
      }
      if (c < 0x20) {
        Bad("in string literal");
        return false;
      }
      if (c == '\\') {
        i_++;
        if (i_ >= s_.size()) break;
        char e = s_[i_];
        if (e == 'u') {
          for (int k = 1; k <= 4; k++) {
            if (i_ + k >= s_.size()) return Fail("unexpected end of JSON input");
            if (!isxdigit(static_cast<unsigned char>(s_[i_ + k]))) {
              i_ += k;
              Bad("in \\u hexadecimal character escape");
              return false;
            }
          }
          i_ += 5;
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          Bad("in string escape code");
          return false;
        }
      }
      i_++;
    }
    return Fail("unexpected end of JSON input");
  }
  bool Object() {
    i_++;
    Ws();
    if (i_ < s_.size() && s_[i_] == '}') {
      i_++;
      return true;
    }
    for (;;) {
      Ws();
      if (i_ >= s_.size() || s_[i_] != '"') {
        Bad("looking for beginning of object key string");
        return false;
      }
      if (!String()) return false;
      Ws();
      if (i_ >= s_.size() || s_[i_] != ':') {
        Bad("after object key");
        return false;
      }
      i_++;
      Ws();
      if (!Value()) return false;
      Ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        i_++;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        i_++;
        return true;
      }
      Bad("after object key:value pair");
      return false;
    }
  }
  bool Array() {
    i_++;
    Ws();
    if (i_ < s_.size() && s_[i_] == ']') {
      i_++;
      return true;
    }
    for (;;) {
      Ws();
      if (!Value()) return false;
      Ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        i_++;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        i_++;
        return true;
      }
      Bad("after array element");
      return false;
    }
  }

  const std::string& s_;
  size_t i_ = 0;
  std::string err_;
};

}  // namespace

StatusOr<Value> GoJsonUnmarshal(const std::string& text) {
  std::string err = SyntaxChecker(text).Check();
  if (!err.empty()) return InvalidArgument(err);
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("invalid JSON input");
  return Value::FromJson(j, false);
}

}  // namespace flotilla::gotemplate
