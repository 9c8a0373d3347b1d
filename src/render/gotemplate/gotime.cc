#include "render/gotemplate/gotime.h"

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace flotilla::gotemplate {
namespace {

const char* kLongMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                             "July",    "August",   "September", "October", "November", "December"};
const char* kShortMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
const char* kLongDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                           "Thursday", "Friday", "Saturday"};
const char* kShortDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t year;
  int month, day, hour, min, sec, wday, yday;
};

bool IsLeap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int DaysIn(int month, int64_t year) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

Civil ToCivil(int64_t secs) {
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  Civil c{};
  c.hour = static_cast<int>(rem / 3600);
  c.min = static_cast<int>(rem % 3600 / 60);
  c.sec = static_cast<int>(rem % 60);
  c.wday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2);
  c.yday = static_cast<int>(days - DaysFromCivil(c.year, 1, 1));
  return c;
}

enum Std {
  kNone,
  kLongMonth,
  kMonth,
  kNumMonth,
  kZeroMonth,
  kLongWeekDay,
  kWeekDay,
  kDay,
  kUnderDay,
  kZeroDay,
  kUnderYearDay,
  kZeroYearDay,
  kHour,
  kHour12,
  kZeroHour12,
  kMinute,
  kZeroMinute,
  kSecond,
  kZeroSecond,
  kLongYear,
  kYear,
  kPM,
  kpm,
  kTZ,
  kISO8601TZ,
  kISO8601SecondsTZ,
  kISO8601ShortTZ,
  kISO8601ColonTZ,
  kISO8601ColonSecondsTZ,
  kNumTZ,
  kNumSecondsTz,
  kNumShortTZ,
  kNumColonTZ,
  kNumColonSecondsTZ,
  kFracSecond0,
  kFracSecond9,
};

struct Chunk {
  size_t prefix_end;  // layout[pos, prefix_end) is literal text
  Std std = kNone;
  size_t std_end;  // layout[prefix_end, std_end) is the element
  int digits = 0;  // fractional seconds
};

