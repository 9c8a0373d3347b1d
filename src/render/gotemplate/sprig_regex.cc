// Sprig v3 regular expression functions over PCRE2 (Go's RE2 syntax is close to a subset of
// PCRE; patterns RE2 rejects, e.g. backreferences, are accepted here).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>

#include <fmt/format.h>

#include "render/gotemplate/funcs.h"

namespace flotilla::gotemplate {
namespace {

using P = Param;
using Args = std::vector<Value>;

struct Regex {
  pcre2_code* code = nullptr;
  ~Regex() {
    if (code) pcre2_code_free(code);
  }
};

StatusOr<std::shared_ptr<Regex>> Compile(const std::string& pattern) {
  int err;
  PCRE2_SIZE off;
  auto re = std::make_shared<Regex>();
  re->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                           PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY, &err, &off,
                           nullptr);
  if (re->code == nullptr) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    // Go's wording for the most common syntax errors.
    std::string msg = reinterpret_cast<char*>(buf);
    static const std::pair<const char*, const char*> kGo[] = {
        {"missing closing parenthesis", "missing closing )"},
        {"missing terminating ] for character class", "missing closing ]"},
        {"quantifier does not follow a repeatable item", "missing argument to repetition operator"},
        {"unmatched closing parenthesis", "unexpected )"},
        {"\\ at end of pattern", "trailing backslash at end of expression"},
    };
    for (const auto& [pcre, go] : kGo)
      if (msg == pcre) msg = go;
    return InvalidArgument(fmt::format("error parsing regexp: {}: `{}`", msg, pattern));
  }
  return re;
}

// All non-overlapping matches (start, end) like Go's FindAllStringIndex; n < 0 = all.
std::vector<std::vector<std::pair<size_t, size_t>>> FindAll(const Regex& re, const std::string& s,
                                                            int n) {
  std::vector<std::vector<std::pair<size_t, size_t>>> out;
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(re.code, nullptr);
  size_t pos = 0;
  size_t prev_end = std::string::npos;
  while (pos <= s.size() && (n < 0 || static_cast<int>(out.size()) < n)) {
    int rc =
        pcre2_match(re.code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), pos, 0, md, nullptr);
    if (rc < 0) break;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    size_t b = ov[0], e = ov[1];
    if (e == b && b == prev_end) {
      // Go skips an empty match right after the previous match.
      if (pos >= s.size()) break;
      pos++;
      while (pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) pos++;
      continue;
    }
    std::vector<std::pair<size_t, size_t>> groups;
    for (int g = 0; g < rc; g++) groups.emplace_back(ov[2 * g], ov[2 * g + 1]);
    uint32_t ngroups;
    pcre2_pattern_info(re.code, PCRE2_INFO_CAPTURECOUNT, &ngroups);
    while (groups.size() < ngroups + 1) groups.emplace_back(PCRE2_UNSET, PCRE2_UNSET);
    out.push_back(std::move(groups));
    prev_end = e;
    if (e > b) {
      pos = e;
    } else {
      pos = e + 1;
      while (pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) pos++;
    }
  }
  pcre2_match_data_free(md);
  return out;
}

// Go's Regexp.Expand template: $1, ${1}, $name, ${name}, $$.
std::string Expand(const Regex& re, const std::string& tmpl, const std::string& src,
                   const std::vector<std::pair<size_t, size_t>>& groups) {
  std::string out;
  auto group_text = [&](const std::string& name) -> std::string {
    int idx = -1;
    bool numeric = !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
    if (numeric) {
      idx = name.size() > 8 ? -1 : std::stoi(name);
    } else {
      idx = pcre2_substring_number_from_name(re.code, reinterpret_cast<PCRE2_SPTR>(name.c_str()));
    }
    if (idx < 0 || static_cast<size_t>(idx) >= groups.size()) return "";
    auto [b, e] = groups[idx];
    if (b == PCRE2_UNSET) return "";
    return src.substr(b, e - b);
  };
  for (size_t i = 0; i < tmpl.size(); i++) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out.push_back(tmpl[i]);
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out.push_back('$');
      i++;
      continue;
    }
    std::string name;
    size_t j = i + 1;
    if (tmpl[j] == '{') {
      size_t close = tmpl.find('}', j);
      if (close == std::string::npos) {
        out.push_back('$');
        continue;
      }
      name = tmpl.substr(j + 1, close - j - 1);
      bool ok = !name.empty();
      for (char c : name) ok = ok && (isalnum(static_cast<unsigned char>(c)) || c == '_');
      if (!ok) {
        out.push_back('$');
        continue;
      }
      i = close;
    } else {
      while (j < tmpl.size() && (isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_'))
        j++;
      name = tmpl.substr(i + 1, j - i - 1);
      if (name.empty()) {
        out.push_back('$');
        continue;
      }
      i = j - 1;
    }
    out += group_text(name);
  }
  return out;
}

