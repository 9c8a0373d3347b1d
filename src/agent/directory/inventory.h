// A deployment's inventory: the objects it owns in the apply dir, kept at
// .flotilla/inventory/<escaped id>.json (written atomically) so that pruning and ownership
// survive restarts. While an Apply is in flight the inventory lists the union of the old and new
// objects (phase "Applying"): whatever a crash leaves on disk is always owned by someone.
#pragma once

#include <map>
#include <string>

#include "agent/directory/layout.h"
#include "core/json.h"
#include "core/status.h"

namespace flotilla::agent::directory {

struct Inventory {
  std::string deployment;
  bool applying = false;  // an Apply started and has not finished
  bool keep_resources = false;
  std::string applied_hash;                  // of the last finished Apply
  std::map<std::string, ObjectRef> objects;  // by path

  Json ToJson() const;
  // Validates every object again: a tampered inventory must not make us delete outside the dir.
  static StatusOr<Inventory> FromJson(const Json& j);
};

// ".flotilla/inventory/<escaped id>.json".
std::string InventoryPath(const std::string& deployment);
inline constexpr std::string_view kInventoryDir = ".flotilla/inventory";

}  // namespace flotilla::agent::directory
