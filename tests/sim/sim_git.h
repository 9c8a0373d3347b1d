// Simulated git for the simulations: remotes held in memory, commits as file maps, outages and
// seeded flakiness, and a hook that runs while a poll is answered (a push racing with it).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>

#include <fmt/format.h>

#include "core/hash.h"
#include "gitops/git_source.h"
#include "render/tree/tree.h"

namespace flotilla::sim {

class MapTree : public render::Tree {
 public:
  explicit MapTree(std::map<std::string, std::string> files) : files_(std::move(files)) {}
  StatusOr<std::vector<render::TreeEntry>> Walk(std::string_view dir) const override {
    std::vector<render::TreeEntry> out;
    std::string prefix = dir.empty() ? "" : std::string(dir) + "/";
    for (auto& [p, c] : files_)
      if (p.rfind(prefix, 0) == 0) out.push_back({p, false, c.size()});
    if (out.empty() && !dir.empty())
      return NotFound(fmt::format("directory \"{}\" not found", dir));
    return out;
  }
  StatusOr<std::string> ReadFile(std::string_view path) const override {
    auto it = files_.find(std::string(path));
    if (it == files_.end()) return NotFound("no file");
    return it->second;
  }

 private:
  std::map<std::string, std::string> files_;
};

struct SimRemote {
  std::string head;
  std::map<std::string, std::map<std::string, std::string>> commits;  // id -> files
  bool down = false;
};

// The ConfigMap that commit `version` of remote `repo` holds under path `dir`.
inline std::string SimConfigMapName(int repo, const std::string& dir) {
  return fmt::format("cm-{}-{}", dir, repo);
}

class SimGit : public gitops::GitSource {
 public:
  std::map<std::string, SimRemote> remotes;  // url -> remote
  std::mt19937_64* rng = nullptr;
  double flaky = 0;  // probability of a transient failure per call
  int opens = 0;

  // Pushes commit `version` to remote number `repo` (url `url`): a ConfigMap under a/ and b/.
  std::string Commit(const std::string& url, int repo, int version) {
    SimRemote& r = remotes[url];
    std::string id = Sha256Hex(fmt::format("{}#{}", url, version)).substr(0, 40);
    auto cm = [&](const std::string& dir) {
      return fmt::format(
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\ndata:\n  version: \"{}\"\n",
          SimConfigMapName(repo, dir), version);
    };
    r.commits[id] = {{"a/cm.yaml", cm("a")}, {"b/cm.yaml", cm("b")}};
    r.head = id;
    return id;
  }
  bool Flake() { return flaky > 0 && std::uniform_real_distribution<double>(0, 1)(*rng) < flaky; }

  // Runs after a lookup answered, before the controller records it: a push and its webhook
  // racing with the poll.
  std::function<void(const std::string& url)> during_poll;

  StatusOr<std::string> ResolveCommit(const git::RemoteSpec& spec,
                                      std::chrono::milliseconds) override {
    auto it = remotes.find(spec.url);
    if (it == remotes.end()) return NotFound("no such repository");
    if (it->second.down || Flake()) return Unavailable("connection refused");
    std::string head = it->second.head;
    if (during_poll) during_poll(spec.url);
    return head;
  }
  StatusOr<std::shared_ptr<const render::Tree>> OpenTree(const git::RemoteSpec& spec,
                                                         const std::string& commit) override {
    auto it = remotes.find(spec.url);
    if (it == remotes.end()) return NotFound("no such repository");
    if (it->second.down || Flake()) return Unavailable("connection reset");
    auto c = it->second.commits.find(commit);
    if (c == it->second.commits.end()) return NotFound("no such commit");
    opens++;
    return std::shared_ptr<const render::Tree>(std::make_shared<MapTree>(c->second));
  }
};

}  // namespace flotilla::sim
