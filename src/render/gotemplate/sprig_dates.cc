// Sprig v3 date functions over a time.Time object (UTC, nanosecond precision). Go layouts
// ("2006-01-02T15:04:05Z07:00") are supported for the common elements. `now` is not
// deterministic; other functions are, given their inputs.
#include <ctime>

#include <fmt/format.h>

#include "render/gotemplate/funcs.h"
#include "render/gotemplate/helm_objects.h"

namespace flotilla::gotemplate {
namespace {

using P = Param;
using Args = std::vector<Value>;

const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                         "July",    "August",   "September", "October", "November", "December"};
const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                       "Thursday", "Friday", "Saturday"};

// Go's Time.Format for a UTC time.
std::string GoFormat(int64_t unix, int64_t nanos, const std::string& layout) {
  time_t t = static_cast<time_t>(unix);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string out;
  auto starts = [&](size_t i, const char* p) { return layout.compare(i, strlen(p), p) == 0; };
  for (size_t i = 0; i < layout.size();) {
    if (starts(i, "January")) {
      out += kMonths[tm.tm_mon];
      i += 7;
    } else if (starts(i, "Jan")) {
      out += std::string(kMonths[tm.tm_mon]).substr(0, 3);
      i += 3;
    } else if (starts(i, "Monday")) {
      out += kDays[tm.tm_wday];
      i += 6;
    } else if (starts(i, "Mon")) {
      out += std::string(kDays[tm.tm_wday]).substr(0, 3);
      i += 3;
    } else if (starts(i, "MST")) {
      out += "UTC";
      i += 3;
    } else if (starts(i, "2006")) {
      out += fmt::format("{:04d}", tm.tm_year + 1900);
      i += 4;
    } else if (starts(i, "-07:00:00")) {
      out += "+00:00:00";
      i += 9;
    } else if (starts(i, "-07:00")) {
      out += "+00:00";
      i += 6;
    } else if (starts(i, "-0700")) {
      out += "+0000";
      i += 5;
    } else if (starts(i, "-07")) {
      out += "+00";
      i += 3;
    } else if (starts(i, "Z07:00:00") || starts(i, "Z07:00")) {
      out += "Z";
      i += starts(i, "Z07:00:00") ? 9 : 6;
    } else if (starts(i, "Z0700")) {
      out += "Z";
      i += 5;
    } else if (starts(i, "Z07")) {
      out += "Z";
      i += 3;
    } else if (starts(i, "002")) {
      out += fmt::format("{:03d}", tm.tm_yday + 1);
      i += 3;
    } else if (starts(i, "01")) {
      out += fmt::format("{:02d}", tm.tm_mon + 1);
      i += 2;
    } else if (starts(i, "02")) {
      out += fmt::format("{:02d}", tm.tm_mday);
      i += 2;
    } else if (starts(i, "_2")) {
      out += fmt::format("{:2d}", tm.tm_mday);
      i += 2;
    } else if (starts(i, "03")) {
      out += fmt::format("{:02d}", tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12);
      i += 2;
    } else if (starts(i, "04")) {
      out += fmt::format("{:02d}", tm.tm_min);
      i += 2;
    } else if (starts(i, "05")) {
      out += fmt::format("{:02d}", tm.tm_sec);
      i += 2;
    } else if (starts(i, "06")) {
      out += fmt::format("{:02d}", (tm.tm_year + 1900) % 100);
      i += 2;
    } else if (starts(i, "15")) {
      out += fmt::format("{:02d}", tm.tm_hour);
      i += 2;
    } else if (starts(i, "PM")) {
      out += tm.tm_hour >= 12 ? "PM" : "AM";
      i += 2;
    } else if (starts(i, "pm")) {
      out += tm.tm_hour >= 12 ? "pm" : "am";
      i += 2;
    } else if ((starts(i, ".0") || starts(i, ".9") || starts(i, ",0") || starts(i, ",9"))) {
      char d = layout[i + 1];
      size_t j = i + 1;
      while (j < layout.size() && layout[j] == d) j++;
      size_t n = j - i - 1;
      if (j < layout.size() && isdigit(static_cast<unsigned char>(layout[j]))) {
        out += layout[i];
        i++;
        continue;
      }
      std::string frac = fmt::format("{:09d}", nanos).substr(0, std::min<size_t>(n, 9));
      if (d == '9') {
        while (!frac.empty() && frac.back() == '0') frac.pop_back();
        if (!frac.empty()) out += layout[i] + frac;
      } else {
        out += layout[i] + frac;
      }
      i = j;
    } else if (starts(i, "1")) {
      out += std::to_string(tm.tm_mon + 1);
      i += 1;
    } else if (starts(i, "2")) {
      out += std::to_string(tm.tm_mday);
      i += 1;
    } else if (starts(i, "3")) {
      out += std::to_string(tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12);
      i += 1;
    } else if (starts(i, "4")) {
      out += std::to_string(tm.tm_min);
      i += 1;
    } else if (starts(i, "5")) {
      out += std::to_string(tm.tm_sec);
      i += 1;
    } else {
      out += layout[i];
      i += 1;
    }
  }
  return out;
}

