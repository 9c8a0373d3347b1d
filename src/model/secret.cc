#include "model/secret.h"

#include <fmt/format.h>

#include "core/base64.h"
#include "model/json_get.h"

namespace flotilla::model {

StatusOr<std::string> SecretValue(const Json& secret, const std::string& key) {
  const Json& v = At(secret, {"data", key});
  if (!v.is_string()) return NotFound(fmt::format("no key \"{}\"", key));
  auto decoded = Base64Decode(v.get<std::string>());
  if (!decoded.ok()) return InvalidArgument(fmt::format("key \"{}\" is not base64", key));
  return decoded;
}

std::string SecretValueOrEmpty(const Json& secret, const std::string& key) {
  auto v = SecretValue(secret, key);
  return v.ok() ? *v : "";
}

}  // namespace flotilla::model
