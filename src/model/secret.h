// Reading Kubernetes Secret data: `data` holds base64 (as the API stores it; admission folds
// stringData into it).
#pragma once

#include <string>

#include "core/json.h"
#include "core/status.h"

namespace flotilla::model {

// The decoded value of data[`key`] of `secret`: NotFound when the key is absent or not a
// string, InvalidArgument when it is not base64. Messages name only the key; callers add the
// Secret's name.
StatusOr<std::string> SecretValue(const Json& secret, const std::string& key);

// SecretValue, or "" when it is absent or malformed: for optional credential fields.
std::string SecretValueOrEmpty(const Json& secret, const std::string& key);

}  // namespace flotilla::model
