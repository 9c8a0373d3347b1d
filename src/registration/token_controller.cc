#include <fmt/format.h>

#include "auth/roles.h"
#include "auth/tokens.h"
#include "core/base64.h"
#include "core/log.h"
#include "core/time.h"
#include "model/names.h"
#include "model/resource_type.h"
#include "model/secret.h"
#include "registration/objects.h"
#include "registration/registration.h"

namespace flotilla::registration {
namespace {

using namespace internal;  // NOLINT(google-build-using-namespace)

constexpr const char* kTokenIdAnnotation = "auth.flotilla.io/token-id";
constexpr const char* kTokenUidAnnotation = "fleet.cattle.io/cluster-registration-token-uid";

// The ServiceAccount a registration token authenticates as (Fleet: SafeConcatName(name, uid)).
std::string AccountName(const Json& token) {
  return model::SafeConcatName({store::NameOf(token), token["metadata"].value("uid", "")});
}

// When the token expires: creationTimestamp + spec.ttl; nullopt without a (positive) ttl.
StatusOr<std::optional<Clock::time_point>> Expiry(const Json& token) {
  const Json& spec = token.value("spec", Json::object());
  if (!spec.contains("ttl") || !spec["ttl"].is_string() || spec["ttl"] == "")
    return std::optional<Clock::time_point>();
  auto ttl = ParseGoDuration(spec["ttl"].get<std::string>());
  if (!ttl.ok())
    return InvalidArgument(
        fmt::format("spec.ttl \"{}\": {}", spec["ttl"].get<std::string>(), ttl.status().message()));
  if (ttl->count() <= 0) return std::optional<Clock::time_point>();
  Clock::time_point created;
  if (!ParseRfc3339(token["metadata"].value("creationTimestamp", ""), &created))
    created = Clock::now();
  return std::optional<Clock::time_point>(created +
                                          std::chrono::duration_cast<Clock::duration>(*ttl));
}

}  // namespace

TokenController::TokenController(store::Store& store, Options options)
    : store_(store), options_(std::move(options)) {}

Status TokenController::Cleanup(const Json& token) {
  const std::string ns = store::NamespaceOf(token), name = store::NameOf(token);
  const std::string uid = token["metadata"].value("uid", "");
  auto secret = store_.Get(model::SecretType(), ns, name);
  if (secret.ok() && secret->value("type", "") == kValuesSecretType &&
      secret->value("metadata", Json::object())
              .value("annotations", Json::object())
              .value(kTokenUidAnnotation, "") == uid) {
    std::string id = secret->value("metadata", Json::object())
                         .value("annotations", Json::object())
                         .value(kTokenIdAnnotation, "");
    if (!id.empty()) RETURN_IF_ERROR(auth::RevokeToken(store_, id));
    RETURN_IF_ERROR(DeleteIfExists(store_, model::SecretType(), ns, name));
  } else if (!secret.ok() && secret.status().code() != StatusCode::kNotFound) {
    return secret.status();
  }
  const std::string sa = AccountName(token);
  // Deleting the ServiceAccount revokes every token issued to it.
  RETURN_IF_ERROR(DeleteIfExists(store_, model::ServiceAccountType(), ns, sa));
  RETURN_IF_ERROR(DeleteIfExists(store_, model::RoleBindingType(), ns,
                                 model::SafeConcatName({sa, "to", "role"})));
  return Status::Ok();
}

queue::Result TokenController::Reconcile(const std::string& key) {
  auto [ns, name] = store::SplitKey(key);
  const auto& type = model::ClusterRegistrationTokenType();
  auto token = store_.Get(type, ns, name);
  if (!token.ok()) {
    if (token.status().code() == StatusCode::kNotFound) return queue::Result::Success();
    return queue::Result::Error(token.status());
  }
  if (token->at("metadata").contains("deletionTimestamp")) {
    if (!store::HasFinalizer(*token, kTokenFinalizer)) return queue::Result::Success();
    if (Status s = Cleanup(*token); !s.ok()) return queue::Result::Error(s);
    auto r = store::RemoveFinalizer(store_, type, ns, name, kTokenFinalizer);
    if (!r.ok() && r.status().code() != StatusCode::kNotFound)
      return queue::Result::Error(r.status());
    log::Info("cluster registration token deleted; its ServiceAccount, token and Secret are gone",
              {{"token", key}});
    return queue::Result::Success();
  }
  auto expires = Expiry(*token);
  if (!expires.ok()) {
    log::Warn("cluster registration token not usable",
              {{"token", key}, {"error", expires.status().message()}});
    return queue::Result::Success();  // an edit of the spec wakes us again
  }
  if (*expires && Clock::now() >= **expires) {
    // As Fleet: an expired token is deleted; its finalizer removes what it owned.
    log::Info("cluster registration token expired; deleting it", {{"token", key}});
    auto d = store_.Delete(type, ns, name);
    if (!d.ok() && d.status().code() != StatusCode::kNotFound)
      return queue::Result::Error(d.status());
    return queue::Result::Success();
  }
  auto fin = store::AddFinalizer(store_, type, ns, name, kTokenFinalizer);
  if (!fin.ok()) return queue::Result::Error(fin.status());
  const std::string uid = token->at("metadata").value("uid", "");
  const std::string sa_name = AccountName(*token);

  // The token's identity may only create ClusterRegistrations in this namespace.
  auto sa = Apply(store_, model::ServiceAccountType(), ServiceAccount(ns, sa_name));
  if (!sa.ok()) return queue::Result::Error(sa.status());
  auto rb = Apply(store_, model::RoleBindingType(),
                  Binding(ns, model::SafeConcatName({sa_name, "to", "role"}), "ClusterRole",
                          auth::kRegistrationRole, ns, sa_name));
  if (!rb.ok()) return queue::Result::Error(rb.status());

  // The values Secret: written once per token (the bearer token is never stored elsewhere).
  auto secret = store_.Get(model::SecretType(), ns, name);
  if (!secret.ok() && secret.status().code() != StatusCode::kNotFound)
    return queue::Result::Error(secret.status());
  const bool ours =
      secret.ok() && secret->value("type", "") == kValuesSecretType &&
      secret->at("metadata").value("annotations", Json::object()).value(kTokenUidAnnotation, "") ==
          uid;
  if (secret.ok() && !ours && secret->value("type", "") != kValuesSecretType) {
    log::Warn(
        "cluster registration token: a Secret of its name exists and is not its values "
        "Secret; leaving it alone",
        {{"token", key}});
    return queue::Result::Error(
        Status(StatusCode::kFailedPrecondition, "Secret " + key + " exists and is not ours"));
  }
  if (!ours) {
    auto ttl = std::chrono::seconds(0);
    if (*expires)
      ttl = std::max<std::chrono::seconds>(
          std::chrono::seconds(1),
          std::chrono::ceil<std::chrono::seconds>(**expires - Clock::now()));
    auth::TokenSpec spec =
        auth::ServiceAccountTokenSpec(ns, sa_name, sa->at("metadata").value("uid", ""), ttl);
    spec.purpose = "cluster registration token " + key;
    auto issued = auth::IssueToken(store_, spec);
    if (!issued.ok()) return queue::Result::Error(issued.status());
    Values v;
    v.token = issued->token;
    v.api_server_url = options_.api_server_url;
    v.api_server_ca = options_.api_server_ca;
    v.cluster_namespace = ns;
    v.system_registration_namespace = options_.registration_namespace;
    v.token_name = name;
    Json want = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"type", kValuesSecretType},
                 {"metadata", Metadata(ns, name)},
                 {"data", {{kValuesKey, Base64Encode(RenderValues(v))}}}};
    want["metadata"]["annotations"] = {{kTokenUidAnnotation, uid},
                                       {kTokenIdAnnotation, issued->id}};
    StatusOr<Json> written = Status(StatusCode::kInternal, "not written");
    if (secret.ok()) {  // a values Secret of an earlier token of this name: replace it
      want["metadata"]["resourceVersion"] = secret->at("metadata").value("resourceVersion", "");
      written = store_.Update(model::SecretType(), want);
    } else {
      written = store_.Create(model::SecretType(), want);
    }
    if (!written.ok()) {
      (void)auth::RevokeToken(store_, issued->id);  // never handed out
      return queue::Result::Error(written.status());
    }
    log::Info("cluster registration token ready",
              {{"token", key}, {"secret", key}, {"serviceaccount", ns + "/" + sa_name}});
  }
  auto st = store::Mutate(store_, type, ns, name, true, [&](Json& cur) {
    Json want = cur.value("status", Json::object());
    want["secretName"] = name;
    if (*expires)
      want["expires"] = FormatRfc3339(**expires);
    else
      want.erase("expires");
    if (cur.value("status", Json::object()) == want) return false;
    cur["status"] = want;
    return true;
  });
  if (!st.ok()) return queue::Result::Error(st.status());
  if (*expires)
    return queue::Result::RequeueAfter(**expires - Clock::now() + std::chrono::milliseconds(100));
  return queue::Result::Success();
}

}  // namespace flotilla::registration
