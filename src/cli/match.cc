#include "cli/match.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "core/log.h"
#include "core/yaml.h"
#include "model/deployment.h"
#include "model/resource_type.h"
#include "render/bundles/bundles.h"
#include "render/bundles/discover.h"
#include "store/store.h"
#include "target/bundle_controller.h"

namespace flotilla::cli {
namespace {

struct TestFlags {
  std::string bundle_file;
  std::string fleet_file;
  std::string group;
  std::vector<std::string> group_labels;
  std::vector<std::string> labels;
  std::string name;
  std::string target;
  bool quiet = false;
  std::string dir = ".";
};

int Fail(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  return 1;
}

StatusOr<Json> ParseLabels(const std::vector<std::string>& in, const char* flag) {
  Json out = Json::object();
  for (const std::string& l : in) {
    auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0)
      return InvalidArgument(fmt::format("{} \"{}\": want KEY=VALUE", flag, l));
    out[l.substr(0, eq)] = l.substr(eq + 1);
  }
  return out;
}

StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read {}", path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The bundle of DIR itself (not of sub-directories with their own fleet.yaml), named as Fleet's
// `fleet test` names it ("test").
StatusOr<Json> BundleOfDir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return NotFound(fmt::format("{}: not a directory", dir));
  auto tree = render::OpenDiskTree(dir);
  ASSIGN_OR_RETURN(std::vector<std::string> dirs, render::DiscoverBundleDirs(*tree, "."));
  if (dirs.empty() || !dirs.front().empty())
    return InvalidArgument(
        fmt::format("{}: not a bundle (no fleet.yaml and no .yaml/.yml files)", dir));
  render::BuildOptions bo;
  bo.gitrepo_name = "test";
  bo.ns = "fleet-local";
  bo.paths = {"."};
  ASSIGN_OR_RETURN(render::BuildResult built, render::BuildBundleSet(*tree, bo));
  for (const render::BundleFailure& f : built.failures)
    if (f.dir == ".") return f.status;
  if (built.bundles.empty()) return InvalidArgument(fmt::format("{}: no resources found", dir));
  return built.bundles.front();
}

StatusOr<Json> BundleOfFile(const std::string& file) {
  ASSIGN_OR_RETURN(std::string text, ReadText(file));
  ASSIGN_OR_RETURN(Json b, ParseYaml(text, file));
  if (!b.is_object() || !b.contains("spec") || !b["spec"].is_object())
    return InvalidArgument(fmt::format("{}: not a Bundle (no spec)", file));
  if (!b.contains("metadata") || !b["metadata"].is_object()) b["metadata"] = Json::object();
  if (b["metadata"].value("name", "").empty()) b["metadata"]["name"] = "test";
  if (b["metadata"].value("namespace", "").empty()) b["metadata"]["namespace"] = "fleet-local";
  return b;
}

