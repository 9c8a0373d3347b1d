// Patching JSON documents the ways Kubernetes tools do:
//   - RFC 6902 JSON patch (ApplyJsonPatch) and RFC 7386 JSON merge patch (MergePatch);
//   - Kubernetes strategic merge patch as the API server applies it (StrategicMergePatch,
//     after k8s.io/apimachinery/pkg/util/strategicpatch): lists merged by their patchMergeKey,
//     `$patch: replace|delete`, `$retainKeys`, `$setElementOrder/<list>`,
//     `$deleteFromPrimitiveList/<list>`, null deleting a key;
//   - strategic merge as kustomize applies it (KustomizeStrategicMerge, after kyaml's merge2
//     walker): the same merge keys (plus kyaml's multi-key lists such as container ports by
//     containerPort+protocol), `$patch: replace|delete|merge`, patch-first list order; kyaml does
//     not know `$retainKeys`/`$setElementOrder`/`$deleteFromPrimitiveList` and keeps them as
//     ordinary fields, and so does this.
// Merge keys come from a PatchSchema: a built-in table for the Kubernetes kinds (pod templates in
// every workload, Service ports, ...). Kinds it does not know (CRDs) get an empty schema: maps
// merge, lists are replaced, as with a JSON merge patch.
//
// No function throws; malformed patches are kInvalidArgument errors naming the path.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/json_limits.h"
#include "core/status.h"

namespace flotilla::patch {

struct SchemaType;

// How one field of a built-in type is patched (the struct tags patchStrategy/patchMergeKey).
struct SchemaField {
  const SchemaType* type = nullptr;     // the struct of a map field, or the element of a list field
  bool merge = false;                   // patchStrategy:"merge" (lists: merge instead of replace)
  bool replace = false;                 // patchStrategy:"replace" (maps: replace instead of merge)
  std::string merge_key;                // patchMergeKey; empty for lists of scalars
  std::vector<std::string> kyaml_keys;  // x-kubernetes-list-map-keys kyaml merges by, if several
};

// A struct type: the fields whose patching differs from the default.
struct SchemaType {
  std::map<std::string, SchemaField, std::less<>> fields;
};

// A position in the schema: the type of the value being merged, or none (no metadata).
class PatchSchema {
 public:
  PatchSchema() = default;  // no metadata: maps merge, lists are replaced
  explicit PatchSchema(const SchemaType* type) : type_(type) {}

  // The schema of a whole object of this kind; empty if the kind is not built in.
  static PatchSchema ForKind(std::string_view api_version, std::string_view kind);
  // True iff apiVersion/kind is a kind client-go's scheme registers (Fleet's overlays and
  // wrangler's patcher use a strategic merge for those, a JSON merge patch for others).
  static bool IsBuiltinKind(std::string_view api_version, std::string_view kind);

  bool known() const { return type_ != nullptr; }
  // The metadata of field `name`, or nullptr when unknown.
  const SchemaField* Field(std::string_view name) const;
  // The schema below field `name` (its struct, or its list's element).
  PatchSchema Sub(std::string_view name) const;

 private:
  const SchemaType* type_ = nullptr;
};

// Bounds on one JSON patch, as kube-apiserver's (see json_patch.cc).
struct JsonPatchLimits {
  size_t max_operations = 10'000;             // kube-apiserver's maxJSONPatchOperations
  size_t max_copied_bytes = 3 * 1024 * 1024;  // bytes all "copy" operations may duplicate
  size_t max_depth = kMaxJsonDepth;           // nesting of the result
};

// RFC 6902. Errors name the operation index and path: `operation 2 (remove /spec/x): ...`.
// Exceeding a limit is kInvalidArgument naming it.
StatusOr<Json> ApplyJsonPatch(const Json& doc, const Json& ops, const JsonPatchLimits& limits = {});

// RFC 7386 (null deletes, objects merge, everything else replaces). Recurses once per level of
// `patch`: callers bound its nesting (every reader of untrusted JSON/YAML does).
Json MergePatch(Json target, const Json& patch);

// The API server's strategic merge patch. `patch` must be an object.
StatusOr<Json> StrategicMergePatch(const Json& original, const Json& patch,
                                   const PatchSchema& schema);

// kustomize's strategic merge. Returns null when the patch deletes the whole object
// (`$patch: delete` at the top).
StatusOr<Json> KustomizeStrategicMerge(const Json& original, const Json& patch,
                                       const PatchSchema& schema);

}  // namespace flotilla::patch
