// The agent of one cluster: reconciles the BundleDeployments in the cluster's namespace by
// applying the manifests of the Content their deploymentID names (model/content.h) through an
// Applier, and reports status back (appliedDeploymentID, ready, display, conditions). It reads
// only its BundleDeployments, Contents by name, the Secrets/ConfigMaps of valuesFrom in its
// namespace, and writes their status and its Cluster's: what Fleet's agent role allows. The
// built-in `local` cluster's agent runs inside `flotilla server` on the store itself;
// `flotilla agent` runs the same code over the HTTP API (store/remote).
//
// Deletion is crash-safe: the agent puts a finalizer on every BundleDeployment it applies and
// removes it only after the Applier has removed the objects.
//
// Nothing deployed is removed on a guess: only a confirmed NotFound of the BundleDeployment or its
// deletionTimestamp removes its objects (and an Apply prunes only what the Bundle no longer
// holds). Every other error — reading the BundleDeployment, its Content, valuesFrom, writing
// status — is returned, so the queue retries with backoff and what is deployed stays.
#pragma once

#include <string>

#include "agent/applier.h"
#include "controller/informer.h"
#include "controller/manager.h"
#include "queue/worker_pool.h"
#include "store/store.h"

namespace flotilla::agent {

struct AgentOptions {
  std::string cluster_namespace = "fleet-local";
  std::string cluster_name = "local";
};

class Agent {
 public:
  Agent(store::Store& store, Applier& applier, AgentOptions options);

  // The namespace whose BundleDeployments this agent owns.
  const std::string& deployment_namespace() const { return deployment_ns_; }

  // Reconciles BundleDeployment `key` ("namespace/name").
  queue::Result Reconcile(const std::string& key);

  // Marks the Cluster as seen (status.agent.lastSeen) and summarises its bundles.
  Status Heartbeat();

  // Registers this agent's controller, named `name`, with `manager`: `workers` workers over the
  // keys of its BundleDeployments, queued when one is created, deleted or its spec changes (not
  // its status: the agent writes that). Returns its queue. REQUIRES: before the manager starts;
  // this agent outlives it.
  controller::Queue& Register(controller::Manager& manager, int workers,
                              const std::string& name = "bundledeployment");

 private:
  queue::Result Remove(const std::string& ns, const std::string& name, bool has_finalizer);
  Status ReportError(const std::string& ns, const std::string& name, const Status& error);
  // Reports `error` in the BundleDeployment's status and returns it for a retry.
  queue::Result Fail(const std::string& ns, const std::string& name, const Status& error);

  store::Store& store_;
  Applier& applier_;
  AgentOptions options_;
  std::string deployment_ns_;
  controller::SpecChangeFilter spec_changes_;
};

}  // namespace flotilla::agent
