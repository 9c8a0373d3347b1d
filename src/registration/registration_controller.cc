#include <fmt/format.h>

#include "auth/roles.h"
#include "auth/tokens.h"
#include "core/base64.h"
#include "core/log.h"
#include "core/time.h"
#include "model/json_get.h"
#include "model/names.h"
#include "model/resource_type.h"
#include "model/secret.h"
#include "registration/objects.h"
#include "registration/registration.h"

namespace flotilla::registration {
namespace {

using namespace internal;  // NOLINT(google-build-using-namespace)

constexpr const char* kClusterRegistrationAnnotation = "fleet.cattle.io/cluster-registration";
constexpr const char* kClusterRegistrationNamespaceAnnotation =
    "fleet.cattle.io/cluster-registration-namespace";

std::string Str(const Json& o, const char* section, const char* key) {
  const Json& s = o.value(section, Json::object());
  auto it = s.find(key);
  return it != s.end() && it->is_string() ? it->get<std::string>() : "";
}

// The names of what a granted registration owns; all derive from the request and its Cluster.
struct Owned {
  std::string cluster_ns;       // the cluster namespace (its BundleDeployments)
  std::string sa;               // ServiceAccount there
  std::string binding;          // RoleBinding there (bundledeployment agent), and in the
                                // request's namespace (its Cluster's status)
  std::string content_binding;  // ClusterRoleBinding (contents by name)
  std::string creds;            // Role + RoleBinding in the registration namespace
  std::string secret;           // the credential Secret in the registration namespace
};

Owned OwnedBy(const Json& request, const std::string& cluster_name) {
  const std::string ns = store::NamespaceOf(request), name = store::NameOf(request);
  Owned o;
  o.cluster_ns = model::ClusterNamespace(ns, cluster_name);
  o.sa = model::SafeConcatName({name, request["metadata"].value("uid", "")});
  o.binding = name;
  // Cluster-scoped and shared by all request namespaces: the namespace is in the name.
  o.content_binding = model::SafeConcatName({ns, name, "content"});
  o.creds = model::SafeConcatName({ns, name, "creds"});
  o.secret = model::RegistrationSecretName(Str(request, "spec", "clientID"),
                                           Str(request, "spec", "clientRandom"));
  return o;
}

}  // namespace

RegistrationController::RegistrationController(store::Store& store, Options options)
    : store_(store), options_(std::move(options)) {}

StatusOr<Json> RegistrationController::ClusterFor(const Json& request) {
  const std::string ns = store::NamespaceOf(request);
  const std::string client_id = Str(request, "spec", "clientID");
  Json labels = Json::object();
  const Json wanted = request.value("spec", Json::object()).value("clusterLabels", Json::object());
  for (const auto& [k, v] : wanted.items()) {
    if (!v.is_string()) continue;
    if (IsReservedLabel(k)) {
      log::Warn("cluster registration tried to set a reserved label; ignored",
                {{"clusterregistration", store::ObjectKey(request)}, {"label", k}});
      continue;
    }
    labels[k] = v;
  }
  store::ListOptions lo;
  lo.ns = ns;
  auto clusters = store_.List(model::ClusterType(), lo);
  if (!clusters.ok()) return clusters.status();
  for (const Json& c : clusters->items) {
    if (Str(c, "spec", "clientID") != client_id) continue;
    // Re-registration: the agent's labels are applied over the Cluster's (others are kept).
    return store::Mutate(store_, model::ClusterType(), ns, store::NameOf(c), false, [&](Json& cur) {
      bool changed = false;
      Json& have = cur["metadata"]["labels"];
      if (!have.is_object()) have = Json::object();
      for (const auto& [k, v] : labels.items())
        if (have.value(k, Json()) != v) {
          have[k] = v;
          changed = true;
        }
      return changed;
    });
  }
  const std::string name = model::RegisteredClusterName(client_id);
  auto existing = store_.Get(model::ClusterType(), ns, name);
  if (existing.ok())  // its clientID differs (checked above): a hash collision, or a user's
    return Status(StatusCode::kFailedPrecondition,
                  fmt::format("Cluster {}/{} exists with another clientID", ns, name));
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  labels["fleet.cattle.io/cluster"] = name;
  auto created = store_.Create(
      model::ClusterType(), {{"apiVersion", model::ClusterType().ApiVersion()},
                             {"kind", "Cluster"},
                             {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
                             {"spec", {{"clientID", client_id}}}});
  if (created.ok())
    log::Info("cluster created for a registration",
              {{"cluster", ns + "/" + name}, {"clusterregistration", store::ObjectKey(request)}});
  if (!created.ok() && created.status().code() == StatusCode::kAlreadyExists)
    return store_.Get(model::ClusterType(), ns, name);
  return created;
}

Status RegistrationController::Grant(const Json& request, const Json& cluster) {
  const std::string ns = store::NamespaceOf(request), name = store::NameOf(request);
  const std::string cluster_name = store::NameOf(cluster);
  const Owned o = OwnedBy(request, cluster_name);
  const std::string reg_ns = options_.registration_namespace;
  RETURN_IF_ERROR(EnsureNamespace(store_, o.cluster_ns));
  RETURN_IF_ERROR(EnsureNamespace(store_, reg_ns));

  // The agent's identity, and exactly Fleet's agent permissions.
  Json sa_obj = ServiceAccount(o.cluster_ns, o.sa);
  sa_obj["metadata"]["annotations"] = {{"fleet.cattle.io/cluster", cluster_name},
                                       {kClusterRegistrationAnnotation, name},
                                       {kClusterRegistrationNamespaceAnnotation, ns}};
  auto sa = Apply(store_, model::ServiceAccountType(), sa_obj);
  if (!sa.ok()) return sa.status();
  const std::vector<std::pair<const store::ResourceType*, Json>> rbac = {
      {&model::RoleBindingType(), Binding(o.cluster_ns, o.binding, "ClusterRole",
                                          auth::kBundleDeploymentAgentRole, o.cluster_ns, o.sa)},
      {&model::ClusterRoleBindingType(),
       Binding("", o.content_binding, "ClusterRole", auth::kContentReaderRole, o.cluster_ns, o.sa)},
      {&model::RoleType(),
       Role(ns, o.binding,
            Json::array({Rule("fleet.cattle.io", {"clusters", "clusters/status"},
                              {"get", "update", "patch"}, {cluster_name})}))},
      {&model::RoleBindingType(), Binding(ns, o.binding, "Role", o.binding, o.cluster_ns, o.sa)},
  };
  for (const auto& [type, want] : rbac) {
    auto r = Apply(store_, *type, want);
    if (!r.ok()) return r.status();
  }

  // The credential, issued once per request: a retry after a crash reuses the Secret.
  auto secret = store_.Get(model::SecretType(), reg_ns, o.secret);
  if (!secret.ok() && secret.status().code() != StatusCode::kNotFound) return secret.status();
  if (!secret.ok()) {
    auth::TokenSpec spec = auth::ServiceAccountTokenSpec(
        o.cluster_ns, o.sa, sa->at("metadata").value("uid", ""), std::chrono::seconds(0));
    spec.purpose = "agent of cluster " + ns + "/" + cluster_name;
    auto issued = auth::IssueToken(store_, spec);
    if (!issued.ok()) return issued.status();
    Json want = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"type", kAgentCredentialSecretType},
                 {"metadata", Metadata(reg_ns, o.secret)},
                 {"data",
                  {{"token", Base64Encode(issued->token)},
                   {"deploymentNamespace", Base64Encode(o.cluster_ns)},
                   {"clusterNamespace", Base64Encode(ns)},
                   {"clusterName", Base64Encode(cluster_name)},
                   {"systemNamespace", Base64Encode(auth::kSystemNamespace)}}}};
    want["metadata"]["labels"]["fleet.cattle.io/cluster"] = cluster_name;
    want["metadata"]["annotations"] = {{kClusterRegistrationAnnotation, name},
                                       {kClusterRegistrationNamespaceAnnotation, ns}};
    auto c = store_.Create(model::SecretType(), want);
    if (!c.ok()) {
      (void)auth::RevokeToken(store_, issued->id);  // never handed out
      return c.status();
    }
  }
  // Only the registration token's identity may read it, by name (the name needs clientRandom).
  const std::string token_name =
      request["metadata"].value("labels", Json::object()).value(kRegistrationTokenLabel, "");
  if (token_name.empty()) {
    log::Warn("cluster registration names no registration token (label " +
                  std::string(kRegistrationTokenLabel) +
                  "): its credential Secret is readable by admins only",
              {{"clusterregistration", ns + "/" + name}});
  } else {
    auto token = store_.Get(model::ClusterRegistrationTokenType(), ns, token_name);
    if (!token.ok() && token.status().code() != StatusCode::kNotFound) return token.status();
    if (token.ok()) {
      const std::string token_sa =
          model::SafeConcatName({token_name, token->at("metadata").value("uid", "")});
      auto r =
          Apply(store_, model::RoleType(),
                Role(reg_ns, o.creds, Json::array({Rule("", {"secrets"}, {"get"}, {o.secret})})));
      if (!r.ok()) return r.status();
      r = Apply(store_, model::RoleBindingType(),
                Binding(reg_ns, o.creds, "Role", o.creds, ns, token_sa));
      if (!r.ok()) return r.status();
    }
  }

