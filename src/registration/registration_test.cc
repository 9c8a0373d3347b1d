#include "registration/registration.h"

#include <gtest/gtest.h>

#include "auth/roles.h"
#include "auth/tokens.h"
#include "core/base64.h"
#include "model/names.h"
#include "model/resource_type.h"
#include "model/secret.h"

namespace flotilla::registration {
namespace {

// Fleet's names (internal/names, internal/registration), vectors computed from its definitions.
TEST(NamesTest, FleetNames) {
  EXPECT_EQ(model::KeyHash("abc"), "ba7816bf8f01");
  EXPECT_EQ(model::SafeConcatName({"short", "name"}), "short-name");
  EXPECT_EQ(model::SafeConcatName({std::string(40, 'a'), std::string(30, 'b')}),
            std::string(40, 'a') + "-" + std::string(16, 'b') + "-0e567");
  // The 57th character is '-': cut at 56, six hex digits.
  EXPECT_EQ(model::SafeConcatName({std::string(56, 'a'), std::string(10, 'b')}),
            std::string(56, 'a') + "-cf2ce3");
  EXPECT_EQ(model::RegistrationSecretName("id1", "rand1"),
            "c-788f7bbe92bdea3cd4d14850ad361006745c1e2cea7a3fe19cc42f7ca504c");
  EXPECT_EQ(model::RegisteredClusterName("id1"), "cluster-f3436f50b2f7");
}

TEST(ValuesTest, RoundTripAndErrors) {
  Values v;
  v.token = "flt_x";
  v.api_server_url = "https://127.0.0.1:1";
  v.api_server_ca = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n";
  v.cluster_namespace = "fleet-default";
  v.token_name = "t";
  auto back = ParseValues(RenderValues(v), "f");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->token, v.token);
  EXPECT_EQ(back->api_server_ca, v.api_server_ca);
  EXPECT_EQ(back->system_registration_namespace, kRegistrationNamespace);
  EXPECT_EQ(back->token_name, "t");
  auto bad = ParseValues("apiServerURL: https://x\n", "vals.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "vals.yaml: token is missing");
  EXPECT_FALSE(ParseValues("- a\n", "f").ok());
  EXPECT_FALSE(ParseValues("{", "f").ok());
}

TEST(LabelsTest, Reserved) {
  EXPECT_TRUE(IsReservedLabel("fleet.cattle.io/cluster"));
  EXPECT_TRUE(IsReservedLabel("management.cattle.io/cluster-display-name"));
  EXPECT_FALSE(IsReservedLabel("fleet.cattle.io/created-by-agent-pod"));
  EXPECT_FALSE(IsReservedLabel("env"));
}

store::ListOptions InNamespace(const std::string& ns) {
  store::ListOptions o;
  o.ns = ns;
  return o;
}

class RegistrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore("sqlite://:memory:");
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
    options_.api_server_url = "https://127.0.0.1:6443";
    options_.api_server_ca = "CA PEM";
  }

  Json Token(const std::string& name, const std::string& ttl) {
    Json t = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
              {"kind", "ClusterRegistrationToken"},
              {"metadata", {{"name", name}, {"namespace", "fleet-default"}}},
              {"spec", Json::object()}};
    if (!ttl.empty()) t["spec"]["ttl"] = ttl;
    auto c = store_->Create(model::ClusterRegistrationTokenType(), t);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : Json();
  }

  Values ValuesOf(const std::string& name) {
    auto secret = store_->Get(model::SecretType(), "fleet-default", name);
    EXPECT_TRUE(secret.ok());
    if (!secret.ok()) return {};
    EXPECT_EQ(secret->value("type", ""), kValuesSecretType);
    auto v = ParseValues(model::SecretValueOrEmpty(*secret, kValuesKey), name);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : Values();
  }

  Json Request(const std::string& name, const std::string& id, const std::string& random,
               Json labels) {
    Json r = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
              {"kind", "ClusterRegistration"},
              {"metadata",
               {{"name", name},
                {"namespace", "fleet-default"},
                {"labels", {{kRegistrationTokenLabel, "reg"}}}}},
              {"spec", {{"clientID", id}, {"clientRandom", random}, {"clusterLabels", labels}}}};
    auto c = store_->Create(model::ClusterRegistrationType(), r);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : Json();
  }

  // The token in the credential Secret of (id, random), or "" when there is none.
  std::string Credential(const std::string& id, const std::string& random) {
    auto s = store_->Get(model::SecretType(), kRegistrationNamespace,
                         model::RegistrationSecretName(id, random));
    return s.ok() ? model::SecretValueOrEmpty(*s, "token") : "";
  }

  std::unique_ptr<store::Store> store_;
  Options options_;
};

