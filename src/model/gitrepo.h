// The GitRepo kind (fleet.cattle.io/v1alpha1): typed view of its spec with Fleet's field names
// and defaults, and the names of its status fields.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace flotilla::model {

inline constexpr const char* kDefaultBranch = "master";  // Fleet's default when neither is set
inline constexpr std::chrono::seconds kDefaultPollingInterval{15};

struct GitTarget {
  std::string name;
  Json cluster_selector;  // metav1.LabelSelector or null
  std::string cluster_group;
  Json cluster_group_selector;  // metav1.LabelSelector or null
  std::string cluster_name;
};

struct GitRepoSpec {
  std::string repo;
  std::string branch;    // defaulted to "master" when revision is empty too
  std::string revision;  // a commit SHA or a tag: pins the sync
  std::string target_namespace;
  std::vector<std::string> paths;  // empty = repository root
  std::string client_secret_name;
  std::string helm_secret_name;
  std::string helm_secret_name_for_paths;
  std::string ca_bundle;
  bool insecure_skip_tls_verify = false;
  std::string service_account;
  bool keep_resources = false;
  bool delete_namespace = false;
  bool paused = false;
  bool disable_polling = false;
  std::chrono::nanoseconds polling_interval = kDefaultPollingInterval;
  int64_t force_sync_generation = 0;
  std::string webhook_secret;
  bool correct_drift = false;
  std::vector<GitTarget> targets;
};

// Parses and validates `spec`. Errors are InvalidArgument with one FieldCause per problem, e.g.
// {"spec.pollingInterval", "invalid duration \"5x\""}.
StatusOr<GitRepoSpec> ParseGitRepoSpec(const Json& spec);

// Fleet's defaults, written into the stored object (so `kubectl get -o yaml` shows them).
void DefaultGitRepo(Json& object);

}  // namespace flotilla::model
