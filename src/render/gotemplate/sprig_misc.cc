// Sprig v3 defaults, reflection, path, JSON and numeric functions.
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "render/gotemplate/funcs.h"
#include "render/gotemplate/gofmt.h"
#include "render/gotemplate/gojson.h"

namespace flotilla::gotemplate {
namespace {

// Go's int64 arithmetic wraps around on overflow (C++'s is undefined).
int64_t WrapAdd(int64_t a, uint64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + b);
}

using P = Param;
using Args = std::vector<Value>;

std::string PathClean(const std::string& path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string seg = path.substr(i, j - i);
    i = j + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back("..");
      }
      continue;
    }
    parts.push_back(seg);
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); k++) {
    if (k > 0) out += "/";
    out += parts[k];
  }
  if (out.empty()) return ".";
  return out;
}

std::string PathBase(std::string p) {
  if (p.empty()) return ".";
  while (p.size() > 0 && p.back() == '/') p.pop_back();
  size_t i = p.rfind('/');
  if (i != std::string::npos) p = p.substr(i + 1);
  if (p.empty()) return "/";
  return p;
}

std::string PathDir(const std::string& p) {
  size_t i = p.rfind('/');
  std::string dir = i == std::string::npos ? "" : p.substr(0, i + 1);
  return PathClean(dir);
}

std::string PathExt(const std::string& p) {
  for (size_t i = p.size(); i > 0; i--) {
    if (p[i - 1] == '/') break;
    if (p[i - 1] == '.') return p.substr(i - 1);
  }
  return "";
}

Value S(std::string s) { return Value::String(std::move(s)); }

// shopspring/decimal arithmetic as Sprig's *f functions use it: operands are converted with
// their shortest decimal representation, so 0.1+0.2 is exactly 0.3.
double DecimalOp(double a, double b, char op) {
  if (op == '/') {
    if (b == 0) return NAN;
    long double q = static_cast<long double>(a) / b;
    // decimal.Div rounds to 16 fractional digits.
    double r = static_cast<double>(std::round(q * 1e16L) / 1e16L);
    return r == 0 ? 0.0 : r;  // decimals have no negative zero
  }
  std::string sa = FormatFloat(a, 'e', -1), sb = FormatFloat(b, 'e', -1);
  auto split = [](const std::string& s, __int128* mant, int* exp) {
    size_t e = s.find('e');
    std::string m = s.substr(0, e);
    int ex = std::stoi(s.substr(e + 1));
    bool neg = m[0] == '-';
    if (neg) m = m.substr(1);
    size_t dot = m.find('.');
    std::string digits = m;
    int frac = 0;
    if (dot != std::string::npos) {
      digits = m.substr(0, dot) + m.substr(dot + 1);
      frac = static_cast<int>(m.size() - dot - 1);
    }
    __int128 v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    *mant = neg ? -v : v;
    *exp = ex - frac;
  };
  __int128 ma, mb;
  int ea, eb;
  split(sa, &ma, &ea);
  split(sb, &mb, &eb);
  __int128 r;
  int er;
  if (op == '*') {
    r = ma * mb;
    er = ea + eb;
  } else {
    int e = std::min(ea, eb);
    if (std::max(ea, eb) - e > 30) return op == '+' ? a + b : a - b;
    for (int k = ea; k > e; k--) ma *= 10;
    for (int k = eb; k > e; k--) mb *= 10;
    r = op == '+' ? ma + mb : ma - mb;
    er = e;
  }
  bool neg = r < 0;
  if (neg) r = -r;
  std::string digits;
  if (r == 0) digits = "0";
  while (r > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(r % 10)));
    r /= 10;
  }
  if (digits == "0") return 0.0;
  std::string s = (neg ? "-" : "") + digits + "e" + std::to_string(er);
  return std::strtod(s.c_str(), nullptr);
}

Function FloatFold(char op, bool start_zero) {
  return Function{
      {P::kAny, P::kAny}, true, [op, start_zero](CallContext&, Args& a) -> StatusOr<Value> {
        if (start_zero) {
          double acc = 0;
          for (auto& v : a) acc = DecimalOp(acc, ToFloat64(v), op);
          return Value::Float(acc);
        }
        double acc = ToFloat64(a[0]);
        for (size_t i = 1; i < a.size(); i++) acc = DecimalOp(acc, ToFloat64(a[i]), op);
        return Value::Float(acc);
      }};
}

std::string IntsToString(const std::vector<int64_t>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); i++) {
    if (i > 0) out += " ";
    out += std::to_string(v[i]);
  }
  return out;
}

std::vector<int64_t> UntilStep(int64_t start, int64_t stop, int64_t step) {
  std::vector<int64_t> v;
  if (stop < start) {
    if (step >= 0) return v;
    for (int64_t i = start; i > stop && v.size() < 10'000'000; i += step) v.push_back(i);
    return v;
  }
  if (step <= 0) return v;
  for (int64_t i = start; i < stop && v.size() < 10'000'000; i += step) v.push_back(i);
  return v;
}

}  // namespace

