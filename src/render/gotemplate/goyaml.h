// sigs.k8s.io/yaml.Marshal as Helm's toYaml uses it: the value goes through encoding/json (so
// integral floats become ints and strings are UTF-8-clean), then go-yaml v2 emits it — keys in
// yaml.v2's natural order, scalar styles chosen by its resolver and emitter analysis, and long
// scalars folded at spaces past column 80.
#pragma once

#include <string>

#include "core/status.h"
#include "render/gotemplate/value.h"

namespace flotilla::gotemplate {

// Always ends with "\n" on success. `yaml_v3_pretty` selects toYamlPretty's encoder (yaml.v3
// with 2-space indentation, sequences indented under their key).
StatusOr<std::string> GoYamlMarshal(const Value& v, bool yaml_v3_pretty = false);

// yaml.v2's map key order (natural order: digit runs compare numerically).
bool YamlKeyLess(const std::string& a, const std::string& b);

}  // namespace flotilla::gotemplate
