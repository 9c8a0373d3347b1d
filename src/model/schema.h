// Which fields each kind declares, for refusing (or pruning) the ones it does not, as
// kube-apiserver's fieldValidation does. Fleet's kinds follow Fleet v0.16's CRDs (generated into
// fleet_schema_data.cc by scripts/gen_fleet_schema.py); Secret, ConfigMap and Namespace their
// k8s.io/api types' top-level fields; metadata is metav1.ObjectMeta everywhere. Event is not
// checked. `status` is not checked either: it is written by flotilla's own controllers and
// agents, through the status subresource.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "model/resource_type.h"

namespace flotilla::model {

// Paths of the fields `object` sets that its kind does not declare, in Kubernetes' notation
// ("spec.targets[0].clusterSelectr", "bogus"), keys in sorted order. Fields that `old` (the
// stored object, when there is one) already has at the same path are not reported: a request is
// judged on what it introduces. With `prune`, the reported fields are also removed from `object`.
// Empty for kinds without a schema. Recurses only as deep as the schema.
std::vector<std::string> UnknownFields(const ResourceType& type, Json& object, bool prune,
                                       const Json* old = nullptr);

// The same, read-only.
std::vector<std::string> UnknownFields(const ResourceType& type, const Json& object);

}  // namespace flotilla::model
