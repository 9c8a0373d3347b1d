// Block-style YAML emitter in the layout of go-yaml v2 (what sigs.k8s.io/yaml and Helm's toYaml
// print). Scalar style selection follows yaml.v2's encoder + emitter: plain when the string would
// read back as the same string, double quotes when it would resolve to another type, single
// quotes when plain is not allowed by the emitter's analysis, literal blocks for multi-line text.
#include <cmath>

#include <fmt/format.h>

#include "core/yaml.h"

namespace flotilla {
namespace {

bool ResolvesToNonString(const std::string& s) {
  Json v = ResolvePlainScalar(s);
  return !v.is_string();
}

bool IsPrintable(unsigned char c) { return c >= 0x20 && c != 0x7f; }

struct Analysis {
  bool plain = true;
  bool single = true;
  bool block = true;
};

// A condensed version of yaml_emitter_analyze_scalar.
Analysis Analyze(const std::string& s) {
  Analysis a;
  if (s.empty()) {
    a.plain = false;
    a.block = false;
    return a;
  }
  if (s.rfind("---", 0) == 0 || s.rfind("...", 0) == 0) a.plain = false;
  bool space_break = false, special = false, line_break = false;
  bool leading_space = s.front() == ' ', trailing_space = s.back() == ' ';
  bool leading_break = s.front() == '\n', trailing_break = s.back() == '\n';
  bool flow_ind = false, block_ind = false;
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = s[i];
    bool first = i == 0;
    unsigned char next = i + 1 < s.size() ? s[i + 1] : 0;
    unsigned char prev = i > 0 ? s[i - 1] : 0;
    bool next_blank = next == 0 || next == ' ' || next == '\t' || next == '\n';
    if (first) {
      switch (c) {
        case '#':
        case ',':
        case '[':
        case ']':
        case '{':
        case '}':
        case '&':
        case '*':
        case '!':
        case '|':
        case '>':
        case '\'':
        case '"':
        case '%':
        case '@':
        case '`':
          flow_ind = block_ind = true;
          break;
        case '?':
        case ':':
          flow_ind = true;
          if (next_blank) block_ind = true;
          break;
        case '-':
          if (next_blank) flow_ind = block_ind = true;
          break;
      }
    } else {
      switch (c) {
        case ',':
        case '?':
        case '[':
        case ']':
        case '{':
        case '}':
          flow_ind = true;
          break;
        case ':':
          flow_ind = true;
          if (next_blank) block_ind = true;
          break;
        case '#':
          if (prev == ' ' || prev == '\t') flow_ind = block_ind = true;
          break;
      }
    }
    if (c == '\n') line_break = true;
    if (!IsPrintable(c) && c != '\n' && c != '\t' && c < 0x80) special = true;
    if (c == ' ' && next == '\n') space_break = true;
    if (c == '\n' && next == ' ') space_break = true;
  }
  (void)leading_break;
  (void)trailing_break;
  if (leading_space || trailing_space) a.plain = false;
  if (line_break) a.plain = false;
  if (space_break || special) {
    a.plain = false;
    a.single = false;
  }
  if (special) a.block = false;
  if (trailing_space) a.block = false;
  if (flow_ind || block_ind) a.plain = false;
  return a;
}

std::string DoubleQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case 0:
        out += "\\0";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02X}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

std::string SingleQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "''";
    else
      out.push_back(c);
  }
  return out + "'";
}

void EmitLiteral(const std::string& s, int indent, std::string* out) {
  std::string chomp;
  if (s.empty() || s.back() != '\n')
    chomp = "-";
  else if (s.size() >= 2 && s[s.size() - 2] == '\n')
    chomp = "+";
  *out += "|";
  if (!s.empty() && s.front() == ' ') *out += std::to_string(2);
  *out += chomp;
  *out += "\n";
  std::string pad(indent, ' ');
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    std::string line = s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty()) *out += pad + line;
    *out += "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  if (chomp == "-" && !out->empty() && out->back() != '\n') *out += "\n";
}

