#include "agent/directory/inventory.h"

namespace flotilla::agent::directory {

Json Inventory::ToJson() const {
  Json objs = Json::array();
  for (const auto& [path, ref] : objects) {
    Json o = {{"apiVersion", ref.api_version}, {"kind", ref.kind}, {"name", ref.name}};
    if (!ref.ns.empty()) o["namespace"] = ref.ns;
    objs.push_back(std::move(o));
  }
  return Json{{"apiVersion", "flotilla.io/v1"},  {"kind", "Inventory"},
              {"deployment", deployment},        {"phase", applying ? "Applying" : "Applied"},
              {"keepResources", keep_resources}, {"appliedHash", applied_hash},
              {"objects", std::move(objs)}};
}

StatusOr<Inventory> Inventory::FromJson(const Json& j) {
  if (!j.is_object() || j.value("kind", "") != "Inventory" || !j.contains("deployment") ||
      !j["deployment"].is_string() || !j.contains("objects") || !j["objects"].is_array()) {
    return InvalidArgument("not a flotilla inventory");
  }
  Inventory inv;
  inv.deployment = j["deployment"].get<std::string>();
  inv.applying = j.value("phase", "") == "Applying";
  inv.keep_resources = j.value("keepResources", false);
  inv.applied_hash = j.value("appliedHash", "");
  for (const Json& o : j["objects"]) {
    if (!o.is_object()) return InvalidArgument("inventory object is not a mapping");
    ObjectRef ref{o.value("apiVersion", ""), o.value("kind", ""), o.value("namespace", ""),
                  o.value("name", "")};
    Status st = Validate(ref);
    if (!st.ok()) return st.WithContext("inventory object");
    inv.objects.emplace(ref.Path(), std::move(ref));
  }
  return inv;
}

std::string InventoryPath(const std::string& deployment) {
  return std::string(kInventoryDir) + "/" + EscapeId(deployment) + ".json";
}

}  // namespace flotilla::agent::directory
