// Helm's template functions (helm/pkg/engine/funcs.go and engine.go): include, tpl, required,
// fail, lookup, toYaml/fromYaml, toJson/fromJson, toToml.
#include <fmt/format.h>

#include "core/yaml.h"
#include "render/gotemplate/funcs.h"
#include "render/gotemplate/gojson.h"
#include "render/gotemplate/gotoml.h"
#include "render/gotemplate/goyaml.h"

namespace flotilla::gotemplate {
namespace {

using P = Param;
using Args = std::vector<Value>;

Value S(std::string s) { return Value::String(std::move(s)); }

std::string TrimNewline(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// sigs.k8s.io/yaml.Unmarshal into a Go value: YAML -> JSON -> float64 numbers.
StatusOr<Value> YamlToValue(const std::string& text) {
  auto docs = ParseYamlStream(text);
  if (!docs.ok())
    return InvalidArgument("error converting YAML to JSON: yaml: " + docs.status().message());
  if (docs->empty()) return Value::Nil();
  return Value::FromJson((*docs)[0], false);
}

std::string JsonKind(const Value& v) {
  if (v.is_map()) return "object";
  if (v.is_list()) return "array";
  if (v.is_string()) return "string";
  if (v.is_bool()) return "bool";
  return "number";
}

}  // namespace

std::string HelmWarnWrap(const std::string& msg) { return "HELM_ERR_START" + msg + "HELM_ERR_END"; }

void RegisterHelm(FuncMap* m) {
  auto& f = *m;
  f["toYaml"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   auto y = GoYamlMarshal(a[0]);
                   if (!y.ok()) return S("");
                   return S(TrimNewline(*y));
                 }};
  f["mustToYaml"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                       ASSIGN_OR_RETURN(std::string y, GoYamlMarshal(a[0]));
                       return S(TrimNewline(y));
                     }};
  f["toYamlPretty"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                         auto y = GoYamlMarshal(a[0], /*yaml_v3_pretty=*/true);
                         if (!y.ok()) return S("");
                         return S(TrimNewline(*y));
                       }};
  f["fromYaml"] = {
      {P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        auto v = YamlToValue(a[0].str());
        if (!v.ok()) {
          Map m;
          m["Error"] = S(v.status().message());
          return Value::NewMap(std::move(m));
        }
        if (v->is_nil()) return Value::NewMap();
        if (!v->is_map()) {
          Map m;
          m["Error"] = S(
              std::string("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ") +
              (v->is_list()     ? "array"
               : v->is_string() ? "string"
               : v->is_bool()   ? "bool"
                                : "number") +
              " into Go value of type map[string]interface {}");
          return Value::NewMap(std::move(m));
        }
        return *v;
      }};
  f["fromYamlArray"] = {
      {P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        auto v = YamlToValue(a[0].str());
        if (!v.ok()) return Value::NewList({S(v.status().message())});
        if (v->is_nil()) return Value::NewList();
        if (!v->is_list())
          return Value::NewList({S(
              std::string("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ") +
              (v->is_map()      ? "object"
               : v->is_string() ? "string"
               : v->is_bool()   ? "bool"
                                : "number") +
              " into Go value of type []interface {}")});
        return *v;
      }};
  f["toJson"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   auto j = GoJsonMarshal(a[0]);
                   return S(j.ok() ? *j : "");
                 }};
  f["mustToJson"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                       ASSIGN_OR_RETURN(std::string j, GoJsonMarshal(a[0]));
                       return S(j);
                     }};
  f["fromJson"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                     auto v = GoJsonUnmarshal(a[0].str());
                     if (v.ok() && v->is_nil()) return Value::NewMap();
                     if (!v.ok() || !v->is_map()) {
                       Map m;
                       m["Error"] = S(v.ok() ? "json: cannot unmarshal " + JsonKind(*v) +
                                                   " into Go value of type map[string]interface {}"
                                             : v.status().message());
                       return Value::NewMap(std::move(m));
                     }
                     return *v;
                   }};
  f["fromJsonArray"] = {
      {P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        auto v = GoJsonUnmarshal(a[0].str());
        if (v.ok() && v->is_nil()) return Value::NewList();
        if (!v.ok() || !v->is_list())
          return Value::NewList({S(v.ok() ? "json: cannot unmarshal " + JsonKind(*v) +
                                                " into Go value of type []interface {}"
                                          : v.status().message())});
        return *v;
      }};
  f["toToml"] = {{P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   // BurntSushi's encoder panics (uncaught) on a nil value.
                   if (a[0].is_nil())
                     return FuncError("reflect: call of reflect.Value.Type on zero Value");
                   auto t = GoTomlMarshal(a[0]);
                   return S(t.ok() ? *t : t.status().message());
                 }};
  f["include"] = {{P::kString, P::kAny}, false, [](CallContext& ctx, Args& a) -> StatusOr<Value> {
                    ASSIGN_OR_RETURN(std::string out, ctx.IncludeTemplate(a[0].str(), a[1]));
                    return S(std::move(out));
                  }};
  f["tpl"] = {{P::kString, P::kAny}, false, [](CallContext& ctx, Args& a) -> StatusOr<Value> {
                ASSIGN_OR_RETURN(std::string out, ctx.Tpl(a[0].str(), a[1]));
                return S(std::move(out));
              }};
  f["required"] = {{P::kString, P::kAny}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                     const Value& v = a[1];
                     if (v.is_nil() || (v.is_string() && v.str().empty()))
                       return FuncError(HelmWarnWrap(a[0].str()));
                     return v;
                   }};
  f["fail"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                 return FuncError(HelmWarnWrap(a[0].str()));
               }};
  // helm template has no cluster: lookup returns an empty map.
  f["lookup"] = {{P::kString, P::kString, P::kString, P::kString},
                 false,
                 [](CallContext&, Args&) -> StatusOr<Value> { return Value::NewMap(); }};
}

}  // namespace flotilla::gotemplate
