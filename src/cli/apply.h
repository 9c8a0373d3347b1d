// `flotilla apply`: Fleet's `fleet apply` (rancher/fleet internal/cmd/cli/apply.go), printing
// the Bundles a directory would produce. Same flags and output shape: YAML documents separated
// by `---` on stdout (or the file given to -o), errors on stderr with a non-zero exit.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace flotilla::cli {

// Registers the `apply` subcommand on `app`; the returned function runs it (call it when the
// subcommand was parsed) and returns the process exit code.
std::function<int()> AddApplyCommand(CLI::App& app);

}  // namespace flotilla::cli
