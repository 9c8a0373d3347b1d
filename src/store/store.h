// The store: the single source of truth for every resource. Implementations: SQLite (embedded
// default, store/sqlite) and, later, PostgreSQL. The semantics are Kubernetes' (apiserver +
// etcd), so the API server is a thin HTTP layer over this interface and controllers use it
// directly in-process.
//
// Contracts every implementation keeps:
// - resourceVersion is one global, strictly increasing counter; every write gets a new one and
//   objects carry it as a decimal string in metadata.resourceVersion. An Update/UpdateStatus
//   that changes nothing is not a write (as in the apiserver): it returns the stored object with
//   its current resourceVersion and produces no event.
// - metadata.uid and metadata.creationTimestamp are set on create; metadata.generation starts at
//   1 and is incremented only when the object's body outside metadata and status changes.
// - Update/UpdateStatus with a non-empty metadata.resourceVersion that is not the current one
//   fail with kConflict (optimistic concurrency); an empty one means "last write wins".
// - Update never changes status; UpdateStatus changes only status (kinds without a status
//   subresource store status via Update; UpdateStatus on them is kInvalidArgument). Create
//   drops the status of kinds with a status subresource, as the apiserver does.
// - metadata.uid, creationTimestamp, deletionTimestamp and generation are server-owned: values
//   sent by clients are ignored (a non-empty uid that differs is a kConflict precondition).
// - Delete of an object with finalizers sets metadata.deletionTimestamp (a MODIFIED event) and
//   the object goes away when an Update removes its last finalizer (a DELETED event).
// - Watch delivers every change after the requested resourceVersion, in resourceVersion order,
//   exactly once; a resourceVersion older than the retained history fails with kGone. With a
//   label/field selector, an object that starts matching arrives as ADDED and one that stops
//   matching as DELETED (its last matching state). A watcher that falls behind the retained
//   history is stopped with status() kGone: the client must re-list.
// - Error messages are the apiserver's: `gitrepos.fleet.cattle.io "x" not found`, `... already
//   exists`, `Operation cannot be fulfilled on ...: the object has been modified; ...`.
// All methods are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "model/labels.h"
#include "model/resource_type.h"

namespace flotilla::store {

using model::ResourceType;

// Simple field selectors as kubectl sends them: "metadata.name=x,involvedObject.uid=y".
// Supported operators: =, ==, !=. Field paths are dotted paths into the object.
struct FieldSelector {
  struct Term {
    std::string path;
    std::string value;
    bool negate = false;
  };
  std::vector<Term> terms;
  static StatusOr<FieldSelector> Parse(std::string_view text);
  bool Matches(const Json& object) const;
  bool empty() const { return terms.empty(); }
};

struct ListOptions {
  std::string ns;  // empty = all namespaces (or a cluster-scoped kind)
  model::LabelSelector labels;
  FieldSelector fields;
  int64_t limit = 0;           // 0 = no limit
  std::string continue_token;  // from a previous ListResult
  // 0 = no limit. Otherwise the page ends, with a continue token, once the stored JSON of its
  // items passes this many bytes (a page always holds at least one item). Bounds the memory of
  // one list whatever `limit` says, as a server may always return fewer items than asked for.
  size_t max_bytes = 0;
};

struct ListResult {
  std::vector<Json> items;       // sorted by namespace, then name
  int64_t resource_version = 0;  // the store's resourceVersion when the list was taken
  std::string continue_token;    // non-empty when more items remain
};

struct DeleteOptions {
  std::string precondition_uid;
  std::string precondition_resource_version;
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };
const char* WatchEventTypeName(WatchEventType t);  // "ADDED", ...

struct WatchEvent {
  WatchEventType type;
  Json object;  // for kDeleted, the last state (with the deletion's resourceVersion)
  int64_t resource_version = 0;
};

struct WatchOptions {
  std::string ns;  // empty = all namespaces
  model::LabelSelector labels;
  FieldSelector fields;
  // Deliver changes after this version. 0 = "from now", preceded by a synthetic ADDED event
  // for every existing object (as Kubernetes does for resourceVersion "" / "0").
  int64_t resource_version = 0;
  // When true (resourceVersion given by client), no synthetic ADDED events are produced.
  bool send_initial_events = true;
  // When true, a Next() that times out after the watcher has moved past changes it did not
  // deliver (other kinds, filtered out) returns a kBookmark event instead of nullopt: an object
  // with only apiVersion, kind and metadata.resourceVersion, from which the client can resume
  // without a too-old resourceVersion. Off by default: consumers must expect objects without
  // names.
  bool allow_bookmarks = false;
};

class Watcher {
 public:
  virtual ~Watcher() = default;
  // Waits up to `timeout` for the next event. Returns std::nullopt on timeout; returns an event
  // or, once Stop() was called or the store closed, std::nullopt with stopped() == true.
  virtual std::optional<WatchEvent> Next(std::chrono::milliseconds timeout) = 0;
  virtual void Stop() = 0;
  virtual bool stopped() const = 0;
  // Why the watcher stopped: OK after Stop() or when the store closed; kGone when it fell out of
  // the retained history (the client should re-list, as for a 410 from the apiserver).
  virtual Status status() const { return Status::Ok(); }
  // Registers `wakeup`, called (from any thread, possibly while Next runs elsewhere) whenever
  // Next(0) may have something new: a change that may match, or the watcher stopping. Replaces
  // an earlier wakeup. Returns false when this watcher cannot signal (the caller then polls).
  // The wakeup must be cheap and must not call back into the store.
  virtual bool SetWakeup(std::function<void()> wakeup) {
    (void)wakeup;
    return false;
  }
};

class Store {
 public:
  virtual ~Store() = default;