bool Lower(const std::string& s, size_t i) { return i < s.size() && s[i] >= 'a' && s[i] <= 'z'; }
bool Digit(const std::string& s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

// Go's nextStdChunk.
Chunk NextChunk(const std::string& l, size_t pos) {
  auto at = [&](size_t i, const char* p) { return l.compare(i, strlen(p), p) == 0; };
  auto mk = [](size_t i, Std s, size_t n) { return Chunk{i, s, i + n}; };
  for (size_t i = pos; i < l.size(); i++) {
    switch (l[i]) {
      case 'J':
        if (at(i, "January")) return mk(i, kLongMonth, 7);
        if (at(i, "Jan") && !Lower(l, i + 3)) return mk(i, kMonth, 3);
        break;
      case 'M':
        if (at(i, "Monday")) return mk(i, kLongWeekDay, 6);
        if (at(i, "Mon") && !Lower(l, i + 3)) return mk(i, kWeekDay, 3);
        if (at(i, "MST")) return mk(i, kTZ, 3);
        break;
      case '0':
        if (i + 1 < l.size() && l[i + 1] >= '1' && l[i + 1] <= '6') {
          static const Std k0x[] = {kZeroMonth,  kZeroDay,    kZeroHour12,
                                    kZeroMinute, kZeroSecond, kYear};
          return mk(i, k0x[l[i + 1] - '1'], 2);
        }
        if (at(i, "002")) return mk(i, kZeroYearDay, 3);
        break;
      case '1':
        if (at(i, "15")) return mk(i, kHour, 2);
        return mk(i, kNumMonth, 1);
      case '2':
        if (at(i, "2006")) return mk(i, kLongYear, 4);
        return mk(i, kDay, 1);
      case '_':
        if (at(i, "_2")) {
          if (at(i, "_2006")) return mk(i + 1, kLongYear, 4);
          return mk(i, kUnderDay, 2);
        }
        if (at(i, "__2")) return mk(i, kUnderYearDay, 3);
        break;
      case '3':
        return mk(i, kHour12, 1);
      case '4':
        return mk(i, kMinute, 1);
      case '5':
        return mk(i, kSecond, 1);
      case 'P':
        if (at(i, "PM")) return mk(i, kPM, 2);
        break;
      case 'p':
        if (at(i, "pm")) return mk(i, kpm, 2);
        break;
      case '-':
        if (at(i, "-070000")) return mk(i, kNumSecondsTz, 7);
        if (at(i, "-07:00:00")) return mk(i, kNumColonSecondsTZ, 9);
        if (at(i, "-0700")) return mk(i, kNumTZ, 5);
        if (at(i, "-07:00")) return mk(i, kNumColonTZ, 6);
        if (at(i, "-07")) return mk(i, kNumShortTZ, 3);
        break;
      case 'Z':
        if (at(i, "Z070000")) return mk(i, kISO8601SecondsTZ, 7);
        if (at(i, "Z07:00:00")) return mk(i, kISO8601ColonSecondsTZ, 9);
        if (at(i, "Z0700")) return mk(i, kISO8601TZ, 5);
        if (at(i, "Z07:00")) return mk(i, kISO8601ColonTZ, 6);
        if (at(i, "Z07")) return mk(i, kISO8601ShortTZ, 3);
        break;
      case '.':
      case ',':
        if (i + 1 < l.size() && (l[i + 1] == '0' || l[i + 1] == '9')) {
          char ch = l[i + 1];
          size_t j = i + 1;
          while (j < l.size() && l[j] == ch) j++;
          if (!Digit(l, j)) {
            Chunk c{i, ch == '0' ? kFracSecond0 : kFracSecond9, j};
            c.digits = static_cast<int>(j - i - 1);
            return c;
          }
        }
        break;
      default:
        break;
    }
  }
  return Chunk{l.size(), kNone, l.size()};
}

std::string Pad(int64_t v, int width, char fill = '0') {
  std::string s = std::to_string(v < 0 ? -v : v);
  while (static_cast<int>(s.size()) < width) s.insert(s.begin(), fill);
  return v < 0 ? "-" + s : s;
}

bool IsISO(Std s) {
  return s == kISO8601TZ || s == kISO8601SecondsTZ || s == kISO8601ShortTZ ||
         s == kISO8601ColonTZ || s == kISO8601ColonSecondsTZ;
}

std::string FormatOffset(Std std, int offset) {
  if (offset == 0 && IsISO(std)) return "Z";
  std::string b;
  int zone = offset / 60, abs = offset;
  if (zone < 0) {
    b += '-';
    zone = -zone;
    abs = -abs;
  } else {
    b += '+';
  }
  b += Pad(zone / 60, 2);
  bool colon = std == kISO8601ColonTZ || std == kNumColonTZ || std == kISO8601ColonSecondsTZ ||
               std == kNumColonSecondsTZ;
  if (colon) b += ':';
  if (std != kNumShortTZ && std != kISO8601ShortTZ) b += Pad(zone % 60, 2);
  if (std == kISO8601SecondsTZ || std == kNumSecondsTz || std == kNumColonSecondsTZ ||
      std == kISO8601ColonSecondsTZ) {
    if (std == kNumColonSecondsTZ || std == kISO8601ColonSecondsTZ) b += ':';
    b += Pad(abs % 60, 2);
  }
  return b;
}

// Go's time.quote: bytes outside printable ASCII as \xNN.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c >= 0x80 || c < ' ') {
      out += fmt::format("\\x{:02x}", c);
    } else {
      if (c == '"' || c == '\\') out += '\\';
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Go's getnum: one or two digits (exactly two when fixed).
bool GetNum(std::string_view* v, bool fixed, int* out) {
  if (v->empty() || !isdigit(static_cast<unsigned char>((*v)[0]))) return false;
  if (v->size() < 2 || !isdigit(static_cast<unsigned char>((*v)[1]))) {
    if (fixed) return false;
    *out = (*v)[0] - '0';
    v->remove_prefix(1);
    return true;
  }
  *out = ((*v)[0] - '0') * 10 + (*v)[1] - '0';
  v->remove_prefix(2);
  return true;
}

bool GetNum3(std::string_view* v, bool fixed, int* out) {
  int n = 0, i = 0;
  for (; i < 3 && i < static_cast<int>(v->size()) && isdigit(static_cast<unsigned char>((*v)[i]));
       i++)
    n = n * 10 + (*v)[i] - '0';
  if (i == 0 || (fixed && i != 3)) return false;
  *out = n;
  v->remove_prefix(i);
  return true;
}

bool Lookup(const char* const* tab, int n, std::string_view* v, int* out) {
  for (int i = 0; i < n; i++) {
    size_t len = strlen(tab[i]);
    if (v->size() >= len && strncasecmp(v->data(), tab[i], len) == 0) {
      *out = i;
      v->remove_prefix(len);
      return true;
    }
  }
  return false;
}

int ParseSignedOffset(std::string_view v) {
  if (v.empty() || (v[0] != '-' && v[0] != '+')) return 0;
  size_t i = 1;
  int64_t x = 0;
  while (i < v.size() && isdigit(static_cast<unsigned char>(v[i])) && x < 1000)
    x = x * 10 + v[i++] - '0';
  if (i == 1 || x > 23) return 0;
  return static_cast<int>(i);
}

int ParseTimeZone(std::string_view v) {
  if (v.size() < 3) return 0;
  if (v.substr(0, 4) == "ChST" || v.substr(0, 4) == "MeST") return 4;
  if (v.substr(0, 3) == "GMT") return v.size() == 3 ? 3 : 3 + ParseSignedOffset(v.substr(3));
  if (v[0] == '+' || v[0] == '-') return ParseSignedOffset(v);
  int n = 0;
  while (n < 6 && n < static_cast<int>(v.size()) && v[n] >= 'A' && v[n] <= 'Z') n++;
  if (n == 3) return 3;
  if (n == 4 && (v[3] == 'T' || v.substr(0, 4) == "WITA")) return 4;
  if (n == 5 && v[4] == 'T') return 5;
  return 0;
}

// A zone from a TZif file: transitions and their (offset, abbreviation).
struct Zone {
  std::vector<int64_t> when;
  std::vector<uint8_t> idx;
  std::vector<std::pair<int, std::string>> types;  // offset, abbreviation
  std::vector<bool> isdst;
};

uint64_t BE(const std::string& d, size_t off, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v = (v << 8) | static_cast<unsigned char>(d[off + i]);
  return v;
}

bool ParseTZif(const std::string& d, Zone* z) {
  if (d.size() < 44 || d.compare(0, 4, "TZif") != 0) return false;
  size_t off = 0;
  int tsize = 4;
  for (int pass = 0; pass < 2; pass++) {
    if (d.size() < off + 44) return false;
    uint64_t isut = BE(d, off + 20, 4), isstd = BE(d, off + 24, 4), leap = BE(d, off + 28, 4),
             timecnt = BE(d, off + 32, 4), typecnt = BE(d, off + 36, 4),
             charcnt = BE(d, off + 40, 4);
    size_t body =
        timecnt * tsize + timecnt + typecnt * 6 + charcnt + leap * (tsize + 4) + isstd + isut;
    if (pass == 0 && d[4] >= '2') {  // skip the 32-bit block
      off += 44 + body;
      tsize = 8;
      continue;
    }
    if (typecnt == 0 || d.size() < off + 44 + body) return false;
    size_t p = off + 44;
    for (uint64_t i = 0; i < timecnt; i++, p += tsize) {
      uint64_t v = BE(d, p, tsize);
      z->when.push_back(tsize == 8 ? static_cast<int64_t>(v)
                                   : static_cast<int64_t>(static_cast<int32_t>(v)));
    }
    for (uint64_t i = 0; i < timecnt; i++, p++) {
      uint8_t k = static_cast<uint8_t>(d[p]);
      if (k >= typecnt) return false;
      z->idx.push_back(k);
    }
    size_t chars = p + typecnt * 6;
    for (uint64_t i = 0; i < typecnt; i++, p += 6) {
      int o = static_cast<int>(static_cast<int32_t>(BE(d, p, 4)));
      size_t ai = static_cast<unsigned char>(d[p + 5]);
      std::string abbr;
      if (ai < charcnt) abbr = std::string(d.c_str() + chars + ai);
      z->types.emplace_back(o, abbr);
      z->isdst.push_back(d[p + 4] != 0);
    }
    return true;
  }
  return false;
}

const Zone* LoadZone(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Zone>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  std::unique_ptr<Zone> z;
  // Go's LoadLocation refuses ".." and absolute names.
  if (!name.empty() && name[0] != '/' && name[0] != '\\' && name.find("..") == std::string::npos &&
      name.size() < 256) {
    std::ifstream f("/usr/share/zoneinfo/" + name, std::ios::binary);
    if (f) {
      std::stringstream ss;
      ss << f.rdbuf();
      auto zone = std::make_unique<Zone>();
      if (ParseTZif(ss.str(), zone.get())) z = std::move(zone);
    }
  }
  // Only zones that exist are cached: their number is bounded by the zoneinfo directory.
  if (z == nullptr) return nullptr;
  return (cache[name] = std::move(z)).get();
}

}  // namespace

