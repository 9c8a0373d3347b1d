// Private to src/git: keeps a cached repository from accumulating one pack per fetch.
#pragma once

#include <git2.h>

#include <cstddef>
#include <string>

#include "core/status.h"

namespace flotilla::git {

// Number of .pack files under <dir>/objects/pack.
size_t PackCount(const std::string& dir);

// Rewrites every object reachable from the refs of the bare repository `repo` (at `dir`) into one
// pack and deletes the packs (and loose objects) it replaces. Objects reachable from no ref are
// dropped (a later Cache::Open fetches them again if the server still has them).
// REQUIRES: no other handle on this repository reads or writes meanwhile (Cache holds the
// repository's lock and checks that no Snapshot is alive).
Status CompactPacks(git_repository* repo, const std::string& dir);

}  // namespace flotilla::git
