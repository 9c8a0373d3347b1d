// Private to render/kustomize: the resource model shared by the build stages (accumulation,
// generators, transformers, name references, ordering). Mirrors kustomize's resmap/resid.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "render/kustomize/kustomize.h"

namespace flotilla::kustomize {

// kustomize's ResId: group, version, kind, name, namespace.
struct ResId {
  std::string group, version, kind, name, ns;
  std::string ToString() const;  // "ConfigMap.v1.[noGrp]/name.ns" as kustomize prints ids
};

struct Resource {
  Json obj;
  std::vector<ResId> previous;  // ids before each rename / namespace change (oldest first)
  bool needs_hash = false;      // a generated ConfigMap/Secret whose name gets the hash suffix
  std::string behavior;         // generators: "create" | "merge" | "replace"
  std::vector<std::string> prefixes, suffixes;  // namePrefix/nameSuffix applied, oldest first

  ResId CurId() const;
  std::string Name() const;
  std::string Namespace() const;
  std::string Kind() const;
  // Records the current id in `previous` before a rename.
  void RememberId();
};

// "kind|group|name|namespace" with "" and "default" the same namespace: equal keys are the
// same id for kustomize's duplicate checks.
std::string IdKey(const ResId& id);

// Group and version of an apiVersion ("apps/v1" -> {"apps","v1"}; "v1" -> {"","v1"}).
std::pair<std::string, std::string> SplitApiVersion(const std::string& api_version);
// Kinds that kustomize's built-in OpenAPI data knows to be cluster-scoped.
bool IsClusterScoped(const std::string& kind);
// "" and "default" are the same namespace (kustomize's IsNsEquals).
bool SameNamespace(const std::string& a, const std::string& b);

// A field spec: which objects (by group/version/kind; empty = any) and which path
// ("spec/template/metadata/labels"; "[]" marks a list, "\/" escapes a slash).
struct FieldSpec {
  std::string group, version, kind;
  std::string path;
  bool create = false;
  bool Selects(const ResId& id) const;
};

// Calls fn on every value at spec.path in obj (lists along the way are walked element by
// element). With create, missing maps are created and fn receives a null to fill in.
Status ApplyFieldSpec(Json& obj, const FieldSpec& spec, const std::function<Status(Json&)>& fn);

// The built-in field specs of kustomize v5 (api/konfig/builtinpluginconsts).
const std::vector<FieldSpec>& CommonLabelSpecs();    // selectors, templates and metadata
const std::vector<FieldSpec>& TemplateLabelSpecs();  // metadata and pod templates
const std::vector<FieldSpec>& AnnotationSpecs();
const std::vector<FieldSpec>& ReplicaSpecs();
struct NameRefSpec {
  std::string group, version, kind;  // the referral (what is referred to)
  std::vector<FieldSpec> referrers;  // where the references are
};
const std::vector<NameRefSpec>& NameReferenceSpecs();

// ---- stages (each in its own file) ----

// transformers.cc
Status ApplyNamespace(std::vector<Resource>& res, const std::string& ns);
Status ApplyPrefixSuffix(std::vector<Resource>& res, const std::string& prefix,
                         const std::string& suffix);
Status ApplyLabels(std::vector<Resource>& res, const Json& labels,
                   const std::vector<FieldSpec>& specs, const std::string& where);
Status ApplyAnnotations(std::vector<Resource>& res, const Json& annotations,
                        const std::string& where);
Status ApplyImages(std::vector<Resource>& res, const Json& images, const std::string& where);
Status ApplyReplicas(std::vector<Resource>& res, const Json& replicas, const std::string& where);

// generators.cc: configMapGenerator / secretGenerator entries of one kustomization.
using ReadFn = std::function<StatusOr<std::string>(const std::string& path)>;
StatusOr<std::vector<Resource>> RunGenerators(const Json& kustomization, const std::string& dir,
                                              const std::string& where, const ReadFn& read);
// kustomize's hasher: the 10-character suffix for a ConfigMap or Secret.
std::string GeneratorHash(const Json& obj);
// Adds generated resources to `res` (create appends; merge/replace update the match).
Status AbsorbGenerated(std::vector<Resource>& res, std::vector<Resource> generated,
                       const std::string& where);
Status AddHashSuffixes(std::vector<Resource>& res);

// namereference.cc: after renames, rewrites references to the new names.
Status FixNameReferences(std::vector<Resource>& res);

// order.cc: kustomize's legacy output order.
void LegacySort(std::vector<Resource>& res);

}  // namespace flotilla::kustomize