std::string GoTimeFormat(const GoTime& t, const std::string& layout) {
  Civil c = ToCivil(t.unix + t.offset);
  std::string b;
  size_t pos = 0;
  while (pos < layout.size()) {
    Chunk ch = NextChunk(layout, pos);
    b.append(layout, pos, ch.prefix_end - pos);
    if (ch.std == kNone) break;
    pos = ch.std_end;
    switch (ch.std) {
      case kYear:
        b += Pad((c.year % 100 + 100) % 100, 2);
        break;
      case kLongYear:
        b += Pad(c.year, 4);
        break;
      case kMonth:
        b += kShortMonths[c.month - 1];
        break;
      case kLongMonth:
        b += kLongMonths[c.month - 1];
        break;
      case kNumMonth:
        b += std::to_string(c.month);
        break;
      case kZeroMonth:
        b += Pad(c.month, 2);
        break;
      case kWeekDay:
        b += kShortDays[c.wday];
        break;
      case kLongWeekDay:
        b += kLongDays[c.wday];
        break;
      case kDay:
        b += std::to_string(c.day);
        break;
      case kUnderDay:
        b += Pad(c.day, 2, ' ');
        break;
      case kZeroDay:
        b += Pad(c.day, 2);
        break;
      case kUnderYearDay:
        b += Pad(c.yday + 1, 3, ' ');
        break;
      case kZeroYearDay:
        b += Pad(c.yday + 1, 3);
        break;
      case kHour:
        b += Pad(c.hour, 2);
        break;
      case kHour12:
        b += std::to_string(c.hour % 12 == 0 ? 12 : c.hour % 12);
        break;
      case kZeroHour12:
        b += Pad(c.hour % 12 == 0 ? 12 : c.hour % 12, 2);
        break;
      case kMinute:
        b += std::to_string(c.min);
        break;
      case kZeroMinute:
        b += Pad(c.min, 2);
        break;
      case kSecond:
        b += std::to_string(c.sec);
        break;
      case kZeroSecond:
        b += Pad(c.sec, 2);
        break;
      case kPM:
        b += c.hour >= 12 ? "PM" : "AM";
        break;
      case kpm:
        b += c.hour >= 12 ? "pm" : "am";
        break;
      case kTZ:
        if (!t.zone.empty()) {
          b += t.zone;
        } else {
          int zone = t.offset / 60;
          b += zone < 0 ? '-' : '+';
          if (zone < 0) zone = -zone;
          b += Pad(zone / 60, 2) + Pad(zone % 60, 2);
        }
        break;
      case kFracSecond0:
      case kFracSecond9: {
        std::string frac = fmt::format("{:09d}", t.nanos).substr(0, std::min(ch.digits, 9));
        if (ch.std == kFracSecond9) {
          while (!frac.empty() && frac.back() == '0') frac.pop_back();
          if (frac.empty()) break;
        }
        b += layout[ch.prefix_end];
        b += frac;
        break;
      }
      default:
        b += FormatOffset(ch.std, t.offset);
        break;
    }
  }
  return b;
}