  // Creates `object`; metadata.namespace must be set for namespaced kinds. kAlreadyExists if the
  // name is taken. metadata.generateName is honoured when name is empty.
  virtual StatusOr<Json> Create(const ResourceType& type, Json object) = 0;
  virtual StatusOr<Json> Get(const ResourceType& type, const std::string& ns,
                             const std::string& name) = 0;
  virtual StatusOr<ListResult> List(const ResourceType& type, const ListOptions& options) = 0;
  // Replaces metadata (labels, annotations, finalizers, ownerReferences) and the body.
  virtual StatusOr<Json> Update(const ResourceType& type, Json object) = 0;
  // Replaces only .status.
  virtual StatusOr<Json> UpdateStatus(const ResourceType& type, Json object) = 0;
  // Returns the object as deleted (or as marked for deletion when it has finalizers).
  virtual StatusOr<Json> Delete(const ResourceType& type, const std::string& ns,
                                const std::string& name, const DeleteOptions& options = {}) = 0;
  virtual StatusOr<std::unique_ptr<Watcher>> Watch(const ResourceType& type,
                                                   const WatchOptions& options) = 0;
  virtual int64_t CurrentResourceVersion() = 0;
  // Checks database integrity (e.g. SQLite's PRAGMA integrity_check); OK when healthy.
  virtual Status CheckHealth() = 0;
};

// Opens the store named by `url`: "sqlite:///path/to/file.db" or a plain path (SQLite);
// "postgres://USER@HOST:PORT/DB?sslmode=..." (PostgreSQL, when built with libpq). The database holds Secrets: a directory created for it is 0700, the
// database file and its -wal/-shm files are 0600 (RestrictToOwner).
StatusOr<std::unique_ptr<Store>> OpenStore(const std::string& url);

// `url` for logs and errors: a password in its user info (user:secret@) or in a password= or
// sslpassword= parameter becomes "xxxxx".
std::string RedactStoreUrl(std::string_view url);

// Creates the file `db_path` if missing and sets it, and any -wal, -shm or -journal file beside
// it, to mode 0600. kUnavailable when it cannot.
Status RestrictToOwner(const std::string& db_path);

// ---- helpers shared by implementations and callers ----

// "ns/name" or "name" for cluster-scoped objects.
std::string ObjectKey(const Json& object);
std::string NameOf(const Json& object);
std::string NamespaceOf(const Json& object);
int64_t ResourceVersionOf(const Json& object);

// "ns/name" -> {"ns", "name"}; "name" -> {"", "name"} (the inverse of ObjectKey).
std::pair<std::string, std::string> SplitKey(const std::string& key);

bool HasFinalizer(const Json& object, const std::string& finalizer);
// Adds or removes `finalizer` (through Mutate; no write when it is already so). Returns the
// stored object.
StatusOr<Json> AddFinalizer(Store& store, const ResourceType& type, const std::string& ns,
                            const std::string& name, const std::string& finalizer);
StatusOr<Json> RemoveFinalizer(Store& store, const ResourceType& type, const std::string& ns,
                               const std::string& name, const std::string& finalizer);

// Reads the object, applies `mutate` and writes it back with UpdateStatus (status=true) or
// Update, retrying on kConflict up to `attempts` times. `mutate` returns false to skip the
// write (nothing to change). Returns the stored object.
StatusOr<Json> Mutate(Store& store, const ResourceType& type, const std::string& ns,
                      const std::string& name, bool status,
                      const std::function<bool(Json&)>& mutate, int attempts = 10);

}  // namespace flotilla::store
