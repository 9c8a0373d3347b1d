// Resource ids, field-spec walking and the built-in field specs (the facts of kustomize v5's
// api/konfig/builtinpluginconsts, expressed as tables of workload kinds x pod-spec paths).
#include <algorithm>

#include <fmt/format.h>

#include "model/json_get.h"
#include "render/kustomize/internal.h"

namespace flotilla::kustomize {

std::pair<std::string, std::string> SplitApiVersion(const std::string& av) {
  auto s = av.find('/');
  if (s == std::string::npos) return {"", av};
  return {av.substr(0, s), av.substr(s + 1)};
}

std::string ResId::ToString() const {
  return fmt::format("{}.{}.{}/{}.{}", kind.empty() ? "[noKind]" : kind,
                     version.empty() ? "[noVer]" : version, group.empty() ? "[noGrp]" : group, name,
                     ns.empty() ? "[noNs]" : ns);
}

std::string Resource::Name() const { return model::GetString(obj, "metadata.name"); }
std::string Resource::Namespace() const { return model::GetString(obj, "metadata.namespace"); }
std::string Resource::Kind() const { return model::GetString(obj, "kind"); }

ResId Resource::CurId() const {
  auto [g, v] = SplitApiVersion(model::GetString(obj, "apiVersion"));
  return {g, v, Kind(), Name(), Namespace()};
}

void Resource::RememberId() { previous.push_back(CurId()); }

bool IsClusterScoped(const std::string& kind) {
  static const char* kKinds[] = {"APIService",
                                 "CSIDriver",
                                 "CSINode",
                                 "CertificateSigningRequest",
                                 "ClusterRole",
                                 "ClusterRoleBinding",
                                 "ComponentStatus",
                                 "CustomResourceDefinition",
                                 "FlowSchema",
                                 "IngressClass",
                                 "MutatingWebhookConfiguration",
                                 "Namespace",
                                 "Node",
                                 "PersistentVolume",
                                 "PodSecurityPolicy",
                                 "PriorityClass",
                                 "PriorityLevelConfiguration",
                                 "RuntimeClass",
                                 "SelfSubjectAccessReview",
                                 "SelfSubjectRulesReview",
                                 "StorageClass",
                                 "SubjectAccessReview",
                                 "TokenReview",
                                 "ValidatingAdmissionPolicy",
                                 "ValidatingAdmissionPolicyBinding",
                                 "ValidatingWebhookConfiguration",
                                 "VolumeAttachment"};
  return std::find(std::begin(kKinds), std::end(kKinds), kind) != std::end(kKinds);
}

std::string IdKey(const ResId& id) {
  return id.kind + "|" + id.group + "|" + id.name + "|" + (id.ns.empty() ? "default" : id.ns);
}

bool SameNamespace(const std::string& a, const std::string& b) {
  auto norm = [](const std::string& s) { return s.empty() ? std::string("default") : s; };
  return norm(a) == norm(b);
}

bool FieldSpec::Selects(const ResId& id) const {
  return (group.empty() || group == id.group) && (version.empty() || version == id.version) &&
         (kind.empty() || kind == id.kind);
}

namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < path.size(); i++) {
    if (path[i] == '\\' && i + 1 < path.size() && path[i + 1] == '/') {
      cur.push_back('/');
      i++;
    } else if (path[i] == '/') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(path[i]);
    }
  }
  out.push_back(cur);
  return out;
}

Status Walk(Json& node, const std::vector<std::string>& segs, size_t i, bool create,
            const std::function<Status(Json&)>& fn) {
  if (node.is_array()) {
    for (Json& e : node) RETURN_IF_ERROR(Walk(e, segs, i, create, fn));
    return Status::Ok();
  }
  if (i == segs.size()) return fn(node);
  if (!node.is_object()) return Status::Ok();
  std::string seg = segs[i];
  bool list = seg.size() > 2 && seg.compare(seg.size() - 2, 2, "[]") == 0;
  if (list) seg.resize(seg.size() - 2);
  auto it = node.find(seg);
  if (it == node.end() || it->is_null()) {
    if (!create || list) return Status::Ok();
    node[seg] = i + 1 == segs.size() ? Json(nullptr) : Json::object();
    it = node.find(seg);
  }
  return Walk(*it, segs, i + 1, create, fn);
}

}  // namespace

