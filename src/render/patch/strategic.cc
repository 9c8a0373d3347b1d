// The API server's strategic merge patch, after k8s.io/apimachinery/pkg/util/strategicpatch
// (StrategicMergeMapPatch: MergeParallelList and IgnoreUnmatchedNulls on). The order of merged
// lists follows apimachinery: $setElementOrder first, then the patch's order, then the live
// object's. Divergences, on purpose: values a patch adds are cleaned of directives and nulls (the
// API server's typed decoding drops them too), a map's `$patch: delete` removes its key (rather
// than leaving the empty map the typed encoding drops), and `$deleteFromPrimitiveList` on a list
// without the merge strategy deletes from it rather than replacing it with the deletion list.
//
// Cost: linear in the sizes of the original and the patch (times the nesting of merge lists,
// which the schema bounds). The patch is walked in place, never copied per level, and field
// paths for error messages are built only when an error needs one: both used to be copied at
// every level, which made a patch nested n deep cost O(n²) memory (gigabytes for 50 KB).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/json_limits.h"
#include "render/patch/patch.h"
#include "render/patch/path.h"

namespace flotilla::patch {
namespace {

constexpr std::string_view kDirective = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kDeletePrefix = "$deleteFromPrimitiveList";
constexpr std::string_view kOrderPrefix = "$setElementOrder";

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

Status Bad(const Path& path, std::string_view msg) {
  std::string where = path.Str();
  return InvalidArgument(where.empty() ? std::string(msg) : fmt::format("{}: {}", where, msg));
}

// Go's reflect kind of a decoded JSON value; numbers are all float64 there.
enum class GoKind { kNil, kMap, kSlice, kString, kNumber, kBool };
GoKind KindOf(const Json& v) {
  if (v.is_object()) return GoKind::kMap;
  if (v.is_array()) return GoKind::kSlice;
  if (v.is_string()) return GoKind::kString;
  if (v.is_number()) return GoKind::kNumber;
  if (v.is_boolean()) return GoKind::kBool;
  return GoKind::kNil;
}

bool IsDirectiveKey(std::string_view k) {
  return k == kDirective || k == kRetainKeys || StartsWith(k, std::string(kDeletePrefix) + "/") ||
         StartsWith(k, std::string(kOrderPrefix) + "/");
}

// A value the patch adds where nothing was: directives and nulls removed.
Json CleanNew(const Json& v) {
  if (v.is_object()) {
    auto d = v.find(kDirective);
    if (d != v.end() && *d == "delete") return Json::object();
    Json out = Json::object();
    for (auto it = v.begin(); it != v.end(); ++it)
      if (!it->is_null() && !IsDirectiveKey(it.key())) out[it.key()] = CleanNew(*it);
    return out;
  }
  if (v.is_array()) {
    Json out = Json::array();
    for (const Json& e : v)
      if (!(e.is_object() && e.contains(kDirective))) out.push_back(CleanNew(e));
    return out;
  }
  return v;
}

// The element of a merge list that identifies it: its merge key's value, or itself (scalars).
Json KeyOf(const Json& v, const std::string& merge_key) {
  if (merge_key.empty()) return v;
  if (!v.is_object()) return Json();
  auto it = v.find(merge_key);
  return it == v.end() ? Json() : *it;
}

// Equality of scalars and merge-key values as Go sees them after decoding (numbers are all
// float64 there), as a string usable as a map key.
std::string ValueKey(const Json& v) {
  if (v.is_number()) return Json(v.get<double>()).dump();
  return v.dump();
}

// First positions of each key in `list`.
std::map<std::string, size_t> Positions(const Json& list, const std::string& merge_key) {
  std::map<std::string, size_t> pos;
  for (size_t i = 0; i < list.size(); ++i) pos.emplace(ValueKey(KeyOf(list[i], merge_key)), i);
  return pos;
}

Status CheckMergeKeys(const Json& list, const std::string& merge_key, const Path& path) {
  for (const Json& e : list) {
    if (!e.is_object()) return Bad(path, fmt::format("expected a map, got {}", e.dump()));
    if (!e.contains(merge_key))
      return Bad(
          path, fmt::format("map {} does not contain declared merge key: {}", e.dump(), merge_key));
  }
  return Status::Ok();
}

bool IsDeleteElement(const Json& e) {
  if (!e.is_object()) return false;
  auto d = e.find(kDirective);
  return d != e.end() && *d == "delete";
}

// normalizeSliceOrder: sorts `items` by their position in `order`; deletion directives last.
StatusOr<Json> SortByOrder(const Json& items, const Json& order, const std::string& merge_key,
                           bool maps, const Path& path) {
  Json keep = Json::array(), deletes = Json::array();
  if (maps) {
    RETURN_IF_ERROR(CheckMergeKeys(items, merge_key, path));
    RETURN_IF_ERROR(CheckMergeKeys(order, merge_key, path));
    for (const Json& e : items) (IsDeleteElement(e) ? deletes : keep).push_back(e);
  } else {
    keep = items;
  }
  auto pos = Positions(order, maps ? merge_key : "");
  std::vector<Json> v(keep.begin(), keep.end());
  std::stable_sort(v.begin(), v.end(), [&](const Json& a, const Json& b) {
    auto ia = pos.find(ValueKey(KeyOf(a, maps ? merge_key : "")));
    auto ib = pos.find(ValueKey(KeyOf(b, maps ? merge_key : "")));
    return ia != pos.end() && ib != pos.end() && ia->second < ib->second;
  });
  Json out(v);
  if (!out.is_array()) out = Json::array();
  for (Json& d : deletes) out.push_back(std::move(d));
  return out;
}

// normalizeElementOrder + mergeSortedSlice: patch items in `patch_order`, server-only items in
// `server_order`, interleaved so both keep their relative order (server order wins when both
// items are known to it).
StatusOr<Json> NormalizeOrder(const Json& patch_items, const Json& server_only,
                              const Json& patch_order, const Json& server_order,
                              const std::string& merge_key, bool maps, const Path& path) {
  ASSIGN_OR_RETURN(Json right, SortByOrder(patch_items, patch_order, merge_key, maps, path));
  ASSIGN_OR_RETURN(Json left, SortByOrder(server_only, server_order, merge_key, maps, path));
  const std::string key = maps ? merge_key : "";
  auto pos = Positions(server_order, key);
  Json out = Json::array();
  size_t i = 0, j = 0;
  while (i < left.size() || j < right.size()) {
    if (i >= left.size()) {
      out.push_back(right[j++]);
    } else if (j >= right.size()) {
      out.push_back(left[i++]);
    } else {
      auto li = pos.find(ValueKey(KeyOf(left[i], key)));
      auto ri = pos.find(ValueKey(KeyOf(right[j], key)));
      if (li != pos.end() && ri != pos.end() && li->second < ri->second)
        out.push_back(left[i++]);
      else
        out.push_back(right[j++]);
    }
  }
  return out;
}

// Splits `merged` into items present in `by` (by merge key) and the others.
void Partition(const Json& merged, const Json& by, const std::string& key, Json& present,
               Json& others) {
  present = Json::array();
  others = Json::array();
  auto pos = Positions(by, key);
  for (const Json& e : merged) (pos.count(ValueKey(KeyOf(e, key))) ? present : others).push_back(e);
}

// sliceElementType: all elements of both lists must be of one kind, and not lists.
StatusOr<GoKind> ElementKind(const Json& a, const Json& b, const Path& path) {
  bool seen = false;
  GoKind kind = GoKind::kNil;
  for (const Json* list : {&a, &b}) {
    for (const Json& e : *list) {
      GoKind k = KindOf(e);
      if (k == GoKind::kSlice) return Bad(path, "lists of lists are not supported");
      if (seen && k != kind) return Bad(path, "list element types are not identical");
      kind = k;
      seen = true;
    }
  }
  return kind;
}

// deduplicateScalars, with Go's order-changing swap-with-last: for each i in turn, every later
// element equal to s[i] (lowest position first) is overwritten by the current last element and
// the list shrinks. Go's nested loop is quadratic; this replays the same moves with an index of
// positions per value, in O(n log n).
Json DedupScalars(Json s) {
  std::map<std::string, std::set<size_t>> at;
  std::vector<std::string> keys;
  keys.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    keys.push_back(ValueKey(s[i]));
    at[keys.back()].insert(i);
  }
  size_t length = s.size();
  for (size_t i = 0; i + 1 < length; ++i) {
    std::set<size_t>& same = at[keys[i]];
    for (auto j = same.upper_bound(i); j != same.end(); j = same.upper_bound(i)) {
      size_t pos = *j, last = length - 1;
      same.erase(j);
      if (pos != last) {
        std::set<size_t>& moved = at[keys[last]];
        moved.erase(last);
        moved.insert(pos);
        s[pos] = std::move(s[last]);
        keys[pos] = std::move(keys[last]);
      }
      --length;
    }
  }
  s.erase(s.begin() + static_cast<std::ptrdiff_t>(length), s.end());
  return s;
}

StatusOr<Json> MergeMap(Json original, const Json& patch, const PatchSchema& schema,
                        const Path& path);

StatusOr<Json> MergeSlice(Json original, Json patch, const PatchSchema& element,
                          const std::string& merge_key, bool delete_list, const Path& path) {
  if (original.empty() && patch.empty()) return original;
  ASSIGN_OR_RETURN(GoKind kind, ElementKind(original, patch, path));
  bool maps = kind == GoKind::kMap;
  Json merged;
  if (!maps) {
    if (delete_list) {
      std::set<std::string> deleted;
      for (const Json& e : patch) deleted.insert(ValueKey(e));
      Json out = Json::array();
      for (const Json& e : original)
        if (!deleted.count(ValueKey(e))) out.push_back(e);
      return out;
    }
    merged = original;
    for (const Json& e : patch) merged.push_back(e);
    merged = DedupScalars(std::move(merged));
  } else {
    if (merge_key.empty()) return Bad(path, "cannot merge lists without merge key");
    // Special elements: {$patch: delete, key: v} removes matches; {$patch: replace} replaces.
    Json rest = Json::array();
    bool replace = false;
    std::set<std::string> deleted;  // merge-key values of `{$patch: delete}` elements
    for (const Json& e : patch) {
      auto d = e.find(kDirective);
      if (d == e.end()) {
        rest.push_back(e);
      } else if (*d == "delete") {
        auto k = e.find(merge_key);
        if (k == e.end())
          return Bad(path, fmt::format("map {} does not contain declared merge key: {}", e.dump(),
                                       merge_key));
        deleted.insert(ValueKey(*k));
      } else if (*d == "replace") {
        replace = true;
      } else if (*d == "merge") {
        return Bad(path, "merging lists cannot yet be specified in the patch");
      } else {
        return Bad(path, fmt::format("unknown patch type: {} in map: {}", d->dump(), e.dump()));
      }
    }
    if (!deleted.empty()) {
      Json kept = Json::array();
      for (Json& o : original) {
        auto ok = o.find(merge_key);
        if (ok == o.end() || !deleted.count(ValueKey(*ok))) kept.push_back(std::move(o));
      }
      original = std::move(kept);
    }
    if (replace) {
      original = CleanNew(rest);
      patch = Json::array();
    } else {
      patch = std::move(rest);
    }
    merged = original;
    // First element of `merged` per merge-key value (every element is a map: ElementKind).
    std::map<std::string, size_t> first;
    for (size_t i = 0; i < merged.size(); ++i)
      if (auto ok = merged[i].find(merge_key); ok != merged[i].end())
        first.emplace(ValueKey(*ok), i);
    for (const Json& e : patch) {
      auto k = e.find(merge_key);
      if (k == e.end())
        return Bad(path, fmt::format("map {} does not contain declared merge key: {}", e.dump(),
                                     merge_key));
      auto [hit, added] = first.emplace(ValueKey(*k), merged.size());
      if (added) {
        merged.push_back(CleanNew(e));
        continue;
      }
      Json& o = merged[hit->second];
      std::string selector = fmt::format("[{}={}]", merge_key, k->dump());
      ASSIGN_OR_RETURN(o, MergeMap(std::move(o), e, element, path.Selector(selector)));
    }
  }
  Json present, others;
  Partition(merged, patch, maps ? merge_key : "", present, others);
  return NormalizeOrder(present, others, patch, original, merge_key, maps, path);
}

// $retainKeys: keys of the original not listed are cleared; the patch may set only listed keys.
Status ApplyRetainKeys(Json& original, const Json& patch, const Path& path) {
  auto it = patch.find(kRetainKeys);
  if (it == patch.end()) return Status::Ok();
  const Json& keep = *it;
  if (!keep.is_array()) return Bad(path, "invalid patch format of retainKeys: not a list");
  std::set<std::string, std::less<>> kept;
  for (const Json& k : keep)
    if (k.is_string()) kept.insert(k.get<std::string>());
  auto listed = [&](const std::string& k) { return kept.count(k) > 0; };
  for (auto p = patch.begin(); p != patch.end(); ++p) {
    if (p->is_null() || p.key() == kRetainKeys || StartsWith(p.key(), kDeletePrefix) ||
        StartsWith(p.key(), kOrderPrefix))
      continue;
    if (!listed(p.key()))
      return Bad(path,
                 fmt::format("invalid patch format of retainKeys: \"{}\" is not listed", p.key()));
  }
  for (auto o = original.begin(); o != original.end();) {
    if (!listed(o.key()))
      o = original.erase(o);
    else
      ++o;
  }
  return Status::Ok();
}

StatusOr<std::string> DirectiveTarget(const std::string& key, std::string_view prefix,
                                      const Path& path) {
  size_t slash = key.find('/');
  if (slash == std::string::npos || std::string_view(key).substr(0, slash) != prefix)
    return Bad(path, fmt::format("invalid patch format: {}", key));
  return key.substr(slash + 1);
}

// validatePatchWithSetOrderList: the patch list's items appear in $setElementOrder's order.
Status CheckOrderList(const Json& patch_list, const Json& order, const std::string& merge_key,
                      const Path& path) {
  if (order.empty() || patch_list.empty()) return Status::Ok();
  Json items = Json::array();
  for (const Json& e : patch_list)
    if (merge_key.empty() || !IsDeleteElement(e)) items.push_back(e);
  size_t pi = 0, si = 0;
  while (pi < items.size() && si < order.size()) {
    if (items[pi].is_object() && items[pi].contains(kDirective)) {
      ++pi;
      continue;
    }
    bool equal;
    if (merge_key.empty()) {
      equal = items[pi] == order[si];
    } else {
      if (!items[pi].is_object() || !order[si].is_object())
        return Bad(path, "$setElementOrder: elements must be maps");
      if (!items[pi].contains(merge_key) || !order[si].contains(merge_key))
        return Bad(path,
                   fmt::format("$setElementOrder: an element has no merge key {}", merge_key));
      equal = items[pi][merge_key] == order[si][merge_key];
    }
    if (equal) ++pi;
    ++si;
  }
  if (pi < items.size())
    return Bad(path, fmt::format("the order in the patch list {} doesn't match the "
                                 "$setElementOrder list {}",
                                 patch_list.dump(), order.dump()));
  return Status::Ok();
}

// mergePatchIntoOriginal: merges each list that has a $setElementOrder directive, in its order.
// Adds the fields it merged to `done`: the caller's walk over the patch skips them.
Status ApplySetElementOrder(Json& original, const Json& patch, const PatchSchema& schema,
                            const Path& path, std::set<std::string>& done) {
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (!StartsWith(it.key(), kOrderPrefix)) continue;
    const std::string& key = it.key();
    const Json& order = *it;
    if (!order.is_array()) return Bad(path, fmt::format("{} must be a list", key));
    ASSIGN_OR_RETURN(std::string field, DirectiveTarget(key, kOrderPrefix, path));
    Path sub = path.Field(field);
    auto o = original.find(field);
    auto p = patch.find(field);
    bool in_original = o != original.end(), in_patch = p != patch.end();
    if (in_original && !o->is_array()) return Bad(sub, "not a list in the original");
    if (in_patch && !p->is_array()) return Bad(sub, "not a list in the patch");
    const SchemaField* meta = schema.Field(field);
    std::string merge_key = meta ? meta->merge_key : "";
    const Json empty = Json::array();
    const Json& patch_list = in_patch ? *p : empty;
    RETURN_IF_ERROR(CheckOrderList(patch_list, order, merge_key, sub));
    Json original_list = in_original ? std::move(*o) : Json::array();
    Json merged;
    if (in_original && !in_patch) {
      merged = original_list;
    } else if (!in_original && in_patch) {
      merged = CleanNew(patch_list);
    } else if (in_original && in_patch) {
      if (meta && meta->merge) {
        ASSIGN_OR_RETURN(merged, MergeSlice(original_list, patch_list, schema.Sub(field), merge_key,
                                            false, sub));
      } else {
        merged = CleanNew(patch_list);
      }
    } else {
      continue;
    }
    ASSIGN_OR_RETURN(GoKind kind, ElementKind(original_list, patch_list, sub));
    bool maps = kind == GoKind::kMap;
    if (maps && merge_key.empty()) return Bad(sub, "$setElementOrder on a list without merge key");
    if (maps) RETURN_IF_ERROR(CheckMergeKeys(merged, merge_key, sub));
    Json present, others;
    Partition(merged, order, maps ? merge_key : "", present, others);
    ASSIGN_OR_RETURN(original[field],
                     NormalizeOrder(present, others, order, original_list, merge_key, maps, sub));
    done.insert(field);
  }
  return Status::Ok();
}

