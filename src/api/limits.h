// The limits the API applies to what clients send, as kube-apiserver has them, and its
// fieldValidation semantics. The request body limit (3 MiB) is ApiServer::Options'
// max_body_bytes; nesting is bounded where bodies are read (core/json_limits.h).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "api/http.h"
#include "core/json.h"
#include "core/status.h"
#include "model/resource_type.h"

namespace flotilla::api {

// An object as stored may be at most this large (its compact JSON), as etcd's request limit
// caps kube-apiserver's objects.
inline constexpr size_t kMaxObjectBytes = 1536 * 1024;  // 1572864
// A list page stops growing past this many bytes of objects (and hands out a continue token),
// whatever `limit` says: a list's response costs about 5x its bytes in memory while it is built.
inline constexpr size_t kMaxListPageBytes = 16 << 20;

// kInvalidArgument (HTTP 422) naming the limit when `object`'s JSON exceeds `max_bytes`.
Status CheckObjectSize(const model::ResourceType& type, const Json& object, size_t max_bytes);

// ?fieldValidation= as kube-apiserver reads it (Strict, Warn, Ignore; case-sensitive).
enum class FieldValidation { kIgnore, kWarn, kStrict };

// When the parameter is absent: Strict. kube-apiserver defaults to Warn, but kubectl sends
// Strict only to servers whose OpenAPI document advertises the parameter, and flotilla's is
// empty; Strict keeps the promise that a typo is refused (README "The API"). kInvalidArgument
// for any other value.
StatusOr<FieldValidation> FieldValidationOf(const HttpRequest& request);

// Applies `mode` to the fields `object` introduces that its kind does not declare (see
// model/schema.h; fields `old` already has are left alone): Strict refuses them (422, a cause
// per field), Warn removes them and adds a warning each (`unknown field "spec.x"`), Ignore
// removes them. `old` is null on create.
Status CheckUnknownFields(const model::ResourceType& type, FieldValidation mode, const Json* old,
                          Json& object, std::vector<std::string>& warnings);

// Adds each warning as a `Warning: 299 - "..."` header, which kubectl prints.
void AddWarnings(HttpResponse& response, const std::vector<std::string>& warnings);

}  // namespace flotilla::api