int Run(TestFlags& f) {
  if (!f.fleet_file.empty()) return Fail("-f/--file is not supported yet; pass the bundle's DIR");
  auto labels = ParseLabels(f.labels, "--label");
  if (!labels.ok()) return Fail(labels.status().message());
  auto group_labels = ParseLabels(f.group_labels, "--group-label");
  if (!group_labels.ok()) return Fail(group_labels.status().message());
  // As Fleet: with nothing to match on, the cluster is in the group "default".
  if (f.group.empty() && labels->empty() && group_labels->empty() && f.target.empty())
    f.group = "default";

  auto bundle = f.bundle_file.empty() ? BundleOfDir(f.dir) : BundleOfFile(f.bundle_file);
  if (!bundle.ok()) return Fail(bundle.status().message());
  const std::string ns = store::NamespaceOf(*bundle);
  const Json& spec = (*bundle)["spec"];
  const Json targets = spec.value("targets", Json::array());

  std::string matched;
  Json options;
  bool do_not_deploy = false;
  if (!f.target.empty()) {
    for (const Json& t : targets)
      if (t.is_object() && t.value("name", "") == f.target) {
        matched = f.target;
        do_not_deploy = t.value("doNotDeploy", false);
        options = model::MergeOptions(model::DeploymentOptions(spec), model::DeploymentOptions(t));
        break;
      }
    if (matched.empty()) return Fail(fmt::format("no target named \"{}\"", f.target));
  } else {
    // A throw-away store holding just this cluster and its group: the controller's targeting.
    log::Init(log::Format::kText, log::Level::kError);  // stderr is for the match and errors
    auto store = store::OpenStore("sqlite://:memory:");
    if (!store.ok()) return Fail(store.status().message());
    Json cluster = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
                    {"kind", "Cluster"},
                    {"metadata",
                     {{"name", f.name.empty() ? "flotilla-test-unnamed" : f.name},
                      {"namespace", ns},
                      {"labels", *labels}}}};
    auto c = (*store)->Create(model::ClusterType(), cluster);
    if (!c.ok()) return Fail(fmt::format("cluster: {}", c.status().message()));
    cluster = *c;
    if (!f.group.empty()) {
      Json group = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
                    {"kind", "ClusterGroup"},
                    {"metadata", {{"name", f.group}, {"namespace", ns}, {"labels", *group_labels}}},
                    {"spec", {{"selector", {{"matchLabels", *labels}}}}}};
      auto g = (*store)->Create(model::ClusterGroupType(), group);
      if (!g.ok()) return Fail(fmt::format("cluster group: {}", g.status().message()));
    }
    for (const Json& t : targets) {
      auto m = target::MatchesTarget(**store, ns, t, cluster);
      if (!m.ok()) return Fail(m.status().message());
      if (*m) {
        matched = t.value("name", "");
        do_not_deploy = t.value("doNotDeploy", false);
        break;
      }
    }
    auto o = target::ClusterOptions(**store, *bundle, cluster);
    if (!o.ok()) return Fail(o.status().message());
    if (!*o && !do_not_deploy) return Fail("no match found");
    if (*o) options = **o;
    if (matched.empty()) matched = "(bundle without targets)";
  }
  if (do_not_deploy) {
    std::cerr << "# Matched: " << matched << " (doNotDeploy: nothing is deployed)\n";
    return 0;
  }
  std::cerr << "# Matched: " << matched << "\n";
  if (f.quiet) return 0;

  render::ManifestOptions mo = render::ManifestOptionsFrom(options);
  mo.release_name = store::NameOf(*bundle);
  auto objects = render::ParseManifests(spec.value("resources", Json::array()), mo);
  if (!objects.ok()) return Fail(objects.status().message());
  const std::string out = ToYamlStream(*objects);
  std::cout << out << std::flush;
  return std::cout ? 0 : Fail("writing to stdout failed");
}

}  // namespace

std::function<int()> AddTestCommand(CLI::App& app) {
  auto f = std::make_shared<TestFlags>();
  CLI::App* cmd = app.add_subcommand(
      "test", "Match a bundle to a target and render the output (test [flags] [DIR])");
  cmd->add_option("-b,--bundle-file", f->bundle_file, "Location of the raw Bundle resource yaml");
  cmd->add_option("-f,--file", f->fleet_file, "Location of the fleet.yaml (not supported yet)");
  cmd->add_option("-g,--group", f->group, "Cluster group to match against");
  cmd->add_option("-L,--group-label", f->group_labels,
                  "Cluster group labels to match against (KEY=VALUE)")
      ->allow_extra_args(false);
  cmd->add_option("-l,--label", f->labels, "Cluster labels to match against (KEY=VALUE)")
      ->allow_extra_args(false);
  cmd->add_option("-N,--name", f->name, "Cluster name to match against");
  cmd->add_flag("-q,--quiet", f->quiet, "Just print the match and don't print the resources");
  cmd->add_option("-t,--target", f->target, "Explicit target to match");
  cmd->add_option("dir", f->dir, "The bundle's directory (default .)");
  return [f] { return Run(*f); };
}

}  // namespace flotilla::cli
