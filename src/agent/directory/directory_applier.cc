#include "agent/directory/directory_applier.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/hash.h"
#include "core/log.h"
#include "core/yaml.h"

namespace flotilla::agent::directory {
namespace fs = std::filesystem;

StatusOr<std::unique_ptr<DirectoryApplier>> DirectoryApplier::Open(
    DirectoryApplierOptions options) {
  if (options.apply_dir.empty()) return InvalidArgument("apply dir must not be empty");
  std::error_code ec;
  fs::create_directories(fs::path(options.apply_dir) / kInventoryDir, ec);
  if (ec) return Unavailable("create apply dir " + options.apply_dir + ": " + ec.message());
  fs::path root = fs::canonical(options.apply_dir, ec);
  if (ec) return Unavailable("resolve apply dir " + options.apply_dir + ": " + ec.message());

  fs::path lock_path = root / kStateDir / "lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("open " + lock_path.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return FailedPrecondition("apply dir " + root.string() +
                              " is in use by another flotilla applier (lock " + lock_path.string() +
                              " is held)");
  }
  std::unique_ptr<DirectoryApplier> a(
      new DirectoryApplier(root.string(), options.sync, std::move(options.fault_hook), fd));
  RETURN_IF_ERROR(a->files_.SweepTempFiles());
  RETURN_IF_ERROR(a->LoadInventories());
  return a;
}

DirectoryApplier::DirectoryApplier(std::string apply_dir, bool sync, FaultHook hook, int lock_fd)
    : apply_dir_(std::move(apply_dir)),
      files_(apply_dir_, sync, std::move(hook)),
      lock_fd_(lock_fd) {}

DirectoryApplier::~DirectoryApplier() { ::close(lock_fd_); }  // releases the flock

Status DirectoryApplier::LoadInventories() {
  ASSIGN_OR_RETURN(std::vector<std::string> names, files_.List(std::string(kInventoryDir)));
  std::lock_guard<std::mutex> l(mu_);
  for (const std::string& name : names) {
    if (!name.ends_with(".json") || name.front() == '.') continue;
    std::string rel = std::string(kInventoryDir) + "/" + name;
    ASSIGN_OR_RETURN(std::optional<std::string> text, files_.Read(rel));
    if (!text) continue;
    Json j = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
    StatusOr<Inventory> inv = InvalidArgument("not JSON");
    if (!j.is_discarded()) {
      try {
        inv = Inventory::FromJson(j);
      } catch (const Json::exception& e) {
        inv = InvalidArgument(e.what());
      }
    }
    if (!inv.ok()) {
      // Atomic writes make a torn inventory impossible; this one was edited or corrupted. Refuse
      // to guess what it owned rather than prune or adopt the wrong files.
      return Internal("inventory " + (fs::path(apply_dir_) / rel).string() +
                      " is unreadable: " + inv.status().message() +
                      "; repair or delete it (its objects are then unowned)");
    }
    if (InventoryPath(inv->deployment) != rel) {
      return Internal("inventory " + rel + " names deployment \"" + inv->deployment +
                      "\", which belongs in " + InventoryPath(inv->deployment));
    }
    for (const auto& [path, ref] : inv->objects) {
      auto [it, inserted] = owners_.emplace(path, inv->deployment);
      if (!inserted) {
        return Internal("apply dir state is inconsistent: " + ref.Describe() +
                        " is owned by both \"" + it->second + "\" and \"" + inv->deployment + "\"");
      }
    }
    std::string id = inv->deployment;
    inventories_.emplace(std::move(id), std::move(*inv));
  }
  return Status::Ok();
}

Status DirectoryApplier::WriteInventory(const Inventory& inv) {
  return files_.WriteAtomic(InventoryPath(inv.deployment), inv.ToJson().dump(2) + "\n");
}

