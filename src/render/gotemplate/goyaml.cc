// A port of the parts of go-yaml v2's encoder/emitter that sigs.k8s.io/yaml output exercises.
#include "render/gotemplate/goyaml.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "core/goyaml_scalar.h"
#include "core/yaml.h"
#include "render/gotemplate/gofmt.h"
#include "render/gotemplate/gojson.h"
#include "render/gotemplate/gotime.h"
#include "render/gotemplate/lexer.h"

namespace flotilla::gotemplate {
namespace {

// The value after the JSON round trip.
struct YNode {
  enum Kind { kNull, kBool, kInt, kUint, kFloat, kString, kSeq, kMap } kind = kNull;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
  const std::string* borrowed = nullptr;  // the source value's string, when it is clean UTF-8
  std::string owned;                      // otherwise
  const std::string& str() const { return borrowed != nullptr ? *borrowed : owned; }
  std::vector<YNode> items;
  std::vector<std::pair<std::string, YNode>> pairs;
};

bool IsLetter(char32_t r) {
  return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= 0xC0 && r != 0xD7 && r != 0xF7);
}
bool IsDigit(char32_t r) { return r >= '0' && r <= '9'; }

std::vector<char32_t> ToRunes(const std::string& s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    int w;
    out.push_back(DecodeRune(s, i, &w));
    i += w;
  }
  return out;
}

bool IsAscii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string CleanUtf8(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    int w;
    char32_t r = DecodeRune(s, i, &w);
    if (r == 0xFFFD && w == 1) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(s, i, w);
    }
    i += w;
  }
  return out;
}

// Borrows `s` when it is ASCII and `borrow` (the Value outlives the marshalling), else owns a
// cleaned copy.
void SetString(const std::string& s, bool borrow, YNode* out) {
  if (borrow && IsAscii(s)) {
    out->borrowed = &s;
    return;
  }
  out->owned = CleanUtf8(s);
}

// `borrow`: `v` outlives the YNode tree (false below a temporary converted from an Object).
Status Convert(const Value& v, YNode* out, int depth, bool borrow = true) {
  if (depth > 10000) return InvalidArgument("json: value too deeply nested");
  switch (v.type()) {
    case GoType::kInvalid:
    case GoType::kNilIface:
      out->kind = YNode::kNull;
      return Status::Ok();
    case GoType::kBool:
      out->kind = YNode::kBool;
      out->b = v.bool_value();
      return Status::Ok();
    case GoType::kInt:
    case GoType::kInt64:
    case GoType::kInt32:
    case GoType::kUint8:
      out->kind = YNode::kInt;
      out->i = v.int_value();
      return Status::Ok();
    case GoType::kUint64:
      out->kind = YNode::kUint;
      out->u = v.uint_value();
      return Status::Ok();
    case GoType::kFloat64: {
      double f = v.float_value();
      if (std::isnan(f) || std::isinf(f))
        return InvalidArgument("json: unsupported value: " + FormatFloat(f, 'g', -1));
      // JSON prints integral values below 1e21 without exponent; yaml.v2 reads them as ints.
      std::string js = GoJsonFloat(f);
      if (js.find_first_of(".eE") == std::string::npos) {
        bool neg = js[0] == '-';
        errno = 0;
        if (neg) {
          long long x = strtoll(js.c_str(), nullptr, 10);
          if (errno != ERANGE) {
            out->kind = YNode::kInt;
            out->i = x;
            return Status::Ok();
          }
        } else {
          unsigned long long x = strtoull(js.c_str(), nullptr, 10);
          if (errno != ERANGE) {
            if (x <= static_cast<unsigned long long>(INT64_MAX)) {
              out->kind = YNode::kInt;
              out->i = static_cast<int64_t>(x);
            } else {
              out->kind = YNode::kUint;
              out->u = x;
            }
            return Status::Ok();
          }
        }
      }
      out->kind = YNode::kFloat;
      out->f = std::strtod(js.c_str(), nullptr);
      return Status::Ok();
    }
    case GoType::kString:
      out->kind = YNode::kString;
      SetString(v.str(), borrow, out);
      return Status::Ok();
    case GoType::kBytes: {
      auto j = GoJsonMarshal(v);
      out->kind = YNode::kString;
      out->owned = j.ok() ? j->substr(1, j->size() - 2) : "";
      return Status::Ok();
    }
    case GoType::kList:
    case GoType::kStringList:
    case GoType::kIntList:
      if (v.is_nil_slice()) {
        out->kind = YNode::kNull;
        return Status::Ok();
      }
      out->kind = YNode::kSeq;
      out->items.resize(v.list().size());
      for (size_t k = 0; k < v.list().size(); k++)
        RETURN_IF_ERROR(Convert(v.list()[k], &out->items[k], depth + 1, borrow));
      return Status::Ok();
    case GoType::kMap:
    case GoType::kValues:
    case GoType::kStringMap: {
      out->kind = YNode::kMap;
      out->pairs.reserve(v.map().size());
      for (const auto& [k, e] : v.map()) {
        out->pairs.emplace_back(IsAscii(k) ? k : CleanUtf8(k), YNode());
        RETURN_IF_ERROR(Convert(e, &out->pairs.back().second, depth + 1, borrow));
      }
      std::stable_sort(out->pairs.begin(), out->pairs.end(),
                       [](const auto& a, const auto& b) { return YamlKeyLess(a.first, b.first); });
      return Status::Ok();
    }
    case GoType::kObject:
      return Convert(Value::FromJson(v.object().ToJson(), true), out, depth, /*borrow=*/false);
  }
  return Status::Ok();
}

