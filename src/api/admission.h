// What happens to an object between the HTTP body and the store: type meta, Secret stringData
// folding, defaulting, validation, and the admission hooks the server owner registers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "model/resource_type.h"

namespace flotilla::api {

enum class Operation { kCreate, kUpdate, kDelete };

struct AdmissionRequest {
  Operation operation;
  const model::ResourceType* type;
  std::string subresource;  // "status" for status writes
  bool dry_run = false;
};

// Runs after defaulting and validation, before the write. `old` is null on create; on delete
// `obj` is null. A hook may mutate `obj` (it must keep it valid); a non-OK Status rejects the
// request and is returned to the client (InvalidArgument with causes → 422).
using AdmissionHook =
    std::function<Status(const AdmissionRequest& request, const Json& old, Json& obj)>;

// Kubernetes' Secret write semantics: every stringData entry overwrites data[key] with its
// base64 encoding, and stringData is dropped. No-op for other kinds.
void FoldStringData(const model::ResourceType& type, Json& object);

// Sets kind/apiVersion to the type's (used on everything the API returns).
void SetTypeMeta(const model::ResourceType& type, Json& object);

// Checks that kind/apiVersion, when set, name `type`; fills them when missing.
Status CheckTypeMeta(const model::ResourceType& type, Json& object);

// Folds stringData, applies defaults, validates, then runs `hooks` in order.
Status Admit(const AdmissionRequest& request, const std::vector<AdmissionHook>& hooks,
             const Json& old, Json& obj);

}  // namespace flotilla::api