TEST_F(RegistrationTest, TokenGetsValuesSecretAndExpires) {
  TokenController tokens(*store_, options_);
  Token("reg", "1h");
  queue::Result r = tokens.Reconcile("fleet-default/reg");
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_GT(r.after.count(), 0);  // woken again at expiry
  Values v = ValuesOf("reg");
  EXPECT_EQ(v.api_server_url, "https://127.0.0.1:6443");
  EXPECT_EQ(v.api_server_ca, "CA PEM");
  EXPECT_EQ(v.cluster_namespace, "fleet-default");
  EXPECT_EQ(v.token_name, "reg");
  auto user = auth::LookupToken(*store_, v.token);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_TRUE(user->name.starts_with("system:serviceaccount:fleet-default:reg-")) << user->name;
  auto token = store_->Get(model::ClusterRegistrationTokenType(), "fleet-default", "reg");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ((*token)["status"]["secretName"], "reg");
  EXPECT_TRUE((*token)["status"].contains("expires"));
  // The token's identity is bound to the registration role, in its namespace only.
  auto rbs = store_->List(model::RoleBindingType(), InNamespace("fleet-default"));
  ASSERT_TRUE(rbs.ok());
  ASSERT_EQ(rbs->items.size(), 1u);
  EXPECT_EQ(rbs->items[0]["roleRef"]["name"], auth::kRegistrationRole);

  // Idempotent: a second pass keeps the same token.
  ASSERT_TRUE(tokens.Reconcile("fleet-default/reg").error.ok());
  EXPECT_EQ(ValuesOf("reg").token, v.token);

  // Expired (its ttl shortened): the token is deleted, then its finalizer removes the Secret and
  // the ServiceAccount, and the bearer token no longer authenticates.
  ASSERT_TRUE(store::Mutate(*store_, model::ClusterRegistrationTokenType(), "fleet-default", "reg",
                            false,
                            [](Json& o) {
                              o["spec"]["ttl"] = "1ns";
                              return true;
                            })
                  .ok());
  ASSERT_TRUE(tokens.Reconcile("fleet-default/reg").error.ok());
  ASSERT_TRUE(tokens.Reconcile("fleet-default/reg").error.ok());
  EXPECT_EQ(
      store_->Get(model::ClusterRegistrationTokenType(), "fleet-default", "reg").status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(store_->Get(model::SecretType(), "fleet-default", "reg").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(auth::LookupToken(*store_, v.token).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(RegistrationTest, TokenWithBadTtlIsNotServed) {
  TokenController tokens(*store_, options_);
  Token("bad", "soon");
  ASSERT_TRUE(tokens.Reconcile("fleet-default/bad").error.ok());
  EXPECT_EQ(store_->Get(model::SecretType(), "fleet-default", "bad").status().code(),
            StatusCode::kNotFound);
}

TEST_F(RegistrationTest, GrantCreatesClusterAndCredentialReRegistrationIsIdempotent) {
  TokenController tokens(*store_, options_);
  RegistrationController requests(*store_, options_);
  Token("reg", "");
  ASSERT_TRUE(tokens.Reconcile("fleet-default/reg").error.ok());

  Request("request-1", "client-a", "random-1",
          {{"env", "dev"}, {"fleet.cattle.io/cluster", "someone-else"}});
  queue::Result r = requests.Reconcile("fleet-default/request-1");
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  const std::string cluster_name = model::RegisteredClusterName("client-a");
  auto cluster = store_->Get(model::ClusterType(), "fleet-default", cluster_name);
  ASSERT_TRUE(cluster.ok());
  EXPECT_EQ((*cluster)["spec"]["clientID"], "client-a");
  EXPECT_EQ((*cluster)["metadata"]["labels"]["env"], "dev");
  // A reserved label is not taken from the agent.
  EXPECT_EQ((*cluster)["metadata"]["labels"]["fleet.cattle.io/cluster"], cluster_name);
  auto req = store_->Get(model::ClusterRegistrationType(), "fleet-default", "request-1");
  ASSERT_TRUE(req.ok());
  EXPECT_EQ((*req)["status"]["granted"], true);
  EXPECT_EQ((*req)["status"]["clusterName"], cluster_name);

  const std::string cred1 = Credential("client-a", "random-1");
  ASSERT_FALSE(cred1.empty());
  auto user = auth::LookupToken(*store_, cred1);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  const std::string cluster_ns = model::ClusterNamespace("fleet-default", cluster_name);
  EXPECT_TRUE(user->name.starts_with("system:serviceaccount:" + cluster_ns + ":request-1-"))
      << user->name;
  // The agent's bindings: BundleDeployments in its namespace, Contents, its Cluster.
  auto agent_rb = store_->Get(model::RoleBindingType(), cluster_ns, "request-1");
  ASSERT_TRUE(agent_rb.ok());
  EXPECT_EQ((*agent_rb)["roleRef"]["name"], auth::kBundleDeploymentAgentRole);
  auto role = store_->Get(model::RoleType(), "fleet-default", "request-1");
  ASSERT_TRUE(role.ok());
  EXPECT_EQ((*role)["rules"][0]["resourceNames"], Json::array({cluster_name}));
  // Only the registration token's account may read the credential, by name.
  auto creds = store_->Get(model::RoleType(), kRegistrationNamespace,
                           model::SafeConcatName({"fleet-default", "request-1", "creds"}));
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ((*creds)["rules"][0]["resourceNames"],
            Json::array({model::RegistrationSecretName("client-a", "random-1")}));

  // Reconciling a granted request changes nothing; it is woken to delete the credential Secret.
  r = requests.Reconcile("fleet-default/request-1");
  ASSERT_TRUE(r.error.ok());
  EXPECT_GT(r.after.count(), 0);
  EXPECT_EQ(Credential("client-a", "random-1"), cred1);

  // The same client registers again (new state dir): same Cluster, new labels applied, a fresh
  // credential, and the old registration and its credential are gone.
  Request("request-2", "client-a", "random-2", {{"env", "test"}});
  ASSERT_TRUE(requests.Reconcile("fleet-default/request-2").error.ok());
  auto clusters = store_->List(model::ClusterType(), InNamespace("fleet-default"));
  ASSERT_TRUE(clusters.ok());
  ASSERT_EQ(clusters->items.size(), 1u);
  EXPECT_EQ(clusters->items[0]["metadata"]["labels"]["env"], "test");
  const std::string cred2 = Credential("client-a", "random-2");
  ASSERT_FALSE(cred2.empty());
  EXPECT_NE(cred2, cred1);
  EXPECT_TRUE(auth::LookupToken(*store_, cred2).ok());
  EXPECT_EQ(auth::LookupToken(*store_, cred1).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(
      store_->Get(model::ClusterRegistrationType(), "fleet-default", "request-1").status().code(),
      StatusCode::kNotFound);
  EXPECT_TRUE(Credential("client-a", "random-1").empty());

  // Another client gets another Cluster.
  Request("request-3", "client-b", "random-3", {{"env", "prod"}});
  ASSERT_TRUE(requests.Reconcile("fleet-default/request-3").error.ok());
  clusters = store_->List(model::ClusterType(), InNamespace("fleet-default"));
  ASSERT_TRUE(clusters.ok());
  EXPECT_EQ(clusters->items.size(), 2u);
}

TEST_F(RegistrationTest, CredentialSecretIsDeletedAfterItsDelayCredentialStays) {
  options_.credential_secret_ttl = std::chrono::seconds(0);
  RegistrationController requests(*store_, options_);
  Request("request-1", "client-a", "random-1", Json::object());
  ASSERT_TRUE(requests.Reconcile("fleet-default/request-1").error.ok());
  // Granted and already due: the same pass deleted it. Read the token from the grant first.
  EXPECT_TRUE(Credential("client-a", "random-1").empty());
  auto req = store_->Get(model::ClusterRegistrationType(), "fleet-default", "request-1");
  ASSERT_TRUE(req.ok());
  EXPECT_EQ((*req)["status"]["granted"], true);
  // The agent's ServiceAccount (and so its credential) is still there.
  const std::string cluster_ns =
      model::ClusterNamespace("fleet-default", model::RegisteredClusterName("client-a"));
  auto sas = store_->List(model::ServiceAccountType(), InNamespace(cluster_ns));
  ASSERT_TRUE(sas.ok());
  EXPECT_EQ(sas->items.size(), 1u);
}

TEST_F(RegistrationTest, DeletingTheClusterRevokesItsAgentsCredential) {
  RegistrationController requests(*store_, options_);
  Request("request-1", "client-a", "random-1", Json::object());
  ASSERT_TRUE(requests.Reconcile("fleet-default/request-1").error.ok());
  const std::string cred = Credential("client-a", "random-1");
  ASSERT_TRUE(auth::LookupToken(*store_, cred).ok());
  const std::string cluster = model::RegisteredClusterName("client-a");
  // While the Cluster exists nothing happens.
  ASSERT_TRUE(requests.ReconcileCluster("fleet-default/" + cluster).error.ok());
  ASSERT_TRUE(auth::LookupToken(*store_, cred).ok());
  ASSERT_TRUE(store_->Delete(model::ClusterType(), "fleet-default", cluster).ok());
  ASSERT_TRUE(requests.ReconcileCluster("fleet-default/" + cluster).error.ok());
  EXPECT_EQ(auth::LookupToken(*store_, cred).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(
      store_->Get(model::ClusterRegistrationType(), "fleet-default", "request-1").status().code(),
      StatusCode::kNotFound);
}

TEST_F(RegistrationTest, RequestWithoutClientIdIsNotGranted) {
  RegistrationController requests(*store_, options_);
  Request("request-x", "", "random", Json::object());
  ASSERT_TRUE(requests.Reconcile("fleet-default/request-x").error.ok());
  auto req = store_->Get(model::ClusterRegistrationType(), "fleet-default", "request-x");
  ASSERT_TRUE(req.ok());
  EXPECT_FALSE(req->value("status", Json::object()).value("granted", false));
}

}  // namespace
}  // namespace flotilla::registration
