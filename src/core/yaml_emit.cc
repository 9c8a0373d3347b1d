// Block-style YAML as sigs.k8s.io/yaml (go-yaml v2) prints JSON objects: what `fleet apply -o -`
// and `kustomize build` print. Keys sorted, two-space indentation, sequences not indented under
// their key, go-yaml v2's scalar style choice (plain / single / double / literal) and its folding
// of long plain and quoted scalars at spaces past column 80.
#include <charconv>
#include <cmath>
#include <regex>

#include <fmt/format.h>

#include "core/goyaml_scalar.h"
#include "core/yaml.h"
#include "core/yaml_resolve.h"

namespace flotilla {
namespace {

constexpr int kBestWidth = 80;

using goyaml::IsBreak;
using goyaml::IsPrintable;
using goyaml::Width;

// go-yaml v2's resolve(): would this text, unquoted, read back as something other than a string?
bool ResolvesToNonString(const std::string& s) {
  if (s.empty()) return true;
  static const char* kWords[] = {
      "~",     "null",  "Null",  "NULL",  "y",     "Y",    "yes",  "Yes",   "YES",   "n",
      "N",     "no",    "No",    "NO",    "true",  "True", "TRUE", "false", "False", "FALSE",
      "on",    "On",    "ON",    "off",   "Off",   "OFF",  ".inf", ".Inf",  ".INF",  "+.inf",
      "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN",  "<<"};
  for (const char* w : kWords)
    if (s == w) return true;
  char c = s[0];
  if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.')) return false;
  static const std::regex kTimestamp(
      R"(^\d{4}-\d{1,2}-\d{1,2}(([Tt]|[ \t]+)\d{1,2}:\d{1,2}:\d{1,2}(\.\d*)?([ \t]*(Z|[-+]\d{1,2}(:\d{2})?))?)?$)");
  static const std::regex kBase60(R"(^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$)");
  if (std::regex_match(s, kTimestamp) || std::regex_match(s, kBase60)) return true;
  Json v = ResolveYaml12Plain(s);  // ints (0x, 0o, 0b, octal, _) and YAML floats resolve alike
  return !v.is_string() || (s.rfind("0b", 0) == 0 || s.rfind("-0b", 0) == 0);
}

class Emitter {
 public:
  std::string out;

  void Put(char c) {
    out.push_back(c);
    column_++;
  }
  void Write(const std::string& s, size_t& i) {
    int w = Width(s[i]);
    out.append(s, i, w);
    i += w;
    column_++;
  }
  void Newline() {
    out.push_back('\n');
    column_ = 0;
  }
  void Indent(int indent) {
    if (column_ > indent || (column_ == indent && column_ != 0)) Newline();
    while (column_ < indent) Put(' ');
  }
  void Text(const std::string& s) {
    for (size_t i = 0; i < s.size();) Write(s, i);
  }

  void Plain(const std::string& v, int indent, bool breaks_ok) {
    bool spaces = false;
    for (size_t i = 0; i < v.size();) {
      if (v[i] == ' ') {
        if (breaks_ok && !spaces && column_ > kBestWidth &&
            !(i + 1 < v.size() && v[i + 1] == ' ')) {
          Indent(indent);
          i++;
        } else {
          Write(v, i);
        }
        spaces = true;
      } else {
        Write(v, i);
        spaces = false;
      }
    }
  }

  void Single(const std::string& v, int indent, bool breaks_ok) {
    Put('\'');
    bool spaces = false, breaks = false;
    for (size_t i = 0; i < v.size();) {
      if (v[i] == ' ') {
        if (breaks_ok && !spaces && column_ > kBestWidth && i > 0 && i < v.size() - 1 &&
            v[i + 1] != ' ') {
          Indent(indent);
          i++;
        } else {
          Write(v, i);
        }
        spaces = true;
      } else if (IsBreak(v, i)) {
        if (!breaks && v[i] == '\n') Newline();
        if (v[i] == '\n') {
          Newline();
          i++;
        } else {
          Write(v, i);
          column_ = 0;
        }
        breaks = true;
      } else {
        if (breaks) Indent(indent);
        if (v[i] == '\'') Put('\'');
        Write(v, i);
        spaces = breaks = false;
      }
    }
    Put('\'');
  }

  void Double(const std::string& v, int indent, bool breaks_ok) {
    Put('"');
    bool spaces = false;
    for (size_t i = 0; i < v.size();) {
      unsigned char b = v[i];
      bool bom = b == 0xEF && i + 2 < v.size() && (unsigned char)v[i + 1] == 0xBB &&
                 (unsigned char)v[i + 2] == 0xBF;
      if (!IsPrintable(v, i) || bom || IsBreak(v, i) || b == '"' || b == '\\') {
        uint32_t cp = b;
        int w = Width(b);
        if (w > 1 && i + w <= v.size()) {
          cp = b & (w == 2 ? 0x1F : w == 3 ? 0x0F : 0x07);
          for (int k = 1; k < w; k++) cp = (cp << 6) | ((unsigned char)v[i + k] & 0x3F);
        } else {
          w = 1;
        }
        i += w;
        Put('\\');
        Text(goyaml::DoubleQuotedEscape(cp));
        spaces = false;
      } else if (b == ' ') {
        if (breaks_ok && !spaces && column_ > kBestWidth && i > 0 && i < v.size() - 1) {
          Indent(indent);
          if (v[i + 1] == ' ') Put('\\');
          i++;
        } else {
          Write(v, i);
        }
        spaces = true;
      } else {
        Write(v, i);
        spaces = false;
      }
    }
    Put('"');
  }