StatusOr<GoTime> GoTimeParse(const std::string& layout, const std::string& value) {
  std::string_view v = value;
  auto bad = [&](std::string_view elem, std::string_view rest, const std::string& msg = "") {
    if (!msg.empty()) return InvalidArgument("parsing time " + Quote(value) + msg);
    return InvalidArgument("parsing time " + Quote(value) + " as " + Quote(layout) +
                           ": cannot parse " + Quote(std::string(rest)) + " as " +
                           Quote(std::string(elem)));
  };
  bool pm_set = false, am_set = false, have_offset = false, utc = false;
  int64_t year = 0;
  int month = -1, day = -1, yday = -1, hour = 0, min = 0, sec = 0, offset = 0;
  int64_t nsec = 0;
  std::string zone_name;
  auto nanos = [&](std::string_view s, size_t n, int64_t* out) {
    if (n > 10) n = 10;
    int64_t ns = 0;
    for (size_t i = 1; i < n; i++) ns = ns * 10 + (s[i] - '0');
    for (size_t i = 0; i < 10 - n; i++) ns *= 10;
    *out = ns;
  };
  size_t pos = 0;
  while (true) {
    Chunk ch = NextChunk(layout, pos);
    std::string_view prefix = std::string_view(layout).substr(pos, ch.prefix_end - pos);
    // Go's skip: a space in the layout matches any run of spaces.
    while (!prefix.empty()) {
      if (prefix[0] == ' ') {
        if (!v.empty() && v[0] != ' ') return bad(layout.substr(pos, ch.prefix_end - pos), v);
        while (!prefix.empty() && prefix[0] == ' ') prefix.remove_prefix(1);
        while (!v.empty() && v[0] == ' ') v.remove_prefix(1);
        continue;
      }
      if (v.empty() || v[0] != prefix[0]) return bad(layout.substr(pos, ch.prefix_end - pos), v);
      prefix.remove_prefix(1);
      v.remove_prefix(1);
    }
    if (ch.std == kNone) {
      if (!v.empty()) return bad("", v, ": extra text: " + Quote(std::string(v)));
      break;
    }
    std::string elem = layout.substr(ch.prefix_end, ch.std_end - ch.prefix_end);
    pos = ch.std_end;
    std::string_view hold = v;
    bool ok = true;
    std::string range;
    int n = 0;
    switch (ch.std) {
      case kYear:
        if (v.size() < 2 || !isdigit(static_cast<unsigned char>(v[0])) ||
            !isdigit(static_cast<unsigned char>(v[1]))) {
          ok = false;
          break;
        }
        year = (v[0] - '0') * 10 + v[1] - '0';
        year += year >= 69 ? 1900 : 2000;
        v.remove_prefix(2);
        break;
      case kLongYear:
        if (v.size() < 4 || !isdigit(static_cast<unsigned char>(v[0]))) {
          ok = false;
          break;
        }
        year = 0;
        for (int i = 0; i < 4; i++) {
          if (!isdigit(static_cast<unsigned char>(v[i]))) ok = false;
          year = year * 10 + v[i] - '0';
        }
        v.remove_prefix(4);
        break;
      case kMonth:
      case kLongMonth:
        ok = ch.std == kMonth ? Lookup(kShortMonths, 12, &v, &n) : Lookup(kLongMonths, 12, &v, &n);
        month = n + 1;
        break;
      case kNumMonth:
      case kZeroMonth:
        ok = GetNum(&v, ch.std == kZeroMonth, &month);
        if (ok && (month <= 0 || month > 12)) range = "month";
        break;
      case kWeekDay:
        ok = Lookup(kShortDays, 7, &v, &n);
        break;
      case kLongWeekDay:
        ok = Lookup(kLongDays, 7, &v, &n);
        break;
      case kDay:
      case kUnderDay:
      case kZeroDay:
        if (ch.std == kUnderDay && !v.empty() && v[0] == ' ') v.remove_prefix(1);
        ok = GetNum(&v, ch.std == kZeroDay, &day);
        break;
      case kUnderYearDay:
      case kZeroYearDay:
        for (int i = 0; i < 2 && ch.std == kUnderYearDay && !v.empty() && v[0] == ' '; i++)
          v.remove_prefix(1);
        ok = GetNum3(&v, ch.std == kZeroYearDay, &yday);
        break;
      case kHour:
        ok = GetNum(&v, false, &hour);
        if (hour < 0 || hour >= 24) range = "hour";
        break;
      case kHour12:
      case kZeroHour12:
        ok = GetNum(&v, ch.std == kZeroHour12, &hour);
        if (hour < 0 || hour > 12) range = "hour";
        break;
      case kMinute:
      case kZeroMinute:
        ok = GetNum(&v, ch.std == kZeroMinute, &min);
        if (min < 0 || min >= 60) range = "minute";
        break;
      case kSecond:
      case kZeroSecond: {
        ok = GetNum(&v, ch.std == kZeroSecond, &sec);
        if (sec < 0 || sec >= 60) {
          range = "second";
          break;
        }
        // A fractional second in the value without one in the layout.
        if (ok && v.size() >= 2 && (v[0] == '.' || v[0] == ',') &&
            isdigit(static_cast<unsigned char>(v[1]))) {
          Std next = NextChunk(layout, pos).std;
          if (next == kFracSecond0 || next == kFracSecond9) break;
          size_t k = 2;
          while (k < v.size() && isdigit(static_cast<unsigned char>(v[k]))) k++;
          nanos(v, k, &nsec);
          v.remove_prefix(k);
        }
        break;
      }
      case kPM:
      case kpm: {
        if (v.size() < 2) {
          ok = false;
          break;
        }
        std::string_view p = v.substr(0, 2);
        v.remove_prefix(2);
        if (p == (ch.std == kPM ? "PM" : "pm"))
          pm_set = true;
        else if (p == (ch.std == kPM ? "AM" : "am"))
          am_set = true;
        else
          ok = false;
        break;
      }
      case kTZ: {
        if (v.substr(0, 3) == "UTC") {
          utc = true;
          v.remove_prefix(3);
          break;
        }
        int len = ParseTimeZone(v);
        if (len == 0) {
          ok = false;
          break;
        }
        zone_name = std::string(v.substr(0, len));
        v.remove_prefix(len);
        break;
      }
      case kFracSecond0: {
        size_t nd = 1 + ch.digits;
        if (v.size() < nd || (v[0] != '.' && v[0] != ',')) {
          ok = false;
          break;
        }
        for (size_t i = 1; i < nd; i++)
          if (!isdigit(static_cast<unsigned char>(v[i]))) ok = false;
        if (ok) nanos(v, nd, &nsec);
        v.remove_prefix(nd);
        break;
      }
      case kFracSecond9: {
        if (v.size() < 2 || (v[0] != '.' && v[0] != ',') ||
            !isdigit(static_cast<unsigned char>(v[1])))
          break;
        size_t i = 0;
        while (i + 1 < v.size() && isdigit(static_cast<unsigned char>(v[i + 1]))) i++;
        nanos(v, 1 + i, &nsec);
        v.remove_prefix(1 + i);
        break;
      }
      default: {  // numeric and ISO 8601 offsets
        if (IsISO(ch.std) && !v.empty() && v[0] == 'Z') {
          v.remove_prefix(1);
          utc = true;
          break;
        }
        std::string_view sign, hh, mm, ss = "00";
        Std s = ch.std;
        if (s == kISO8601ColonTZ || s == kNumColonTZ) {
          if (v.size() < 6 || v[3] != ':') {
            ok = false;
            break;
          }
          sign = v.substr(0, 1), hh = v.substr(1, 2), mm = v.substr(4, 2);
          v.remove_prefix(6);
        } else if (s == kNumShortTZ || s == kISO8601ShortTZ) {
          if (v.size() < 3) {
            ok = false;
            break;
          }
          sign = v.substr(0, 1), hh = v.substr(1, 2), mm = "00";
          v.remove_prefix(3);
        } else if (s == kISO8601ColonSecondsTZ || s == kNumColonSecondsTZ) {
          if (v.size() < 9 || v[3] != ':' || v[6] != ':') {
            ok = false;
            break;
          }
          sign = v.substr(0, 1), hh = v.substr(1, 2), mm = v.substr(4, 2), ss = v.substr(7, 2);
          v.remove_prefix(9);
        } else if (s == kISO8601SecondsTZ || s == kNumSecondsTz) {
          if (v.size() < 7) {
            ok = false;
            break;
          }
          sign = v.substr(0, 1), hh = v.substr(1, 2), mm = v.substr(3, 2), ss = v.substr(5, 2);
          v.remove_prefix(7);
        } else {
          if (v.size() < 5) {
            ok = false;
            break;
          }
          sign = v.substr(0, 1), hh = v.substr(1, 2), mm = v.substr(3, 2);
          v.remove_prefix(5);
        }
        int h = 0, m = 0, sc = 0;
        ok = GetNum(&hh, true, &h) && GetNum(&mm, true, &m) && GetNum(&ss, true, &sc);
        offset = (h * 60 + m) * 60 + sc;
        if (sign[0] == '-')
          offset = -offset;
        else if (sign[0] != '+')
          ok = false;
        have_offset = true;
        break;
      }
    }
    if (!range.empty()) return bad(elem, v, ": " + range + " out of range");
    if (!ok) return bad(elem, hold);
  }
  if (pm_set && hour < 12) hour += 12;
  if (am_set && hour == 12) hour = 0;
  if (yday >= 0) {
    int m = 0, d = yday;
    if (d < 1 || d > (IsLeap(year) ? 366 : 365)) return bad("", v, ": day-of-year out of range");
    if (month < 0) {
      m = 1;
      while (d > DaysIn(m, year)) d -= DaysIn(m++, year);
      month = m;
      day = d;
    }
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > DaysIn(month, year)) return bad("", v, ": day out of range");
  GoTime t;
  t.unix = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
  t.nanos = nsec;
  if (utc) return t;
  if (have_offset) {
    t.unix -= offset;
    if (offset != 0) {
      t.offset = offset;
      t.zone = "";
    }
    return t;
  }
  if (!zone_name.empty() && zone_name != "UTC") {
    int off = 0;
    if (zone_name.size() > 3 && zone_name.compare(0, 3, "GMT") == 0)
      off = std::atoi(zone_name.c_str() + 3) * 3600;
    t.offset = off;
    t.zone = zone_name;
  }
  return t;
}

