// Plain-scalar resolution under YAML 1.2 (yaml.v3 / kyaml), beside go-yaml v2's in yaml.h.
#pragma once

#include <string_view>

#include "core/json.h"

namespace flotilla {

// The value a plain (unquoted) scalar resolves to under yaml.v3's rules.
Json ResolveYaml12Plain(std::string_view s);

}  // namespace flotilla
