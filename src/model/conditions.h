// Status conditions ({type, status, reason, message, lastUpdateTime, lastTransitionTime}) as
// Fleet writes them, with Kubernetes' timestamp rules: lastTransitionTime changes only when the
// status flips, lastUpdateTime whenever anything about the condition changes, and neither when
// nothing does (so a level-triggered writer that sets the same condition again writes nothing).
#pragma once

#include <string>

#include "core/json.h"

namespace flotilla::model {

// Sets condition `type` in status.conditions (creating both as needed); an empty `reason` is
// left out, as Fleet's omitempty does. Returns true if anything changed.
bool SetCondition(Json& status, const std::string& type, bool value, const std::string& reason,
                  const std::string& message);

// The condition of `type`, or null.
const Json* FindCondition(const Json& status, const std::string& type);
bool ConditionIs(const Json& status, const std::string& type, bool value);

}  // namespace flotilla::model
