// Sprig v3 list and dict functions (list.go, dict.go).
#include <cmath>

#include <fmt/format.h>

#include "render/gotemplate/funcs.h"
#include "render/gotemplate/gofmt.h"

namespace flotilla::gotemplate {
namespace {

using P = Param;
using Args = std::vector<Value>;

// reflect.TypeOf(v).Kind() as Sprig's error messages print it.
std::string KindForError(const Value& v) { return v.is_nil() ? "invalid" : v.KindName(); }

// Sprig functions taking `list interface{}` panic on nil (reflect.TypeOf(nil).Kind()).
Status NilListPanic() {
  return FuncError("runtime error: invalid memory address or nil pointer dereference");
}

#define LIST_OR_RETURN(items, v, what)     \
  std::vector<Value> items;                \
  if ((v).is_nil()) return NilListPanic(); \
  if (!AsList((v), &items))                \
    return FuncError(fmt::format("Cannot {} type {}", what, KindForError(v)));

Value L(List l) { return Value::NewList(std::move(l)); }

bool InList(const List& haystack, const Value& needle) {
  for (const auto& h : haystack)
    if (h.DeepEqual(needle)) return true;
  return false;
}

bool MergoEmpty(const Value& v) {
  if (v.is_nil()) return true;
  if (v.is_object()) return false;
  return !v.Truth();
}

void MergeInto(Map& dst, const Map& src, bool overwrite, int depth = 0) {
  if (depth > 10000) return;
  for (const auto& [k, s] : src) {
    auto it = dst.find(k);
    bool exists = it != dst.end();
    if (s.type() == GoType::kNilIface) {
      if (overwrite) dst[k] = s;
      continue;
    }
    if (s.is_map()) {
      if (exists && it->second.is_map())
        MergeInto(it->second.mutable_map(), s.map(), overwrite, depth + 1);
      if (exists && !MergoEmpty(it->second)) continue;
      dst[k] = s;
      continue;
    }
    if (s.is_list()) {
      if (exists && !MergoEmpty(it->second) && !overwrite) continue;
      dst[k] = s;
      continue;
    }
    if (overwrite || !exists || MergoEmpty(it->second)) dst[k] = s;
  }
}

Function MustPair(const FuncImpl& impl, std::vector<P> params, bool variadic = false) {
  return Function{std::move(params), variadic, impl};
}

}  // namespace

void RegisterSprigLists(FuncMap* m) {
  auto& f = *m;
  auto list = Function{{P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                         List l;
                         for (auto& v : a) l.push_back(v.valid() ? v : Value::Nil());
                         return L(std::move(l));
                       }};
  f["list"] = list;
  f["tuple"] = list;
  auto push = [](const char* what) {
    return [what](CallContext&, Args& a) -> StatusOr<Value> {
      LIST_OR_RETURN(items, a[0], what);
      items.push_back(a[1]);
      return L(std::move(items));
    };
  };
  f["push"] = f["append"] = f["mustPush"] = f["mustAppend"] =
      MustPair(push("push on"), {P::kAny, P::kAny});
  f["prepend"] = f["mustPrepend"] = MustPair(
      [](CallContext&, Args& a) -> StatusOr<Value> {
        LIST_OR_RETURN(items, a[0], "prepend on");
        items.insert(items.begin(), a[1]);
        return L(std::move(items));
      },
      {P::kAny, P::kAny});
  f["chunk"] = f["mustChunk"] = MustPair(
      [](CallContext&, Args& a) -> StatusOr<Value> {
        LIST_OR_RETURN(items, a[1], "chunk");
        int64_t size = a[0].int_value();
        int64_t l = static_cast<int64_t>(items.size());
        if (size == 0) return FuncError("runtime error: makeslice: len out of range");
        int64_t cs = static_cast<int64_t>(std::floor(static_cast<double>(l - 1) / size) + 1);
        if (cs < 0) return FuncError("runtime error: makeslice: len out of range");
        List out;
        for (int64_t i = 0; i < cs; i++) {
          int64_t clen = size;
          if (i == cs - 1) {
            clen = static_cast<int64_t>(std::fmod(static_cast<double>(l), size));
            if (clen == 0) clen = size;
          }
          List c;
          for (int64_t j = 0; j < clen && i * size + j < l; j++) c.push_back(items[i * size + j]);
          out.push_back(L(std::move(c)));
        }
        return Value::NewList(std::move(out), GoType::kList);
      },
      {P::kInt, P::kAny});
  f["first"] = f["mustFirst"] = MustPair(
      [](CallContext&, Args& a) -> StatusOr<Value> {
        LIST_OR_RETURN(items, a[0], "find first on");
        if (items.empty()) return Value::Nil();
        return items.front();
      },
      {P::kAny});
  f["last"] = f["mustLast"] = MustPair(
      [](CallContext&, Args& a) -> StatusOr<Value> {
        LIST_OR_RETURN(items, a[0], "find last on");
        if (items.empty()) return Value::Nil();
        return items.back();
      },
      {P::kAny});
  f["rest"] = f["mustRest"] = MustPair(
      [](CallContext&, Args& a) -> StatusOr<Value> {
        LIST_OR_RETURN(items, a[0], "find rest on");
        if (items.empty()) return Value::NilList();
        return L(List(items.begin() + 1, items.end()));
      },
      {P::kAny});
  f["initial"] = f["mustInitial"] = MustPair(
      [](CallContext&, Args& a) -> StatusOr<Value> {
        LIST_OR_RETURN(items, a[0], "find initial on");
        if (items.empty()) return Value::NilList();
        return L(List(items.begin(), items.end() - 1));
      },
      {P::kAny});
  f["reverse"] = f["mustReverse"] = MustPair(
      [](CallContext&, Args& a) -> StatusOr<Value> {
        LIST_OR_RETURN(items, a[0], "find reverse on");
        return L(List(items.rbegin(), items.rend()));
      },
      {P::kAny});
  f["compact"] = f["mustCompact"] = MustPair(
      [](CallContext&, Args& a) -> StatusOr<Value> {
        LIST_OR_RETURN(items, a[0], "compact");
        List out;
        for (auto& v : items)
          if (!IsEmpty(v)) out.push_back(v);
        return L(std::move(out));
      },
      {P::kAny});
  f["uniq"] = f["mustUniq"] = MustPair(
      [](CallContext&, Args& a) -> StatusOr<Value> {
        LIST_OR_RETURN(items, a[0], "find uniq on");
        List out;
        for (auto& v : items)
          if (!InList(out, v)) out.push_back(v);
        return L(std::move(out));
      },
      {P::kAny});
  f["without"] = f["mustWithout"] = MustPair(
      [](CallContext&, Args& a) -> StatusOr<Value> {
        LIST_OR_RETURN(items, a[0], "find without on");
        List omit(a.begin() + 1, a.end());
        List out;
        for (auto& v : items)
          if (!InList(omit, v)) out.push_back(v);
        return L(std::move(out));
      },
      {P::kAny, P::kAny}, true);
  f["has"] = f["mustHas"] = MustPair(
      [](CallContext&, Args& a) -> StatusOr<Value> {
        if (a[1].is_nil()) return Value::Bool(false);
        std::vector<Value> items;
        if (!AsList(a[1], &items))
          return FuncError("Cannot find has on type " + KindForError(a[1]));
        return Value::Bool(InList(items, a[0]));
      },
      {P::kAny, P::kAny});
  f["slice"] = f["mustSlice"] = MustPair(
      [](CallContext&, Args& a) -> StatusOr<Value> {
        const Value& l = a[0];
        if (l.is_nil()) return NilListPanic();
        if (!l.is_list() && l.type() != GoType::kBytes)
          return FuncError("list should be type of slice or array but " + KindForError(l));
        size_t len = l.Len();
        if (len == 0) return Value::Nil();
        int64_t start = 0, end = static_cast<int64_t>(len);
        if (a.size() > 1) start = ToInt64(a[1]);
        if (a.size() > 2) end = ToInt64(a[2]);
        if (start < 0 || end < start || end > static_cast<int64_t>(len))
          return FuncError(fmt::format("reflect: slice index out of range"));
        if (l.type() == GoType::kBytes)
          return Value::String(l.str().substr(start, end - start), GoType::kBytes);
        return Value::NewList(List(l.list().begin() + start, l.list().begin() + end), l.type());
      },
      {P::kAny, P::kAny}, true);
  f["concat"] = {{P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                   List out;
                   for (auto& l : a) {
                     if (l.is_nil()) return NilListPanic();
                     std::vector<Value> items;
                     if (!AsList(l, &items))
                       return FuncError("Cannot concat type " + KindForError(l) + " as list");
                     out.insert(out.end(), items.begin(), items.end());
                   }
                   if (out.empty()) return Value::NilList();
                   return L(std::move(out));
                 }};
  f["until"] = {{P::kInt}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                  int64_t n = a[0].int_value();
                  int64_t step = n < 0 ? -1 : 1;
                  if (std::abs(n) > 10'000'000) return ResourceExhausted("until: count too large");
                  List out;
                  for (int64_t i = 0; step > 0 ? i < n : i > n; i += step)
                    out.push_back(Value::Int(i));
                  return Value::NewList(std::move(out), GoType::kIntList);
                }};
  f["untilStep"] = {
      {P::kInt, P::kInt, P::kInt}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        int64_t start = a[0].int_value(), stop = a[1].int_value(), step = a[2].int_value();
        List out;
        if (stop < start) {
          if (step < 0) {
            for (int64_t i = start; i > stop; i += step) {
              out.push_back(Value::Int(i));
              if (out.size() > 10'000'000) return ResourceExhausted("untilStep: too many elements");
            }
          }
        } else if (step > 0) {
          for (int64_t i = start; i < stop; i += step) {
            out.push_back(Value::Int(i));
            if (out.size() > 10'000'000) return ResourceExhausted("untilStep: too many elements");
          }
        }
        return Value::NewList(std::move(out), GoType::kIntList);
      }};
}

