// fleet.yaml: parsing and strict validation. Fleet itself ignores unknown fields
// (sigs.k8s.io/yaml), so a typo silently does nothing there; flotilla refuses them, naming the
// file, line and field path: `app/fleet.yaml:3: defaultNamespce: unknown field`.
// The accepted fields are those of Fleet's FleetYAML (pkg/apis/fleet.cattle.io/v1alpha1:
// fleetyaml.go, bundle_types.go, bundledeployment_types.go).
#pragma once

#include <string>
#include <string_view>

#include "core/json.h"
#include "core/status.h"

namespace flotilla::render {

// Parses and validates `text` (the content of `filename`). An empty file is an empty map.
// InvalidArgument for malformed YAML, a non-map document, unknown fields and wrongly typed
// values (strings where Fleet wants strings, booleans, integers, maps of strings, lists).
StatusOr<Json> ParseFleetYaml(std::string_view text, const std::string& filename);

}  // namespace flotilla::render
