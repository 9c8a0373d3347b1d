// fleet.yaml helm.valuesFrom, resolved as Fleet's agent does (internal/helmdeployer, getValues):
// each entry's configMapKeyRef, then its secretKeyRef, is read from the cluster the agent
// deploys to, its key (default "values.yaml") parsed as YAML and merged over helm.values (maps
// merge recursively, anything else is replaced). A ref without a namespace reads the release's
// namespace: options.namespace, else options.defaultNamespace, else "default". For the built-in
// `local` cluster that cluster is flotilla's own store (as Fleet's local cluster is the
// management cluster), so ConfigMaps and Secrets created with kubectl are what it reads.
#pragma once

#include "core/json.h"
#include "core/status.h"
#include "store/store.h"

namespace flotilla::agent {

// BundleDeploymentOptions with helm.valuesFrom folded into helm.values (and removed). Options
// without valuesFrom are returned unchanged. A missing object or key, or a value that is not a
// YAML map, is an error naming the entry, e.g.
// `helm.valuesFrom[0].configMapKeyRef: configmap "default/values" not found`.
StatusOr<Json> ResolveValuesFrom(store::Store& store, Json options);

}  // namespace flotilla::agent
