// Sprig v3 string functions (strings.go and the string entries of functions.go).
#include <algorithm>

#include <fmt/format.h>

#include "render/gotemplate/funcs.h"
#include "render/gotemplate/gofmt.h"
#include "render/gotemplate/lexer.h"
#include "render/gotemplate/strutil.h"

namespace flotilla::gotemplate {
namespace {

using P = Param;
using Args = std::vector<Value>;

Value S(std::string s) { return Value::String(std::move(s)); }

std::string Replace(const std::string& src, const std::string& old, const std::string& neu,
                    int n = -1) {
  if (old.empty()) {
    // strings.Replace with empty old inserts `neu` around every rune.
    std::string out;
    int count = 0;
    size_t i = 0;
    while (i <= src.size()) {
      if (n >= 0 && count >= n) {
        out.append(src, i, std::string::npos);
        return out;
      }
      out += neu;
      count++;
      if (i == src.size()) break;
      int w;
      DecodeRune(src, i, &w);
      out.append(src, i, w);
      i += w;
    }
    return out;
  }
  std::string out;
  size_t last = 0;
  int count = 0;
  for (size_t p = src.find(old); p != std::string::npos; p = src.find(old, last)) {
    if (n >= 0 && count >= n) break;
    out.append(src, last, p - last);
    out += neu;
    last = p + old.size();
    count++;
  }
  out.append(src, last, std::string::npos);
  return out;
}

std::string Abbreviate(const std::string& str, int offset, int max_width) {
  if (str.empty()) return "";
  int len = static_cast<int>(str.size());
  if (len <= max_width) return str;
  if (offset > len) offset = len;
  if (len - offset < max_width - 3) offset = len - (max_width - 3);
  if (offset <= 4) return str.substr(0, max_width - 3) + "...";
  if (max_width < 7) return str;
  if (offset + (max_width - 3) < len)
    return "..." + Abbreviate(str.substr(offset), 0, max_width - 3);
  return "..." + str.substr(len - (max_width - 3));
}

std::string Wrap(const std::string& str, int wrap_length, std::string nl, bool long_words) {
  if (str.empty()) return "";
  if (nl.empty()) nl = "\n";
  if (wrap_length < 1) wrap_length = 1;
  int len = static_cast<int>(str.size());
  int offset = 0;
  std::string out;
  while (len - offset > wrap_length) {
    if (str[offset] == ' ') {
      offset++;
      continue;
    }
    int end = wrap_length + offset + 1;
    size_t sp = str.substr(offset, end - offset).rfind(' ');
    int space_at = sp == std::string::npos ? offset - 1 : static_cast<int>(sp) + offset;
    if (space_at >= offset) {
      out += str.substr(offset, space_at - offset) + nl;
      offset = space_at + 1;
    } else if (long_words) {
      out += str.substr(offset, wrap_length) + nl;
      offset += wrap_length;
    } else {
      int e = wrap_length + offset;
      size_t idx = str.find(' ', e);
      if (idx == std::string::npos) {
        out += str.substr(offset);
        offset = len;
      } else {
        out += str.substr(offset, idx - offset) + nl;
        offset = static_cast<int>(idx) + 1;
      }
    }
  }
  out += str.substr(std::min(offset, len));
  return out;
}

std::vector<std::string> SplitAll(const std::string& s, const std::string& sep, int n = -1) {
  std::vector<std::string> out;
  if (n == 0) return out;
  if (sep.empty()) {
    for (size_t i = 0; i < s.size();) {
      if (n > 0 && static_cast<int>(out.size()) == n - 1) {
        out.push_back(s.substr(i));
        return out;
      }
      int w;
      DecodeRune(s, i, &w);
      out.push_back(s.substr(i, w));
      i += w;
    }
    return out;
  }
  size_t last = 0;
  for (;;) {
    if (n > 0 && static_cast<int>(out.size()) == n - 1) break;
    size_t p = s.find(sep, last);
    if (p == std::string::npos) break;
    out.push_back(s.substr(last, p - last));
    last = p + sep.size();
  }
  out.push_back(s.substr(last));
  return out;
}

Value StringList(const std::vector<std::string>& v) {
  List l;
  l.reserve(v.size());
  for (const auto& s : v) l.push_back(Value::String(s));
  return Value::NewList(std::move(l), GoType::kStringList);
}

std::string TrimCutset(const std::string& s, const std::string& cutset, bool left, bool right) {
  auto in = [&](char32_t r) {
    for (size_t i = 0; i < cutset.size();) {
      int w;
      char32_t c = DecodeRune(cutset, i, &w);
      i += w;
      if (c == r) return true;
    }
    return false;
  };
  size_t b = 0, e = s.size();
  while (left && b < e) {
    int w;
    char32_t r = DecodeRune(s, b, &w);
    if (!in(r)) break;
    b += w;
  }
  while (right && e > b) {
    size_t p = e - 1;
    while (p > b && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) p--;
    int w;
    char32_t r = DecodeRune(s, p, &w);
    if (!in(r)) break;
    e = p;
  }
  return s.substr(b, e - b);
}

}  // namespace

std::vector<std::string> StrSlice(const Value& v) {
  std::vector<std::string> out;
  if (v.type() == GoType::kStringList) {
    for (const auto& e : v.list()) out.push_back(e.str());
    return out;
  }
  std::vector<Value> items;
  if (AsList(v, &items)) {
    for (const auto& e : items)
      if (!e.is_nil()) out.push_back(StrVal(e));
    return out;
  }
  if (v.is_nil()) return out;
  out.push_back(StrVal(v));
  return out;
}

void RegisterSprigStrings(FuncMap* m) {
  auto& f = *m;
  auto str1 = [](std::string (*fn)(const std::string&)) {
    return Function{{P::kString}, false, [fn](CallContext&, Args& a) -> StatusOr<Value> {
                      return S(fn(a[0].str()));
                    }};
  };
  f["trim"] = str1([](const std::string& s) { return TrimSpace(s); });
  f["upper"] = str1([](const std::string& s) { return ToUpper(s); });
  f["lower"] = str1([](const std::string& s) { return ToLower(s); });
  f["title"] = str1([](const std::string& s) { return Title(s); });
  f["untitle"] = str1([](const std::string& s) { return Untitle(s); });
  f["nospace"] = str1([](const std::string& s) { return DeleteWhiteSpace(s); });
  f["initials"] = str1([](const std::string& s) { return Initials(s); });
  f["swapcase"] = str1([](const std::string& s) { return SwapCase(s); });
  f["snakecase"] = str1([](const std::string& s) { return CamelToLower(s, '_'); });
  f["kebabcase"] = str1([](const std::string& s) { return CamelToLower(s, '-'); });
  f["camelcase"] = str1([](const std::string& s) { return ToCamelCase(s); });
  f["b64enc"] = str1([](const std::string& s) { return Base64Encode(s); });
  f["b64dec"] = str1([](const std::string& s) {
    auto out = Base64DecodeStrict(s);
    return out.ok() ? *out : out.status().message();
  });
  f["b32enc"] = str1([](const std::string& s) { return Base32Encode(s); });
  f["b32dec"] = str1([](const std::string& s) {
    std::string out;
    std::string err;
    if (!Base32Decode(s, &out, &err)) return err;
    return out;
  });
  f["abbrev"] = {{P::kInt, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   int w = static_cast<int>(a[0].int_value());
                   if (w < 4) return a[1];
                   return S(Abbreviate(a[1].str(), 0, w));
                 }};
  f["abbrevboth"] = {
      {P::kInt, P::kInt, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        int l = static_cast<int>(a[0].int_value());
        int r = static_cast<int>(a[1].int_value());
        if (r < 4 || (l > 0 && r < 7)) return a[2];
        return S(Abbreviate(a[2].str(), l, r));
      }};
  f["trunc"] = {{P::kInt, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                  int64_t c = a[0].int_value();
                  const std::string& s = a[1].str();
                  int64_t len = static_cast<int64_t>(s.size());
                  if (c < 0 && len + c > 0) return S(s.substr(len + c));
                  if (c >= 0 && len > c) return S(s.substr(0, c));
                  return a[1];
                }};
  f["substr"] = {
      {P::kInt, P::kInt, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        int64_t start = a[0].int_value(), end = a[1].int_value();
        const std::string& s = a[2].str();
        int64_t len = static_cast<int64_t>(s.size());
        if (start < 0) {
          if (end < 0 || end > len)
            return FuncError(fmt::format(
                "runtime error: slice bounds out of range [:{}] with length {}", end, len));
          return S(s.substr(0, end));
        }
        if (end < 0 || end > len) {
          if (start > len)
            return FuncError(
                fmt::format("runtime error: slice bounds out of range [{}:{}]", start, len));
          return S(s.substr(start));
        }
        if (start > end)
          return FuncError(
              fmt::format("runtime error: slice bounds out of range [{}:{}]", start, end));
        return S(s.substr(start, end - start));
      }};
  f["repeat"] = {{P::kInt, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   int64_t n = a[0].int_value();
                   if (n < 0) return FuncError("strings: negative Repeat count");
                   if (n * a[1].str().size() > (64u << 20))
                     return ResourceExhausted("repeat: result exceeds 64 MiB");
                   std::string out;
                   for (int64_t i = 0; i < n; i++) out += a[1].str();
                   return S(std::move(out));
                 }};
  auto trimall =
      Function{{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                 return S(TrimCutset(a[1].str(), a[0].str(), true, true));
               }};
  f["trimall"] = trimall;
  f["trimAll"] = trimall;
  f["trimSuffix"] = {
      {P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        const std::string &suf = a[0].str(), &s = a[1].str();
        if (s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0)
          return S(s.substr(0, s.size() - suf.size()));
        return a[1];
      }};
  f["trimPrefix"] = {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                       const std::string &pre = a[0].str(), &s = a[1].str();
                       if (s.compare(0, pre.size(), pre) == 0) return S(s.substr(pre.size()));
                       return a[1];
                     }};
  f["wrap"] = {{P::kInt, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                 return S(Wrap(a[1].str(), static_cast<int>(a[0].int_value()), "\n", false));
               }};
  f["wrapWith"] = {
      {P::kInt, P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        return S(Wrap(a[2].str(), static_cast<int>(a[0].int_value()), a[1].str(), true));
      }};
  f["contains"] = {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                     return Value::Bool(a[1].str().find(a[0].str()) != std::string::npos);
                   }};
  f["hasPrefix"] = {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                      return Value::Bool(a[1].str().compare(0, a[0].str().size(), a[0].str()) == 0);
                    }};
  f["hasSuffix"] = {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                      const std::string &suf = a[0].str(), &s = a[1].str();
                      return Value::Bool(s.size() >= suf.size() &&
                                         s.compare(s.size() - suf.size(), suf.size(), suf) == 0);
                    }};
  f["quote"] = {{P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                  std::string out;
                  bool first = true;
                  for (const auto& v : a) {
                    if (v.is_nil()) continue;
                    if (!first) out += " ";
                    first = false;
                    out += GoQuote(StrVal(v));
                  }
                  return S(std::move(out));
                }};
  f["squote"] = {{P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                   std::string out;
                   bool first = true;
                   for (const auto& v : a) {
                     if (v.is_nil()) continue;
                     if (!first) out += " ";
                     first = false;
                     out += "'" + FormatV(v) + "'";
                   }
                   return S(std::move(out));
                 }};
  f["cat"] = {{P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                std::string out;
                bool first = true;
                for (const auto& v : a) {
                  if (v.is_nil()) continue;
                  if (!first) out += " ";
                  first = false;
                  out += FormatV(v);
                }
                return S(std::move(out));
              }};
  f["indent"] = {{P::kInt, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   int64_t n = a[0].int_value();
                   if (n < 0) return FuncError("strings: negative Repeat count");
                   std::string pad(n, ' ');
                   return S(pad + Replace(a[1].str(), "\n", "\n" + pad));
                 }};
  f["nindent"] = {{P::kInt, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                    int64_t n = a[0].int_value();
                    if (n < 0) return FuncError("strings: negative Repeat count");
                    std::string pad(n, ' ');
                    return S("\n" + pad + Replace(a[1].str(), "\n", "\n" + pad));
                  }};
  f["replace"] = {
      {P::kString, P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        return S(Replace(a[2].str(), a[0].str(), a[1].str()));
      }};
  f["plural"] = {
      {P::kString, P::kString, P::kInt}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        return a[2].int_value() == 1 ? a[0] : a[1];
      }};
  f["toString"] = {
      {P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> { return S(StrVal(a[0])); }};
  f["toStrings"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                      return StringList(StrSlice(a[0]));
                    }};
  f["join"] = {{P::kString, P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                 std::vector<std::string> parts = StrSlice(a[1]);
                 std::string out;
                 for (size_t i = 0; i < parts.size(); i++) {
                   if (i > 0) out += a[0].str();
                   out += parts[i];
                 }
                 return S(std::move(out));
               }};
  f["sortAlpha"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                      std::vector<Value> items;
                      std::vector<std::string> s;
                      if (AsList(a[0], &items)) {
                        s = StrSlice(a[0]);
                        std::sort(s.begin(), s.end());
                      } else {
                        s = {StrVal(a[0])};
                      }
                      return StringList(s);
                    }};
  f["split"] = {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                  Map out;
                  auto parts = SplitAll(a[1].str(), a[0].str());
                  for (size_t i = 0; i < parts.size(); i++)
                    out["_" + std::to_string(i)] = S(parts[i]);
                  return Value::NewMap(std::move(out), GoType::kStringMap);
                }};
  f["splitn"] = {
      {P::kString, P::kInt, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        Map out;
        auto parts = SplitAll(a[2].str(), a[0].str(), static_cast<int>(a[1].int_value()));
        for (size_t i = 0; i < parts.size(); i++) out["_" + std::to_string(i)] = S(parts[i]);
        return Value::NewMap(std::move(out), GoType::kStringMap);
      }};
  f["splitList"] = {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                      return StringList(SplitAll(a[1].str(), a[0].str()));
                    }};
  f["atoi"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                 // strconv.Atoi: base 10 only, optional sign.
                 const std::string& s = a[0].str();
                 size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
                 if (i == s.size() || s.find_first_not_of("0123456789", i) != std::string::npos)
                   return Value::Int(0);
                 errno = 0;
                 long long v = strtoll(s.c_str(), nullptr, 10);
                 if (errno == ERANGE) return Value::Int(0);
                 return Value::Int(v);
               }};
}

}  // namespace flotilla::gotemplate
