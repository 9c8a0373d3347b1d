// Helpers shared by the registration controllers: the objects they own, written idempotently.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "store/store.h"

namespace flotilla::registration::internal {

// Creates `want`, or updates the stored object so that its labels and annotations include
// want's and every top-level field other than metadata/status equals want's. No write when
// nothing differs. Returns the stored object.
StatusOr<Json> Apply(store::Store& store, const store::ResourceType& type, const Json& want);

// Deletes ns/name; OK when it is already gone.
Status DeleteIfExists(store::Store& store, const store::ResourceType& type, const std::string& ns,
                      const std::string& name);

Status EnsureNamespace(store::Store& store, const std::string& name);

Json Metadata(const std::string& ns, const std::string& name);
Json ServiceAccount(const std::string& ns, const std::string& name);
Json Role(const std::string& ns, const std::string& name, const Json& rules);
// A RoleBinding (ns non-empty) or ClusterRoleBinding of `role_kind`/`role` to ServiceAccount
// sa_ns/sa_name.
Json Binding(const std::string& ns, const std::string& name, const std::string& role_kind,
             const std::string& role, const std::string& sa_ns, const std::string& sa_name);
Json Rule(const std::string& group, const std::vector<std::string>& resources,
          const std::vector<std::string>& verbs, const std::vector<std::string>& names = {});

}  // namespace flotilla::registration::internal
