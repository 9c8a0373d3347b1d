#include "api/patch.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

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
  Json out = target;
  out.merge_patch(patch);
  return out;
}

StatusOr<Json> ApplyJsonPatch(const Json& target, const Json& patch) {
  if (!patch.is_array()) return InvalidArgument("a JSON patch must be a list of operations");
  try {
    return target.patch(patch);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(fmt::format("the JSON patch could not be applied: {}", e.what()));
  }
}

namespace {

constexpr std::string_view kSetElementOrder = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsDeleteDirective(const Json& v) {
  return v.is_object() && v.contains("$patch") && v["$patch"] == "delete";
}

// Removes directive keys from a value that replaces (rather than merges into) the target.
Json StripDirectives(const Json& v) {
  if (v.is_array()) {
    Json out = Json::array();
    for (const Json& e : v)
      if (!IsDeleteDirective(e)) out.push_back(StripDirectives(e));
    return out;
  }
  if (!v.is_object()) return v;
  Json out = Json::object();
  for (auto it = v.begin(); it != v.end(); ++it)
    if (!StartsWith(it.key(), "$")) out[it.key()] = StripDirectives(it.value());
  return out;
}

StatusOr<Json> MergeStrategic(Json target, const Json& patch) {
  if (!patch.is_object()) return StripDirectives(patch);
  if (patch.contains("$patch")) {
    const Json& d = patch["$patch"];
    if (d == "replace") return StripDirectives(patch);
    if (d != "merge" && d != "delete")
      return InvalidArgument(fmt::format("unknown patch directive $patch: {}", d.dump()));
  }
  if (!target.is_object()) target = Json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& key = it.key();
    const Json& v = it.value();
    if (key == "$patch" || key == "$retainKeys" || StartsWith(key, kSetElementOrder)) continue;
    if (StartsWith(key, kDeleteFromPrimitiveList)) {
      std::string field = key.substr(kDeleteFromPrimitiveList.size());
      if (!v.is_array()) return InvalidArgument(fmt::format("{} must be a list", key));
      auto f = target.find(field);
      if (f != target.end() && f->is_array()) {
        Json kept = Json::array();
        for (const Json& e : *f)
          if (std::find(v.begin(), v.end(), e) == v.end()) kept.push_back(e);
        *f = std::move(kept);
      }
      continue;
    }
    if (v.is_null() || IsDeleteDirective(v)) {
      target.erase(key);
    } else if (v.is_object()) {
      Json current = target.contains(key) ? target[key] : Json();
      ASSIGN_OR_RETURN(target[key], MergeStrategic(std::move(current), v));
    } else {
      target[key] = StripDirectives(v);
    }
  }
  if (patch.contains("$retainKeys")) {
    const Json& keep = patch["$retainKeys"];
    if (!keep.is_array()) return InvalidArgument("$retainKeys must be a list");
    for (auto it = target.begin(); it != target.end();) {
      if (std::find(keep.begin(), keep.end(), Json(it.key())) == keep.end())
        it = target.erase(it);
      else
        ++it;
    }
  }
  return target;
}

}  // namespace

StatusOr<Json> ApplyStrategicMergePatch(const Json& target, const Json& patch) {
  if (!patch.is_object()) return InvalidArgument("a strategic merge patch must be a JSON object");
  if (IsDeleteDirective(patch)) return InvalidArgument("$patch: delete of the whole object");
  return MergeStrategic(target, patch);
}

}  // namespace flotilla::api
