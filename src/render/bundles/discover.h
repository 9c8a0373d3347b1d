// Which directories of a repository become Bundles, and which files each Bundle carries, as
// Fleet's `fleet apply` decides (rancher/fleet internal/cmd/cli/apply/apply.go, CreateBundles /
// shouldCreateBundleForThisPath; internal/bundlereader/loaddirectory.go, GetContent).
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "render/tree/tree.h"

namespace flotilla::render {

// The directories (relative to the tree root, "" = root, sorted in Fleet's walk order) that
// become Bundles for the GitRepo path `path`:
//  - a leading "/" is dropped and glob patterns (`*`, `?`, `[...]`) are expanded against the
//    directories of the tree, as Go's filepath.Glob; a path matching nothing contributes nothing;
//  - the path itself is a Bundle if it holds a fleet.yaml (or fleet.yml), or if it or a
//    sub-directory without a fleet.yaml (recursively) holds a .yaml/.yml file;
//  - every directory below it that holds a fleet.yaml is a Bundle too (`.git` is skipped).
StatusOr<std::vector<std::string>> DiscoverBundleDirs(const Tree& tree, const std::string& path);

struct ContentLimits {
  uint64_t max_file_bytes;
  uint64_t max_bundle_bytes;
};

// The files of the Bundle in `dir` as spec.resources ([{name, content}], names relative to
// `dir`, sorted): every file beneath it except hidden files and directories, what .fleetignore
// files exclude (each applies to its directory and below; a pattern is matched against base
// names as Go's filepath.Match, and `name/*` ignores directories called `name`), the bundle's
// own `fleet.yaml` and the files listed in `skip` (helm valuesFiles). Files that are not UTF-8
// are left out (Fleet would carry them gzipped; flotilla's raw-YAML agent never reads them).
StatusOr<Json> ReadBundleResources(const Tree& tree, const std::string& dir,
                                   const std::vector<std::string>& skip,
                                   const ContentLimits& limits);

// Go's filepath.Match for one path (no "/" special-casing beyond `*` and `?` not matching it).
bool GlobMatch(std::string_view pattern, std::string_view name);

}  // namespace flotilla::render
