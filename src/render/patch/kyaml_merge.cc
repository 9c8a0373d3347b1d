// Strategic merge as kustomize applies it: kyaml's merge2 walker with kustomize's
// ListIncreaseDirection=Prepend (api/filters/patchstrategicmerge). Rules, as measured against
// kustomize v5.5 (`kubectl kustomize`):
//   - maps merge key by key; null deletes; `$patch: delete` removes the map (the whole object at
//     the top), `$patch: replace` replaces it, `$patch: merge` is the default;
//   - lists with the merge strategy in the schema are associative: elements pair by the merge key
//     and come out in the patch's order, then the original's remaining ones; a `{$patch: delete}`
//     element removes its match, a `{$patch: replace}` element makes the list the patch's;
//     elements merged down to an empty map are dropped;
//   - lists with several keys (container ports by containerPort+protocol, Service ports by
//     port+protocol) pair on the keys both sides set; new elements come first, then the
//     original's, merged in place;
//   - lists of scalars with the merge strategy (finalizers) are the patch's values, then the
//     original's others; all other lists are replaced;
//   - `$retainKeys`, `$setElementOrder/...`, `$deleteFromPrimitiveList/...` are not directives
//     for kyaml: they are kept as ordinary fields.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/json_limits.h"
#include "render/patch/patch.h"
#include "render/patch/path.h"

