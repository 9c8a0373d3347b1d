// `flotilla test`: Fleet's (deprecated but still used) `fleet test` (rancher/fleet
// internal/cmd/cli/test.go and cli/match): which target a cluster with the given name, labels and
// group matches, and the manifests it gets after targetCustomizations. The bundle is built from
// DIR with the controller's code (render::BuildBundleSet) or read from a Bundle YAML (-b); the
// cluster is matched with the controller's targeting (target::ClusterOptions) and rendered with
// the agent's render::ParseManifests. stdout: clean YAML (pipes into kubectl); stderr: the
// `# Matched: NAME` line and errors; exit code 1 on errors or when nothing matches.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace flotilla::cli {

// Registers `test` on `app`; the returned function runs it and returns the exit code.
std::function<int()> AddTestCommand(CLI::App& app);

}  // namespace flotilla::cli
