// JSON Schema validation mirroring gojsonschema 1.2's validateRecursive: the same keyword order,
// the same "score" for picking the closest anyOf/oneOf branch, and the same error texts. Object
// keys are visited in sorted order where Go's map order is random.
#include "render/helm/schema.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <pcre2.h>

#include <cmath>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "render/gotemplate/gofmt.h"
#include "render/gotemplate/gojson.h"
#include "render/gotemplate/gotime.h"

namespace flotilla::helm {
namespace {

struct Error {
  std::string field, description;
};

struct Result {
  std::vector<Error> errors;
  int score = 0;
  void Merge(const Result& o) {
    errors.insert(errors.end(), o.errors.begin(), o.errors.end());
    score += o.score;
  }
};

// A JSON path: "(root)" or "a.b.0".
std::string Child(const std::string& ctx, const std::string& key) {
  return ctx == "(root)" ? key : ctx + "." + key;
}

std::string TypeOf(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number_float()) {
    double d = v.get<double>();
    return std::isfinite(d) && d == std::floor(d) ? "integer" : "number";
  }
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

// big.Float as fmt's %v prints it: strconv's shortest %g.
std::string Num(const Json& n) { return gotemplate::FormatFloat(n.get<double>(), 'g', -1); }

// encoding/json's form of a value (numbers as float64, keys sorted), for enum/const/unique.
std::string GoJson(const Json& v) {
  auto s = gotemplate::GoJsonMarshal(Value::FromJson(v, false));
  return s.ok() ? *s : v.dump();
}

class Regex {
 public:
  explicit Regex(const std::string& p) {
    int err;
    PCRE2_SIZE off;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p.data()), p.size(),
                          PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY, &err, &off,
                          nullptr);
  }
  ~Regex() {
    if (code_) pcre2_code_free(code_);
  }
  bool ok() const { return code_ != nullptr; }
  bool Search(const std::string& s) const {
    if (!code_) return false;
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_, nullptr);
    int rc =
        pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, md, nullptr);
    pcre2_match_data_free(md);
    return rc >= 0;
  }

 private:
  pcre2_code* code_ = nullptr;
};