void RegisterSprigDicts(FuncMap* m) {
  auto& f = *m;
  f["dict"] = {{P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                 Map d;
                 for (size_t i = 0; i < a.size(); i += 2) {
                   std::string key = StrVal(a[i]);
                   if (i + 1 >= a.size()) {
                     d[key] = Value::String("");
                     continue;
                   }
                   d[key] = a[i + 1].valid() ? a[i + 1] : Value::Nil();
                 }
                 return Value::NewMap(std::move(d));
               }};
  f["get"] = {{P::kMap, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                if (a[0].is_nil()) return Value::String("");
                auto it = a[0].map().find(a[1].str());
                if (it == a[0].map().end()) return Value::String("");
                return it->second;
              }};
  f["set"] = {{P::kMap, P::kString, P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                if (a[0].is_nil()) return FuncError("assignment to entry in nil map");
                a[0].mutable_map()[a[1].str()] = a[2].valid() ? a[2] : Value::Nil();
                return a[0].WithType(GoType::kMap);
              }};
  f["unset"] = {{P::kMap, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                  if (a[0].is_nil()) return Value::NewMap();
                  a[0].mutable_map().erase(a[1].str());
                  return a[0].WithType(GoType::kMap);
                }};
  f["hasKey"] = {{P::kMap, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   if (a[0].is_nil()) return Value::Bool(false);
                   return Value::Bool(a[0].map().count(a[1].str()) > 0);
                 }};
  f["pluck"] = {{P::kString, P::kMap}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                  List out;
                  for (size_t i = 1; i < a.size(); i++) {
                    if (a[i].is_nil()) continue;
                    auto it = a[i].map().find(a[0].str());
                    if (it != a[i].map().end()) out.push_back(it->second);
                  }
                  return L(std::move(out));
                }};
  f["keys"] = {{P::kMap}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                 // Go map iteration order is random; sorted order is one of the possible ones.
                 List out;
                 for (auto& d : a) {
                   if (d.is_nil()) continue;
                   for (auto& [k, v] : d.map()) out.push_back(Value::String(k));
                 }
                 return Value::NewList(std::move(out), GoType::kStringList);
               }};
  f["values"] = {{P::kMap}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   List out;
                   if (!a[0].is_nil())
                     for (auto& [k, v] : a[0].map()) out.push_back(v);
                   return L(std::move(out));
                 }};
  f["pick"] = {{P::kMap, P::kString}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                 Map out;
                 if (!a[0].is_nil()) {
                   for (size_t i = 1; i < a.size(); i++) {
                     auto it = a[0].map().find(a[i].str());
                     if (it != a[0].map().end()) out[it->first] = it->second;
                   }
                 }
                 return Value::NewMap(std::move(out));
               }};
  f["omit"] = {{P::kMap, P::kString}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
                 Map out;
                 if (!a[0].is_nil()) {
                   for (auto& [k, v] : a[0].map()) {
                     bool omit = false;
                     for (size_t i = 1; i < a.size(); i++) omit = omit || a[i].str() == k;
                     if (!omit) out[k] = v;
                   }
                 }
                 return Value::NewMap(std::move(out));
               }};
  auto merge = [](bool overwrite) {
    return [overwrite](CallContext&, Args& a) -> StatusOr<Value> {
      Value dst = a[0].is_nil() ? Value::NewMap() : a[0].WithType(GoType::kMap);
      for (size_t i = 1; i < a.size(); i++) {
        if (a[i].is_nil()) continue;
        MergeInto(dst.mutable_map(), a[i].map(), overwrite);
      }
      return dst;
    };
  };
  f["merge"] = f["mustMerge"] = Function{{P::kMap, P::kMap}, true, merge(false)};
  f["mergeOverwrite"] = f["mustMergeOverwrite"] = Function{{P::kMap, P::kMap}, true, merge(true)};
  auto deep_copy =
      Function{{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                 if (a[0].is_nil())
                   return FuncError("reflect: call of reflect.Value.Type on zero Value");
                 return a[0].DeepCopy();
               }};
  f["deepCopy"] = deep_copy;
  f["mustDeepCopy"] = deep_copy;
  f["dig"] = {
      {P::kAny}, true, [](CallContext&, Args& a) -> StatusOr<Value> {
        if (a.size() < 3) return FuncError("dig needs at least three arguments");
        const Value& dict = a.back();
        if (dict.type() != GoType::kMap)
          return FuncError("interface conversion: interface {} is " +
                           (dict.is_nil() ? std::string("nil") : dict.TypeName()) +
                           ", not map[string]interface {}");
        const Value& def = a[a.size() - 2];
        Value cur = dict;
        for (size_t i = 0; i + 2 < a.size(); i++) {
          if (!a[i].is_string())
            return FuncError("interface conversion: interface {} is " +
                             (a[i].is_nil() ? std::string("nil") : a[i].TypeName()) +
                             ", not string");
          auto it = cur.map().find(a[i].str());
          if (it == cur.map().end()) return def;
          if (i + 3 == a.size()) return it->second;
          if (it->second.type() != GoType::kMap)
            return FuncError("interface conversion: interface {} is " +
                             (it->second.is_nil() ? std::string("nil") : it->second.TypeName()) +
                             ", not map[string]interface {}");
          cur = it->second;
        }
        return def;
      }};
}

}  // namespace flotilla::gotemplate
