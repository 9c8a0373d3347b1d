#include "api/patch.h"

#include <string>

#include <fmt/format.h>

#include "render/patch/patch.h"

namespace flotilla::api {

std::optional<PatchType> PatchTypeFromContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media == "application/merge-patch+json") return PatchType::kMerge;
  if (media == "application/json-patch+json") return PatchType::kJson;
  if (media == "application/strategic-merge-patch+json") return PatchType::kStrategicMerge;
  if (media == "application/apply-patch+yaml" || media == "application/apply-patch+json")
    return PatchType::kApply;
  return std::nullopt;
}

StatusOr<Json> ApplyMergePatch(const Json& target, const Json& patch) {
  return patch::MergePatch(target, patch);
}

StatusOr<Json> ApplyJsonPatch(const Json& target, const Json& patch) {
  auto out = patch::ApplyJsonPatch(target, patch);
  if (!out.ok())
    return InvalidArgument(
        fmt::format("the JSON patch could not be applied: {}", out.status().message()));
  return out;
}

StatusOr<Json> ApplyStrategicMergePatch(const Json& target, const Json& patch) {
  if (!patch.is_object()) return InvalidArgument("a strategic merge patch must be a JSON object");
  auto directive = patch.find("$patch");
  if (directive != patch.end() && *directive == "delete")
    return InvalidArgument("$patch: delete of the whole object");
  auto str = [&](const char* key) {
    auto it = target.is_object() ? target.find(key) : target.end();
    return target.is_object() && it != target.end() && it->is_string() ? it->get<std::string>()
                                                                       : std::string();
  };
  return patch::StrategicMergePatch(target, patch,
                                    patch::PatchSchema::ForKind(str("apiVersion"), str("kind")));
}

}  // namespace flotilla::api