bool ParseIP(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool Parses(const char* layout, const std::string& s) {
  return gotemplate::GoTimeParse(layout, s).ok();
}

// gojsonschema's FormatCheckers; unknown formats pass, non-strings fail known formats.
bool IsFormat(const std::string& format, const Json& v) {
  static const char* kKnown[] = {"date",
                                 "time",
                                 "date-time",
                                 "hostname",
                                 "email",
                                 "idn-email",
                                 "ipv4",
                                 "ipv6",
                                 "uri",
                                 "uri-reference",
                                 "iri",
                                 "iri-reference",
                                 "uri-template",
                                 "uuid",
                                 "regex",
                                 "json-pointer",
                                 "relative-json-pointer"};
  bool known = false;
  for (const char* k : kKnown) known = known || format == k;
  if (!known) return true;
  if (!v.is_string()) return false;
  const std::string s = v.get<std::string>();
  if (format == "date") return Parses("2006-01-02", s);
  if (format == "time") return Parses("15:04:05Z07:00", s) || Parses("15:04:05", s);
  if (format == "date-time")
    return Parses("15:04:05", s) || Parses("15:04:05Z07:00", s) || Parses("2006-01-02", s) ||
           Parses("2006-01-02T15:04:05Z07:00", s) ||
           Parses("2006-01-02T15:04:05.999999999Z07:00", s);
  if (format == "hostname") {
    static const Regex kHost(
        R"(^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9]))*$)");
    return kHost.Search(s) && s.size() < 256;
  }
  if (format == "email" || format == "idn-email") {
    size_t at = s.rfind('@');
    return at != std::string::npos && at > 0 && at + 1 < s.size() &&
           s.find_first_of(" \t\r\n") == std::string::npos;
  }
  if (format == "ipv4") return ParseIP(s) && s.find('.') != std::string::npos;
  if (format == "ipv6") return ParseIP(s) && s.find(':') != std::string::npos;
  if (format == "uri" || format == "iri") {
    size_t colon = s.find(':');
    if (colon == std::string::npos || colon == 0 || !isalpha(static_cast<unsigned char>(s[0])))
      return false;
    for (size_t i = 0; i < colon; i++)
      if (!isalnum(static_cast<unsigned char>(s[i])) && s[i] != '+' && s[i] != '-' && s[i] != '.')
        return false;
    return s.find('\\') == std::string::npos;
  }
  if (format == "uuid") {
    static const Regex kUuid("^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$");
    return kUuid.Search(s);
  }
  if (format == "regex") return s.empty() || Regex(s).ok();
  if (format == "json-pointer") {
    static const Regex kPtr("^(?:/(?:[^~/]|~0|~1)*)*$");
    return kPtr.Search(s);
  }
  return true;
}

const char* const kMinMax[][2] = {{"minLength", "maxLength"}, {"minProperties", "maxProperties"}};

class Validator {
 public:
  explicit Validator(const Json& root) : root_(root) {}

  // Resolves every $ref once so that a dangling one is a compile error, as in gojsonschema.
  Status CheckRefs(const Json& node, int depth = 0) {
    if (depth > 200) return InvalidArgument("schema nesting is too deep");
    if (node.is_object()) {
      auto it = node.find("$ref");
      if (it != node.end()) {
        if (!it->is_string()) return InvalidArgument("$ref must be of type string");
        if (Resolve(it->get<std::string>()) == nullptr)
          return InvalidArgument(fmt::format("Object has no key '{}'", it->get<std::string>()));
      }
      for (const char* const* p : kMinMax) {
        auto lo = node.find(p[0]), hi = node.find(p[1]);
        if (lo != node.end() && hi != node.end() && lo->is_number() && hi->is_number() &&
            lo->get<double>() > hi->get<double>())
          return InvalidArgument(fmt::format("{} cannot be greater than {}", p[0], p[1]));
      }
      auto pattern = node.find("pattern");
      if (pattern != node.end() && pattern->is_string() && !Regex(pattern->get<std::string>()).ok())
        return InvalidArgument("Invalid regex pattern '" + pattern->get<std::string>() + "'");
      for (const auto& [k, v] : node.items()) {
        if (k == "enum" || k == "const" || k == "default" || k == "examples") continue;
        RETURN_IF_ERROR(CheckRefs(v, depth + 1));
      }
    } else if (node.is_array()) {
      for (const auto& v : node) RETURN_IF_ERROR(CheckRefs(v, depth + 1));
    }
    return Status::Ok();
  }

  Status Validate(const Json& schema, const Json& value, const std::string& ctx, Result* r) {
    if (++depth_ > 2000)
      return InvalidArgument("unable to validate schema: $ref recursion is too deep");
    Status st = Recursive(schema, value, ctx, r);
    --depth_;
    return st;
  }

 private:
  const Json* Resolve(const std::string& ref) {
    if (ref.empty() || ref[0] != '#') return nullptr;
    std::string ptr = ref.substr(1);
    if (ptr.empty()) return &root_;
    if (ptr[0] != '/') return nullptr;
    const Json* cur = &root_;
    size_t i = 1;
    while (true) {
      size_t j = ptr.find('/', i);
      std::string tok = ptr.substr(i, j == std::string::npos ? std::string::npos : j - i);
      std::string key;
      for (size_t k = 0; k < tok.size(); k++) {
        if (tok[k] == '~' && k + 1 < tok.size() && (tok[k + 1] == '0' || tok[k + 1] == '1')) {
          key += tok[k + 1] == '0' ? '~' : '/';
          k++;
        } else if (tok[k] == '%' && k + 2 < tok.size() && isxdigit(tok[k + 1]) &&
                   isxdigit(tok[k + 2])) {
          key += static_cast<char>(std::stoi(tok.substr(k + 1, 2), nullptr, 16));
          k += 2;
        } else {
          key += tok[k];
        }
      }
      if (cur->is_object()) {
        auto it = cur->find(key);
        if (it == cur->end()) return nullptr;
        cur = &*it;
      } else if (cur->is_array()) {
        char* end = nullptr;
        unsigned long idx = std::strtoul(key.c_str(), &end, 10);
        if (key.empty() || *end != 0 || idx >= cur->size()) return nullptr;
        cur = &(*cur)[idx];
      } else {
        return nullptr;
      }
      if (j == std::string::npos) break;
      i = j + 1;
    }
    return cur;
  }

  static void Add(Result* r, const std::string& ctx, std::string description) {
    r->errors.push_back({ctx, std::move(description)});
    r->score -= 2;
  }

  StatusOr<Result> Sub(const Json& schema, const Json& value, const std::string& ctx) {
    Result r;
    RETURN_IF_ERROR(Validate(schema, value, ctx, &r));
    return r;
  }

  static std::vector<std::string> Types(const Json& schema) {
    std::vector<std::string> out;
    auto it = schema.find("type");
    if (it == schema.end()) return out;
    if (it->is_string()) out.push_back(it->get<std::string>());
    if (it->is_array())
      for (const auto& t : *it)
        if (t.is_string()) out.push_back(t.get<std::string>());
    return out;
  }

  Status Recursive(const Json& schema, const Json& value, const std::string& ctx, Result* r) {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) Add(r, ctx, "False always fails validation");
      return Status::Ok();
    }
    if (!schema.is_object()) return Status::Ok();
    auto ref = schema.find("$ref");
    if (ref != schema.end() && ref->is_string()) {
      const Json* target = Resolve(ref->get<std::string>());
      if (target == nullptr) return InvalidArgument("unresolved $ref " + ref->get<std::string>());
      return Validate(*target, value, ctx, r);
    }
    std::vector<std::string> types = Types(schema);
    auto has = [&](const char* t) {
      return std::find(types.begin(), types.end(), t) != types.end();
    };
    std::string given = TypeOf(value);
    bool valid_type = types.empty() || has(given.c_str()) || (given == "integer" && has("number"));
    if (!valid_type) {
      std::string expected = types.size() == 1 ? types[0] : "[" + Join(types, ",") + "]";
      Add(r, ctx, fmt::format("Invalid type. Expected: {}, given: {}", expected, given));
      return Status::Ok();
    }
    RETURN_IF_ERROR(ValidateSchema(schema, value, ctx, r));
    if (value.is_number()) ValidateNumber(schema, value, ctx, r);
    if (value.is_array()) RETURN_IF_ERROR(ValidateArray(schema, value, ctx, r));
    if (value.is_object()) RETURN_IF_ERROR(ValidateObject(schema, value, ctx, r));
    ValidateCommon(schema, value, ctx, r);
    if (value.is_string()) ValidateString(schema, value, ctx, r);
    if (value.is_object()) {
      auto props = schema.find("properties");
      if (props != schema.end() && props->is_object()) {
        for (const auto& [k, sub] : props->items()) {
          auto it = value.find(k);
          if (it != value.end()) RETURN_IF_ERROR(Validate(sub, *it, Child(ctx, k), r));
        }
      }
    }
    r->score++;
    return Status::Ok();
  }

  static std::string Join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (size_t i = 0; i < v.size(); i++) out += (i ? sep : "") + v[i];
    return out;
  }

  Status ValidateSchema(const Json& s, const Json& value, const std::string& ctx, Result* r) {
    auto any_of = s.find("anyOf");
    if (any_of != s.end() && any_of->is_array() && !any_of->empty()) {
      bool ok = false;
      std::optional<Result> best;
      for (const auto& sub : *any_of) {
        ASSIGN_OR_RETURN(Result res, Sub(sub, value, ctx));
        if (res.errors.empty()) {
          ok = true;
          break;
        }
        if (!best || res.score > best->score) best = res;
      }
      if (!ok) {
        Add(r, ctx, "Must validate at least one schema (anyOf)");
        if (best) r->Merge(*best);
      }
    }
    auto one_of = s.find("oneOf");
    if (one_of != s.end() && one_of->is_array() && !one_of->empty()) {
      int n = 0;
      std::optional<Result> best;
      for (const auto& sub : *one_of) {
        ASSIGN_OR_RETURN(Result res, Sub(sub, value, ctx));
        if (res.errors.empty())
          n++;
        else if (n == 0 && (!best || res.score > best->score))
          best = res;
      }
      if (n != 1) {
        Add(r, ctx, "Must validate one and only one schema (oneOf)");
        if (n == 0 && best) r->Merge(*best);
      }
    }
    auto all_of = s.find("allOf");
    if (all_of != s.end() && all_of->is_array() && !all_of->empty()) {
      size_t n = 0;
      for (const auto& sub : *all_of) {
        ASSIGN_OR_RETURN(Result res, Sub(sub, value, ctx));
        if (res.errors.empty()) n++;
        r->Merge(res);
      }
      if (n != all_of->size()) Add(r, ctx, "Must validate all the schemas (allOf)");
    }
    auto no = s.find("not");
    if (no != s.end()) {
      ASSIGN_OR_RETURN(Result res, Sub(*no, value, ctx));
      if (res.errors.empty()) Add(r, ctx, "Must not validate the schema (not)");
    }
    auto deps = s.find("dependencies");
    if (deps != s.end() && deps->is_object() && value.is_object()) {
      for (const auto& [key, _] : value.items()) {
        auto d = deps->find(key);
        if (d == deps->end()) continue;
        if (d->is_array()) {
          for (const auto& k : *d)
            if (k.is_string() && !value.contains(k.get<std::string>()))
              Add(r, ctx, "Has a dependency on " + k.get<std::string>());
        } else {
          RETURN_IF_ERROR(Validate(*d, value, ctx, r));
        }
      }
    }
    auto if_ = s.find("if");
    if (if_ != s.end()) {
      ASSIGN_OR_RETURN(Result cond, Sub(*if_, value, ctx));
      auto then = s.find("then"), els = s.find("else");
      if (then != s.end() && cond.errors.empty()) {
        ASSIGN_OR_RETURN(Result res, Sub(*then, value, ctx));
        if (!res.errors.empty()) {
          Add(r, ctx, "Must validate \"then\" as \"if\" was valid");
          r->Merge(res);
        }
      }
      if (els != s.end() && !cond.errors.empty()) {
        ASSIGN_OR_RETURN(Result res, Sub(*els, value, ctx));
        if (!res.errors.empty()) {
          Add(r, ctx, "Must validate \"else\" as \"if\" was not valid");
          r->Merge(res);
        }
      }
    }
    r->score++;
    return Status::Ok();
  }

  void ValidateCommon(const Json& s, const Json& value, const std::string& ctx, Result* r) {
    auto c = s.find("const");
    if (c != s.end() && GoJson(*c) != GoJson(value))
      Add(r, ctx, fmt::format("{} does not match: {}", ctx, GoJson(*c)));
    auto e = s.find("enum");
    if (e != s.end() && e->is_array() && !e->empty()) {
      std::string v = GoJson(value);
      std::vector<std::string> allowed;
      bool found = false;
      for (const auto& a : *e) {
        allowed.push_back(GoJson(a));
        found = found || allowed.back() == v;
      }
      if (!found)
        Add(r, ctx, fmt::format("{} must be one of the following: {}", ctx, Join(allowed, ", ")));
    }
    r->score++;
  }

  static const Json* Get(const Json& s, const char* k) {
    auto it = s.find(k);
    return it == s.end() ? nullptr : &*it;
  }

  Status ValidateArray(const Json& s, const Json& value, const std::string& ctx, Result* r) {
    size_t n = value.size();
    const Json* items = Get(s, "items");
    if (items != nullptr && !items->is_array()) {
      for (size_t i = 0; i < n; i++) {
        ASSIGN_OR_RETURN(Result res, Sub(*items, value[i], Child(ctx, std::to_string(i))));
        r->Merge(res);
      }
    } else if (items != nullptr && !items->empty()) {
      size_t k = items->size();
      for (size_t i = 0; i < k && i < n; i++) {
        ASSIGN_OR_RETURN(Result res, Sub((*items)[i], value[i], Child(ctx, std::to_string(i))));
        r->Merge(res);
      }
      const Json* extra = Get(s, "additionalItems");
      if (k < n && extra != nullptr) {
        if (extra->is_boolean()) {
          if (!extra->get<bool>()) Add(r, ctx, "No additional items allowed on array");
        } else {
          for (size_t i = k; i < n; i++) {
            ASSIGN_OR_RETURN(Result res, Sub(*extra, value[i], Child(ctx, std::to_string(i))));
            r->Merge(res);
          }
        }
      }
    }
    const Json* min = Get(s, "minItems");
    if (min != nullptr && min->is_number() && static_cast<double>(n) < min->get<double>())
      Add(r, ctx, fmt::format("Array must have at least {} items", min->get<int64_t>()));
    const Json* max = Get(s, "maxItems");
    if (max != nullptr && max->is_number() && static_cast<double>(n) > max->get<double>())
      Add(r, ctx, fmt::format("Array must have at most {} items", max->get<int64_t>()));
    const Json* unique = Get(s, "uniqueItems");
    if (unique != nullptr && unique->is_boolean() && unique->get<bool>()) {
      std::map<std::string, size_t> seen;
      for (size_t j = 0; j < n; j++) {
        std::string v = GoJson(value[j]);
        auto it = seen.find(v);
        if (it != seen.end())
          Add(r, ctx, fmt::format("array items[{},{}] must be unique", it->second, j));
        seen[v] = j;
      }
    }
    const Json* contains = Get(s, "contains");
    if (contains != nullptr) {
      bool ok = false;
      std::optional<Result> best;
      for (size_t i = 0; i < n; i++) {
        ASSIGN_OR_RETURN(Result res, Sub(*contains, value[i], Child(ctx, std::to_string(i))));
        if (res.errors.empty()) {
          ok = true;
          break;
        }
        if (!best || res.score > best->score) best = res;
      }
      if (!ok) {
        Add(r, ctx, "At least one of the items must match");
        if (best) r->Merge(*best);
      }
    }
    r->score++;
    return Status::Ok();
  }

  Status ValidateObject(const Json& s, const Json& value, const std::string& ctx, Result* r) {
    const Json* min = Get(s, "minProperties");
    if (min != nullptr && min->is_number() &&
        static_cast<double>(value.size()) < min->get<double>())
      Add(r, ctx, fmt::format("Must have at least {} properties", min->get<int64_t>()));
    const Json* max = Get(s, "maxProperties");
    if (max != nullptr && max->is_number() &&
        static_cast<double>(value.size()) > max->get<double>())
      Add(r, ctx, fmt::format("Must have at most {} properties", max->get<int64_t>()));
    const Json* required = Get(s, "required");
    if (required != nullptr && required->is_array()) {
      for (const auto& k : *required) {
        if (!k.is_string()) continue;
        if (value.contains(k.get<std::string>()))
          r->score++;
        else
          Add(r, ctx, k.get<std::string>() + " is required");
      }
    }
    const Json* props = Get(s, "properties");
    const Json* patterns = Get(s, "patternProperties");
    const Json* additional = Get(s, "additionalProperties");
    for (const auto& [key, child] : value.items()) {
      bool found = props != nullptr && props->is_object() && props->contains(key);
      bool matched = false;
      if (patterns != nullptr && patterns->is_object()) {
        for (const auto& [pattern, sub] : patterns->items()) {
          if (!Regex(pattern).Search(key)) continue;
          matched = true;
          ASSIGN_OR_RETURN(Result res, Sub(sub, child, Child(ctx, key)));
          r->Merge(res);
        }
        if (matched) r->score++;
      }
      if (found || matched || additional == nullptr) continue;
      if (additional->is_boolean()) {
        if (!additional->get<bool>()) Add(r, ctx, "Additional property " + key + " is not allowed");
      } else {
        ASSIGN_OR_RETURN(Result res, Sub(*additional, child, Child(ctx, key)));
        r->Merge(res);
      }
    }
    const Json* names = Get(s, "propertyNames");
    if (names != nullptr) {
      for (const auto& [key, _] : value.items()) {
        ASSIGN_OR_RETURN(Result res, Sub(*names, Json(key), ctx));
        if (!res.errors.empty()) {
          Add(r, ctx, "Property name of \"" + key + "\" does not match");
          r->Merge(res);
        }
      }
    }
    r->score++;
    return Status::Ok();
  }

  static size_t RuneCount(const std::string& s) {
    size_t n = 0;
    for (size_t i = 0; i < s.size();) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
      bool ok = i + len <= s.size();
      for (size_t k = 1; ok && k < len; k++) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
      i += ok ? len : 1;
      n++;
    }
    return n;
  }

  void ValidateString(const Json& s, const Json& value, const std::string& ctx, Result* r) {
    const std::string& str = value.get_ref<const std::string&>();
    const Json* min = Get(s, "minLength");
    if (min != nullptr && min->is_number() &&
        static_cast<double>(RuneCount(str)) < min->get<double>())
      Add(r, ctx,
          fmt::format("String length must be greater than or equal to {}", min->get<int64_t>()));
    const Json* max = Get(s, "maxLength");
    if (max != nullptr && max->is_number() &&
        static_cast<double>(RuneCount(str)) > max->get<double>())
      Add(r, ctx,
          fmt::format("String length must be less than or equal to {}", max->get<int64_t>()));
    const Json* pattern = Get(s, "pattern");
    if (pattern != nullptr && pattern->is_string() &&
        !Regex(pattern->get<std::string>()).Search(str))
      Add(r, ctx, "Does not match pattern '" + pattern->get<std::string>() + "'");
    const Json* format = Get(s, "format");
    if (format != nullptr && format->is_string() && !format->get<std::string>().empty() &&
        !IsFormat(format->get<std::string>(), value))
      Add(r, ctx, "Does not match format '" + format->get<std::string>() + "'");
    r->score++;
  }

  void ValidateNumber(const Json& s, const Json& value, const std::string& ctx, Result* r) {
    double v = value.get<double>();
    const Json* mult = Get(s, "multipleOf");
    if (mult != nullptr && mult->is_number() && mult->get<double>() > 0) {
      double q = v / mult->get<double>();
      if (std::fabs(q - std::round(q)) > 1e-9 * std::max(1.0, std::fabs(q)))
        Add(r, ctx, "Must be a multiple of " + Num(*mult));
    }
    // Draft 4's boolean exclusiveMaximum/Minimum turn maximum/minimum exclusive (hybrid mode).
    const Json* max = Get(s, "maximum");
    const Json* xmax = Get(s, "exclusiveMaximum");
    const Json* min = Get(s, "minimum");
    const Json* xmin = Get(s, "exclusiveMinimum");
    if (max != nullptr && !max->is_number()) max = nullptr;
    if (min != nullptr && !min->is_number()) min = nullptr;
    if (xmax != nullptr && xmax->is_boolean()) {
      if (xmax->get<bool>() && max != nullptr)
        std::swap(max, xmax);
      else
        xmax = nullptr;
    }
    if (xmin != nullptr && xmin->is_boolean()) {
      if (xmin->get<bool>() && min != nullptr)
        std::swap(min, xmin);
      else
        xmin = nullptr;
    }
    if (max != nullptr && max->is_number() && v > max->get<double>())
      Add(r, ctx, "Must be less than or equal to " + Num(*max));
    if (xmax != nullptr && xmax->is_number() && v >= xmax->get<double>())
      Add(r, ctx, "Must be less than " + Num(*xmax));
    if (min != nullptr && min->is_number() && v < min->get<double>())
      Add(r, ctx, "Must be greater than or equal to " + Num(*min));
    if (xmin != nullptr && xmin->is_number() && v <= xmin->get<double>())
      Add(r, ctx, "Must be greater than " + Num(*xmin));
    const Json* format = Get(s, "format");
    if (format != nullptr && format->is_string() && !format->get<std::string>().empty() &&
        !IsFormat(format->get<std::string>(), value))
      Add(r, ctx, "Does not match format '" + format->get<std::string>() + "'");
    r->score++;
  }

  const Json& root_;
  int depth_ = 0;
};

