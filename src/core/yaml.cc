#include "core/yaml.h"

#include "core/fyaml.h"

#include <libfyaml.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <regex>

#include <fmt/format.h>

namespace flotilla {
namespace {

// ---- plain scalar resolution (go-yaml v2 rules) ----

bool IsNullWord(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

int BoolWord(std::string_view s) {  // 1 true, 0 false, -1 neither
  static const char* kTrue[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                "True", "TRUE", "on",  "On",  "ON"};
  static const char* kFalse[] = {"n",     "N",     "no",  "No",  "NO", "false",
                                 "False", "FALSE", "off", "Off", "OFF"};
  for (const char* w : kTrue)
    if (s == w) return 1;
  for (const char* w : kFalse)
    if (s == w) return 0;
  return -1;
}

bool ParseInt(std::string_view in, Json* out) {
  std::string s;
  for (char c : in)
    if (c != '_') s.push_back(c);
  if (s.empty()) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i >= s.size()) return false;
  int base = 10;
  if (s.size() - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    base = 16;
    i += 2;
  } else if (s.size() - i > 2 && s[i] == '0' && (s[i + 1] == 'b' || s[i + 1] == 'B')) {
    base = 2;
    i += 2;
  } else if (s.size() - i > 2 && s[i] == '0' && (s[i + 1] == 'o' || s[i + 1] == 'O')) {
    base = 8;
    i += 2;
  } else if (s.size() - i > 1 && s[i] == '0') {
    base = 8;  // YAML 1.1 octal: 0777
    i += 1;
  }
  if (i >= s.size()) return false;
  for (size_t j = i; j < s.size(); j++) {
    char c = s[j];
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : 99;
    if (d >= base) return false;
  }
  errno = 0;
  char* end = nullptr;
  std::string digits = s.substr(i);
  unsigned long long v = std::strtoull(digits.c_str(), &end, base);
  if (errno == ERANGE || *end != 0) return false;
  if (neg) {
    if (v > 9223372036854775808ULL) return false;
    *out = static_cast<int64_t>(-static_cast<__int128>(v));
  } else if (v <= static_cast<unsigned long long>(INT64_MAX)) {
    *out = static_cast<int64_t>(v);
  } else {
    *out = static_cast<uint64_t>(v);
  }
  return true;
}

bool ParseFloat(std::string_view s, Json* out) {
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$)");
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF") {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") {
    *out = -std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    *out = std::nan("");
    return true;
  }
  std::string str(s);
  if (!std::regex_match(str, kFloat)) return false;
  std::string clean;
  for (char c : str)
    if (c != '_') clean.push_back(c);
  *out = std::strtod(clean.c_str(), nullptr);
  return true;
}

Json ResolvePlain(std::string_view s) {
  if (IsNullWord(s)) return nullptr;
  int b = BoolWord(s);
  if (b >= 0) return b == 1;
  char c = s[0];
  if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
    Json v;
    if (ParseInt(s, &v)) return v;
    if (ParseFloat(s, &v)) return v;
  }
  return std::string(s);
}

// ---- document -> JSON ----

struct Converter {
  const YamlLimits& limits;
  std::string_view filename;
  size_t nodes = 0;
  Status error;

  std::string Where(fy_node* n) {
    fy_token* t = fy_node_get_scalar_token(n);
    if (t == nullptr) return std::string(filename);
    const fy_mark* m = fy_token_start_mark(t);
    if (m == nullptr) return std::string(filename);
    return fmt::format("{}:{}:{}", filename, m->line + 1, m->column + 1);
  }

  bool Fail(Status s) {
    if (error.ok()) error = std::move(s);
    return false;
  }

