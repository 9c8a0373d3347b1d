#include "agent/values_from.h"

#include <fmt/format.h>

#include "core/yaml.h"
#include "model/json_get.h"
#include "model/resource_type.h"
#include "model/secret.h"

namespace flotilla::agent {
namespace {

constexpr const char* kDefaultKey = "values.yaml";

// Fleet's mergeValues: src over dest, maps recursively.
Json MergeValues(Json dest, const Json& src) {
  for (auto it = src.begin(); it != src.end(); ++it) {
    if (it->is_object() && dest.contains(it.key()) && dest[it.key()].is_object())
      dest[it.key()] = MergeValues(dest[it.key()], *it);
    else
      dest[it.key()] = *it;
  }
  return dest;
}

StatusOr<Json> ReadRef(store::Store& store, const Json& ref, bool secret,
                       const std::string& release_ns, const std::string& where) {
  if (!ref.is_object()) return InvalidArgument(fmt::format("{}: expected an object", where));
  const std::string name = ref.value("name", "");
  if (name.empty()) return InvalidArgument(fmt::format("{}.name: required", where));
  std::string ns = ref.value("namespace", "");
  if (ns.empty()) ns = release_ns;
  std::string key = ref.value("key", "");
  if (key.empty()) key = kDefaultKey;
  const char* kind = secret ? "secret" : "configmap";
  auto obj = store.Get(secret ? model::SecretType() : model::ConfigMapType(), ns, name);
  if (!obj.ok()) {
    if (obj.status().code() == StatusCode::kNotFound)
      return NotFound(fmt::format("{}: {} \"{}/{}\" not found", where, kind, ns, name));
    return obj.status();
  }
  // A Secret's value is base64 (model::SecretValue); a ConfigMap's is the text itself.
  StatusOr<std::string> text = NotFound("no key");
  if (secret) {
    text = model::SecretValue(*obj, key);
  } else if (const Json& v = model::At(*obj, {"data", key}); v.is_string()) {
    text = v.get<std::string>();
  }
  if (!text.ok() && text.status().code() == StatusCode::kNotFound)
    return NotFound(fmt::format("{}: {} \"{}/{}\" has no key \"{}\"", where, kind, ns, name, key));
  if (!text.ok())
    return InvalidArgument(
        fmt::format("{}: secret \"{}/{}\" key \"{}\" is not base64", where, ns, name, key));
  auto values = ParseYaml(*text, fmt::format("{} \"{}/{}\" key \"{}\"", kind, ns, name, key));
  if (!values.ok()) return values.status().WithContext(where);
  if (values->is_null()) return Json::object();
  if (!values->is_object())
    return InvalidArgument(fmt::format("{}: {} \"{}/{}\" key \"{}\": values must be a map", where,
                                       kind, ns, name, key));
  return *values;
}

}  // namespace

StatusOr<Json> ResolveValuesFrom(store::Store& store, Json options) {
  if (!options.is_object() || !options.contains("helm") || !options["helm"].is_object())
    return options;
  Json& helm = options["helm"];
  if (!helm.contains("valuesFrom") || !helm["valuesFrom"].is_array()) return options;
  std::string release_ns = options.value("namespace", "");
  if (release_ns.empty()) release_ns = options.value("defaultNamespace", "");
  if (release_ns.empty()) release_ns = "default";
  Json values = helm.value("values", Json::object());
  if (!values.is_object()) values = Json::object();
  const Json refs = helm["valuesFrom"];
  for (size_t i = 0; i < refs.size(); i++) {
    const Json& entry = refs[i];
    if (!entry.is_object()) continue;
    // ConfigMap first, Secret last (Fleet: "merge secret last to be compatible with <= 0.6.0").
    for (bool secret : {false, true}) {
      const char* field = secret ? "secretKeyRef" : "configMapKeyRef";
      if (!entry.contains(field) || entry[field].is_null()) continue;
      ASSIGN_OR_RETURN(Json v, ReadRef(store, entry[field], secret, release_ns,
                                       fmt::format("helm.valuesFrom[{}].{}", i, field)));
      values = MergeValues(std::move(values), v);
    }
  }
  helm["values"] = values;
  helm.erase("valuesFrom");
  return options;
}

}  // namespace flotilla::agent