  void Literal(const std::string& v, int indent) {
    Put('|');
    if (v[0] == ' ' || IsBreak(v, 0)) Put('2');
    size_t last = v.size() - 1;
    while (last > 0 && ((unsigned char)v[last] & 0xC0) == 0x80) last--;
    if (!IsBreak(v, last)) {
      Put('-');
    } else if (last == 0) {
      Put('+');
    } else {
      size_t p = last - 1;
      while (p > 0 && ((unsigned char)v[p] & 0xC0) == 0x80) p--;
      if (IsBreak(v, p)) Put('+');
    }
    Newline();
    bool breaks = true;
    for (size_t i = 0; i < v.size();) {
      if (IsBreak(v, i)) {
        if (v[i] == '\r' && i + 1 < v.size() && v[i + 1] == '\n') i++;
        if (v[i] == '\n' || v[i] == '\r') {
          Newline();
          i++;
        } else {
          Write(v, i);
          column_ = 0;
        }
        breaks = true;
      } else {
        if (breaks) {
          while (column_ < indent) Put(' ');
          breaks = false;
        }
        Write(v, i);
      }
    }
  }

  // A string scalar at `indent` (the indentation of continuation lines).
  void String(const std::string& s, int indent, bool simple_key) {
    enum { kPlain, kSingle, kDouble, kLiteral } style;
    if (s.find('\n') != std::string::npos)
      style = kLiteral;
    else if (!ResolvesToNonString(s))
      style = kPlain;
    else
      style = kDouble;
    goyaml::ScalarAnalysis a = goyaml::AnalyzeScalar(s);
    if (simple_key && a.multiline) style = kDouble;
    if (style == kPlain) {
      if (!a.block_plain) style = kSingle;
      if (s.empty() && simple_key) style = kSingle;
    }
    if (style == kSingle && !a.single) style = kDouble;
    if (style == kLiteral && (!a.block || simple_key)) style = kDouble;
    bool breaks_ok = !simple_key;
    switch (style) {
      case kPlain:
        Plain(s, indent, breaks_ok);
        break;
      case kSingle:
        Single(s, indent, breaks_ok);
        break;
      case kDouble:
        Double(s, indent, breaks_ok);
        break;
      case kLiteral:
        Literal(s, indent);
        break;
    }
  }

  void Scalar(const Json& v, int indent, bool simple_key) {
    switch (v.type()) {
      case Json::value_t::null:
        Text("null");
        break;
      case Json::value_t::boolean:
        Text(v.get<bool>() ? "true" : "false");
        break;
      case Json::value_t::number_integer:
        Text(std::to_string(v.get<int64_t>()));
        break;
      case Json::value_t::number_unsigned:
        Text(std::to_string(v.get<uint64_t>()));
        break;
      case Json::value_t::number_float:
        Text(Float(v.get<double>()));
        break;
      case Json::value_t::string:
        String(v.get_ref<const std::string&>(), indent, simple_key);
        break;
      default:
        break;
    }
  }

  // A float as it reads after Go's json.Marshal and go-yaml v2: integral values below 1e21 are
  // integers; others use strconv.FormatFloat(f, 'g', -1, 64).
  static std::string Float(double d) {
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
    if (d == std::floor(d) && std::fabs(d) < 1e21) {
      if (d >= -9.2e18 && d <= 9.2e18) return std::to_string(static_cast<int64_t>(d));
      if (d > 0 && d < 1.8e19) return std::to_string(static_cast<uint64_t>(d));
    }
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string sci(buf, r.ptr);
    auto e = sci.find('e');
    int exp = std::stoi(sci.substr(e + 1));
    if (exp < -4 || exp >= 21) {
      std::string mant = sci.substr(0, e);
      std::string es = std::to_string(std::abs(exp));
      if (es.size() < 2) es = "0" + es;
      return mant + "e" + (exp < 0 ? "-" : "+") + es;
    }
    r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    return std::string(buf, r.ptr);
  }

  void Node(const Json& v, int indent) {
    if (v.is_object()) {
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first || column_ != indent) Indent(indent);
        first = false;
        String(it.key(), indent, true);
        Put(':');
        Value(*it, indent);
      }
    } else if (v.is_array()) {
      bool first = true;
      for (const Json& item : v) {
        if (!first || column_ != indent) Indent(indent);
        first = false;
        Put('-');
        if ((item.is_object() || item.is_array()) && !item.empty()) {
          Put(' ');
          Node(item, indent + 2);
        } else {
          Put(' ');
          Leaf(item, indent + 2);
        }
      }
    } else {
      Leaf(v, indent);
    }
  }

  void Leaf(const Json& v, int indent) {
    if (v.is_object() || v.is_array())
      Text(v.is_object() ? "{}" : "[]");
    else
      Scalar(v, indent, false);
  }

  void Value(const Json& v, int indent) {
    if (v.is_object() && !v.empty()) {
      Newline();
      Node(v, indent + 2);
    } else if (v.is_array() && !v.empty()) {
      Newline();
      Node(v, indent);  // sequences are not indented under their key
    } else {
      Put(' ');
      Leaf(v, indent + 2);
    }
  }

 private:
  int column_ = 0;
};

}  // namespace

std::string ToYaml(const Json& obj) {
  Emitter e;
  if ((obj.is_object() || obj.is_array()) && obj.empty()) return obj.is_object() ? "{}\n" : "[]\n";
  e.Node(obj, 0);
  if (e.out.empty() || e.out.back() != '\n') e.out.push_back('\n');
  return e.out;
}

std::string ToYamlStream(const std::vector<Json>& documents) {
  std::string out;
  for (size_t i = 0; i < documents.size(); i++) {
    if (i > 0) out += "---\n";
    out += ToYaml(documents[i]);
  }
  return out;
}

}  // namespace flotilla
