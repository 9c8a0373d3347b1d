// A Tree held in memory: what the agent builds from a Bundle's spec.resources (Fleet runs
// kustomize over the bundle's files, not over a checkout).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/json.h"
#include "core/status.h"
#include "render/tree/tree.h"

namespace flotilla::render {

// Files by path ("a/b.yaml", "/"-separated, relative). Directories are implied by the paths.
std::unique_ptr<Tree> OpenMemoryTree(std::map<std::string, std::string> files);

// From Bundle spec.resources: [{name, content, encoding}], encoding "" (plain) or "base64+gz".
// A resource whose name escapes the root, or whose content does not decode, is InvalidArgument.
StatusOr<std::unique_ptr<Tree>> MemoryTreeFromBundleResources(const Json& resources);

}  // namespace flotilla::render
