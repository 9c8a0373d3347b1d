#include "model/deployment.h"

#include "core/hash.h"
#include "model/content.h"
#include "model/json_get.h"
#include "model/keys.h"
#include "model/names.h"

namespace flotilla::model {

const std::vector<std::string>& DeploymentOptionFields() {
  static const std::vector<std::string> kFields = {"defaultNamespace",
                                                   "namespace",
                                                   "kustomize",
                                                   "helm",
                                                   "serviceAccount",
                                                   "forceSyncGeneration",
                                                   "yaml",
                                                   "diff",
                                                   "keepResources",
                                                   "ignore",
                                                   "correctDrift",
                                                   "namespaceLabels",
                                                   "namespaceAnnotations",
                                                   "deleteCRDResources",
                                                   "deleteNamespace",
                                                   "downstreamResources"};
  return kFields;
}

Json DeploymentOptions(const Json& spec) {
  Json out = Json::object();
  if (!spec.is_object()) return out;
  for (const std::string& f : DeploymentOptionFields())
    if (spec.contains(f) && !spec[f].is_null()) out[f] = spec[f];
  return out;
}

Json MergeOptions(Json base, const Json& over) {
  if (!over.is_object()) return base;
  for (auto it = over.begin(); it != over.end(); ++it) {
    if (it->is_object() && base.contains(it.key()) && base[it.key()].is_object())
      base[it.key()] = MergeOptions(base[it.key()], *it);
    else
      base[it.key()] = *it;
  }
  return base;
}

std::string ResourcesHash(const Json& resources) { return Sha256Hex(resources.dump()); }

std::string DeploymentId(const Json& bundle, const Json& options) {
  const Json spec = bundle.is_object() ? bundle.value("spec", Json::object()) : Json::object();
  const Json resources = spec.is_object() ? spec.value("resources", Json::array()) : Json::array();
  return ContentId(resources) + ":" + Sha256Hex(options.dump());
}

Json BundleDeploymentFor(const Json& bundle, const std::string& cluster_name, const Json& options) {
  const std::string name = GetString(bundle, "metadata.name");
  const std::string ns = GetString(bundle, "metadata.namespace");
  const Json* bundle_labels = Find(bundle, "metadata.labels");
  Json labels =
      bundle_labels != nullptr && bundle_labels->is_object() ? *bundle_labels : Json::object();
  labels[kBundleNameLabel] = name;
  labels[kBundleNamespaceLabel] = ns;
  labels[kClusterLabel] = cluster_name;
  labels[kClusterNamespaceLabel] = ns;
  const std::string id = DeploymentId(bundle, options);
  labels[kContentNameLabel] = ContentName(id);
  Json spec = {{"deploymentID", id},
               {"stagedDeploymentID", id},
               {"options", options},
               {"paused", GetBool(bundle, "spec.paused")}};
  if (const Json* depends_on = Find(bundle, "spec.dependsOn")) spec["dependsOn"] = *depends_on;
  return {{"apiVersion", "fleet.cattle.io/v1alpha1"},
          {"kind", "BundleDeployment"},
          {"metadata",
           {{"name", name}, {"namespace", ClusterNamespace(ns, cluster_name)}, {"labels", labels}}},
          {"spec", std::move(spec)}};
}

}  // namespace flotilla::model
