// Cluster registration, Fleet's agent-initiated flow (fleet.cattle.io/v1alpha1):
//
//   ClusterRegistrationToken ns/T (spec.ttl)
//     -> ServiceAccount ns/<T>-<uid>, RoleBinding to ClusterRole fleet-registration (create
//        clusterregistrations in ns, nothing else), a bearer token for it that expires with T,
//        and the Secret ns/T (type fleet.cattle.io/cluster-registration-values) whose key
//        `values` is the YAML an agent registers with (Values below). status.secretName,
//        status.expires. At expiry T is deleted; its finalizer then deletes the Secret and the
//        ServiceAccount, which revokes the token (401 from then on).
//   ClusterRegistration ns/R (clientID, clientRandom, clusterLabels), created by the agent
//     -> the Cluster of ns whose spec.clientID is clientID, or a new one named
//        cluster-<KeyHash(clientID)> with the (sanitized) clusterLabels; its cluster namespace;
//        a ServiceAccount <R>-<uid> there bound to exactly the agent's permissions (its
//        BundleDeployments, Contents by name, its own Cluster's status); a token for it in the
//        Secret <registration-ns>/c-<sha256(clientID+clientRandom)> (type
//        fleet.cattle.io/agent-credential), which only the registration token's ServiceAccount
//        may get, by that name; older registrations of the same clientID are deleted with their
//        ServiceAccounts (revoking their credentials); then status.granted, status.clusterName.
//        The credential Secret is deleted 40 minutes later (Fleet's delay). Deleting the Cluster
//        deletes its registrations and revokes their credentials.
//
// Every step is idempotent and reads current state, so a crash anywhere converges on restart.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "controller/manager.h"
#include "core/json.h"
#include "core/status.h"
#include "queue/worker_pool.h"
#include "store/store.h"

namespace flotilla::registration {

// Where credential Secrets wait for their agents (Fleet's systemRegistrationNamespace).
inline constexpr const char* kRegistrationNamespace = "cattle-fleet-clusters-system";
inline constexpr const char* kValuesSecretType = "fleet.cattle.io/cluster-registration-values";
inline constexpr const char* kValuesKey = "values";
inline constexpr const char* kAgentCredentialSecretType = "fleet.cattle.io/agent-credential";
// On a ClusterRegistration: the ClusterRegistrationToken its creator registered with.
inline constexpr const char* kRegistrationTokenLabel = "fleet.cattle.io/registration-token";
inline constexpr const char* kManagedLabel = "fleet.cattle.io/managed";
inline constexpr const char* kTokenFinalizer = "fleet.cattle.io/cluster-registration-token";

// The `values` YAML of a registration token's Secret, as Fleet's.
struct Values {
  std::string token;
  std::string api_server_url;
  std::string api_server_ca;  // PEM; empty: the system's trust store
  std::string cluster_namespace;
  std::string system_registration_namespace = kRegistrationNamespace;
  std::string token_name;
};
std::string RenderValues(const Values& v);
// kInvalidArgument naming `source` when it is not such a YAML (token and apiServerURL required).
StatusOr<Values> ParseValues(const std::string& yaml, const std::string& source);

// Labels an agent may not set on its Cluster (Fleet's isReservedLabel): management.cattle.io/
// and fleet.cattle.io/ keys, except fleet.cattle.io/created-by-agent-pod.
bool IsReservedLabel(const std::string& key);

struct Options {
  std::string api_server_url;  // what agents connect to
  std::string api_server_ca;   // PEM of the CA that signed the serving certificate
  std::string registration_namespace = kRegistrationNamespace;
  // A granted registration's credential Secret is deleted this long after it was made (Fleet's
  // ClusterRegistrationDeleteDelay): the agent fetches it within seconds; the credential itself
  // stays valid.
  std::chrono::seconds credential_secret_ttl = std::chrono::minutes(40);
};

class TokenController {
 public:
  TokenController(store::Store& store, Options options);
  // key: "ns/name" of a ClusterRegistrationToken.
  queue::Result Reconcile(const std::string& key);
  void set_api_server_url(const std::string& url) { options_.api_server_url = url; }

 private:
  Status Cleanup(const Json& token);
  store::Store& store_;
  Options options_;
};

class RegistrationController {
 public:
  RegistrationController(store::Store& store, Options options);
  // key: "ns/name" of a ClusterRegistration.
  queue::Result Reconcile(const std::string& key);
  // key: "ns/name" of a Cluster. Once it is gone (a confirmed NotFound) and its agent has
  // removed its BundleDeployments (their finalizers need the agent's credential), the
  // registrations granted for it are deleted with their ServiceAccounts, which revokes its
  // agent's credential (Fleet: the Cluster owns them).
  queue::Result ReconcileCluster(const std::string& key);

 private:
  StatusOr<Json> ClusterFor(const Json& request);
  Status Grant(const Json& request, const Json& cluster);
  Status DeleteRegistration(const Json& request);
  queue::Result ExpireCredentialSecret(const Json& request);
  store::Store& store_;
  Options options_;
};

// Both controllers, registered with a controller::Manager (one worker each).
class Controllers {
 public:
  Controllers(store::Store& store, Options options);
  // REQUIRES: before the Manager's first Start.
  void Register(controller::Manager& manager);
  // The URL written into values Secrets made from now on (known once the API listens).
  // REQUIRES: before the Manager's first Start.
  void SetApiServerUrl(const std::string& url);

 private:
  TokenController tokens_;
  RegistrationController requests_;
};

}  // namespace flotilla::registration