  // Older registrations of this clientID go, with their credentials (Fleet's shouldDelete).
  store::ListOptions lo;
  lo.ns = ns;
  auto requests = store_.List(model::ClusterRegistrationType(), lo);
  if (!requests.ok()) return requests.status();
  const std::string created = request["metadata"].value("creationTimestamp", "");
  for (const Json& other : requests->items) {
    if (store::NameOf(other) == name ||
        Str(other, "spec", "clientID") != Str(request, "spec", "clientID") ||
        Str(other, "spec", "clientRandom") == Str(request, "spec", "clientRandom"))
      continue;
    const std::string when = other["metadata"].value("creationTimestamp", "");
    const bool older =
        when < created || (when == created && model::GetBool(other, "status.granted"));
    if (!older) continue;
    log::Info(
        "deleting an older registration of the same client, and its credential",
        {{"clusterregistration", store::ObjectKey(other)}, {"superseded_by", ns + "/" + name}});
    RETURN_IF_ERROR(DeleteRegistration(other));
  }
  return Status::Ok();
}

Status RegistrationController::DeleteRegistration(const Json& request) {
  const std::string ns = store::NamespaceOf(request);
  const std::string cluster_name = Str(request, "status", "clusterName");
  const std::string reg_ns = options_.registration_namespace;
  if (!cluster_name.empty()) {
    const Owned o = OwnedBy(request, cluster_name);
    // The ServiceAccount first: that alone revokes the credential.
    RETURN_IF_ERROR(DeleteIfExists(store_, model::ServiceAccountType(), o.cluster_ns, o.sa));
    RETURN_IF_ERROR(DeleteIfExists(store_, model::SecretType(), reg_ns, o.secret));
    RETURN_IF_ERROR(DeleteIfExists(store_, model::RoleBindingType(), o.cluster_ns, o.binding));
    RETURN_IF_ERROR(DeleteIfExists(store_, model::ClusterRoleBindingType(), "", o.content_binding));
    RETURN_IF_ERROR(DeleteIfExists(store_, model::RoleBindingType(), ns, o.binding));
    RETURN_IF_ERROR(DeleteIfExists(store_, model::RoleType(), ns, o.binding));
    RETURN_IF_ERROR(DeleteIfExists(store_, model::RoleBindingType(), reg_ns, o.creds));
    RETURN_IF_ERROR(DeleteIfExists(store_, model::RoleType(), reg_ns, o.creds));
  }
  return DeleteIfExists(store_, model::ClusterRegistrationType(), ns, store::NameOf(request));
}