Status ValidateTree(const Chart& chart, const Value& values, std::string* out) {
  if (!chart.schema.empty()) {
    Json j = values.is_map() ? values.ToJson() : Json::object();
    if (j.is_null()) j = Json::object();
    auto errs = ValidateAgainstSchema(chart.schema, j);
    if (!errs.ok()) {
      *out += chart.Name() + ":\n" + std::string(errs.status().message());
    } else if (!errs->empty()) {
      *out += chart.Name() + ":\n";
      for (const auto& e : *errs) *out += "- " + e + "\n";
    }
  }
  for (const Chart& sub : chart.dependencies) {
    Value sv = Value::NewMap();
    if (values.is_map()) {
      auto it = values.map().find(sub.Name());
      if (it != values.map().end() && it->second.is_map()) sv = it->second;
    }
    RETURN_IF_ERROR(ValidateTree(sub, sv, out));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::vector<std::string>> ValidateAgainstSchema(const std::string& schema_json,
                                                         const Json& values) {
  Json schema = Json::parse(schema_json, nullptr, false);
  if (schema.is_discarded())
    return InvalidArgument("unable to compile schema: values.schema.json is not valid JSON");
  Validator v(schema);
  Status st = v.CheckRefs(schema);
  if (!st.ok()) return InvalidArgument("unable to compile schema: " + std::string(st.message()));
  Result r;
  st = v.Validate(schema, values, "(root)", &r);
  if (!st.ok()) return InvalidArgument("unable to validate schema: " + std::string(st.message()));
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.field + ": " + e.description);
  return out;
}

Status ValidateChartValues(const Chart& chart, const Value& values) {
  std::string text;
  RETURN_IF_ERROR(ValidateTree(chart, values, &text));
  if (text.empty()) return Status::Ok();
  return InvalidArgument(
      "values don't meet the specifications of the schema(s) in the following chart(s):\n" + text);
}

}  // namespace flotilla::helm
