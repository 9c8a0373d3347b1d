#include "api/admission.h"

#include <fmt/format.h>

#include "core/base64.h"
#include "model/validation.h"

namespace flotilla::api {

void FoldStringData(const model::ResourceType& type, Json& object) {
  if (&type != &model::SecretType() || !object.is_object()) return;
  auto sd = object.find("stringData");
  if (sd == object.end()) return;
  if (sd->is_object()) {
    if (!object.contains("data") || !object["data"].is_object()) object["data"] = Json::object();
    for (auto it = sd->begin(); it != sd->end(); ++it)
      if (it.value().is_string())
        object["data"][it.key()] = Base64Encode(it.value().get<std::string>());
  }
  object.erase("stringData");
}

void SetTypeMeta(const model::ResourceType& type, Json& object) {
  if (!object.is_object()) return;
  object["kind"] = type.kind;
  object["apiVersion"] = type.ApiVersion();
}

Status CheckTypeMeta(const model::ResourceType& type, Json& object) {
  if (!object.is_object()) return InvalidArgument("the request body must be a JSON or YAML object");
  auto kind = object.find("kind");
  if (kind != object.end() && !kind->is_null() && *kind != type.kind)
    return InvalidArgument(
        fmt::format("the kind in the data ({}) does not match the expected "
                    "kind ({})",
                    kind->dump(), type.kind));
  auto av = object.find("apiVersion");
  if (av != object.end() && !av->is_null() && *av != type.ApiVersion())
    return InvalidArgument(
        fmt::format("the API version in the data ({}) does not match the "
                    "expected API version ({})",
                    av->dump(), type.ApiVersion()));
  SetTypeMeta(type, object);
  return Status::Ok();
}

Status Admit(const AdmissionRequest& request, const std::vector<AdmissionHook>& hooks,
             const Json& old, Json& obj) {
  const model::ResourceType& type = *request.type;
  if (request.operation != Operation::kDelete) {
    FoldStringData(type, obj);
    if (request.subresource.empty()) model::ApplyDefaults(type, obj);
    RETURN_IF_ERROR(model::Validate(type, obj));
  }
  for (const AdmissionHook& hook : hooks) RETURN_IF_ERROR(hook(request, old, obj));
  return Status::Ok();
}

}  // namespace flotilla::api