// yaml.v2's parseTimestamp: a plain scalar that would load as a timestamp must be quoted.
bool IsYamlTimestamp(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') i++;
  if (i != 4 || i == s.size() || s[i] != '-') return false;
  for (const char* layout : {"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00",
                             "2006-1-2 15:4:5.999999999", "2006-1-2"})
    if (GoTimeParse(layout, s).ok()) return true;
  return false;
}

bool IsBase60Float(const std::string& s) {
  static const std::regex kRe(R"(^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$)");
  if (s.empty() || s.find(':') == std::string::npos) return false;
  for (char c : s)  // the only characters the expression accepts
    if (!((c >= '0' && c <= '9') || c == '_' || c == ':' || c == '.' || c == '+' || c == '-'))
      return false;
  return std::regex_match(s, kRe);
}

using goyaml::IsBreak;
using goyaml::IsPrintable;
using goyaml::IsSpace;
using goyaml::Width;

class Emitter {
 public:
  std::string out;

  void EmitRoot(const YNode& n) {
    EmitNode(n, /*root=*/true, /*seq=*/false, /*map=*/false, /*key=*/false);
    // Document end: yaml_emitter_write_indent then stream end.
    if (column_ != 0 || out.empty()) PutBreak();
  }

 private:
  int indent_ = -1;
  std::vector<int> indents_;
  int column_ = 0;
  bool whitespace_ = true;
  bool indention_ = true;
  bool mapping_context_ = false;
  static constexpr int kBestIndent = 2;
  static constexpr int kBestWidth = 80;

  void Put(char c) {
    out.push_back(c);
    column_++;
  }
  void PutBreak() {
    out.push_back('\n');
    column_ = 0;
  }
  void WriteAt(const std::string& v, size_t* i) {
    int w = Width(v[*i]);
    out.append(v, *i, w);
    *i += w;
    column_++;
  }
  void WriteBreak(const std::string& v, size_t* i) {
    if (v[*i] == '\n') {
      PutBreak();
      (*i)++;
    } else {
      // yaml.v2 writes other line breaks as-is and resets the column.
      int w = Width(v[*i]);
      out.append(v, *i, w);
      *i += w;
      column_ = 0;
    }
  }
  void WriteIndent() {
    int indent = indent_ < 0 ? 0 : indent_;
    if (!indention_ || column_ > indent || (column_ == indent && !whitespace_)) PutBreak();
    while (column_ < indent) Put(' ');
    whitespace_ = true;
    indention_ = true;
  }
  void WriteIndicator(const std::string& ind, bool need_ws, bool is_ws, bool is_indention) {
    if (need_ws && !whitespace_) Put(' ');
    for (char c : ind) Put(c);
    whitespace_ = is_ws;
    indention_ = indention_ && is_indention;
  }
  void IncreaseIndent(bool flow, bool indentless) {
    indents_.push_back(indent_);
    if (indent_ < 0) {
      indent_ = flow ? kBestIndent : 0;
    } else if (!indentless) {
      indent_ += kBestIndent;
    }
  }
  void PopIndent() {
    indent_ = indents_.back();
    indents_.pop_back();
  }

  void EmitNode(const YNode& n, bool root, bool seq, bool map, bool key) {
    mapping_context_ = map;
    switch (n.kind) {
      case YNode::kNull:
        EmitScalar("null", true, key);
        break;
      case YNode::kBool:
        EmitScalar(n.b ? "true" : "false", true, key);
        break;
      case YNode::kInt:
        EmitScalar(std::to_string(n.i), true, key);
        break;
      case YNode::kUint:
        EmitScalar(std::to_string(n.u), true, key);
        break;
      case YNode::kFloat:
        EmitScalar(FormatFloat(n.f, 'g', -1), true, key);
        break;
      case YNode::kString:
        EmitString(n.str(), key);
        break;
      case YNode::kSeq:
        EmitSeq(n, root);
        break;
      case YNode::kMap:
        EmitMap(n, root);
        break;
    }
    (void)seq;
  }

