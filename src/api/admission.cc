#include "api/admission.h"

#include <fmt/format.h>

#include "model/validation.h"

namespace flotilla::api {

std::string Base64Encode(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8) |
                 static_cast<uint8_t>(data[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    if (rest == 2) n |= static_cast<uint8_t>(data[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

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
    return InvalidArgument(fmt::format("the kind in the data ({}) does not match the expected "
                                       "kind ({})",
                                       kind->dump(), type.kind));
  auto av = object.find("apiVersion");
  if (av != object.end() && !av->is_null() && *av != type.ApiVersion())
    return InvalidArgument(fmt::format("the API version in the data ({}) does not match the "
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
