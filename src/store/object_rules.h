// The Kubernetes object rules every Store implementation applies on write, independent of the
// database: metadata a client may and may not change, when generation moves, preconditions,
// finalizers, and the error messages the apiserver prints. Pure functions, no I/O.
#pragma once

#include <optional>
#include <string>

#include "core/json.h"
#include "core/status.h"
#include "model/resource_type.h"
#include "store/store.h"

namespace flotilla::store {

// "gitrepos.fleet.cattle.io", or "secrets" for the core group: the resource as Kubernetes names
// it in error messages. Also the stable key under which implementations store the kind.
std::string QualifiedResource(const ResourceType& type);

// `gitrepos.fleet.cattle.io "x" not found`
Status NotFoundError(const ResourceType& type, const std::string& name);
// `gitrepos.fleet.cattle.io "x" already exists`
Status AlreadyExistsError(const ResourceType& type, const std::string& name);
// `Operation cannot be fulfilled on gitrepos.fleet.cattle.io "x": the object has been modified;
// please apply your changes to the latest version and try again`
Status ConflictError(const ResourceType& type, const std::string& name);

// A random RFC 4122 version-4 UUID.
std::string NewUid();
// `prefix` followed by 5 random characters from Kubernetes' alphabet.
std::string GenerateNameFrom(const std::string& prefix);

// Validates and normalises an object for Create: sets apiVersion/kind, checks name (or
// generateName) and namespace scope, and clears server-owned metadata. Does not choose the name,
// uid or resourceVersion (the writer does; see FinishCreate). For kinds with a status subresource
// the status is dropped, as the apiserver does.
Status PrepareCreate(const ResourceType& type, Json& object);
// Sets the server-owned metadata of a new object: name (when generated), uid,
// creationTimestamp, generation = 1.
void FinishCreate(Json& object, const std::string& name);

// The outcome of applying a write to the stored object.
struct WriteOutcome {
  enum class Action { kNone, kUpdate, kDelete };
  Action action = Action::kNone;
  Json object;  // the new state (kUpdate), the last state (kDelete) or the unchanged one (kNone)
};

// Update: `incoming` replaces metadata (labels, annotations, finalizers, ownerReferences, ...)
// and the body; status is kept from `stored` for kinds with a status subresource. Immutable
// metadata (uid, creationTimestamp, deletionTimestamp, ...) is kept. Generation is bumped iff
// the body outside metadata and status changed. A deleting object whose last finalizer is
// removed is deleted. kConflict on a stale resourceVersion or a uid mismatch.
StatusOr<WriteOutcome> ApplyUpdate(const ResourceType& type, const Json& stored, Json incoming);
// UpdateStatus: only .status is taken from `incoming`.
StatusOr<WriteOutcome> ApplyStatusUpdate(const ResourceType& type, const Json& stored,
                                         const Json& incoming);
// Delete: checks the preconditions; marks the object with deletionTimestamp when it has
// finalizers (kNone if it already is), else deletes it.
StatusOr<WriteOutcome> ApplyDelete(const ResourceType& type, const Json& stored,
                                   const DeleteOptions& options);

// The name and namespace addressed by an Update/UpdateStatus, checked against the scope.
struct ObjectRef {
  std::string ns;
  std::string name;
};
StatusOr<ObjectRef> RefForWrite(const ResourceType& type, const Json& object);

// Sets metadata.resourceVersion to the decimal form of `rv`.
void SetResourceVersion(Json& object, int64_t rv);

// List continuation: the resourceVersion of the first page and the last key returned, encoded
// as an opaque base64 token (as the apiserver's "continue").
struct ContinueToken {
  int64_t resource_version = 0;
  std::string ns;
  std::string name;
};
std::string EncodeContinue(const ContinueToken& token);
StatusOr<ContinueToken> DecodeContinue(const std::string& text);

// True when `object` passes the namespace, label and field filters.
bool MatchesFilters(const Json& object, const std::string& ns, const model::LabelSelector& labels,
                    const FieldSelector& fields);

}  // namespace flotilla::store
