// YAML <-> JSON, with the typing rules Kubernetes uses (sigs.k8s.io/yaml on top of go-yaml v2):
// plain scalars resolve to null/bool/int/float/string, quoted scalars are strings, anchors,
// aliases and merge keys (`<<`) are expanded. Errors name the file, line and column.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace flotilla {

struct YamlLimits {
  // Upper bound on nodes produced while expanding aliases (guards against "billion laughs").
  size_t max_nodes = 1'000'000;
  size_t max_depth = 256;
};

// Parses every document of a YAML stream. Empty documents (e.g. between `---` lines or only
// comments) are skipped. `filename` only appears in error messages ("file.yaml:3:5: ...").
StatusOr<std::vector<Json>> ParseYamlStream(std::string_view text, std::string_view filename = "",
                                            const YamlLimits& limits = {});

// Parses exactly one document (an empty input yields null).
StatusOr<Json> ParseYaml(std::string_view text, std::string_view filename = "",
                         const YamlLimits& limits = {});

// Emits block-style YAML in the layout of sigs.k8s.io/yaml (go-yaml v2): two-space indentation,
// sequences not indented under their key, keys sorted, strings quoted only when needed.
// The output ends with a newline (empty object -> "{}\n").
std::string ToYaml(const Json& value);

// Documents as one YAML stream: each as ToYaml prints it, separated by "---\n".
std::string ToYamlStream(const std::vector<Json>& documents);

// The value a plain (unquoted) scalar resolves to under go-yaml v2's rules.
Json ResolvePlainScalar(std::string_view s);

}  // namespace flotilla