std::string QuoteMeta(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

Value StrList(std::vector<std::string> v) {
  List l;
  for (auto& s : v) l.push_back(Value::String(std::move(s)));
  return Value::NewList(std::move(l), GoType::kStringList);
}

// Sprig's non-must variants panic on a bad pattern; both surface as errors here.
void Both(FuncMap* m, const std::string& name, Function fn) {
  // The must variants return the error; the others use regexp.MustCompile, whose panic reads
  // "regexp: Compile(`p`): error parsing regexp: ...".
  std::string must = "must" + std::string(1, static_cast<char>(toupper(name[0]))) + name.substr(1);
  (*m)[must] = fn;
  FuncImpl inner = fn.impl;
  fn.impl = [inner](CallContext& ctx, Args& a) -> StatusOr<Value> {
    StatusOr<Value> r = inner(ctx, a);
    if (!r.ok() && r.status().message().rfind("error parsing regexp", 0) == 0)
      return InvalidArgument("regexp: Compile(`" + a[0].str() + "`): " + r.status().message());
    return r;
  };
  (*m)[name] = fn;
}

}  // namespace

void RegisterSprigRegex(FuncMap* m) {
  Both(m, "regexMatch",
       {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
          ASSIGN_OR_RETURN(auto re, Compile(a[0].str()));
          return Value::Bool(!FindAll(*re, a[1].str(), 1).empty());
        }});
  // regexMatch (unlike the others) ignores a bad pattern and answers false.
  (*m)["regexMatch"] = {
      {P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        auto re = Compile(a[0].str());
        if (!re.ok()) return Value::Bool(false);
        return Value::Bool(!FindAll(**re, a[1].str(), 1).empty());
      }};
  Both(m, "regexFindAll",
       {{P::kString, P::kString, P::kInt}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
          ASSIGN_OR_RETURN(auto re, Compile(a[0].str()));
          const std::string& s = a[1].str();
          int n = static_cast<int>(a[2].int_value());
          std::vector<std::string> out;
          if (n != 0) {
            for (auto& g : FindAll(*re, s, n < 0 ? -1 : n))
              out.push_back(s.substr(g[0].first, g[0].second - g[0].first));
          }
          return StrList(std::move(out));
        }});
  Both(m, "regexFind",
       {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
          ASSIGN_OR_RETURN(auto re, Compile(a[0].str()));
          const std::string& s = a[1].str();
          auto all = FindAll(*re, s, 1);
          if (all.empty()) return Value::String("");
          return Value::String(s.substr(all[0][0].first, all[0][0].second - all[0][0].first));
        }});
  Both(m, "regexReplaceAll",
       {{P::kString, P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
          ASSIGN_OR_RETURN(auto re, Compile(a[0].str()));
          const std::string& s = a[1].str();
          std::string out;
          size_t last = 0;
          for (auto& g : FindAll(*re, s, -1)) {
            out.append(s, last, g[0].first - last);
            out += Expand(*re, a[2].str(), s, g);
            last = g[0].second;
          }
          out.append(s, last, std::string::npos);
          return Value::String(std::move(out));
        }});
  Both(m, "regexReplaceAllLiteral",
       {{P::kString, P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
          ASSIGN_OR_RETURN(auto re, Compile(a[0].str()));
          const std::string& s = a[1].str();
          std::string out;
          size_t last = 0;
          for (auto& g : FindAll(*re, s, -1)) {
            out.append(s, last, g[0].first - last);
            out += a[2].str();
            last = g[0].second;
          }
          out.append(s, last, std::string::npos);
          return Value::String(std::move(out));
        }});
  Both(m, "regexSplit",
       {{P::kString, P::kString, P::kInt}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
          ASSIGN_OR_RETURN(auto re, Compile(a[0].str()));
          const std::string& s = a[1].str();
          int n = static_cast<int>(a[2].int_value());
          if (n == 0) return StrList({});
          if (a[0].str().empty() && !s.empty()) {
            // Go splits into single bytes/runes for an empty pattern.
          }
          if (!a[0].str().empty() && s.empty()) return StrList({""});
          auto matches = FindAll(*re, s, n);
          std::vector<std::string> out;
          size_t beg = 0, end = 0;
          for (auto& g : matches) {
            if (n > 0 && static_cast<int>(out.size()) == n - 1) break;
            end = g[0].first;
            if (g[0].second != 0) out.push_back(s.substr(beg, end - beg));
            beg = g[0].second;
          }
          if (end != s.size()) out.push_back(s.substr(beg));
          return StrList(std::move(out));
        }});
  (*m)["regexQuoteMeta"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                              return Value::String(QuoteMeta(a[0].str()));
                            }};
}

}  // namespace flotilla::gotemplate