  // Whether yaml.v2 would read `s` back as a string if written plain (not null, bool, number,
  // timestamp, base-60 float or merge key).
  static bool ResolvesToString(const std::string& s) {
    if (s.empty()) return false;
    unsigned char c = s[0];
    // Null and bool words start with one of "~nNtTfFyYoO"; numbers with a digit, sign or dot.
    bool maybe_other = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == '~' ||
                       c == '<' || std::string_view("nNtTfFyYoO").find(c) != std::string_view::npos;
    if (!maybe_other) return true;
    return ResolvePlainScalar(s).is_string() && s != "<<" && !IsBase60Float(s) &&
           !IsYamlTimestamp(s);
  }

  void EmitString(const std::string& s, bool key) {
    bool can_plain = ResolvesToString(s);
    enum Style { kPlain, kSingle, kDouble, kLiteral } style;
    if (s.find('\n') != std::string::npos) {
      style = kLiteral;
    } else if (can_plain) {
      style = kPlain;
    } else {
      style = kDouble;
    }
    goyaml::ScalarAnalysis a = goyaml::AnalyzeScalar(s);
    if (key && a.multiline) style = kDouble;
    if (style == kPlain) {
      if (!a.block_plain) style = kSingle;
      if (s.empty() && key) style = kSingle;
    }
    if (style == kSingle && !a.single) style = kDouble;
    if (style == kLiteral && (!a.block || key)) style = kDouble;
    IncreaseIndent(true, false);
    bool allow_breaks = !key;
    switch (style) {
      case kPlain:
        WritePlain(s, allow_breaks);
        break;
      case kSingle:
        WriteSingle(s, allow_breaks);
        break;
      case kDouble:
        WriteDouble(s, allow_breaks);
        break;
      case kLiteral:
        WriteLiteral(s);
        break;
    }
    PopIndent();
  }

  void EmitScalar(const std::string& s, bool /*plain*/, bool /*key*/) {
    IncreaseIndent(true, false);
    WritePlain(s, false);
    PopIndent();
  }

  void WritePlain(const std::string& v, bool allow_breaks) {
    if (!whitespace_) Put(' ');
    if (IsAscii(v) && v.find_first_of(" \r\n") == std::string::npos) {  // one run, no folding
      out.append(v);
      column_ += static_cast<int>(v.size());
      whitespace_ = false;
      indention_ = false;
      return;
    }
    bool spaces = false, breaks = false;
    for (size_t i = 0; i < v.size();) {
      if (IsSpace(v, i)) {
        if (allow_breaks && !spaces && column_ > kBestWidth && !IsSpace(v, i + 1)) {
          WriteIndent();
          i += 1;
        } else {
          WriteAt(v, &i);
        }
        spaces = true;
      } else if (IsBreak(v, i)) {
        if (!breaks && v[i] == '\n') PutBreak();
        WriteBreak(v, &i);
        indention_ = true;
        breaks = true;
      } else {
        if (breaks) WriteIndent();
        WriteAt(v, &i);
        indention_ = false;
        spaces = breaks = false;
      }
    }
    whitespace_ = false;
    indention_ = false;
  }

  void WriteSingle(const std::string& v, bool allow_breaks) {
    WriteIndicator("'", true, false, false);
    bool spaces = false, breaks = false;
    for (size_t i = 0; i < v.size();) {
      if (IsSpace(v, i)) {
        if (allow_breaks && !spaces && column_ > kBestWidth && i > 0 && i < v.size() - 1 &&
            !IsSpace(v, i + 1)) {
          WriteIndent();
          i += 1;
        } else {
          WriteAt(v, &i);
        }
        spaces = true;
      } else if (IsBreak(v, i)) {
        if (!breaks && v[i] == '\n') PutBreak();
        WriteBreak(v, &i);
        indention_ = true;
        breaks = true;
      } else {
        if (breaks) WriteIndent();
        if (v[i] == '\'') Put('\'');
        WriteAt(v, &i);
        indention_ = false;
        spaces = breaks = false;
      }
    }
    WriteIndicator("'", false, false, false);
    whitespace_ = false;
    indention_ = false;
  }

