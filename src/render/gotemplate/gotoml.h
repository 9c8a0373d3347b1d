// BurntSushi/toml's Encoder (v1.2) as Helm's toToml uses it.
#pragma once

#include <string>

#include "core/status.h"
#include "render/gotemplate/value.h"

namespace flotilla::gotemplate {

// TOML for a map; errors carry BurntSushi's messages ("toml: top-level values must be ...").
StatusOr<std::string> GoTomlMarshal(const Value& v);

}  // namespace flotilla::gotemplate
