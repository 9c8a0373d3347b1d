// kustomize's legacy output order (plugin/builtin/sortordertransformer): kinds in a fixed
// first/last list, then by group_version_kind, then namespace|name.
#include <algorithm>
#include <map>

#include "render/kustomize/internal.h"

namespace flotilla::kustomize {
namespace {

int KindRank(const std::string& kind) {
  static const std::map<std::string, int> ranks = [] {
    const char* first[] = {"Namespace",
                           "ResourceQuota",
                           "StorageClass",
                           "CustomResourceDefinition",
                           "ServiceAccount",
                           "PodSecurityPolicy",
                           "Role",
                           "ClusterRole",
                           "RoleBinding",
                           "ClusterRoleBinding",
                           "ConfigMap",
                           "Secret",
                           "Endpoints",
                           "Service",
                           "LimitRange",
                           "PriorityClass",
                           "PersistentVolume",
                           "PersistentVolumeClaim",
                           "Deployment",
                           "StatefulSet",
                           "CronJob",
                           "PodDisruptionBudget"};
    const char* last[] = {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"};
    std::map<std::string, int> m;
    int n = static_cast<int>(std::size(first));
    for (int i = 0; i < n; i++) m[first[i]] = -n + i;
    for (int i = 0; i < static_cast<int>(std::size(last)); i++) m[last[i]] = 1 + i;
    return m;
  }();
  auto it = ranks.find(kind);
  return it == ranks.end() ? 0 : it->second;
}

std::string GvkString(const ResId& id) {
  return (id.group.empty() ? "~G" : id.group) + "_" + (id.version.empty() ? "~V" : id.version) +
         "_" + (id.kind.empty() ? "~K" : id.kind);
}

std::string IdString(const ResId& id) {
  return (id.ns.empty() ? "~X" : id.ns) + "|" + (id.name.empty() ? "~N" : id.name);
}

}  // namespace

void LegacySort(std::vector<Resource>& res) {
  std::stable_sort(res.begin(), res.end(), [](const Resource& a, const Resource& b) {
    ResId x = a.CurId(), y = b.CurId();
    if (x.group != y.group || x.version != y.version || x.kind != y.kind) {
      int rx = KindRank(x.kind), ry = KindRank(y.kind);
      if (rx != ry) return rx < ry;
      if (x.kind == "Namespace" && y.kind == "Namespace" && (x.group.empty() || y.group.empty()))
        return GvkString(x) > GvkString(y);
      return GvkString(x) < GvkString(y);
    }
    return IdString(x) < IdString(y);
  });
}

}  // namespace flotilla::kustomize