Status ApplyFieldSpec(Json& obj, const FieldSpec& spec, const std::function<Status(Json&)>& fn) {
  return Walk(obj, SplitPath(spec.path), 0, spec.create, fn);
}

// ---- the built-in specs ----

namespace {

struct Workload {
  const char* group;
  const char* kind;
  const char* pod;        // path of the pod spec
  const char* template_;  // path of the pod template metadata ("" = none)
};

// Pod-carrying kinds, in kustomize's order.
const Workload kWorkloads[] = {
    {"", "Pod", "spec", ""},
    {"", "Deployment", "spec/template/spec", "spec/template/metadata"},
    {"", "ReplicaSet", "spec/template/spec", "spec/template/metadata"},
    {"", "DaemonSet", "spec/template/spec", "spec/template/metadata"},
    {"", "StatefulSet", "spec/template/spec", "spec/template/metadata"},
    {"", "Job", "spec/template/spec", "spec/template/metadata"},
    {"", "CronJob", "spec/jobTemplate/spec/template/spec",
     "spec/jobTemplate/spec/template/metadata"},
};

FieldSpec Spec(std::string kind, std::string path, bool create = false, std::string group = "",
               std::string version = "") {
  return FieldSpec{std::move(group), std::move(version), std::move(kind), std::move(path), create};
}

// metadata/<field> on every object plus the pod templates of workloads.
std::vector<FieldSpec> MetadataSpecs(const std::string& field) {
  std::vector<FieldSpec> v = {Spec("", "metadata/" + field, true)};
  v.push_back(Spec("ReplicationController", "spec/template/metadata/" + field, true, "", "v1"));
  for (const char* k : {"Deployment", "ReplicaSet", "DaemonSet"})
    v.push_back(Spec(k, "spec/template/metadata/" + field, true));
  v.push_back(Spec("StatefulSet", "spec/template/metadata/" + field, true, "apps"));
  v.push_back(Spec("Job", "spec/template/metadata/" + field, true, "batch"));
  v.push_back(Spec("CronJob", "spec/jobTemplate/metadata/" + field, true, "batch"));
  v.push_back(Spec("CronJob", "spec/jobTemplate/spec/template/metadata/" + field, true, "batch"));
  return v;
}

}  // namespace

const std::vector<FieldSpec>& TemplateLabelSpecs() {
  static const std::vector<FieldSpec> specs = MetadataSpecs("labels");
  return specs;
}

const std::vector<FieldSpec>& AnnotationSpecs() {
  static const std::vector<FieldSpec> specs = MetadataSpecs("annotations");
  return specs;
}

const std::vector<FieldSpec>& CommonLabelSpecs() {
  static const std::vector<FieldSpec> specs = [] {
    std::vector<FieldSpec> v = {
        Spec("Service", "spec/selector", true, "", "v1"),
        Spec("ReplicationController", "spec/selector", true, "", "v1"),
        Spec("Deployment", "spec/selector/matchLabels", true),
    };
    const char* affinity[] = {
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/"
        "podAffinityTerm/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/"
        "labelSelector/matchLabels",
        "spec/template/spec/affinity/podAntiAffinity/"
        "preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/"
        "matchLabels",
        "spec/template/spec/affinity/podAntiAffinity/"
        "requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels"};
    for (const char* p : affinity) v.push_back(Spec("Deployment", p, false, "apps"));
    v.push_back(Spec("ReplicaSet", "spec/selector/matchLabels", true));
    v.push_back(Spec("DaemonSet", "spec/selector/matchLabels", true));
    v.push_back(Spec("StatefulSet", "spec/selector/matchLabels", true, "apps"));
    v.push_back(Spec("StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels", true, "apps"));
    for (const char* p : affinity) v.push_back(Spec("StatefulSet", p, false, "apps"));
    v.push_back(Spec("Job", "spec/selector/matchLabels", false, "batch"));
    v.push_back(Spec("CronJob", "spec/jobTemplate/spec/selector/matchLabels", false, "batch"));
    v.push_back(Spec("PodDisruptionBudget", "spec/selector/matchLabels", false, "policy"));
    for (const char* p :
         {"spec/podSelector/matchLabels", "spec/ingress/from/podSelector/matchLabels",
          "spec/egress/to/podSelector/matchLabels"})
      v.push_back(Spec("NetworkPolicy", p, false, "networking.k8s.io"));
    for (const FieldSpec& f : MetadataSpecs("labels")) v.push_back(f);
    return v;
  }();
  return specs;
}

