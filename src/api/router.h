// Parses Kubernetes resource paths:
//   /api/v1/namespaces/{ns}/{plural}[/{name}[/{subresource}]]
//   /api/v1/{plural}[/{name}[/{subresource}]]          (cluster-scoped kinds, or all namespaces)
//   /apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}[/{subresource}]]
//   /apis/{group}/{version}/{plural}[/{name}[/{subresource}]]
// "/api/v1/namespaces/{name}" is the Namespace object itself.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "model/resource_type.h"

namespace flotilla::api {

struct ResourcePath {
  const model::ResourceType* type = nullptr;
  std::string ns;           // empty: all namespaces (namespaced kinds) or a cluster-scoped kind
  std::string name;         // empty: the collection
  std::string subresource;  // "status", "token" (ServiceAccounts) or empty

  bool collection() const { return name.empty(); }
};

// Returns kNotFound for paths that name no served resource, and for unknown subresources.
// REQUIRES: `path` is percent-decoded and has no query string.
StatusOr<ResourcePath> ParseResourcePath(std::string_view path);

}  // namespace flotilla::api