  void WriteDouble(const std::string& v, bool allow_breaks) {
    bool spaces = false;
    WriteIndicator("\"", true, false, false);
    for (size_t i = 0; i < v.size();) {
      unsigned char c = v[i];
      bool bom = c == 0xEF && i + 2 < v.size() && static_cast<unsigned char>(v[i + 1]) == 0xBB &&
                 static_cast<unsigned char>(v[i + 2]) == 0xBF;
      if (!IsPrintable(v, i) || bom || IsBreak(v, i) || c == '"' || c == '\\') {
        int w;
        char32_t r = DecodeRune(v, i, &w);
        i += w;
        Put('\\');
        for (char ch : goyaml::DoubleQuotedEscape(r)) Put(ch);
        spaces = false;
      } else if (IsSpace(v, i)) {
        if (allow_breaks && !spaces && column_ > kBestWidth && i > 0 && i < v.size() - 1) {
          WriteIndent();
          if (IsSpace(v, i + 1)) Put('\\');
          i += 1;
        } else {
          WriteAt(v, &i);
        }
        spaces = true;
      } else {
        WriteAt(v, &i);
        spaces = false;
      }
    }
    WriteIndicator("\"", false, false, false);
    whitespace_ = false;
    indention_ = false;
  }

  void WriteLiteral(const std::string& v) {
    WriteIndicator("|", true, false, false);
    if (IsSpace(v, 0) || IsBreak(v, 0))
      WriteIndicator(std::string(1, '0' + kBestIndent), false, false, false);
    std::string chomp;
    if (v.empty()) {
      chomp = "-";
    } else {
      size_t i = v.size() - 1;
      while (i > 0 && (static_cast<unsigned char>(v[i]) & 0xC0) == 0x80) i--;
      if (!IsBreak(v, i)) {
        chomp = "-";
      } else if (i == 0) {
        chomp = "+";
      } else {
        i--;
        while (i > 0 && (static_cast<unsigned char>(v[i]) & 0xC0) == 0x80) i--;
        if (IsBreak(v, i)) chomp = "+";
      }
    }
    if (!chomp.empty()) WriteIndicator(chomp, false, false, false);
    PutBreak();
    indention_ = true;
    whitespace_ = true;
    bool breaks = true;
    for (size_t i = 0; i < v.size();) {
      if (IsBreak(v, i)) {
        WriteBreak(v, &i);
        indention_ = true;
        breaks = true;
      } else {
        if (breaks) WriteIndent();
        WriteAt(v, &i);
        indention_ = false;
        breaks = false;
      }
    }
  }

  void EmitSeq(const YNode& n, bool root) {
    if (n.items.empty()) {
      WriteIndicator("[", true, true, false);
      WriteIndicator("]", false, false, false);
      return;
    }
    bool in_mapping = mapping_context_;
    IncreaseIndent(false, in_mapping && !indention_);
    for (const YNode& item : n.items) {
      WriteIndent();
      WriteIndicator("-", true, false, true);
      EmitNode(item, false, true, false, false);
    }
    PopIndent();
    (void)root;
  }

  void EmitMap(const YNode& n, bool root) {
    if (n.pairs.empty()) {
      WriteIndicator("{", true, true, false);
      WriteIndicator("}", false, false, false);
      return;
    }
    IncreaseIndent(false, false);
    for (const auto& [k, v] : n.pairs) {
      WriteIndent();
      EmitString(k, /*key=*/true);
      WriteIndicator(":", false, false, false);
      EmitNode(v, false, false, true, false);
    }
    PopIndent();
    (void)root;
  }
};

}  // namespace

namespace {

// yaml.v2's keyList.Less over any indexable rune sequence.
template <typename Runes>
bool KeyLess(const Runes& ar, const Runes& br) {
  for (size_t i = 0; i < ar.size() && i < br.size(); i++) {
    if (ar[i] == br[i]) continue;
    bool al = IsLetter(ar[i]), bl = IsLetter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return bl;
    int64_t an = 0, bn = 0;
    if (ar[i] == '0' || br[i] == '0') {
      for (size_t j = i; j-- > 0 && IsDigit(ar[j]);) {
        if (ar[j] != '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    size_t ai = i, bi = i;
    for (; ai < ar.size() && IsDigit(ar[ai]); ai++) an = an * 10 + (ar[ai] - '0');
    for (; bi < br.size() && IsDigit(br[bi]); bi++) bn = bn * 10 + (br[bi] - '0');
    if (an != bn) return an < bn;
    if (ai != bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.size() < br.size();
}

}  // namespace

bool YamlKeyLess(const std::string& a, const std::string& b) {
  if (IsAscii(a) && IsAscii(b)) {  // runes are bytes
    std::u8string_view ar(reinterpret_cast<const char8_t*>(a.data()), a.size());
    std::u8string_view br(reinterpret_cast<const char8_t*>(b.data()), b.size());
    return KeyLess(ar, br);
  }
  return KeyLess(ToRunes(a), ToRunes(b));
}

StatusOr<std::string> GoYamlMarshal(const Value& v, bool yaml_v3_pretty) {
  YNode root;
  RETURN_IF_ERROR(Convert(v, &root, 0));
  (void)yaml_v3_pretty;  // TODO: yaml.v3 layout differs (indented sequences); v2 layout used.
  Emitter e;
  e.EmitRoot(root);
  return e.out;
}

}  // namespace flotilla::gotemplate