queue::Result RegistrationController::ExpireCredentialSecret(const Json& request) {
  const std::string name = model::RegistrationSecretName(Str(request, "spec", "clientID"),
                                                         Str(request, "spec", "clientRandom"));
  auto secret = store_.Get(model::SecretType(), options_.registration_namespace, name);
  if (!secret.ok())
    return secret.status().code() == StatusCode::kNotFound ? queue::Result::Success()
                                                           : queue::Result::Error(secret.status());
  Clock::time_point created;
  if (!ParseRfc3339(secret->at("metadata").value("creationTimestamp", ""), &created))
    created = Clock::now();
  const auto due = created + options_.credential_secret_ttl;
  if (Clock::now() < due) return queue::Result::RequeueAfter(due - Clock::now());
  if (Status s = DeleteIfExists(store_, model::SecretType(), options_.registration_namespace, name);
      !s.ok())
    return queue::Result::Error(s);
  log::Info("credential Secret of a granted registration deleted (its agent has fetched it)",
            {{"clusterregistration", store::ObjectKey(request)},
             {"secret", options_.registration_namespace + "/" + name}});
  return queue::Result::Success();
}

queue::Result RegistrationController::ReconcileCluster(const std::string& key) {
  auto [ns, name] = store::SplitKey(key);
  auto cluster = store_.Get(model::ClusterType(), ns, name);
  if (cluster.ok()) return queue::Result::Success();
  if (cluster.status().code() != StatusCode::kNotFound)
    return queue::Result::Error(cluster.status());
  // Its agent removes what it deployed (the BundleDeployments' finalizers) with its credential:
  // revoke only once none is left.
  store::ListOptions in_cluster_ns;
  in_cluster_ns.ns = model::ClusterNamespace(ns, name);
  in_cluster_ns.limit = 1;
  auto bds = store_.List(model::BundleDeploymentType(), in_cluster_ns);
  if (!bds.ok()) return queue::Result::Error(bds.status());
  if (!bds->items.empty()) return queue::Result::RequeueAfter(std::chrono::seconds(5));
  store::ListOptions lo;
  lo.ns = ns;
  auto requests = store_.List(model::ClusterRegistrationType(), lo);
  if (!requests.ok()) return queue::Result::Error(requests.status());
  for (const Json& r : requests->items) {
    if (Str(r, "status", "clusterName") != name) continue;
    log::Info("cluster deleted: deleting its registration and revoking its agent's credential",
              {{"cluster", key}, {"clusterregistration", store::ObjectKey(r)}});
    if (Status s = DeleteRegistration(r); !s.ok()) return queue::Result::Error(s);
  }
  return queue::Result::Success();
}

