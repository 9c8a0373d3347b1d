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

StatusOr<Value> GoJsonUnmarshal(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return InvalidArgument("unexpected end of JSON input");
    char c = text[first];
    if (!(c == '{' || c == '[' || c == '"' || c == '-' || isdigit(static_cast<unsigned char>(c)) ||
          c == 't' || c == 'f' || c == 'n'))
      return InvalidArgument(
          fmt::format("invalid character {} looking for beginning of value",
                      c == '\'' ? std::string("'\\''") : "'" + std::string(1, c) + "'"));
    return InvalidArgument("invalid JSON input");
  }
  return Value::FromJson(j, false);
}

}  // namespace flotilla::gotemplate
