// The GitRepo reconciler: level-triggered. For each GitRepo,
//   desired = (metadata.generation, spec.forceSyncGeneration, newest commit known for its
//              branch/revision: status.pollingCommit, or spec.revision when it is a commit id)
//   synced  = (status.observedGeneration, status.updateGeneration, status.commit)
// and a sync runs iff desired != synced. Every trigger (poll due, spec edit, restart, retry,
// resync) only enqueues the key; Reconcile reads the current state and decides. status.commit,
// observedGeneration and updateGeneration are written only after the commit's Bundles are stored,
// so a failure anywhere before leaves desired != synced and the next attempt does the work.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "controller/informer.h"
#include "controller/manager.h"
#include "gitops/events.h"
#include "gitops/git_source.h"
#include "queue/worker_pool.h"
#include "render/bundles/cache.h"
#include "render/chartsource/chartsource.h"
#include "store/store.h"

namespace flotilla::gitops {

struct GitRepoControllerOptions {
  // Wall clock used for status timestamps and poll scheduling (injectable for simulation).
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
  // Poll intervals are spread by up to this fraction to avoid thundering herds.
  double jitter = 0.1;
  // Uniform random numbers in [0, 1) for the jitter (injectable for deterministic simulation).
  std::function<double()> random;
  // Record Kubernetes Events for sync start/finish/failure.
  bool events = true;
  // Fetches remote Helm charts (fleet.yaml helm.repo / oci:// charts); null = refused.
  chartsource::ChartFetcher* chart_fetcher = nullptr;
};

class GitRepoController {
 public:
  GitRepoController(store::Store& store, GitSource& git, GitRepoControllerOptions options = {});

  // Reconciles GitRepo `key` ("namespace/name").
  queue::Result Reconcile(const std::string& key);

  // Registers the "gitrepo" controller (`workers` workers, backoff 0.5 s doubling to 5 min) with
  // `manager`. Its key is the GitRepo's "namespace/name", queued when the GitRepo's spec changes
  // (not its status: this controller writes it), when one of its BundleDeployments changes
  // (readiness is summed from them), when a cluster it deploys to goes offline or comes back,
  // and for every GitRepo each `resync` (0 = never). Returns the queue, for the webhook receiver.
  // REQUIRES: before the manager starts; this controller outlives it.
  controller::Queue& Register(controller::Manager& manager, int workers,
                              std::chrono::seconds resync);

 private:
  // Reconcile in phases, each reading and extending one Pass. A phase returns a Result when the
  // pass ends there (done, or an error to retry), nullopt to go on.
  struct Pass;
  // Reads the GitRepo (removing its Bundles when it is gone), its spec and credentials, and
  // decides whether a poll is due.
  std::optional<queue::Result> Prepare(const std::string& key, Pass& p);
  // Looks up the newest commit of the branch and records it (status.pollingCommit).
  std::optional<queue::Result> Poll(Pass& p);
  // Turns commit p.desired into stored Bundles, then marks it synced (status.commit).
  std::optional<queue::Result> Sync(Pass& p);
  queue::Result SyncFailed(const Pass& p, const Status& s, const char* reason);
  // Sums readiness from the BundleDeployments into status and schedules the next poll.
  queue::Result Report(const Pass& p);
  queue::Result Cleanup(const std::string& ns, const std::string& name, const Json* obj);
  StatusOr<git::RemoteSpec> RemoteFor(const Json& obj, const std::string& ns);
  // Creates/updates `bundles`; with `prune`, deletes the GitRepo's other Bundles.
  Status StoreBundles(const Json& gitrepo, std::vector<Json> bundles, bool prune);
  StatusOr<Json> Display(const std::string& ns, const std::string& name, bool* all_ready,
                         int* total);

  store::Store& store_;
  GitSource& git_;
  GitRepoControllerOptions options_;
  EventRecorder events_;
  render::BundleCache render_cache_;  // shared by every GitRepo (keys include the GitRepo)
  // Event filters of Register's watches. A new status.webhookCommit counts as a change: another
  // replica's webhook receiver may have written it (README "Replicas").
  controller::SpecChangeFilter spec_changes_{"webhookCommit"};
  std::mutex offline_mu_;
  std::map<std::string, bool> cluster_offline_;  // GUARDED_BY(offline_mu_); key -> offline
};

}  // namespace flotilla::gitops
