// The patch metadata of the built-in Kubernetes kinds: the patchStrategy/patchMergeKey struct tags
// of k8s.io/api (core/v1 types.go, apps/v1, batch/v1) for every field where they change how a
// strategic merge patch behaves. Fields not listed merge as maps or are replaced as lists.
#include <array>
#include <map>
#include <memory>
#include <string>

#include "render/patch/patch.h"

namespace flotilla::patch {

namespace {

struct Registry {
  std::map<std::string, std::unique_ptr<SchemaType>, std::less<>> types;
  std::map<std::string, const SchemaType*, std::less<>> kinds;

  SchemaType* Type(const std::string& name) {
    auto& t = types[name];
    if (!t) t = std::make_unique<SchemaType>();
    return t.get();
  }
  // A struct-valued (or plain) field.
  void Struct(const std::string& type, const std::string& field, const std::string& field_type) {
    SchemaField f;
    f.type = Type(field_type);
    Type(type)->fields[field] = std::move(f);
  }
  // A list merged by `key` (empty key: a list of scalars merged as a set).
  void MergeList(const std::string& type, const std::string& field, const std::string& key,
                 const std::string& element_type = "", std::vector<std::string> kyaml_keys = {}) {
    SchemaField f;
    f.merge = true;
    f.merge_key = key;
    f.type = element_type.empty() ? nullptr : Type(element_type);
    f.kyaml_keys = std::move(kyaml_keys);
    Type(type)->fields[field] = std::move(f);
  }
  void Kind(const std::string& kind, const std::string& spec_type) {
    SchemaType* t = Type(kind);
    Struct(kind, "metadata", "ObjectMeta");
    if (!spec_type.empty()) Struct(kind, "spec", spec_type);
    kinds[kind] = t;
  }

  Registry() {
    MergeList("ObjectMeta", "finalizers", "");
    MergeList("ObjectMeta", "ownerReferences", "uid");

    for (const char* c : {"Container", "EphemeralContainer"}) {
      MergeList(c, "ports", "containerPort", "", {"containerPort", "protocol"});
      MergeList(c, "env", "name");
      MergeList(c, "volumeMounts", "mountPath");
      MergeList(c, "volumeDevices", "devicePath");
    }
    MergeList("PodSpec", "volumes", "name");
    MergeList("PodSpec", "initContainers", "name", "Container");
    MergeList("PodSpec", "containers", "name", "Container");
    MergeList("PodSpec", "ephemeralContainers", "name", "EphemeralContainer");
    MergeList("PodSpec", "imagePullSecrets", "name");
    MergeList("PodSpec", "hostAliases", "ip");
    MergeList("PodSpec", "topologySpreadConstraints", "topologyKey", "",
              {"topologyKey", "whenUnsatisfiable"});
    MergeList("PodSpec", "resourceClaims", "name");
    MergeList("PodSpec", "schedulingGates", "name");
    MergeList("PodStatus", "conditions", "type");

    Struct("PodTemplateSpec", "metadata", "ObjectMeta");
    Struct("PodTemplateSpec", "spec", "PodSpec");
    for (const char* spec : {"DeploymentSpec", "StatefulSetSpec", "DaemonSetSpec", "ReplicaSetSpec",
                             "JobSpec", "ReplicationControllerSpec"}) {
      Struct(spec, "template", "PodTemplateSpec");
    }
    Struct("JobTemplateSpec", "metadata", "ObjectMeta");
    Struct("JobTemplateSpec", "spec", "JobSpec");
    Struct("CronJobSpec", "jobTemplate", "JobTemplateSpec");
    for (const char* status : {"DeploymentStatus", "StatefulSetStatus", "DaemonSetStatus",
                               "ReplicaSetStatus", "ReplicationControllerStatus"}) {
      MergeList(status, "conditions", "type");
    }
    MergeList("ServiceSpec", "ports", "port", "", {"port", "protocol"});
    MergeList("NodeSpec", "podCIDRs", "");
    MergeList("NodeStatus", "addresses", "type");
    MergeList("NodeStatus", "conditions", "type");

    Kind("Pod", "PodSpec");
    Struct("Pod", "status", "PodStatus");
    Kind("PodTemplate", "");
    Struct("PodTemplate", "template", "PodTemplateSpec");
    for (const char* k : {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
                          "ReplicationController", "Service", "Node"}) {
      Kind(k, std::string(k) + "Spec");
      Struct(k, "status", std::string(k) + "Status");
    }
    Kind("ServiceAccount", "");
    MergeList("ServiceAccount", "secrets", "name");
  }
};

const Registry& GetRegistry() {
  static const Registry* registry = new Registry();
  return *registry;
}

// The group/versions client-go's scheme registers (k8s.io/client-go/kubernetes/scheme).
constexpr std::array<std::string_view, 47> kBuiltinGroupVersions = {
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "apiserverinternal.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1alpha1",
    "certificates.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "coordination.k8s.io/v1alpha1",
    "coordination.k8s.io/v1beta1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1alpha1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1alpha1",
    "rbac.authorization.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storage.k8s.io/v1beta1",
};

}  // namespace

bool PatchSchema::IsBuiltinKind(std::string_view api_version, std::string_view kind) {
  if (kind.empty() || kind == "CustomResourceDefinition") return false;
  for (std::string_view gv : kBuiltinGroupVersions)
    if (gv == api_version) return true;
  return false;
}

PatchSchema PatchSchema::ForKind(std::string_view api_version, std::string_view kind) {
  if (!IsBuiltinKind(api_version, kind)) return PatchSchema();
  const Registry& r = GetRegistry();
  auto it = r.kinds.find(kind);
  if (it != r.kinds.end()) return PatchSchema(it->second);
  // A built-in kind without merge-keyed lists: still strategic (directives apply), only
  // metadata's lists have keys.
  static const SchemaType* plain = [] {
    auto* t = new SchemaType();
    SchemaField meta;
    meta.type = GetRegistry().types.at("ObjectMeta").get();
    t->fields["metadata"] = std::move(meta);
    return t;
  }();
  return PatchSchema(plain);
}

const SchemaField* PatchSchema::Field(std::string_view name) const {
  if (type_ == nullptr) return nullptr;
  auto it = type_->fields.find(name);
  return it == type_->fields.end() ? nullptr : &it->second;
}

PatchSchema PatchSchema::Sub(std::string_view name) const {
  const SchemaField* f = Field(name);
  return PatchSchema(f == nullptr ? nullptr : f->type);
}

}  // namespace flotilla::patch
