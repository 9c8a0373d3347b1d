#include "core/time.h"

#include <cmath>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

namespace flotilla {

StatusOr<Duration> ParseGoDuration(std::string_view in) {
  auto bad = [&]() { return InvalidArgument(fmt::format("invalid duration \"{}\"", in)); };
  std::string_view s = in;
  if (s.empty()) return bad();
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration(0);
  if (s.empty()) return bad();
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    bool digits = false;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) {
      digits = digits || s[i] != '.';
      i++;
    }
    if (!digits) return bad();
    long double num = std::strtold(std::string(s.substr(0, i)).c_str(), nullptr);
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && !((s[u] >= '0' && s[u] <= '9') || s[u] == '.')) u++;
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    long double mult;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      mult = 1e3;
    else if (unit == "ms")
      mult = 1e6;
    else if (unit == "s")
      mult = 1e9;
    else if (unit == "m")
      mult = 60e9;
    else if (unit == "h")
      mult = 3600e9;
    else
      return bad();
    total += num * mult;
  }
  if (total > 9.2e18) return bad();
  return Duration(static_cast<int64_t>(neg ? -total : total));
}

std::string FormatGoDuration(Duration d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-ns) : static_cast<uint64_t>(ns);
  if (u < 1000000000ULL) {
    if (u < 1000) return sign + fmt::format("{}ns", u);
    if (u < 1000000) return sign + fmt::format("{}µs", static_cast<double>(u) / 1e3);
    return sign + fmt::format("{}ms", static_cast<double>(u) / 1e6);
  }
  uint64_t h = u / 3600000000000ULL;
  u %= 3600000000000ULL;
  uint64_t m = u / 60000000000ULL;
  u %= 60000000000ULL;
  std::string secs = fmt::format("{}", static_cast<double>(u) / 1e9);
  std::string out = sign;
  if (h > 0)
    out += fmt::format("{}h{}m", h, m);
  else if (m > 0)
    out += fmt::format("{}m", m);
  return out + secs + "s";
}

std::string FormatRfc3339(Clock::time_point t) {
  std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string NowRfc3339() { return FormatRfc3339(Clock::now()); }

bool ParseRfc3339(std::string_view s, Clock::time_point* out) {
  std::tm tm{};
  int Y, M, D, h, m;
  double sec;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%d-%d-%dT%d:%d:%lf", &Y, &M, &D, &h, &m, &sec) != 6) return false;
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = static_cast<int>(sec);
  std::time_t tt = timegm(&tm);
  *out = Clock::from_time_t(tt);
  return true;
}

}  // namespace flotilla