const std::vector<FieldSpec>& ReplicaSpecs() {
  static const std::vector<FieldSpec> specs = {Spec("Deployment", "spec/replicas", true),
                                               Spec("ReplicationController", "spec/replicas", true),
                                               Spec("ReplicaSet", "spec/replicas", true),
                                               Spec("StatefulSet", "spec/replicas", true)};
  return specs;
}

const std::vector<NameRefSpec>& NameReferenceSpecs() {
  static const std::vector<NameRefSpec> specs = [] {
    std::vector<NameRefSpec> v;
    for (const char* k : {"Deployment", "ReplicationController", "ReplicaSet", "StatefulSet"})
      v.push_back({"", "", k, {Spec("HorizontalPodAutoscaler", "spec/scaleTargetRef/name")}});

    // ConfigMap and Secret references inside every pod spec.
    NameRefSpec cm{"", "v1", "ConfigMap", {}};
    NameRefSpec secret{"", "v1", "Secret", {}};
    for (const Workload& w : kWorkloads) {
      std::string p = w.pod;
      std::string ver = std::string(w.kind) == "Pod" ? "v1" : "";
      for (const char* rel :
           {"volumes/configMap/name", "containers/env/valueFrom/configMapKeyRef/name",
            "initContainers/env/valueFrom/configMapKeyRef/name",
            "containers/envFrom/configMapRef/name", "initContainers/envFrom/configMapRef/name",
            "volumes/projected/sources/configMap/name"})
        cm.referrers.push_back(Spec(w.kind, p + "/" + rel, false, "", ver));
      for (const char* rel :
           {"volumes/secret/secretName", "containers/env/valueFrom/secretKeyRef/name",
            "initContainers/env/valueFrom/secretKeyRef/name", "containers/envFrom/secretRef/name",
            "initContainers/envFrom/secretRef/name", "imagePullSecrets/name",
            "volumes/projected/sources/secret/name"})
        secret.referrers.push_back(Spec(w.kind, p + "/" + rel, false, "", ver));
    }
    cm.referrers.push_back(Spec("Node", "spec/configSource/configMap"));
    cm.referrers.push_back(Spec("Role", "rules/resourceNames"));
    cm.referrers.push_back(Spec("ClusterRole", "rules/resourceNames"));
    cm.referrers.push_back(Spec(
        "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap"));
    for (const char* p : {"spec/template/spec/containers/env/valueFrom/configMapKeyRef/name",
                          "spec/template/spec/containers/envFrom/configMapRef/name"})
      cm.referrers.push_back(Spec("Service", p, false, "serving.knative.dev", "v1"));
    v.push_back(cm);

    for (const char* p :
         {"spec/tls/secretName", "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
          "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
          "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret"})
      secret.referrers.push_back(Spec("Ingress", p));
    secret.referrers.push_back(Spec("ServiceAccount", "imagePullSecrets/name"));
    for (const char* p : {"parameters/secretName", "parameters/adminSecretName",
                          "parameters/userSecretName", "parameters/secretRef"})
      secret.referrers.push_back(Spec("StorageClass", p));
    secret.referrers.push_back(Spec("Role", "rules/resourceNames"));
    secret.referrers.push_back(Spec("ClusterRole", "rules/resourceNames"));
    secret.referrers.push_back(Spec("Service",
                                    "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
                                    false, "serving.knative.dev", "v1"));
    secret.referrers.push_back(Spec("PersistentVolume", "spec/azureFile/secretName"));
    v.push_back(secret);

    v.push_back({"",
                 "v1",
                 "Service",
                 {Spec("StatefulSet", "spec/serviceName", false, "apps"),
                  Spec("Ingress", "spec/rules/http/paths/backend/serviceName"),
                  Spec("Ingress", "spec/backend/serviceName"),
                  Spec("Ingress", "spec/rules/http/paths/backend/service/name"),
                  Spec("Ingress", "spec/defaultBackend/service/name"),
                  Spec("APIService", "spec/service/name", false, "apiregistration.k8s.io"),
                  Spec("ValidatingWebhookConfiguration", "webhooks/clientConfig/service", false,
                       "admissionregistration.k8s.io"),
                  Spec("MutatingWebhookConfiguration", "webhooks/clientConfig/service", false,
                       "admissionregistration.k8s.io")}});
    v.push_back({"rbac.authorization.k8s.io",
                 "",
                 "Role",
                 {Spec("RoleBinding", "roleRef/name", false, "rbac.authorization.k8s.io")}});
    v.push_back({"rbac.authorization.k8s.io",
                 "",
                 "ClusterRole",
                 {Spec("RoleBinding", "roleRef/name", false, "rbac.authorization.k8s.io"),
                  Spec("ClusterRoleBinding", "roleRef/name", false, "rbac.authorization.k8s.io")}});
    NameRefSpec sa{"",
                   "v1",
                   "ServiceAccount",
                   {Spec("RoleBinding", "subjects", false, "rbac.authorization.k8s.io"),
                    Spec("ClusterRoleBinding", "subjects", false, "rbac.authorization.k8s.io"),
                    Spec("Pod", "spec/serviceAccountName")}};
    NameRefSpec pvc{"",
                    "v1",
                    "PersistentVolumeClaim",
                    {Spec("Pod", "spec/volumes/persistentVolumeClaim/claimName")}};
    NameRefSpec prio{
        "scheduling.k8s.io", "v1", "PriorityClass", {Spec("Pod", "spec/priorityClassName")}};
    for (const char* k :
         {"StatefulSet", "Deployment", "ReplicationController", "CronJob", "Job", "DaemonSet"}) {
      std::string base = std::string(k) == "CronJob" ? "spec/jobTemplate/spec/template/spec"
                                                     : "spec/template/spec";
      sa.referrers.push_back(Spec(k, base + "/serviceAccountName"));
      pvc.referrers.push_back(Spec(k, base + "/volumes/persistentVolumeClaim/claimName"));
      prio.referrers.push_back(Spec(k, base + "/priorityClassName"));
    }
    v.push_back(sa);
    v.push_back(pvc);
    v.push_back({"",
                 "v1",
                 "PersistentVolume",
                 {Spec("PersistentVolumeClaim", "spec/volumeName"),
                  Spec("ClusterRole", "rules/resourceNames")}});
    v.push_back({"storage.k8s.io",
                 "v1",
                 "StorageClass",
                 {Spec("PersistentVolume", "spec/storageClassName"),
                  Spec("PersistentVolumeClaim", "spec/storageClassName"),
                  Spec("StatefulSet", "spec/volumeClaimTemplates/spec/storageClassName")}});
    v.push_back(prio);
    v.push_back(
        {"networking.k8s.io/v1", "v1", "IngressClass", {Spec("Ingress", "spec/ingressClassName")}});
    return v;
  }();
  return specs;
}

}  // namespace flotilla::kustomize