bool GoTimeIn(const GoTime& t, const std::string& zone, GoTime* out) {
  *out = t;
  if (zone.empty() || zone == "UTC" || zone == "Local") {
    out->offset = 0;
    out->zone = "UTC";
    return true;
  }
  const Zone* z = LoadZone(zone);
  if (z == nullptr) return false;
  size_t type = 0;
  if (z->when.empty() || t.unix < z->when[0]) {
    // Go's lookupFirstZone: the first standard-time type.
    for (size_t i = 0; i < z->types.size(); i++) {
      if (!z->isdst[i]) {
        type = i;
        break;
      }
    }
  } else {
    size_t lo = 0, hi = z->when.size();
    while (hi - lo > 1) {
      size_t mid = (lo + hi) / 2;
      if (t.unix < z->when[mid])
        hi = mid;
      else
        lo = mid;
    }
    type = z->idx[lo];
  }
  out->offset = z->types[type].first;
  out->zone = z->types[type].second;
  return true;
}

StatusOr<int64_t> GoParseDuration(const std::string& orig) {
  auto invalid = [&] { return InvalidArgument("time: invalid duration " + Quote(orig)); };
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return invalid();
  const uint64_t kMax = uint64_t{1} << 63;
  uint64_t d = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || isdigit(static_cast<unsigned char>(s[0])))) return invalid();
    uint64_t v = 0, f = 0;
    double scale = 1;
    size_t i = 0;
    for (; i < s.size() && isdigit(static_cast<unsigned char>(s[i])); i++) {
      if (v > kMax / 10) return invalid();
      v = v * 10 + (s[i] - '0');
      if (v > kMax) return invalid();
    }
    bool pre = i > 0, post = false;
    s.remove_prefix(i);
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && isdigit(static_cast<unsigned char>(s[j])); j++) {
        if (overflow) continue;
        if (f > (kMax - 1) / 10) {
          overflow = true;
          continue;
        }
        f = f * 10 + (s[j] - '0');
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return invalid();
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !isdigit(static_cast<unsigned char>(s[u]))) u++;
    if (u == 0) return InvalidArgument("time: missing unit in duration " + Quote(orig));
    std::string unit(s.substr(0, u));
    s.remove_prefix(u);
    static const std::map<std::string, uint64_t> kUnits = {
        {"ns", 1},       {"us", 1000},         {"\xc2\xb5s", 1000},   {"\xce\xbcs", 1000},
        {"ms", 1000000}, {"s", 1000000000ULL}, {"m", 60000000000ULL}, {"h", 3600000000000ULL}};
    auto it = kUnits.find(unit);
    if (it == kUnits.end())
      return InvalidArgument("time: unknown unit " + Quote(unit) + " in duration " + Quote(orig));
    if (v > kMax / it->second) return invalid();
    v *= it->second;
    if (f > 0) {
      v +=
          static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(it->second) / scale));
      if (v > kMax) return invalid();
    }
    d += v;
    if (d > kMax) return invalid();
  }
  if (neg) return -static_cast<int64_t>(d);
  if (d > kMax - 1) return invalid();
  return static_cast<int64_t>(d);
}

std::string GoDurationString(int64_t d) {
  uint64_t u = static_cast<uint64_t>(d);
  bool neg = d < 0;
  if (neg) u = -u;
  auto frac = [](uint64_t v, int prec, std::string* out) {
    std::string digits;
    bool print = false;
    for (int i = 0; i < prec; i++) {
      int digit = static_cast<int>(v % 10);
      print = print || digit != 0;
      if (print) digits.insert(digits.begin(), static_cast<char>('0' + digit));
      v /= 10;
    }
    if (print) *out = "." + digits + *out;
    return v;
  };
  std::string out;
  if (u < 1000000000ULL) {
    if (u == 0) return "0s";
    int prec;
    if (u < 1000) {
      prec = 0;
      out = "ns";
    } else if (u < 1000000) {
      prec = 3;
      out = "\xc2\xb5s";
    } else {
      prec = 6;
      out = "ms";
    }
    u = frac(u, prec, &out);
    out = std::to_string(u) + out;
  } else {
    out = "s";
    u = frac(u, 9, &out);
    out = std::to_string(u % 60) + out;
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0) out = std::to_string(u) + "h" + out;
    }
  }
  return neg ? "-" + out : out;
}

}  // namespace flotilla::gotemplate
