// Where the directory applier puts things. Under the apply dir:
//
//   <namespace>/<kind>[.<group>]/<name>.yaml     a namespaced object
//   _cluster/<kind>[.<group>]/<name>.yaml        a cluster-scoped object (no metadata.namespace)
//   .flotilla/inventory/<deployment>.json        what each deployment applied (for pruning)
//   .flotilla/lock                               held by the one process using this apply dir
//
// <kind> is lower-cased; <group> is the API group ("apps"; none for the core group "v1"), so
// `apps/v1 Deployment default/web` is `default/deployment.apps/web.yaml`. The version is not part
// of the path: one object has one file whatever version it is written in. "_cluster" and dot
// files cannot clash with objects: namespaces may not contain '_', names may not start with '.'.
// Temporary files are dot files ending in ".flotilla-tmp".
#pragma once

#include <string>
#include <string_view>

#include "core/json.h"
#include "core/status.h"

namespace flotilla::agent::directory {

inline constexpr std::string_view kClusterDir = "_cluster";
inline constexpr std::string_view kStateDir = ".flotilla";
inline constexpr std::string_view kTempSuffix = ".flotilla-tmp";

// The identity of an object, validated so that its path stays inside the apply dir.
struct ObjectRef {
  std::string api_version;  // "apps/v1"
  std::string kind;         // "Deployment"
  std::string ns;           // empty for cluster-scoped objects
  std::string name;

  std::string Group() const;
  // Path relative to the apply dir, per the layout above.
  std::string Path() const;
  // "Deployment default/web" or "Namespace web" (for messages and ApplyResult::pruned).
  std::string Describe() const;
};

// Reads and validates apiVersion, kind, metadata.namespace and metadata.name. Errors
// (InvalidArgument) name the field and value and say what is allowed, e.g.
// `metadata.name "../../etc/passwd" is not a valid object name: ...`.
StatusOr<ObjectRef> RefOf(const Json& object);
// The same checks for an identity read back from an inventory.
Status Validate(const ObjectRef& ref);

// A file name for a deployment id: bytes outside [A-Za-z0-9_-] (and '.' but a leading one) become
// %XX ("ns/bd" -> "ns%2Fbd"); very long ids are shortened with a hash. Distinct ids give distinct
// names.
std::string EscapeId(std::string_view id);

}  // namespace flotilla::agent::directory
