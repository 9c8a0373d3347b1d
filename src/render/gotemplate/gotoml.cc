#include "render/gotemplate/gotoml.h"

#include <cmath>

#include <fmt/format.h>

#include "render/gotemplate/gofmt.h"

namespace flotilla::gotemplate {
namespace {

struct TomlError {
  std::string msg;
};

using Key = std::vector<std::string>;

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

std::string MaybeQuoted(const std::string& k) {
  if (k.empty()) return "\"\"";
  for (char c : k)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return Quote(k);
  return k;
}

std::string KeyString(const Key& k) {
  std::string out;
  for (size_t i = 0; i < k.size(); i++) {
    if (i > 0) out += ".";
    out += MaybeQuoted(k[i]);
  }
  return out;
}

bool IsTable(const Value& v) { return v.is_map() || v.is_object(); }
bool IsTableArray(const Value& v) {
  if (!v.is_list() || v.list().empty()) return false;
  for (const auto& e : v.list()) {
    if (e.is_nil()) throw TomlError{"toml: cannot encode array with nil element"};
    if (!IsTable(e)) return false;
  }
  return true;
}

class Encoder {
 public:
  std::string out;

  void Encode(const Key& key, const Value& v) {
    if (v.is_nil()) return;
    if (v.is_object()) return Encode(key, Value::FromJson(v.object().ToJson(), true));
    if (v.is_map()) return Table(key, v);
    if (v.is_list() && IsTableArray(v)) return ArrayOfTables(key, v);
    WriteKeyValue(key, v, false);
  }

 private:
  bool written_ = false;
  void W(const std::string& s) {
    out += s;
    written_ = true;
  }
  void Newline() {
    if (written_) W("\n");
  }
  static std::string Indent(const Key& k) {
    return std::string(k.empty() ? 0 : 2 * (k.size() - 1), ' ');
  }
  void Element(const Value& v) {
    switch (v.type()) {
      case GoType::kString:
        W(Quote(v.str()));
        return;
      case GoType::kBool:
        W(v.bool_value() ? "true" : "false");
        return;
      case GoType::kInt:
      case GoType::kInt64:
      case GoType::kInt32:
      case GoType::kUint8:
        W(std::to_string(v.int_value()));
        return;
      case GoType::kUint64:
        W(std::to_string(v.uint_value()));
        return;
      case GoType::kFloat64: {
        double f = v.float_value();
        if (std::isnan(f)) {
          W("nan");
        } else if (std::isinf(f)) {
          W(f < 0 ? "-inf" : "+inf");
        } else {
          std::string s = FormatFloat(f, 'f', -1);
          if (s.find('.') == std::string::npos) s += ".0";
          W(s);
        }
        return;
      }
      case GoType::kList:
      case GoType::kStringList:
      case GoType::kIntList: {
        W("[");
        for (size_t i = 0; i < v.list().size(); i++) {
          if (v.list()[i].is_nil()) throw TomlError{"toml: cannot encode array with nil element"};
          Element(v.list()[i]);
          if (i + 1 != v.list().size()) W(", ");
        }
        W("]");
        return;
      }
      case GoType::kMap:
      case GoType::kValues:
      case GoType::kStringMap:
        Map(Key{}, v, true);
        return;
      case GoType::kObject:
        Element(Value::FromJson(v.object().ToJson(), true));
        return;
      default:
        throw TomlError{"toml: cannot encode a nil value"};
    }
  }
  void WriteKeyValue(const Key& key, const Value& v, bool inline_) {
    if (key.empty()) throw TomlError{"toml: top-level values must be Go maps or structs"};
    W(Indent(key) + MaybeQuoted(key.back()) + " = ");
    Element(v);
    if (!inline_) Newline();
  }
  void ArrayOfTables(const Key& key, const Value& v) {
    if (key.empty()) throw TomlError{"toml: top-level values must be Go maps or structs"};
    for (const auto& e : v.list()) {
      if (e.is_nil()) continue;
      Newline();
      W(Indent(key) + "[[" + KeyString(key) + "]]");
      Newline();
      Map(key, e.is_object() ? Value::FromJson(e.object().ToJson(), true) : e, false);
    }
  }
  void Table(const Key& key, const Value& v) {
    if (key.size() == 1) Newline();
    if (!key.empty()) {
      W(Indent(key) + "[" + KeyString(key) + "]");
      Newline();
    }
    Map(key, v, false);
  }
  void Map(const Key& key, const Value& v, bool inline_) {
    std::vector<std::string> direct, sub;
    for (const auto& [k, e] : v.map()) {
      Value d = e.is_object() ? Value::FromJson(e.object().ToJson(), true) : e;
      if (IsTable(d) || IsTableArray(d)) {
        sub.push_back(k);
      } else {
        direct.push_back(k);
      }
    }
    auto write = [&](const std::vector<std::string>& keys, bool trail) {
      for (size_t i = 0; i < keys.size(); i++) {
        const Value& e = v.map().find(keys[i])->second;
        if (e.is_nil()) continue;
        if (inline_) {
          WriteKeyValue(Key{keys[i]}, e, true);
          if (trail || i != keys.size() - 1) W(", ");
        } else {
          Key k = key;
          k.push_back(keys[i]);
          Encode(k, e);
        }
      }
    };
    if (inline_) W("{");
    write(direct, !sub.empty());
    write(sub, false);
    if (inline_) W("}");
  }
};

}  // namespace

StatusOr<std::string> GoTomlMarshal(const Value& v) {
  Encoder e;
  try {
    if (!v.is_map() && !v.is_object() && !v.is_nil())
      throw TomlError{"toml: top-level values must be Go maps or structs"};
    e.Encode(Key{}, v);
  } catch (const TomlError& err) {
    return InvalidArgument(err.msg);
  }
  return e.out;
}

}  // namespace flotilla::gotemplate
