// Kubernetes-style status conditions ({type, status, reason, message, lastUpdateTime,
// lastTransitionTime}) as Fleet writes them.
#pragma once

#include <string>

#include "core/json.h"

namespace flotilla::gitops {

// Sets condition `type` in status.conditions; lastTransitionTime changes only when `status`
// flips. Returns true if anything changed.
bool SetCondition(Json& status, const std::string& type, bool value, const std::string& reason,
                  const std::string& message);

// The condition of `type`, or null.
const Json* FindCondition(const Json& status, const std::string& type);
bool ConditionIs(const Json& status, const std::string& type, bool value);

}  // namespace flotilla::gitops
