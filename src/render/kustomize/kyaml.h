// YAML -> JSON as kustomize reads its inputs (kyaml on yaml.v3, YAML 1.2 typing): `on`/`yes`
// stay strings, 0777 is octal, `_` separators are allowed in numbers, plain dates become
// RFC 3339 timestamps. Aliases are expanded with a bound on the nodes produced.
#pragma once

#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace flotilla::kustomize {

// Every non-empty document of `text`. Errors read "file:line:col: ...".
StatusOr<std::vector<Json>> ParseKYamlStream(std::string_view text, std::string_view filename,
                                             size_t max_nodes);

// A plain scalar resolved with yaml.v3's rules (exposed for tests).
Json ResolveV3Plain(std::string_view s);

}  // namespace flotilla::kustomize
