// text/template's builtin functions (funcs.go) and the shared cast helpers.
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "render/gotemplate/funcs.h"
#include "render/gotemplate/gofmt.h"
#include "render/gotemplate/lexer.h"

namespace flotilla::gotemplate {
namespace {

// Go's strconv.ParseInt(s, 0, 64).
bool ParseGoInt(std::string s, int64_t* out) {
  if (s.empty()) return false;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s = s.substr(1);
  }
  int base = 10;
  bool prefixed = false;
  if (s.size() > 1 && s[0] == '0') {
    char p = s[1] | 0x20;
    if (p == 'x')
      base = 16, s = s.substr(2), prefixed = true;
    else if (p == 'b')
      base = 2, s = s.substr(2), prefixed = true;
    else if (p == 'o')
      base = 8, s = s.substr(2), prefixed = true;
    else
      base = 8, s = s.substr(1), prefixed = true;
  }
  std::string digits;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '_') {
      if (!prefixed) return false;
      continue;
    }
    digits.push_back(s[i]);
  }
  if (digits.empty()) return false;
  for (char c : digits) {
    int d = isdigit(static_cast<unsigned char>(c))   ? c - '0'
            : isalpha(static_cast<unsigned char>(c)) ? (c | 0x20) - 'a' + 10
                                                     : 99;
    if (d >= base) return false;
  }
  errno = 0;
  char* end;
  unsigned long long u = strtoull(digits.c_str(), &end, base);
  if (errno == ERANGE) return false;
  if (neg) {
    if (u > 9223372036854775808ULL) return false;
    *out = static_cast<int64_t>(-static_cast<__int128>(u));
  } else {
    if (u > static_cast<unsigned long long>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(u);
  }
  return true;
}

std::string TrimZeroDecimal(const std::string& s) {
  bool found_zero = false;
  for (size_t i = s.size(); i > 0; i--) {
    char c = s[i - 1];
    if (c == '.') {
      if (found_zero) return s.substr(0, i - 1);
    } else if (c == '0') {
      found_zero = true;
    } else {
      return s;
    }
  }
  return s;
}

int64_t FloatToInt64(double f) {
  if (std::isnan(f) || f >= 9.2233720368547758e18 || f < -9.2233720368547758e18) return INT64_MIN;
  return static_cast<int64_t>(f);
}

}  // namespace

int64_t ToInt64(const Value& v) {
  switch (v.type()) {
    case GoType::kBool:
      return v.bool_value() ? 1 : 0;
    case GoType::kInt:
    case GoType::kInt64:
    case GoType::kInt32:
    case GoType::kUint8:
    case GoType::kUint64:
      return v.int_value();
    case GoType::kFloat64:
      return FloatToInt64(v.float_value());
    case GoType::kString: {
      int64_t out;
      if (ParseGoInt(TrimZeroDecimal(v.str()), &out)) return out;
      return 0;
    }
    default:
      return 0;
  }
}

double ToFloat64(const Value& v) {
  switch (v.type()) {
    case GoType::kBool:
      return v.bool_value() ? 1 : 0;
    case GoType::kInt:
    case GoType::kInt64:
    case GoType::kInt32:
    case GoType::kUint8:
      return static_cast<double>(v.int_value());
    case GoType::kUint64:
      return static_cast<double>(v.uint_value());
    case GoType::kFloat64:
      return v.float_value();
    case GoType::kString: {
      const std::string& s = v.str();
      if (s.empty()) return 0;
      char* end;
      std::string t;
      for (char c : s)
        if (c != '_') t.push_back(c);
      double d = strtod(t.c_str(), &end);
      if (*end != 0 || t.find_first_of("xXnN") != std::string::npos) {
        std::string low;
        for (char c : t) low.push_back(static_cast<char>(tolower(c)));
        if (low == "inf" || low == "+inf" || low == "infinity" || low == "+infinity")
          return INFINITY;
        if (low == "-inf" || low == "-infinity") return -INFINITY;
        if (low == "nan") return NAN;
        return 0;
      }
      return d;
    }
    default:
      return 0;
  }
}

std::string StrVal(const Value& v) {
  switch (v.type()) {
    case GoType::kString:
    case GoType::kBytes:
      return v.str();
    default:
      return FormatV(v);
  }
}

bool IsEmpty(const Value& v) {
  switch (v.type()) {
    case GoType::kInvalid:
    case GoType::kNilIface:
      return true;
    case GoType::kObject:
      return false;
    default:
      return !v.Truth();
  }
}