queue::Result RegistrationController::Reconcile(const std::string& key) {
  auto [ns, name] = store::SplitKey(key);
  const auto& type = model::ClusterRegistrationType();
  auto request = store_.Get(type, ns, name);
  if (!request.ok()) {
    if (request.status().code() == StatusCode::kNotFound) return queue::Result::Success();
    return queue::Result::Error(request.status());
  }
  if (request->at("metadata").contains("deletionTimestamp")) return queue::Result::Success();
  if (model::GetBool(*request, "status.granted"))  // granted once, as Fleet
    return ExpireCredentialSecret(*request);
  if (Str(*request, "spec", "clientID").empty() || Str(*request, "spec", "clientRandom").empty()) {
    log::Warn("cluster registration without spec.clientID or spec.clientRandom; not granted",
              {{"clusterregistration", key}});
    return queue::Result::Success();
  }
  auto cluster = ClusterFor(*request);
  if (!cluster.ok()) return queue::Result::Error(cluster.status().WithContext(key));
  const std::string cluster_name = store::NameOf(*cluster);
  // The cluster's name first, so a retry after a crash finds what this attempt created.
  auto named = store::Mutate(store_, type, ns, name, true, [&](Json& cur) {
    if (Str(cur, "status", "clusterName") == cluster_name) return false;
    cur["status"]["clusterName"] = cluster_name;
    return true;
  });
  if (!named.ok()) return queue::Result::Error(named.status());
  if (Status s = Grant(*named, *cluster); !s.ok()) return queue::Result::Error(s.WithContext(key));
  auto granted = store::Mutate(store_, type, ns, name, true, [&](Json& cur) {
    cur["status"]["granted"] = true;
    cur["status"]["clusterName"] = cluster_name;
    return true;
  });
  if (!granted.ok()) return queue::Result::Error(granted.status());
  log::Info("cluster registration granted",
            {{"clusterregistration", key},
             {"cluster", ns + "/" + cluster_name},
             {"namespace", model::ClusterNamespace(ns, cluster_name)}});
  return ExpireCredentialSecret(*granted);
}

}  // namespace flotilla::registration
