// Sprig v3 date functions over a time.Time object (nanosecond precision, shown in a zone). Go
// layouts and zones come from gotime.h. `now` and `ago` are not deterministic; the other
// functions are, given their inputs. Local time is UTC.
#include <ctime>

#include <fmt/format.h>

#include "render/gotemplate/funcs.h"
#include "render/gotemplate/gotime.h"
#include "render/gotemplate/helm_objects.h"

namespace flotilla::gotemplate {
namespace {

using P = Param;
using Args = std::vector<Value>;

constexpr const char* kStringLayout = "2006-01-02 15:04:05.999999999 -0700 MST";

// A time.Time: a struct whose %v is Time.String().
class TimeObject : public StructObject {
 public:
  explicit TimeObject(const GoTime& t)
      : StructObject("time.Time", {}, Json(GoTimeFormat(t, "2006-01-02T15:04:05.999999999Z07:00")),
                     "struct"),
        t_(t) {}
  const GoTime& time() const { return t_; }

 private:
  GoTime t_;
};

Value TimeValue(const GoTime& t) {
  auto obj = std::make_shared<TimeObject>(t);
  obj->SetStringer(GoTimeFormat(t, kStringLayout));
  using A = std::vector<Value>;
  auto civil = [t](const char* layout) {
    return [t, layout](const A&) -> StatusOr<Value> {
      return Value::Int(std::strtoll(GoTimeFormat(t, layout).c_str(), nullptr, 10));
    };
  };
  obj->AddMethod("Unix", {{}, [t](const A&) -> StatusOr<Value> { return Value::Int64(t.unix); }});
  obj->AddMethod("UnixNano", {{}, [t](const A&) -> StatusOr<Value> {
                                return Value::Int64(t.unix * 1000000000 + t.nanos);
                              }});
  obj->AddMethod("UnixMilli", {{}, [t](const A&) -> StatusOr<Value> {
                                 return Value::Int64(t.unix * 1000 + t.nanos / 1000000);
                               }});
  obj->AddMethod("Year", {{}, civil("2006")});
  obj->AddMethod("YearDay", {{}, civil("002")});
  obj->AddMethod("Day", {{}, civil("2")});
  obj->AddMethod("Hour", {{}, civil("15")});
  obj->AddMethod("Minute", {{}, civil("4")});
  obj->AddMethod("Second", {{}, civil("5")});
  obj->AddMethod("Nanosecond",
                 {{}, [t](const A&) -> StatusOr<Value> { return Value::Int(t.nanos); }});
  obj->AddMethod("IsZero", {{}, [t](const A&) -> StatusOr<Value> {
                              return Value::Bool(t.unix == GoTime().unix && t.nanos == 0);
                            }});
  obj->AddMethod("UTC", {{}, [t](const A&) -> StatusOr<Value> {
                           GoTime u = t;
                           u.offset = 0;
                           u.zone = "UTC";
                           return TimeValue(u);
                         }});
  obj->AddMethod("String", {{}, [t](const A&) -> StatusOr<Value> {
                              return Value::String(GoTimeFormat(t, kStringLayout));
                            }});
  obj->AddMethod("Format", {{GoType::kString}, [t](const A& a) -> StatusOr<Value> {
                              return Value::String(GoTimeFormat(t, a[0].str()));
                            }});
  return Value::FromObject(obj);
}

GoTime Now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  GoTime t;
  t.unix = ts.tv_sec;
  t.nanos = ts.tv_nsec;
  return t;
}

const TimeObject* AsTime(const Value& v) {
  if (!v.is_object()) return nullptr;
  return dynamic_cast<const TimeObject*>(&v.object());
}

// Sprig's date argument: time.Time, or Unix seconds as int/int64/int32; anything else is now.
GoTime DateOf(const Value& v, bool int32_ok = true) {
  if (const TimeObject* t = AsTime(v)) return t->time();
  if (v.type() == GoType::kInt || v.type() == GoType::kInt64 ||
      (int32_ok && v.type() == GoType::kInt32)) {
    GoTime t;
    t.unix = v.int_value();
    return t;
  }
  return Now();
}

Status WrongTime(const Value& v) {
  return FuncError("wrong type for value; expected time.Time; got " +
                   (v.is_nil() ? std::string("<nil>") : v.TypeName()));
}

std::string DateInZone(const std::string& layout, const Value& date, const std::string& zone) {
  GoTime in;
  if (!GoTimeIn(DateOf(date), zone, &in)) GoTimeIn(DateOf(date), "UTC", &in);
  return GoTimeFormat(in, layout);
}

// Sprig's durationRound: the largest unit, truncated.
std::string DurationRound(const Value& v) {
  int64_t d = 0;
  if (v.is_string()) {
    auto p = GoParseDuration(v.str());
    if (p.ok()) d = *p;
  } else if (v.type() == GoType::kInt64) {
    d = v.int_value();
  } else if (const TimeObject* t = AsTime(v)) {
    GoTime now = Now();
    d = (now.unix - t->time().unix) * 1000000000 + (now.nanos - t->time().nanos);
  }
  uint64_t u = static_cast<uint64_t>(d);
  if (d < 0) u = -u;
  const uint64_t second = 1000000000ULL, minute = 60 * second, hour = 60 * minute, day = 24 * hour,
                 month = 30 * day, year = 365 * day;
  if (u > year) return std::to_string(u / year) + "y";
  if (u > month) return std::to_string(u / month) + "mo";
  if (u > day) return std::to_string(u / day) + "d";
  if (u > hour) return std::to_string(u / hour) + "h";
  if (u > minute) return std::to_string(u / minute) + "m";
  if (u > second) return std::to_string(u / second) + "s";
  return "0s";
}

GoTime AddDuration(GoTime t, int64_t d) {
  int64_t ns = t.nanos + d % 1000000000;
  t.unix += d / 1000000000 + (ns >= 1000000000 ? 1 : ns < 0 ? -1 : 0);
  t.nanos = (ns % 1000000000 + 1000000000) % 1000000000;
  return t;
}

// strconv.ParseInt(s, 10, 64) ignoring the error: 0 on bad syntax, the bound when out of range.
int64_t GoParseInt64(const std::string& s) {
  std::string_view v = s;
  bool neg = false;
  if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
    neg = v[0] == '-';
    v.remove_prefix(1);
  }
  if (v.empty()) return 0;
  uint64_t u = 0;
  bool overflow = false;
  for (char c : v) {
    if (c < '0' || c > '9') return 0;
    if (u > (UINT64_MAX - 9) / 10) overflow = true;
    if (!overflow) u = u * 10 + (c - '0');
  }
  const uint64_t lim = neg ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
  if (overflow || u > lim) return neg ? INT64_MIN : INT64_MAX;
  return neg ? static_cast<int64_t>(-u) : static_cast<int64_t>(u);
}

}  // namespace