std::mutex& DirectoryApplier::DeploymentMutex(const std::string& id) {
  std::lock_guard<std::mutex> l(mu_);
  auto& m = dep_mu_[id];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

void DirectoryApplier::ResyncLocked(const std::string& id) {
  for (auto it = owners_.begin(); it != owners_.end();) {
    it = it->second == id ? owners_.erase(it) : std::next(it);
  }
  Inventory on_disk;
  bool found = false;
  if (auto r = files_.Read(InventoryPath(id)); r.ok() && r->has_value()) {
    Json j = Json::parse(**r, nullptr, false);
    try {
      if (auto inv = Inventory::FromJson(j); !j.is_discarded() && inv.ok()) {
        on_disk = std::move(*inv);
        found = true;
      }
    } catch (const Json::exception&) {
    }
  }
  if (!found) {
    inventories_.erase(id);
    return;
  }
  for (const auto& [path, ref] : on_disk.objects) owners_.emplace(path, id);
  inventories_[id] = std::move(on_disk);
}

StatusOr<ApplyResult> DirectoryApplier::Apply(const std::string& deployment_id,
                                              const std::vector<Json>& objects,
                                              const ApplyOptions& options) {
  if (deployment_id.empty()) return InvalidArgument("deployment id must not be empty");
  // Validate and render everything before touching the disk.
  std::map<std::string, Planned> planned;  // by path
  std::string canonical;
  for (size_t i = 0; i < objects.size(); ++i) {
    StatusOr<ObjectRef> ref = RefOf(objects[i]);
    if (!ref.ok()) {
      return ref.status().WithContext("deployment \"" + deployment_id + "\": object " +
                                      std::to_string(i + 1) + " of " +
                                      std::to_string(objects.size()));
    }
    std::string path = ref->Path();
    if (planned.count(path)) {
      return InvalidArgument("deployment \"" + deployment_id + "\": " + ref->Describe() + " (" +
                             ref->api_version + ") appears twice");
    }
    planned.emplace(path, Planned{*ref, ToYaml(objects[i])});
  }
  for (const auto& [path, p] : planned) canonical += path + "\n" + p.content + "\n";
  ApplyResult result;
  result.applied_hash = Sha256Hex(canonical);
  result.objects = static_cast<int>(planned.size());

  std::lock_guard<std::mutex> dl(DeploymentMutex(deployment_id));
  Inventory old;
  bool adds_objects = false;
  bool had_inventory = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (auto it = inventories_.find(deployment_id); it != inventories_.end()) {
      old = it->second;
      had_inventory = true;
    }
    old.deployment = deployment_id;
    for (const auto& [path, p] : planned) {
      auto it = owners_.find(path);
      if (it != owners_.end() && it->second != deployment_id) {
        return AlreadyExists(p.ref.Describe() + " is already applied by deployment \"" +
                             it->second + "\"; deployment \"" + deployment_id +
                             "\" cannot also own it");
      }
      if (!old.objects.count(path)) adds_objects = true;
    }
    for (const auto& [path, p] : planned) owners_[path] = deployment_id;  // claim
  }

  auto fail = [&](const Status& st) {
    std::lock_guard<std::mutex> l(mu_);
    ResyncLocked(deployment_id);
    return st;
  };

  // (1) Own the union before writing anything new.
  if (adds_objects) {
    Inventory pending = old;
    pending.applying = true;
    for (const auto& [path, p] : planned) pending.objects.emplace(path, p.ref);
    if (Status st = WriteInventory(pending); !st.ok()) return fail(st);
  }
  // (2) Write what changed.
  for (const auto& [path, p] : planned) {
    StatusOr<std::optional<std::string>> current = files_.Read(path);
    if (!current.ok()) return fail(current.status());
    if (*current && **current == p.content) continue;
    if (Status st = files_.WriteAtomic(path, p.content); !st.ok()) return fail(st);
  }
  // (3) Prune what left the set.
  std::vector<std::string> released;
  for (const auto& [path, ref] : old.objects) {
    if (planned.count(path)) continue;
    released.push_back(path);
    if (options.keep_resources) continue;
    if (Status st = files_.Remove(path); !st.ok()) return fail(st);
    result.pruned.push_back(ref.Describe());
  }
  // (4) Record the new set.
  Inventory done;
  done.deployment = deployment_id;
  done.keep_resources = options.keep_resources;
  done.applied_hash = result.applied_hash;
  for (const auto& [path, p] : planned) done.objects.emplace(path, p.ref);
  bool unchanged = had_inventory && !old.applying && old.keep_resources == done.keep_resources &&
                   old.applied_hash == done.applied_hash && released.empty() && !adds_objects;
  bool nothing = !had_inventory && done.objects.empty();
  if (!unchanged && !nothing) {
    if (Status st = WriteInventory(done); !st.ok()) return fail(st);
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const std::string& path : released) {
      if (auto it = owners_.find(path); it != owners_.end() && it->second == deployment_id) {
        owners_.erase(it);
      }
    }
    if (!nothing) inventories_[deployment_id] = std::move(done);
  }
  if (!result.pruned.empty() || adds_objects) {
    log::Info("applied deployment", {{"bundledeployment", deployment_id},
                                     {"objects", std::to_string(result.objects)},
                                     {"pruned", std::to_string(result.pruned.size())}});
  }
  return result;
}

Status DirectoryApplier::Remove(const std::string& deployment_id) {
  std::lock_guard<std::mutex> dl(DeploymentMutex(deployment_id));
  Inventory inv;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = inventories_.find(deployment_id);
    if (it == inventories_.end()) return Status::Ok();
    inv = it->second;
  }
  auto fail = [&](const Status& st) {
    std::lock_guard<std::mutex> l(mu_);
    ResyncLocked(deployment_id);
    return st;
  };
  // Files first, inventory last: a crash in between leaves the inventory to finish the job.
  if (!inv.keep_resources) {
    for (const auto& [path, ref] : inv.objects) {
      if (Status st = files_.Remove(path); !st.ok()) return fail(st);
    }
  }
  if (Status st = files_.Remove(InventoryPath(deployment_id)); !st.ok()) return fail(st);
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [path, ref] : inv.objects) {
      if (auto it = owners_.find(path); it != owners_.end() && it->second == deployment_id) {
        owners_.erase(it);
      }
    }
    inventories_.erase(deployment_id);
  }
  log::Info("removed deployment", {{"bundledeployment", deployment_id},
                                   {"objects", std::to_string(inv.objects.size())},
                                   {"kept", inv.keep_resources ? "true" : "false"}});
  return Status::Ok();
}

std::vector<std::string> DirectoryApplier::Deployments() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> out;
  for (const auto& [id, inv] : inventories_) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace flotilla::agent::directory