void RegisterSprigMisc(FuncMap* m) {
  auto& f = *m;
  // ---- defaults ----
  f["default"] = {{P::kAny, P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                    if (a.size() < 2 || IsEmpty(a[1])) return a[0];
                    return a[1];
                  }};
  f["empty"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                  return Value::Bool(IsEmpty(a[0]));
                }};
  f["coalesce"] = {{P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                     for (auto& v : a)
                       if (!IsEmpty(v)) return v;
                     return Value::Nil();
                   }};
  f["all"] = {{P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                for (auto& v : a)
                  if (IsEmpty(v)) return Value::Bool(false);
                return Value::Bool(true);
              }};
  f["any"] = {{P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                for (auto& v : a)
                  if (!IsEmpty(v)) return Value::Bool(true);
                return Value::Bool(false);
              }};
  f["ternary"] = {
      {P::kAny, P::kAny, P::kBool}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        return a[2].bool_value() ? a[0] : a[1];
      }};
  // ---- JSON (Helm overrides toJson/fromJson) ----
  f["mustFromJson"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                         return GoJsonUnmarshal(a[0].str());
                       }};
  f["toPrettyJson"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                         auto r = GoJsonMarshal(a[0], {true, "  "});
                         return S(r.ok() ? *r : "");
                       }};
  f["mustToPrettyJson"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                             ASSIGN_OR_RETURN(std::string s, GoJsonMarshal(a[0], {true, "  "}));
                             return S(s);
                           }};
  auto raw = Function{{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                        ASSIGN_OR_RETURN(std::string s, GoJsonMarshal(a[0], {false, ""}));
                        return S(s);
                      }};
  f["toRawJson"] = raw;
  f["mustToRawJson"] = raw;
  // ---- reflection ----
  f["typeOf"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   return S(a[0].is_nil() ? "<nil>" : a[0].TypeName());
                 }};
  f["typeIs"] = {{P::kString, P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   return Value::Bool(a[0].str() == (a[1].is_nil() ? "<nil>" : a[1].TypeName()));
                 }};
  f["typeIsLike"] = {{P::kString, P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                       std::string t = a[1].is_nil() ? "<nil>" : a[1].TypeName();
                       return Value::Bool(a[0].str() == t || "*" + a[0].str() == t);
                     }};
  f["kindOf"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   return S(a[0].KindName());
                 }};
  f["kindIs"] = {{P::kString, P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   return Value::Bool(a[0].str() == a[1].KindName());
                 }};
  f["deepEqual"] = {{P::kAny, P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                      Value x = a[0].is_nil() ? Value::Nil() : a[0];
                      Value y = a[1].is_nil() ? Value::Nil() : a[1];
                      return Value::Bool(x.DeepEqual(y));
                    }};
  // ---- paths ----
  auto path1 = [](std::string (*fn)(const std::string&)) {
    return Function{{P::kString}, false, [fn](CallContext&, Args& a) -> StatusOr<Value> {
                      return S(fn(a[0].str()));
                    }};
  };
  f["base"] = f["osBase"] = path1([](const std::string& s) { return PathBase(s); });
  f["dir"] = f["osDir"] = path1([](const std::string& s) { return PathDir(s); });
  f["clean"] = f["osClean"] = path1([](const std::string& s) { return PathClean(s); });
  f["ext"] = f["osExt"] = path1([](const std::string& s) { return PathExt(s); });
  f["isAbs"] = f["osIsAbs"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                                 return Value::Bool(!a[0].str().empty() && a[0].str()[0] == '/');
                               }};
  // ---- numbers ----
  f["int64"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                  return Value::Int64(ToInt64(a[0]));
                }};
  f["int"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                return Value::Int(ToInt64(a[0]));
              }};
  f["float64"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                    return Value::Float(ToFloat64(a[0]));
                  }};
  f["toDecimal"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                      std::string s = GoSprint({a[0]});
                      size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
                      if (i == s.size() || s.find_first_not_of("01234567", i) != std::string::npos)
                        return Value::Int64(0);
                      errno = 0;
                      long long v = strtoll(s.c_str(), nullptr, 8);
                      if (errno == ERANGE) return Value::Int64(0);
                      return Value::Int64(v);
                    }};
  f["add1"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                 return Value::Int64(WrapAdd(ToInt64(a[0]), 1));
               }};
  f["add"] = {{P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                int64_t s = 0;
                for (auto& v : a) s = WrapAdd(s, ToInt64(v));
                return Value::Int64(s);
              }};
  f["sub"] = {
      {P::kAny, P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        return Value::Int64(WrapAdd(ToInt64(a[0]), 0 - static_cast<uint64_t>(ToInt64(a[1]))));
      }};
  f["div"] = {{P::kAny, P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                int64_t b = ToInt64(a[1]);
                if (b == 0) return FuncError("runtime error: integer divide by zero");
                int64_t x = ToInt64(a[0]);
                if (x == INT64_MIN && b == -1) return Value::Int64(x);
                return Value::Int64(x / b);
              }};
  f["mod"] = {{P::kAny, P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                int64_t b = ToInt64(a[1]);
                if (b == 0) return FuncError("runtime error: integer divide by zero");
                if (b == -1) return Value::Int64(0);
                return Value::Int64(ToInt64(a[0]) % b);
              }};
  f["mul"] = {{P::kAny, P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                uint64_t v = static_cast<uint64_t>(ToInt64(a[0]));
                for (size_t i = 1; i < a.size(); i++) v *= static_cast<uint64_t>(ToInt64(a[i]));
                return Value::Int64(static_cast<int64_t>(v));
              }};
  f["add1f"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                  return Value::Float(DecimalOp(ToFloat64(a[0]), 1, '+'));
                }};
  f["addf"] = FloatFold('+', true);
  f["subf"] = FloatFold('-', false);
  f["mulf"] = FloatFold('*', false);
  f["divf"] = {{P::kAny, P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                 double acc = ToFloat64(a[0]);
                 for (size_t i = 1; i < a.size(); i++) {
                   double b = ToFloat64(a[i]);
                   if (b == 0) return FuncError("decimal division by 0");
                   acc = DecimalOp(acc, b, '/');
                 }
                 return Value::Float(acc);
               }};
  auto maxmin = [](bool is_max) {
    return Function{{P::kAny, P::kAny}, true, [is_max](CallContext&, Args& a) -> StatusOr<Value> {
                      int64_t acc = ToInt64(a[0]);
                      for (size_t i = 1; i < a.size(); i++) {
                        int64_t b = ToInt64(a[i]);
                        if (is_max ? b > acc : b < acc) acc = b;
                      }
                      return Value::Int64(acc);
                    }};
  };
  f["max"] = f["biggest"] = maxmin(true);
  f["min"] = maxmin(false);
  auto maxminf = [](bool is_max) {
    return Function{{P::kAny, P::kAny}, true, [is_max](CallContext&, Args& a) -> StatusOr<Value> {
                      double acc = ToFloat64(a[0]);
                      for (size_t i = 1; i < a.size(); i++) {
                        double b = ToFloat64(a[i]);
                        if (std::isnan(acc) || std::isnan(b)) {
                          acc = NAN;
                        } else {
                          acc = is_max ? std::fmax(acc, b) : std::fmin(acc, b);
                        }
                      }
                      return Value::Float(acc);
                    }};
  };
  f["maxf"] = maxminf(true);
  f["minf"] = maxminf(false);
  f["ceil"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                 return Value::Float(std::ceil(ToFloat64(a[0])));
               }};
  f["floor"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                  return Value::Float(std::floor(ToFloat64(a[0])));
                }};
  f["round"] = {
      {P::kAny, P::kInt, P::kFloat64}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
        double round_on = a.size() > 2 ? a[2].float_value() : 0.5;
        double val = ToFloat64(a[0]);
        double pow = std::pow(10.0, static_cast<double>(a[1].int_value()));
        double digit = pow * val;
        double ip;
        double div = std::modf(digit, &ip);
        double r = div >= round_on ? std::ceil(digit) : std::floor(digit);
        return Value::Float(r / pow);
      }};
  f["seq"] = {{P::kInt}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                std::vector<int64_t> p;
                for (auto& v : a) p.push_back(v.int_value());
                switch (p.size()) {
                  case 1: {
                    int64_t inc = p[0] < 1 ? -1 : 1;
                    return S(IntsToString(UntilStep(1, p[0] + inc, inc)));
                  }
                  case 2: {
                    int64_t step = p[1] < p[0] ? -1 : 1;
                    return S(IntsToString(UntilStep(p[0], p[1] + step, step)));
                  }
                  case 3: {
                    int64_t inc = 1;
                    if (p[2] < p[0]) {
                      inc = -1;
                      if (p[1] > 0) return S("");
                    }
                    return S(IntsToString(UntilStep(p[0], p[2] + inc, p[1])));
                  }
                  default:
                    return S("");
                }
              }};
  f["randInt"] = {{P::kInt, P::kInt}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                    int64_t lo = a[0].int_value(), hi = a[1].int_value();
                    if (hi - lo <= 0) return FuncError("invalid argument to Intn");
                    static thread_local std::mt19937_64 rng{std::random_device{}()};
                    return Value::Int(lo + static_cast<int64_t>(rng() % (hi - lo)));
                  }};
  // Helm without --enable-dns returns "" for getHostByName.
  f["getHostByName"] = {
      {P::kString}, false, [](CallContext&, Args&) -> StatusOr<Value> { return S(""); }};
}

}  // namespace flotilla::gotemplate
