// The embedded default applier: a "cluster" that is a directory of YAML files, one per object
// (layout in layout.h). Used by `flotilla server`'s built-in `local` cluster, and handy to diff.
//
// How Apply stays crash-safe: (1) the deployment's inventory is rewritten to list the union of
// what it had and what it is about to write (only if that adds objects); (2) each object file is
// written atomically, skipped when its content is unchanged; (3) the objects that left the set are
// removed; (4) the inventory is rewritten to the new set. A kill -9 between any two steps leaves
// only files some inventory owns, and the next Apply or Remove converges. Temporary files left by
// a crash are swept when the applier is opened.
//
// Ownership: one object (one path) belongs to one deployment; another deployment applying it gets
// AlreadyExists naming both. A file no inventory owns (e.g. created by hand) is adopted.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/applier.h"
#include "agent/directory/files.h"
#include "agent/directory/inventory.h"

namespace flotilla::agent::directory {

struct DirectoryApplierOptions {
  std::string apply_dir;  // created if missing
  // fsync files and directories. Off only where durability does not matter (tests, benchmarks).
  bool sync = true;
  // Test-only fault injection; see files.h.
  FaultHook fault_hook;
};

class DirectoryApplier : public Applier {
 public:
  // Opens (creating) the apply dir, takes its lock (FailedPrecondition if another applier holds
  // it, in this process or another), loads every inventory, sweeps temporary files.
  static StatusOr<std::unique_ptr<DirectoryApplier>> Open(DirectoryApplierOptions options);
  ~DirectoryApplier() override;

  StatusOr<ApplyResult> Apply(const std::string& deployment_id, const std::vector<Json>& objects,
                              const ApplyOptions& options) override;
  Status Remove(const std::string& deployment_id) override;

  // Deployments that have objects applied (have an inventory), sorted.
  std::vector<std::string> Deployments() const;
  // The absolute, canonical apply dir.
  const std::string& apply_dir() const { return apply_dir_; }

 private:
  struct Planned {
    ObjectRef ref;
    std::string content;  // YAML
  };

  DirectoryApplier(std::string apply_dir, bool sync, FaultHook hook, int lock_fd);
  Status LoadInventories();
  Status WriteInventory(const Inventory& inv);
  std::mutex& DeploymentMutex(const std::string& id);
  // Makes owners_ agree with the inventories on disk for `id` (after a failed Apply/Remove).
  void ResyncLocked(const std::string& id);

  const std::string apply_dir_;
  Files files_;
  const int lock_fd_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, Inventory> inventories_;  // GUARDED_BY(mu_); as on disk
  // path -> owning deployment: the inventories' objects plus claims of Applies in flight.
  std::unordered_map<std::string, std::string> owners_;                  // GUARDED_BY(mu_)
  std::unordered_map<std::string, std::unique_ptr<std::mutex>> dep_mu_;  // GUARDED_BY(mu_)
};

}  // namespace flotilla::agent::directory
