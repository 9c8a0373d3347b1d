// `flotilla target` and `flotilla deploy`: Fleet's `fleet target` and `fleet deploy`
// (rancher/fleet internal/cmd/cli/target.go, deploy.go).
//  - target -b bundle.yaml [-n NS] [-l] [--server URL]: the Clusters and ClusterGroups of the
//    bundle's namespace are read from a running flotilla server (the API kubectl uses), the
//    bundle is targeted with the controller's code (target::ClusterOptions), and stdout gets a
//    `Content` (the bundle's resources, gzipped JSON as Fleet's) and one `BundleDeployment` per
//    targeted cluster, as YAML documents; -l prints the matched clusters to stderr.
//  - deploy -i FILE --dry-run [-n NS]: reads the Content and BundleDeployment of FILE (what
//    `target` prints) and prints the objects the agent would apply (render::ParseManifests).
//    Deploying for real (without --dry-run) is refused: the agents do that.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace flotilla::cli {

std::function<int()> AddTargetCommand(CLI::App& app);
std::function<int()> AddDeployCommand(CLI::App& app);

}  // namespace flotilla::cli
