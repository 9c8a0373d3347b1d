// A cluster in memory for the simulations: an Applier that keeps the objects of each deployment
// and asks an audit hook before it removes anything, so a simulation can check that nothing
// deployed is removed unless the desired state removes it.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "agent/applier.h"
#include "core/hash.h"

namespace flotilla::sim {

class MemoryApplier : public agent::Applier {
 public:
  // "Kind ns/name" -> the object and the deployment that owns it.
  struct Held {
    std::string owner;
    Json object;
  };
  std::map<std::string, Held> objects;
  std::map<std::string, std::set<std::string>> inventory;  // deployment -> object keys
  // Called before a Remove (prune = false) or before an Apply prunes objects (prune = true).
  std::function<void(const std::string& deployment_id, const std::vector<std::string>& keys,
                     bool prune)>
      audit;

  static std::string KeyOf(const Json& o) {
    return fmt::format("{} {}/{}", o.value("kind", ""), o["metadata"].value("namespace", ""),
                       o["metadata"].value("name", ""));
  }

  StatusOr<agent::ApplyResult> Apply(const std::string& id, const std::vector<Json>& objs,
                                     const agent::ApplyOptions&) override {
    std::set<std::string> keys;
    for (const Json& o : objs) {
      std::string k = KeyOf(o);
      auto it = objects.find(k);
      if (it != objects.end() && it->second.owner != id)
        return AlreadyExists(fmt::format("{} is owned by {}", k, it->second.owner));
      keys.insert(k);
    }
    std::vector<std::string> pruned;
    for (const std::string& k : inventory[id])
      if (!keys.count(k)) pruned.push_back(k);
    if (!pruned.empty() && audit) audit(id, pruned, true);
    for (const std::string& k : pruned) objects.erase(k);  // keepResources is not modelled
    std::string canonical;
    for (const Json& o : objs) {
      objects[KeyOf(o)] = {id, o};
      canonical += KeyOf(o) + o.dump();
    }
    inventory[id] = keys;
    agent::ApplyResult r;
    r.applied_hash = Sha256Hex(canonical);
    r.objects = static_cast<int>(objs.size());
    r.pruned = pruned;
    return r;
  }

  Status Remove(const std::string& id) override {
    auto it = inventory.find(id);
    if (it == inventory.end()) return Status::Ok();
    if (audit) audit(id, {it->second.begin(), it->second.end()}, false);
    for (const std::string& k : it->second) objects.erase(k);
    inventory.erase(it);
    return Status::Ok();
  }
};

}  // namespace flotilla::sim
