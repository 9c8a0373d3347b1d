// Fleet's Content (fleet.cattle.io/v1alpha1, cluster-scoped): the resources of a deployment,
// stored once per distinct set and named by its ID, so an agent reads its manifests by the ID its
// BundleDeployment names and needs no access to Bundles or GitRepo namespaces.
//
// As Fleet's: `content` is the gzip of the JSON manifest {"resources":[...]} (base64 in JSON, a
// []byte in Go), `sha256sum` the SHA-256 of that JSON before compression. The name is the
// manifest ID, "s-" and the SHA-256 of the resources cut to 63 characters (a label value, so
// BundleDeployments can carry it in fleet.cattle.io/content-name); a deploymentID is
// "<content name>:<sha256 of the options>".
#pragma once

#include <cstddef>
#include <string>

#include "core/json.h"
#include "core/status.h"

namespace flotilla::model {

// How large a Content's manifest may inflate to (a gzip bomb is refused, not held in memory).
inline constexpr size_t kMaxContentManifestBytes = 64u << 20;

// "s-<sha256 of resources>", cut to 63 characters: the name of the Content of `resources`.
std::string ContentId(const Json& resources);

// The Content a deploymentID names: the part before ':' ("" when `deployment_id` is empty).
std::string ContentName(const std::string& deployment_id);

// The Content object holding `resources` (a Bundle's spec.resources).
StatusOr<Json> ContentFor(const Json& resources);

// The resources Content `content` holds, checked: InvalidArgument when `content` is not base64
// gzip of a JSON manifest, when its sha256sum does not match, or when the resources do not hash
// to the Content's name (a Content that would deploy something other than what its ID promises).
StatusOr<Json> ContentResources(const Json& content);

}  // namespace flotilla::model