Value TimeValue(int64_t unix, int64_t nanos) {
  std::string s = GoFormat(unix, nanos, "2006-01-02 15:04:05.999999999 -0700 MST");
  auto obj = std::make_shared<StructObject>(
      "time.Time", std::vector<std::pair<std::string, Value>>{},
      Json(GoFormat(unix, nanos, "2006-01-02T15:04:05.999999999Z07:00")), "struct");
  obj->SetStringer(s);
  obj->AddMethod("Unix", {{}, [unix](const std::vector<Value>&) -> StatusOr<Value> {
                            return Value::Int64(unix);
                          }});
  obj->AddMethod("Year", {{}, [unix](const std::vector<Value>&) -> StatusOr<Value> {
                            time_t t = static_cast<time_t>(unix);
                            std::tm tm{};
                            gmtime_r(&t, &tm);
                            return Value::Int(tm.tm_year + 1900);
                          }});
  obj->AddMethod("Format",
                 {{GoType::kString}, [unix, nanos](const std::vector<Value>& a) -> StatusOr<Value> {
                    return Value::String(GoFormat(unix, nanos, a[0].str()));
                  }});
  return Value::FromObject(obj);
}

// Seconds and nanoseconds of a date argument (time.Time or Unix seconds as int/int64/int32).
bool DateOf(const Value& v, int64_t* unix, int64_t* nanos) {
  *nanos = 0;
  if (v.is_object() && v.TypeName() == "time.Time") {
    const Object::Method* m = v.object().FindMethod("Unix");
    auto r = m->fn({});
    *unix = r->int_value();
    return true;
  }
  if (v.type() == GoType::kInt || v.type() == GoType::kInt64 || v.type() == GoType::kInt32) {
    *unix = v.int_value();
    return true;
  }
  *unix = static_cast<int64_t>(std::time(nullptr));  // Sprig formats time.Now() otherwise
  return true;
}

std::string GoDuration(int64_t secs) {
  if (secs == 0) return "0s";
  std::string sign = secs < 0 ? "-" : "";
  uint64_t s = secs < 0 ? static_cast<uint64_t>(-secs) : static_cast<uint64_t>(secs);
  uint64_t h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (h > 0) return fmt::format("{}{}h{}m{}s", sign, h, m, sec);
  if (m > 0) return fmt::format("{}{}m{}s", sign, m, sec);
  return fmt::format("{}{}s", sign, sec);
}

}  // namespace

void RegisterSprigDates(FuncMap* m) {
  auto& f = *m;
  f["hello"] = {
      {}, false, [](CallContext&, Args&) -> StatusOr<Value> { return Value::String("Hello!"); }};
  f["now"] = {{}, false, [](CallContext&, Args&) -> StatusOr<Value> {
                timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                return TimeValue(ts.tv_sec, ts.tv_nsec);
              }};
  auto date = [](CallContext&, Args& a) -> StatusOr<Value> {
    int64_t unix, nanos;
    DateOf(a[1], &unix, &nanos);
    return Value::String(GoFormat(unix, nanos, a[0].str()));
  };
  f["date"] = {{P::kString, P::kAny}, false, date};
  f["dateInZone"] = f["date_in_zone"] = {
      {P::kString, P::kAny, P::kString}, false, [date](CallContext& c, Args& a) -> StatusOr<Value> {
        // Only UTC is supported as a zone name here; others format as UTC.
        Args b = {a[0], a[1]};
        return date(c, b);
      }};
  f["htmlDate"] = {{P::kAny}, false, [date](CallContext& c, Args& a) -> StatusOr<Value> {
                     Args b = {Value::String("2006-01-02"), a[0]};
                     return date(c, b);
                   }};
  f["htmlDateInZone"] = {
      {P::kAny, P::kString}, false, [date](CallContext& c, Args& a) -> StatusOr<Value> {
        Args b = {Value::String("2006-01-02"), a[0]};
        return date(c, b);
      }};
  f["unixEpoch"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                      if (!(a[0].is_object() && a[0].TypeName() == "time.Time"))
                        return FuncError("wrong type for value; expected time.Time; got " +
                                         (a[0].is_nil() ? std::string("<nil>") : a[0].TypeName()));
                      int64_t unix, nanos;
                      DateOf(a[0], &unix, &nanos);
                      return Value::String(std::to_string(unix));
                    }};
  f["duration"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                     // Sprig reads only int64 and base-10 strings; anything else is 0.
                     int64_t n = 0;
                     if (a[0].type() == GoType::kInt64) n = a[0].int_value();
                     if (a[0].is_string()) n = std::strtoll(a[0].str().c_str(), nullptr, 10);
                     return Value::String(GoDuration(n));
                   }};
}

}  // namespace flotilla::gotemplate
