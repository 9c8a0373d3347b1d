// A plain YAML scalar resolved with YAML 1.2 rules as yaml.v3 (and so kustomize's kyaml) resolves
// it: `on`/`yes` stay strings, 0o17 and 0x1F are ints, `_` separators are dropped, plain dates
// become RFC 3339 timestamps.
#include "core/yaml_resolve.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <string>

#include <fmt/format.h>

namespace flotilla {
namespace {

// strconv.ParseInt/ParseUint(s, 0, 64) after yaml.v3 removed the underscores.
bool ParseGoInt(const std::string& in, Json* out) {
  if (in.empty()) return false;
  size_t i = 0;
  bool neg = false;
  if (in[0] == '+' || in[0] == '-') {
    neg = in[0] == '-';
    i = 1;
  }
  int base = 10;
  std::string digits = in.substr(i);
  if (digits.size() > 1 && digits[0] == '0') {
    char p = static_cast<char>(std::tolower(digits[1]));
    if (p == 'x')
      base = 16, digits = digits.substr(2);
    else if (p == 'o')
      base = 8, digits = digits.substr(2);
    else if (p == 'b')
      base = 2, digits = digits.substr(2);
    else
      base = 8, digits = digits.substr(1);
  }
  if (digits.empty()) return false;
  for (char c : digits) {
    int d = std::isdigit(static_cast<unsigned char>(c))   ? c - '0'
            : std::isalpha(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                          : 99;
    if (d >= base) return false;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long u = std::strtoull(digits.c_str(), &end, base);
  if (errno != 0 || *end != 0) return false;
  if (neg) {
    if (u > 9223372036854775808ULL) return false;
    *out = u == 9223372036854775808ULL ? INT64_MIN : -static_cast<int64_t>(u);
  } else if (u <= static_cast<unsigned long long>(INT64_MAX)) {
    *out = static_cast<int64_t>(u);
  } else {
    if (i == 1) return false;  // ParseUint refuses a sign
    *out = static_cast<uint64_t>(u);
  }
  return true;
}

// yaml.v3 parseTimestamp for the date-only form ("2006-1-2"): JSON prints it as RFC 3339.
bool ParseDate(std::string_view s, std::string* out) {
  static const std::regex kDate(R"(^(\d{4})-(\d{1,2})-(\d{1,2})$)");
  std::cmatch m;
  if (!std::regex_match(s.begin(), s.end(), m, kDate)) return false;
  int mo = std::stoi(m[2].str()), d = std::stoi(m[3].str());
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  *out = fmt::format("{}-{:02}-{:02}T00:00:00Z", m[1].str(), mo, d);
  return true;
}

}  // namespace

Json ResolveYaml12Plain(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF")
    return HUGE_VAL;
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -HUGE_VAL;
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return NAN;
  char c = s[0];
  if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.')) return std::string(s);
  std::string date;
  if (ParseDate(s, &date)) return date;
  std::string plain;
  for (char ch : s)
    if (ch != '_') plain.push_back(ch);
  Json v;
  if (ParseGoInt(plain, &v)) return v;
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  if (std::regex_match(plain, kFloat)) {
    errno = 0;
    double d = std::strtod(plain.c_str(), nullptr);
    if (errno != ERANGE) return d;
  }
  return std::string(s);
}

}  // namespace flotilla