namespace flotilla::patch {
namespace {

constexpr std::string_view kDirective = "$patch";

// kyaml compares scalars by their YAML text.
std::string ScalarText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

// Merges `patch` onto `*dest` (nullptr: absent), which it may move from: each level of the
// original is moved, not copied, so the walk is linear in the documents' sizes.
StatusOr<std::optional<Json>> Walk(Json* dest, const Json& patch, const PatchSchema& schema,
                                   const Path& path);

bool IsDirectiveElement(const Json& e, std::string_view which) {
  if (!e.is_object()) return false;
  auto d = e.find(kDirective);
  return d != e.end() && d->is_string() && *d == which;
}

// The values of `keys` in element `e` ("" where missing).
std::vector<std::string> KeyValues(const Json& e, const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  for (const std::string& k : keys) {
    auto it = e.is_object() ? e.find(k) : e.end();
    out.push_back(e.is_object() && it != e.end() ? ScalarText(*it) : "");
  }
  return out;
}

// validateKeys: match only on the keys this element sets (all keys if it sets none).
bool Matches(const Json& e, const std::vector<std::string>& keys,
             const std::vector<std::string>& values) {
  bool any = false;
  for (const std::string& v : values) any = any || !v.empty();
  std::vector<std::string> mine = KeyValues(e, keys);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (any && values[i].empty()) continue;
    if (mine[i] != values[i]) return false;
  }
  return true;
}

StatusOr<Json> MergeScalarSet(const Json& dest, const Json& patch) {
  Json out = Json::array();
  std::set<std::string> seen;
  for (const Json* list : {&patch, &dest})
    for (const Json& e : *list)
      if (seen.insert(ScalarText(e)).second) out.push_back(e);
  return out;
}

StatusOr<std::optional<Json>> MergeKeyedList(const Json& dest, const Json& patch,
                                             const std::vector<std::string>& keys,
                                             const PatchSchema& element, const Path& path) {
  for (const Json& e : patch) {
    if (IsDirectiveElement(e, "replace")) {
      Json out = Json::array();
      for (const Json& p : patch)
        if (!(p.is_object() && p.contains(kDirective))) out.push_back(p);
      return std::optional<Json>(out);
    }
  }
  std::vector<bool> dest_used(dest.size(), false);
  auto merge_one = [&](const Json* d, const Json& p,
                       const std::vector<std::string>& values) -> StatusOr<std::optional<Json>> {
    std::string selector = fmt::format("[{}]", fmt::join(values, ","));
    std::optional<Json> copy;
    if (d != nullptr) copy = *d;  // one copy per element of a merged list
    ASSIGN_OR_RETURN(auto merged,
                     Walk(copy ? &*copy : nullptr, p, element, path.Selector(selector)));
    if (!merged || (merged->is_object() && merged->empty())) return std::optional<Json>();
    for (size_t i = 0; i < keys.size(); ++i)
      if (!values[i].empty() && merged->is_object() && !merged->contains(keys[i]))
        (*merged)[keys[i]] = p.contains(keys[i]) ? p[keys[i]] : Json(values[i]);
    return merged;
  };
  auto find_dest = [&](const std::vector<std::string>& values) -> int {
    for (size_t i = 0; i < dest.size(); ++i)
      if (!dest_used[i] && Matches(dest[i], keys, values)) return static_cast<int>(i);
    return -1;
  };
  Json out = Json::array();
  std::set<std::vector<std::string>> seen;
  if (keys.size() == 1) {
    // Patch elements in the patch's order, then the original's others in theirs.
    for (const Json& p : patch) {
      auto values = KeyValues(p, keys);
      if (!seen.insert(values).second) continue;
      int d = find_dest(values);
      if (d >= 0) dest_used[d] = true;
      if (IsDirectiveElement(p, "delete")) continue;
      ASSIGN_OR_RETURN(auto merged, merge_one(d >= 0 ? &dest[d] : nullptr, p, values));
      if (merged) out.push_back(std::move(*merged));
    }
    for (size_t i = 0; i < dest.size(); ++i)
      if (!dest_used[i]) out.push_back(dest[i]);
    return std::optional<Json>(out);
  }
  // Several keys: new elements first, then the original's, merged in place.
  std::vector<std::optional<Json>> merged_dest(dest.begin(), dest.end());
  Json added = Json::array();
  for (const Json& p : patch) {
    auto values = KeyValues(p, keys);
    if (!seen.insert(values).second) continue;
    int d = find_dest(values);
    if (d >= 0) dest_used[d] = true;
    if (IsDirectiveElement(p, "delete")) {
      if (d >= 0) merged_dest[d].reset();
      continue;
    }
    ASSIGN_OR_RETURN(auto merged, merge_one(d >= 0 ? &dest[d] : nullptr, p, values));
    if (d >= 0)
      merged_dest[d] = std::move(merged);
    else if (merged)
      added.push_back(std::move(*merged));
  }
  for (auto& m : merged_dest)
    if (m) added.push_back(std::move(*m));
  return std::optional<Json>(added);
}

StatusOr<std::optional<Json>> WalkList(const Json* dest, const Json& patch, const SchemaField* meta,
                                       const PatchSchema& element, const Path& path) {
  if (meta == nullptr || !meta->merge) return std::optional<Json>(patch);  // replaced
  const Json empty = Json::array();
  const Json& d = dest != nullptr && dest->is_array() ? *dest : empty;
  bool maps = false;
  for (const Json* list : {&d, &patch})
    for (const Json& e : *list) maps = maps || e.is_object();
  if (!maps) {
    ASSIGN_OR_RETURN(Json out, MergeScalarSet(d, patch));
    return std::optional<Json>(std::move(out));
  }
  std::vector<std::string> keys = meta->kyaml_keys;
  if (keys.empty()) keys.push_back(meta->merge_key);
  return MergeKeyedList(d, patch, keys, element, path);
}

StatusOr<std::optional<Json>> Walk(Json* dest, const Json& patch, const PatchSchema& schema,
                                   const Path& path) {
  if (!patch.is_object()) return std::optional<Json>(patch);
  if (path.depth > kMaxJsonDepth)
    return InvalidArgument(
        fmt::format("{}: the patch is nested deeper than {} levels", path.Str(), kMaxJsonDepth));
  if (auto d = patch.find(kDirective); d != patch.end()) {
    if (*d == "delete") return std::optional<Json>();
    if (*d == "replace") {
      Json p = patch;
      p.erase(kDirective);
      return std::optional<Json>(std::move(p));
    }
    if (*d != "merge") {
      std::string where = path.Str();
      return InvalidArgument(fmt::format("{}{}unknown patch strategy {}", where,
                                         where.empty() ? "" : ": ", d->dump()));
    }
  }
  Json out = dest != nullptr && dest->is_object() ? std::move(*dest) : Json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& key = it.key();
    if (key == kDirective) continue;
    if (it->is_null()) {
      out.erase(key);
      continue;
    }
    auto cur = out.find(key);
    Json* cur_ptr = cur == out.end() ? nullptr : &*cur;
    std::optional<Json> merged;
    if (it->is_object()) {
      ASSIGN_OR_RETURN(merged, Walk(cur_ptr, *it, schema.Sub(key), path.Field(key)));
    } else if (it->is_array()) {
      ASSIGN_OR_RETURN(merged,
                       WalkList(cur_ptr, *it, schema.Field(key), schema.Sub(key), path.Field(key)));
    } else {
      merged = *it;
    }
    if (merged)
      out[key] = std::move(*merged);
    else
      out.erase(key);
  }
  return std::optional<Json>(std::move(out));
}

}  // namespace

StatusOr<Json> KustomizeStrategicMerge(const Json& original, const Json& patch,
                                       const PatchSchema& schema) {
  if (!patch.is_object()) return InvalidArgument("a strategic merge patch must be an object");
  Json copy = original;
  ASSIGN_OR_RETURN(auto merged, Walk(&copy, patch, schema, Path{}));
  return merged ? std::move(*merged) : Json();
}

}  // namespace flotilla::patch
