#include "render/helm/ignore.h"

#include <fmt/format.h>

namespace flotilla::helm {
namespace {

// One character class "[...]" of filepath.Match at p[i] (just after '['); advances i past ']'.
bool MatchClass(const std::string& p, size_t* i, char c, bool* matched) {
  size_t j = *i;
  bool negated = j < p.size() && p[j] == '^';
  if (negated) j++;
  bool match = false;
  int n = 0;
  while (true) {
    if (j >= p.size()) return false;
    if (p[j] == ']' && n > 0) {
      j++;
      break;
    }
    auto one = [&](char* out) {
      if (j >= p.size()) return false;
      if (p[j] == '\\') {
        j++;
        if (j >= p.size()) return false;
      } else if (p[j] == '-' || p[j] == ']') {
        return false;
      }
      *out = p[j++];
      return true;
    };
    char lo, hi;
    if (!one(&lo)) return false;
    hi = lo;
    if (j < p.size() && p[j] == '-') {
      j++;
      if (!one(&hi)) return false;
    }
    if (lo <= c && c <= hi) match = true;
    n++;
  }
  *i = j;
  *matched = match != negated;
  return true;
}

bool MatchFrom(const std::string& p, size_t pi, const std::string& s, size_t si, bool* error,
               int depth) {
  if (depth > 200) {
    *error = true;
    return false;
  }
  while (pi < p.size()) {
    char c = p[pi];
    if (c == '*') {
      while (pi < p.size() && p[pi] == '*') pi++;
      for (size_t k = si;; k++) {
        if (MatchFrom(p, pi, s, k, error, depth + 1)) return true;
        if (*error || k >= s.size() || s[k] == '/') return false;
      }
    }
    if (si >= s.size()) return false;
    if (c == '?') {
      if (s[si] == '/') return false;
      pi++;
      si++;
    } else if (c == '[') {
      pi++;
      bool matched = false;
      if (!MatchClass(p, &pi, s[si], &matched)) {
        *error = true;
        return false;
      }
      if (!matched || s[si] == '/') return false;
      si++;
    } else {
      if (c == '\\') {
        pi++;
        if (pi >= p.size()) {
          *error = true;
          return false;
        }
        c = p[pi];
      }
      if (s[si] != c) return false;
      pi++;
      si++;
    }
  }
  return si == s.size();
}

// filepath.Match reports ErrBadPattern for malformed classes and trailing escapes.
bool ValidPattern(const std::string& p) {
  for (size_t i = 0; i < p.size(); i++) {
    if (p[i] == '\\') {
      if (++i >= p.size()) return false;
    } else if (p[i] == '[') {
      size_t j = i + 1;
      bool matched;
      if (!MatchClass(p, &j, 'a', &matched)) return false;
      i = j - 1;
    }
  }
  return true;
}

std::string TrimSpace(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n\v\f");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n\v\f") - b + 1);
}

}  // namespace

bool GoPathMatch(const std::string& pattern, const std::string& name, bool* error) {
  *error = !ValidPattern(pattern);
  if (*error) return false;
  return MatchFrom(pattern, 0, name, 0, error, 0);
}

Status IgnoreRules::Add(std::string rule) {
  rule = TrimSpace(rule);
  if (rule.empty() || rule[0] == '#') return Status::Ok();
  if (rule.find("**") != std::string::npos)
    return InvalidArgument("double-star (**) syntax is not supported");
  if (!ValidPattern(rule)) return InvalidArgument("syntax error in pattern");
  Pattern p;
  if (rule[0] == '!') {
    p.negate = true;
    rule = rule.substr(1);
  }
  if (!rule.empty() && rule.back() == '/') {
    p.must_dir = true;
    rule.pop_back();
  }
  if (!rule.empty() && rule[0] == '/') {
    rule = rule.substr(1);
  } else if (rule.find('/') == std::string::npos) {
    p.base_only = true;
  }
  p.rule = rule;
  patterns_.push_back(std::move(p));
  return Status::Ok();
}

StatusOr<IgnoreRules> IgnoreRules::Parse(const std::string& text) {
  IgnoreRules r;
  size_t start = 0;
  for (int line = 1; start <= text.size(); line++) {
    size_t end = text.find('\n', start);
    std::string l = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    Status st = r.Add(l);
    if (!st.ok())
      return InvalidArgument(fmt::format(".helmignore line {}: {}", line, st.message()));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  (void)r.Add("templates/.?*");
  return r;
}

IgnoreRules IgnoreRules::Defaults() {
  IgnoreRules r;
  (void)r.Add("templates/.?*");
  return r;
}

bool IgnoreRules::Ignore(const std::string& path, bool is_dir) const {
  if (path.empty() || path == "." || path == "./") return false;
  std::string base = path.substr(path.rfind('/') + 1);
  for (const Pattern& p : patterns_) {
    bool error = false;
    bool match = GoPathMatch(p.rule, p.base_only ? base : path, &error);
    if (p.negate) {
      if (p.must_dir && !is_dir) return true;
      if (!match) return true;
      continue;
    }
    if (p.must_dir && !is_dir) continue;
    if (match) return true;
  }
  return false;
}

}  // namespace flotilla::helm
