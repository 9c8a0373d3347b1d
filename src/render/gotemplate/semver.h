// Semantic versions and constraints as Masterminds/semver v3 (what Helm and Sprig use), for
// callers outside templates such as chart version selection.
#pragma once

#include <string>

#include "core/status.h"

namespace flotilla::gotemplate {

// True iff `version` satisfies `constraint` ("^1.2.0", "~1.2", ">=1 <2", "1.2.3", "*", "a || b").
// A constraint without a prerelease never matches a prerelease version. InvalidArgument when
// either does not parse.
StatusOr<bool> SemverMatches(const std::string& constraint, const std::string& version);

// <0, 0 or >0 as `a` sorts before, equal to or after `b` (build metadata ignored).
StatusOr<int> SemverOrder(const std::string& a, const std::string& b);

}  // namespace flotilla::gotemplate