void RegisterSprigDates(FuncMap* m) {
  auto& f = *m;
  f["hello"] = {
      {}, false, [](CallContext&, Args&) -> StatusOr<Value> { return Value::String("Hello!"); }};
  f["now"] = {{}, false, [](CallContext&, Args&) -> StatusOr<Value> { return TimeValue(Now()); }};
  f["date"] = {{P::kString, P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                 return Value::String(DateInZone(a[0].str(), a[1], "Local"));
               }};
  f["dateInZone"] = f["date_in_zone"] = {
      {P::kString, P::kAny, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        return Value::String(DateInZone(a[0].str(), a[1], a[2].str()));
      }};
  f["htmlDate"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                     return Value::String(DateInZone("2006-01-02", a[0], "Local"));
                   }};
  f["htmlDateInZone"] = {
      {P::kAny, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        return Value::String(DateInZone("2006-01-02", a[0], a[1].str()));
      }};
  f["unixEpoch"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                      const TimeObject* t = AsTime(a[0]);
                      if (t == nullptr) return WrongTime(a[0]);
                      return Value::String(std::to_string(t->time().unix));
                    }};
  f["toDate"] = {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   auto t = GoTimeParse(a[0].str(), a[1].str());
                   return TimeValue(t.ok() ? *t : GoTime());
                 }};
  f["mustToDate"] = {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                       auto t = GoTimeParse(a[0].str(), a[1].str());
                       if (!t.ok()) return t.status();
                       return TimeValue(*t);
                     }};
  auto modify = [](bool must) {
    return Function{{P::kString, P::kAny}, false, [must](CallContext&, Args& a) -> StatusOr<Value> {
                      const TimeObject* t = AsTime(a[1]);
                      if (t == nullptr) return WrongTime(a[1]);
                      auto d = GoParseDuration(a[0].str());
                      if (!d.ok()) {
                        if (must) return d.status();
                        return a[1];
                      }
                      return TimeValue(AddDuration(t->time(), *d));
                    }};
  };
  f["dateModify"] = f["date_modify"] = modify(false);
  f["mustDateModify"] = f["must_date_modify"] = modify(true);
  f["ago"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                GoTime t = DateOf(a[0], false), now = Now();
                int64_t d = (now.unix - t.unix) * 1000000000 + (now.nanos - t.nanos);
                // Duration.Round(time.Second): halves away from zero.
                int64_t r = d % 1000000000;
                d -= r;
                if (r >= 500000000) d += 1000000000;
                if (r <= -500000000) d -= 1000000000;
                return Value::String(GoDurationString(d));
              }};
  f["durationRound"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                          return Value::String(DurationRound(a[0]));
                        }};
  f["duration"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                     // Sprig reads only int64 and base-10 strings; anything else is 0.
                     int64_t n = 0;
                     if (a[0].type() == GoType::kInt64) n = a[0].int_value();
                     if (a[0].is_string()) n = GoParseInt64(a[0].str());
                     // time.Duration(n) * time.Second wraps like Go's int64 multiply.
                     uint64_t ns = static_cast<uint64_t>(n) * 1000000000ULL;
                     return Value::String(GoDurationString(static_cast<int64_t>(ns)));
                   }};
}

}  // namespace flotilla::gotemplate