  bool Convert(fy_node* n, Json* out, size_t depth) {
    if (++nodes > limits.max_nodes)
      return Fail(ResourceExhausted(
          fmt::format("{}: YAML document expands to more than {} nodes (alias bomb?)", filename,
                      limits.max_nodes)));
    if (depth > limits.max_depth)
      return Fail(ResourceExhausted(
          fmt::format("{}: YAML nested deeper than {} levels (the limit for maps and lists)",
                      filename, limits.max_depth)));
    if (n == nullptr) {
      *out = nullptr;
      return true;
    }
    if (fy_node_get_style(n) == FYNS_ALIAS) {
      fy_node* target = fy_node_resolve_alias(n);
      if (target == nullptr) return Fail(InvalidArgument(Where(n) + ": unknown anchor"));
      return Convert(target, out, depth + 1);
    }
    switch (fy_node_get_type(n)) {
      case FYNT_SCALAR: {
        size_t len = 0;
        const char* p = fy_node_get_scalar(n, &len);
        std::string_view s(p ? p : "", p ? len : 0);
        size_t tlen = 0;
        const char* tag = fy_node_get_tag(n, &tlen);
        std::string_view tagv(tag ? tag : "", tag ? tlen : 0);
        if (tagv == "!!str" || tagv == "tag:yaml.org,2002:str") {
          *out = std::string(s);
        } else if (fy_node_get_style(n) == FYNS_PLAIN) {
          *out = ResolvePlain(s);
        } else {
          *out = std::string(s);
        }
        return true;
      }
      case FYNT_SEQUENCE: {
        *out = Json::array();
        void* it = nullptr;
        fy_node* item;
        while ((item = fy_node_sequence_iterate(n, &it)) != nullptr) {
          Json v;
          if (!Convert(item, &v, depth + 1)) return false;
          out->push_back(std::move(v));
        }
        return true;
      }
      case FYNT_MAPPING: {
        *out = Json::object();
        void* it = nullptr;
        fy_node_pair* pair;
        Json merged = Json::object();  // values from `<<` merge keys; explicit keys win
        while ((pair = fy_node_mapping_iterate(n, &it)) != nullptr) {
          fy_node* k = fy_node_pair_key(pair);
          fy_node* v = fy_node_pair_value(pair);
          Json key;
          if (!Convert(k, &key, depth + 1)) return false;
          if (key.is_string() && key.get<std::string>() == "<<" &&
              fy_node_get_style(k) == FYNS_PLAIN) {
            Json src;
            if (!Convert(v, &src, depth + 1)) return false;
            auto merge_one = [&](const Json& m) {
              if (!m.is_object()) return false;
              for (auto& [mk, mv] : m.items())
                if (!merged.contains(mk)) merged[mk] = mv;
              return true;
            };
            bool okm = src.is_array() ? true : merge_one(src);
            if (src.is_array())
              for (auto& e : src) okm = okm && merge_one(e);
            if (!okm)
              return Fail(
                  InvalidArgument(Where(k) + ": map merge requires map or sequence of maps"));
            continue;
          }
          std::string ks;
          if (key.is_string()) {
            ks = key.get<std::string>();
          } else if (key.is_null()) {
            ks = "null";
          } else if (key.is_primitive()) {
            ks = key.dump();
          } else {
            return Fail(InvalidArgument(Where(k) + ": mapping keys must be scalars"));
          }
          Json val;
          if (!Convert(v, &val, depth + 1)) return false;
          (*out)[ks] = std::move(val);
        }
        for (auto& [mk, mv] : merged.items())
          if (!out->contains(mk)) (*out)[mk] = mv;
        return true;
      }
    }
    return Fail(Internal("unknown YAML node type"));
  }
};

}  // namespace

Json ResolvePlainScalar(std::string_view s) { return ResolvePlain(s); }

StatusOr<std::vector<Json>> ParseYamlStream(std::string_view text, std::string_view filename,
                                            const YamlLimits& limits) {
  ASSIGN_OR_RETURN(auto stream, FyStream::Open(text, FyStream::Version::k1_1));
  std::vector<Json> docs;
  Converter conv{limits, filename, 0, Status()};
  for (;;) {
    ASSIGN_OR_RETURN(fy_document * doc, stream->Next(filename));
    if (doc == nullptr) break;
    Json value;
    bool ok = conv.Convert(fy_document_root(doc), &value, 0);
    stream->Free(doc);
    if (!ok) return conv.error;
    if (!value.is_null()) docs.push_back(std::move(value));
  }
  return docs;
}

StatusOr<Json> ParseYaml(std::string_view text, std::string_view filename,
                         const YamlLimits& limits) {
  ASSIGN_OR_RETURN(std::vector<Json> docs, ParseYamlStream(text, filename, limits));
  if (docs.empty()) return Json(nullptr);
  if (docs.size() > 1)
    return InvalidArgument(
        fmt::format("{}: expected one YAML document, found {}", filename, docs.size()));
  return std::move(docs[0]);
}

}  // namespace flotilla