bool AsList(const Value& v, std::vector<Value>* out) {
  if (v.is_list()) {
    *out = v.list();
    return true;
  }
  if (v.type() == GoType::kBytes) {
    out->clear();
    for (unsigned char c : v.str()) out->push_back(Value::Uint(c, GoType::kUint8));
    return true;
  }
  return false;
}

namespace {

enum class BasicKind { kInvalid, kBool, kInt, kFloat, kString, kUint };

BasicKind KindOf(const Value& v) {
  switch (v.type()) {
    case GoType::kBool:
      return BasicKind::kBool;
    case GoType::kInt:
    case GoType::kInt64:
    case GoType::kInt32:
      return BasicKind::kInt;
    case GoType::kUint8:
    case GoType::kUint64:
      return BasicKind::kUint;
    case GoType::kFloat64:
      return BasicKind::kFloat;
    case GoType::kString:
      return BasicKind::kString;
    default:
      return BasicKind::kInvalid;
  }
}

Value Deiface(const Value& v) { return v.type() == GoType::kNilIface ? Value() : v; }

StatusOr<bool> Eq(const Value& a1, const std::vector<Value>& rest) {
  Value arg1 = Deiface(a1);
  if (rest.empty()) return FuncError("missing argument for comparison");
  BasicKind k1 = KindOf(arg1);
  for (const Value& a : rest) {
    Value arg = Deiface(a);
    BasicKind k2 = KindOf(arg);
    bool truth = false;
    if (k1 != k2) {
      if (k1 == BasicKind::kInt && k2 == BasicKind::kUint) {
        truth = arg1.int_value() >= 0 && arg1.uint_value() == arg.uint_value();
      } else if (k1 == BasicKind::kUint && k2 == BasicKind::kInt) {
        truth = arg.int_value() >= 0 && arg1.uint_value() == arg.uint_value();
      } else if (arg1.valid() && arg.valid()) {
        return FuncError("incompatible types for comparison");
      }
    } else {
      switch (k1) {
        case BasicKind::kBool:
          truth = arg1.bool_value() == arg.bool_value();
          break;
        case BasicKind::kFloat:
          truth = arg1.float_value() == arg.float_value();
          break;
        case BasicKind::kInt:
        case BasicKind::kUint:
          truth = arg1.int_value() == arg.int_value();
          break;
        case BasicKind::kString:
          truth = arg1.str() == arg.str();
          break;
        default: {
          bool n1 = arg1.is_nil(), n2 = arg.is_nil();
          if (!n1 && !n2 && arg1.KindName() != arg.KindName())
            return FuncError(fmt::format("non-comparable types {}: {}, {}: {}", FormatV(arg1),
                                         arg1.TypeName(), arg.TypeName(), FormatV(arg)));
          if (n1 || n2) {
            truth = n1 == n2;
          } else if (arg.is_map() || arg.is_list() || arg.type() == GoType::kBytes) {
            return FuncError(
                fmt::format("non-comparable type {}: {}", FormatV(arg), arg.TypeName()));
          } else {
            truth = arg1.SameRef(arg);
          }
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

StatusOr<bool> Lt(const Value& a1, const Value& a2) {
  Value arg1 = Deiface(a1), arg2 = Deiface(a2);
  BasicKind k1 = KindOf(arg1);
  if (k1 == BasicKind::kInvalid) return FuncError("invalid type for comparison");
  BasicKind k2 = KindOf(arg2);
  if (k2 == BasicKind::kInvalid) return FuncError("invalid type for comparison");
  if (k1 != k2) {
    if (k1 == BasicKind::kInt && k2 == BasicKind::kUint)
      return arg1.int_value() < 0 || arg1.uint_value() < arg2.uint_value();
    if (k1 == BasicKind::kUint && k2 == BasicKind::kInt)
      return arg2.int_value() >= 0 && arg1.uint_value() < arg2.uint_value();
    return FuncError("incompatible types for comparison");
  }
  switch (k1) {
    case BasicKind::kBool:
      return FuncError("invalid type for comparison");
    case BasicKind::kFloat:
      return arg1.float_value() < arg2.float_value();
    case BasicKind::kInt:
      return arg1.int_value() < arg2.int_value();
    case BasicKind::kUint:
      return arg1.uint_value() < arg2.uint_value();
    case BasicKind::kString:
      return arg1.str() < arg2.str();
    default:
      return FuncError("invalid type for comparison");
  }
}

StatusOr<int64_t> IndexArg(const Value& index, size_t cap) {
  Value i = Deiface(index);
  if (!i.valid()) return FuncError("cannot index slice/array with nil");
  int64_t x;
  if (i.is_int()) {
    x = i.int_value();
  } else if (i.is_uint()) {
    x = i.int_value();
  } else {
    return FuncError("cannot index slice/array with type " + i.TypeName());
  }
  if (x < 0 || static_cast<uint64_t>(x) > cap)
    return FuncError(fmt::format("index out of range: {}", x));
  return x;
}

std::string EvalArgsString(const std::vector<Value>& args) {
  if (args.size() == 1 && args[0].is_string()) return args[0].str();
  std::vector<Value> a = args;
  for (auto& v : a)
    if (v.is_nil()) v = Value::String("<no value>");
  return GoSprint(a);
}

std::string HTMLEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\0':
        out += "\uFFFD";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string JSEscape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (c < 0x80) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '\'':
          out += "\\'";
          break;
        case '"':
          out += "\\\"";
          break;
        case '<':
          out += "\\u003C";
          break;
        case '>':
          out += "\\u003E";
          break;
        case '&':
          out += "\\u0026";
          break;
        case '=':
          out += "\\u003D";
          break;
        default:
          if (c < ' ') {
            out += fmt::format("\\u00{:02X}", c);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      i++;
      continue;
    }
    int w;
    char32_t r = DecodeRune(s, i, &w);
    bool printable = r >= 0xA0 && r != 0xAD && r != 0x2028 && r != 0x2029;
    if (printable && !(r == 0xFFFD && w == 1)) {
      out.append(s, i, w);
    } else {
      out += fmt::format("\\u{:04X}", static_cast<uint32_t>(r));
    }
    i += w;
  }
  return out;
}

std::string QueryEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

using P = Param;

}  // namespace

void RegisterBuiltins(FuncMap* m) {
  auto& f = *m;
  // and/or are evaluated lazily by the executor; these bodies are never called.
  f["and"] = {{P::kReflect, P::kReflect}, true, nullptr};
  f["or"] = {{P::kReflect, P::kReflect}, true, nullptr};
  f["not"] = {{P::kReflect}, false, [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
                return Value::Bool(!a[0].Truth());
              }};
  f["len"] = {{P::kReflect}, false, [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
                const Value& v = a[0];
                if (v.type() == GoType::kNilIface) return FuncError("len of nil pointer");
                if (v.is_stringish() || v.is_list() || v.is_map())
                  return Value::Int(static_cast<int64_t>(v.Len()));
                if (!v.valid()) return FuncError("len of untyped nil");
                if (Map entries; v.is_object() && v.object().MapEntries(&entries))
                  return Value::Int(static_cast<int64_t>(entries.size()));
                return FuncError("len of type " + v.TypeName());
              }};
  f["index"] = {
      {P::kReflect, P::kReflect}, true, [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
        Value item = Deiface(a[0]);
        if (!item.valid()) return FuncError("index of untyped nil");
        for (size_t k = 1; k < a.size(); k++) {
          const Value& index = a[k];
          if (item.type() == GoType::kNilIface) return FuncError("index of nil pointer");
          if (item.is_list()) {
            ASSIGN_OR_RETURN(int64_t x, IndexArg(index, item.Len()));
            if (static_cast<size_t>(x) == item.Len())
              return FuncError(fmt::format("index out of range: {}", x));
            Value next = item.list()[x];
            item = next;
          } else if (item.is_stringish()) {
            ASSIGN_OR_RETURN(int64_t x, IndexArg(index, item.Len()));
            if (static_cast<size_t>(x) == item.Len())
              return FuncError(fmt::format("index out of range: {}", x));
            item = Value::Uint(static_cast<unsigned char>(item.str()[x]), GoType::kUint8);
          } else if (item.is_map()) {
            Value key = Deiface(index);
            if (!key.valid()) return FuncError("value is nil; should be of type string");
            if (!key.is_string())
              return FuncError("value has type " + key.TypeName() + "; should be string");
            auto it = item.map().find(key.str());
            if (it != item.map().end()) {
              Value next = it->second;
              item = next;
            } else {
              item = item.type() == GoType::kStringMap ? Value::String("") : Value::Nil();
            }
          } else {
            return FuncError("can't index item of type " + item.TypeName());
          }
        }
        return item;
      }};
  f["slice"] = {
      {P::kReflect, P::kReflect}, true, [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
        Value item = Deiface(a[0]);
        if (!item.valid()) return FuncError("slice of untyped nil");
        size_t nidx = a.size() - 1;
        if (nidx > 3) return FuncError(fmt::format("too many slice indexes: {}", nidx));
        if (item.is_stringish()) {
          if (nidx == 3) return FuncError("cannot 3-index slice a string");
        } else if (!item.is_list()) {
          return FuncError("can't slice item of type " + item.TypeName());
        }
        size_t len = item.Len();
        int64_t idx[3] = {0, static_cast<int64_t>(len), static_cast<int64_t>(len)};
        for (size_t k = 0; k < nidx; k++) {
          ASSIGN_OR_RETURN(idx[k], IndexArg(a[k + 1], len));
        }
        if (idx[0] > idx[1])
          return FuncError(fmt::format("invalid slice index: {} > {}", idx[0], idx[1]));
        if (nidx == 3 && idx[1] > idx[2])
          return FuncError(fmt::format("invalid slice index: {} > {}", idx[1], idx[2]));
        if (item.is_stringish())
          return Value::String(item.str().substr(idx[0], idx[1] - idx[0]), item.type());
        List out(item.list().begin() + idx[0], item.list().begin() + idx[1]);
        return Value::NewList(std::move(out), item.type());
      }};
  f["call"] = {
      {P::kReflect, P::kReflect}, true, [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
        Value fn = Deiface(a[0]);
        if (!fn.valid()) return FuncError("call of nil");
        return FuncError("non-function of type " + fn.TypeName());
      }};
  f["eq"] = {
      {P::kReflect, P::kReflect}, true, [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
        std::vector<Value> rest(a.begin() + 1, a.end());
        ASSIGN_OR_RETURN(bool b, Eq(a[0], rest));
        return Value::Bool(b);
      }};
  f["ne"] = {{P::kReflect, P::kReflect},
             false,
             [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
               ASSIGN_OR_RETURN(bool b, Eq(a[0], {a[1]}));
               return Value::Bool(!b);
             }};
  f["lt"] = {{P::kReflect, P::kReflect},
             false,
             [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
               ASSIGN_OR_RETURN(bool b, Lt(a[0], a[1]));
               return Value::Bool(b);
             }};
  f["le"] = {{P::kReflect, P::kReflect},
             false,
             [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
               ASSIGN_OR_RETURN(bool b, Lt(a[0], a[1]));
               if (b) return Value::Bool(true);
               ASSIGN_OR_RETURN(bool e, Eq(a[0], {a[1]}));
               return Value::Bool(e);
             }};
  f["gt"] = {{P::kReflect, P::kReflect},
             false,
             [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
               ASSIGN_OR_RETURN(bool b, Lt(a[0], a[1]));
               if (b) return Value::Bool(false);
               ASSIGN_OR_RETURN(bool e, Eq(a[0], {a[1]}));
               return Value::Bool(!e);
             }};
  f["ge"] = {{P::kReflect, P::kReflect},
             false,
             [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
               ASSIGN_OR_RETURN(bool b, Lt(a[0], a[1]));
               return Value::Bool(!b);
             }};
  f["print"] = {{P::kAny}, true, [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
                  return Value::String(GoSprint(a));
                }};
  f["println"] = {{P::kAny}, true, [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
                    return Value::String(GoSprintln(a));
                  }};
  f["printf"] = {
      {P::kString, P::kAny}, true, [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
        std::vector<Value> rest(a.begin() + 1, a.end());
        return Value::String(GoSprintf(a[0].str(), rest));
      }};
  f["html"] = {{P::kAny}, true, [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
                 return Value::String(HTMLEscape(EvalArgsString(a)));
               }};
  f["js"] = {{P::kAny}, true, [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
               return Value::String(JSEscape(EvalArgsString(a)));
             }};
  f["urlquery"] = {{P::kAny}, true, [](CallContext&, std::vector<Value>& a) -> StatusOr<Value> {
                     return Value::String(QueryEscape(EvalArgsString(a)));
                   }};
}

const FuncMap& HelmFuncs() {
  static const FuncMap* kFuncs = [] {
    auto* m = new FuncMap();
    // Go looks up user functions before builtins, so Sprig's `slice` replaces the builtin.
    RegisterBuiltins(m);
    RegisterSprigStrings(m);
    RegisterSprigLists(m);
    RegisterSprigDicts(m);
    RegisterSprigMisc(m);
    RegisterSprigCrypto(m);
    RegisterSprigSemver(m);
    RegisterSprigRegex(m);
    RegisterSprigDates(m);
    RegisterHelm(m);
    return m;
  }();
  return *kFuncs;
}

}  // namespace flotilla::gotemplate