std::string FormatFloat(double d) {
  if (std::isnan(d)) return ".nan";
  if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
  // Go's strconv.FormatFloat(f, 'g', -1, 64) as yaml.v2 prints it.
  std::string s = fmt::format("{}", d);
  auto e = s.find('e');
  if (e != std::string::npos) {
    // Go writes e+06 (at least two exponent digits)
    std::string mant = s.substr(0, e);
    std::string exp = s.substr(e + 1);
    char sign = '+';
    if (!exp.empty() && (exp[0] == '-' || exp[0] == '+')) {
      sign = exp[0];
      exp = exp.substr(1);
    }
    if (exp.size() < 2) exp = "0" + exp;
    s = mant + "e" + sign + exp;
  }
  return s;
}

void EmitScalar(const Json& v, int indent, std::string* out) {
  switch (v.type()) {
    case Json::value_t::null:
      *out += "null";
      break;
    case Json::value_t::boolean:
      *out += v.get<bool>() ? "true" : "false";
      break;
    case Json::value_t::number_integer:
      *out += std::to_string(v.get<int64_t>());
      break;
    case Json::value_t::number_unsigned:
      *out += std::to_string(v.get<uint64_t>());
      break;
    case Json::value_t::number_float:
      *out += FormatFloat(v.get<double>());
      break;
    case Json::value_t::string: {
      const std::string& s = v.get_ref<const std::string&>();
      if (s.find('\n') != std::string::npos) {
        Analysis a = Analyze(s);
        if (a.block) {
          EmitLiteral(s, indent, out);
          return;
        }
        *out += DoubleQuote(s);
        return;
      }
      if (ResolvesToNonString(s)) {
        *out += DoubleQuote(s);
        return;
      }
      Analysis a = Analyze(s);
      if (a.plain)
        *out += s;
      else if (a.single)
        *out += SingleQuote(s);
      else
        *out += DoubleQuote(s);
      break;
    }
    default:
      break;
  }
}

bool IsEmptyCollection(const Json& v) { return (v.is_object() || v.is_array()) && v.empty(); }

void EmitNode(const Json& v, int indent, std::string* out);

void EmitValueAfterKey(const Json& v, int indent, std::string* out) {
  if (v.is_object() && !v.empty()) {
    *out += "\n";
    EmitNode(v, indent + 2, out);
  } else if (v.is_array() && !v.empty()) {
    *out += "\n";
    EmitNode(v, indent, out);  // go-yaml v2: sequences are not indented under their key
  } else if (IsEmptyCollection(v)) {
    *out += v.is_object() ? " {}\n" : " []\n";
  } else {
    *out += " ";
    size_t before = out->size();
    EmitScalar(v, indent + 2, out);
    if (out->size() == before || out->back() != '\n') *out += "\n";
  }
}

void EmitNode(const Json& v, int indent, std::string* out) {
  std::string pad(indent, ' ');
  if (v.is_object()) {
    for (auto& [k, val] : v.items()) {
      *out += pad;
      Json key = k;
      EmitScalar(key, indent, out);
      *out += ":";
      EmitValueAfterKey(val, indent, out);
    }
  } else if (v.is_array()) {
    for (auto& item : v) {
      *out += pad + "-";
      if (item.is_object() && !item.empty()) {
        // First key on the dash line, the rest aligned under it.
        std::string sub;
        EmitNode(item, indent + 2, &sub);
        *out += " " + sub.substr(indent + 2);
      } else if (item.is_array() && !item.empty()) {
        std::string sub;
        EmitNode(item, indent + 2, &sub);
        *out += " " + sub.substr(indent + 2);
      } else if (IsEmptyCollection(item)) {
        *out += item.is_object() ? " {}\n" : " []\n";
      } else {
        *out += " ";
        EmitScalar(item, indent + 2, out);
        if (out->back() != '\n') *out += "\n";
      }
    }
  } else {
    EmitScalar(v, indent, out);
    if (out->empty() || out->back() != '\n') *out += "\n";
  }
}

}  // namespace

std::string ToYaml(const Json& value) {
  if (IsEmptyCollection(value)) return value.is_object() ? "{}\n" : "[]\n";
  std::string out;
  EmitNode(value, 0, &out);
  return out;
}

}  // namespace flotilla