StatusOr<Json> MergeMap(Json original, const Json& patch, const PatchSchema& schema,
                        const Path& path) {
  // Inputs are depth-checked when read; this keeps direct callers off the stack's edge too.
  if (path.depth > kMaxJsonDepth)
    return Bad(path, fmt::format("the patch is nested deeper than {} levels", kMaxJsonDepth));
  if (auto d = patch.find(kDirective); d != patch.end()) {
    if (*d == "replace") return CleanNew(patch);  // CleanNew drops the directive
    if (*d == "delete") return Json::object();
    return Bad(path, fmt::format("unknown patch type: {} in map: {}", d->dump(), patch.dump()));
  }
  if (!original.is_object()) original = Json::object();
  RETURN_IF_ERROR(ApplyRetainKeys(original, patch, path));
  std::set<std::string> ordered;
  RETURN_IF_ERROR(ApplySetElementOrder(original, patch, schema, path, ordered));
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    std::string key = it.key();
    if (key == kRetainKeys || StartsWith(key, kOrderPrefix) || ordered.count(key)) continue;
    bool delete_list = false;
    if (StartsWith(key, kDeletePrefix)) {
      ASSIGN_OR_RETURN(key, DirectiveTarget(key, kDeletePrefix, path));
      delete_list = true;
    }
    const Json& value = *it;
    Path sub = path.Field(key);
    // null, and a map's `$patch: delete`, remove the key. (apimachinery leaves an empty map,
    // which the API server's typed encoding then drops: what a client sees is the key gone.)
    if (value.is_null() ||
        (value.is_object() && value.contains(kDirective) && value[kDirective] == "delete")) {
      original.erase(key);
      continue;
    }
    auto cur = original.find(key);
    if (cur == original.end()) {
      if (!delete_list) original[key] = CleanNew(value);
      continue;
    }
    if (KindOf(*cur) != KindOf(value)) {
      *cur = CleanNew(value);
      continue;
    }
    const SchemaField* meta = schema.Field(key);
    if (cur->is_object()) {
      if (meta && meta->replace) {
        *cur = CleanNew(value);
      } else {
        ASSIGN_OR_RETURN(*cur, MergeMap(std::move(*cur), value, schema.Sub(key), sub));
      }
    } else if (cur->is_array()) {
      if ((meta && meta->merge) || delete_list) {
        ASSIGN_OR_RETURN(*cur, MergeSlice(std::move(*cur), value, schema.Sub(key),
                                          meta ? meta->merge_key : "", delete_list, sub));
      } else {
        *cur = CleanNew(value);
      }
    } else {
      *cur = value;
    }
  }
  return original;
}

}  // namespace

StatusOr<Json> StrategicMergePatch(const Json& original, const Json& patch,
                                   const PatchSchema& schema) {
  if (!patch.is_object()) return InvalidArgument("a strategic merge patch must be an object");
  return MergeMap(original.is_object() ? original : Json::object(), patch, schema, Path{});
}

}  // namespace flotilla::patch
