#include "registration/objects.h"

#include "model/resource_type.h"
#include "registration/registration.h"

namespace flotilla::registration::internal {

StatusOr<Json> Apply(store::Store& store, const store::ResourceType& type, const Json& want) {
  const std::string ns = store::NamespaceOf(want), name = store::NameOf(want);
  auto got = store.Get(type, ns, name);
  if (!got.ok() && got.status().code() == StatusCode::kNotFound) {
    auto created = store.Create(type, want);
    if (created.ok() || created.status().code() != StatusCode::kAlreadyExists) return created;
    got = store.Get(type, ns, name);
  }
  if (!got.ok()) return got.status();
  return store::Mutate(store, type, ns, name, false, [&](Json& cur) {
    bool changed = false;
    for (const char* field : {"labels", "annotations"}) {
      if (!want["metadata"].contains(field)) continue;
      for (const auto& [k, v] : want["metadata"][field].items()) {
        Json& m = cur["metadata"][field];
        if (!m.is_object()) m = Json::object();
        if (m.value(k, Json()) != v) {
          m[k] = v;
          changed = true;
        }
      }
    }
    for (const auto& [k, v] : want.items()) {
      if (k == "metadata" || k == "status" || k == "apiVersion" || k == "kind") continue;
      if (cur.value(k, Json()) != v) {
        cur[k] = v;
        changed = true;
      }
    }
    return changed;
  });
}

Status DeleteIfExists(store::Store& store, const store::ResourceType& type, const std::string& ns,
                      const std::string& name) {
  auto d = store.Delete(type, ns, name);
  if (!d.ok() && d.status().code() != StatusCode::kNotFound) return d.status();
  return Status::Ok();
}

Status EnsureNamespace(store::Store& store, const std::string& name) {
  auto got = store.Get(model::NamespaceType(), "", name);
  if (got.ok()) return Status::Ok();
  if (got.status().code() != StatusCode::kNotFound) return got.status();
  auto c =
      store.Create(model::NamespaceType(),
                   {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
  if (!c.ok() && c.status().code() != StatusCode::kAlreadyExists) return c.status();
  return Status::Ok();
}

Json Metadata(const std::string& ns, const std::string& name) {
  Json m = {{"name", name}, {"labels", {{kManagedLabel, "true"}}}};
  if (!ns.empty()) m["namespace"] = ns;
  return m;
}

Json ServiceAccount(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", Metadata(ns, name)}};
}

Json Role(const std::string& ns, const std::string& name, const Json& rules) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "Role"},
          {"metadata", Metadata(ns, name)},
          {"rules", rules}};
}

Json Binding(const std::string& ns, const std::string& name, const std::string& role_kind,
             const std::string& role, const std::string& sa_ns, const std::string& sa_name) {
  return {
      {"apiVersion", "rbac.authorization.k8s.io/v1"},
      {"kind", ns.empty() ? "ClusterRoleBinding" : "RoleBinding"},
      {"metadata", Metadata(ns, name)},
      {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", role_kind}, {"name", role}}},
      {"subjects",
       Json::array({{{"kind", "ServiceAccount"}, {"name", sa_name}, {"namespace", sa_ns}}})}};
}

Json Rule(const std::string& group, const std::vector<std::string>& resources,
          const std::vector<std::string>& verbs, const std::vector<std::string>& names) {
  Json r = {{"apiGroups", Json::array({group})}, {"resources", resources}, {"verbs", verbs}};
  if (!names.empty()) r["resourceNames"] = names;
  return r;
}

}  // namespace flotilla::registration::internal
