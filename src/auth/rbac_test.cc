#include "auth/rbac.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "auth/roles.h"
#include "model/resource_type.h"
#include "store/store.h"
#include "store/testing/faulty_store.h"

namespace flotilla::auth {
namespace {

RequestAttributes Res(std::string verb, std::string group, std::string resource,
                      std::string ns = "", std::string name = "", std::string sub = "") {
  RequestAttributes a;
  a.resource_request = true;
  a.verb = std::move(verb);
  a.api_group = std::move(group);
  a.resource = std::move(resource);
  a.ns = std::move(ns);
  a.name = std::move(name);
  a.subresource = std::move(sub);
  return a;
}

RequestAttributes Url(std::string verb, std::string path) {
  RequestAttributes a;
  a.verb = std::move(verb);
  a.path = std::move(path);
  return a;
}

PolicyRule R(std::vector<std::string> groups, std::vector<std::string> resources,
             std::vector<std::string> verbs, std::vector<std::string> names = {}) {
  PolicyRule r;
  r.api_groups = std::move(groups);
  r.resources = std::move(resources);
  r.verbs = std::move(verbs);
  r.resource_names = std::move(names);
  return r;
}

PolicyRule U(std::vector<std::string> urls, std::vector<std::string> verbs) {
  PolicyRule r;
  r.non_resource_urls = std::move(urls);
  r.verbs = std::move(verbs);
  return r;
}

TEST(RuleAllows, Table) {
  const std::string f = "fleet.cattle.io";
  struct Row {
    const char* what;
    PolicyRule rule;
    RequestAttributes attrs;
    bool allowed;
  };
  const std::vector<Row> rows = {
      {"exact", R({f}, {"gitrepos"}, {"get"}), Res("get", f, "gitrepos", "ns", "x"), true},
      {"other verb", R({f}, {"gitrepos"}, {"get"}), Res("list", f, "gitrepos", "ns"), false},
      {"verb *", R({f}, {"gitrepos"}, {"*"}), Res("deletecollection", f, "gitrepos"), true},
      {"other group", R({""}, {"gitrepos"}, {"get"}), Res("get", f, "gitrepos"), false},
      {"group *", R({"*"}, {"gitrepos"}, {"get"}), Res("get", f, "gitrepos"), true},
      {"core group", R({""}, {"secrets"}, {"get"}), Res("get", "", "secrets", "a", "s"), true},
      {"resource *", R({f}, {"*"}, {"get"}), Res("get", f, "bundles"), true},
      {"resource * covers subresources", R({f}, {"*"}, {"update"}),
       Res("update", f, "gitrepos", "ns", "x", "status"), true},
      {"resource without its subresource", R({f}, {"gitrepos"}, {"update"}),
       Res("update", f, "gitrepos", "ns", "x", "status"), false},
      {"subresource only", R({f}, {"gitrepos/status"}, {"update"}),
       Res("update", f, "gitrepos", "ns", "x", "status"), true},
      {"subresource rule not the parent", R({f}, {"gitrepos/status"}, {"update"}),
       Res("update", f, "gitrepos", "ns", "x"), false},
      {"*/subresource", R({f}, {"*/status"}, {"patch"}),
       Res("patch", f, "bundledeployments", "ns", "x", "status"), true},
      {"*/subresource not another", R({f}, {"*/status"}, {"create"}),
       Res("create", "", "serviceaccounts", "ns", "x", "token"), false},
      {"resourceNames match", R({""}, {"secrets"}, {"get"}, {"a", "b"}),
       Res("get", "", "secrets", "ns", "b"), true},
      {"resourceNames miss", R({""}, {"secrets"}, {"get"}, {"a"}),
       Res("get", "", "secrets", "ns", "c"), false},
      {"resourceNames never match a list", R({""}, {"secrets"}, {"list"}, {"a"}),
       Res("list", "", "secrets", "ns"), false},
      {"url exact", U({"/metrics"}, {"get"}), Url("get", "/metrics"), true},
      {"url other", U({"/metrics"}, {"get"}), Url("get", "/metricsx"), false},
      {"url prefix *", U({"/apis/*"}, {"get"}), Url("get", "/apis/fleet.cattle.io/v1alpha1"), true},
      {"url prefix * not the bare prefix's parent", U({"/apis/*"}, {"get"}), Url("get", "/apis"),
       false},
      {"url *", U({"*"}, {"get"}), Url("get", "/anything"), true},
      {"url verb", U({"/metrics"}, {"get"}), Url("post", "/metrics"), false},
      {"resource rule never allows a url", R({"*"}, {"*"}, {"*"}), Url("get", "/metrics"), false},
      {"url rule never allows a resource", U({"*"}, {"*"}), Res("get", "", "secrets"), false},
  };
  for (const Row& row : rows) EXPECT_EQ(RuleAllows(row.attrs, row.rule), row.allowed) << row.what;
}

TEST(ForbiddenMessage, KubernetesWording) {
  EXPECT_EQ(ForbiddenMessage("u", Res("get", "fleet.cattle.io", "gitrepos", "ns", "x")),
            "gitrepos.fleet.cattle.io \"x\" is forbidden: User \"u\" cannot get resource "
            "\"gitrepos\" in API group \"fleet.cattle.io\" in the namespace \"ns\"");
  EXPECT_EQ(
      ForbiddenMessage("u", Res("list", "fleet.cattle.io", "gitrepos")),
      "gitrepos.fleet.cattle.io is forbidden: User \"u\" cannot list resource \"gitrepos\" in "
      "API group \"fleet.cattle.io\" at the cluster scope");
  EXPECT_EQ(ForbiddenMessage("system:serviceaccount:a:b", Res("get", "", "secrets", "a", "s")),
            "secrets \"s\" is forbidden: User \"system:serviceaccount:a:b\" cannot get resource "
            "\"secrets\" in API group \"\" in the namespace \"a\"");
  EXPECT_EQ(ForbiddenMessage(
                "u", Res("update", "fleet.cattle.io", "bundledeployments", "n", "x", "status")),
            "bundledeployments.fleet.cattle.io \"x\" is forbidden: User \"u\" cannot update "
            "resource \"bundledeployments/status\" in API group \"fleet.cattle.io\" in the "
            "namespace \"n\"");
  EXPECT_EQ(ForbiddenMessage("u", Url("get", "/metrics")),
            "forbidden: User \"u\" cannot get path \"/metrics\"");
  EXPECT_EQ(ForbiddenMessage("u", Res("get", "", "namespaces", "", "x"), "RBAC: oops"),
            "namespaces \"x\" is forbidden: User \"u\" cannot get resource \"namespaces\" in API "
            "group \"\" at the cluster scope: RBAC: oops");
}

http::UserInfo User(std::string name, std::vector<std::string> groups = {}) {
  return http::UserInfo{std::move(name), "", std::move(groups), true};
}

Json RoleJson(const std::string& ns, const std::string& name, std::vector<PolicyRule> rules) {
  Json j = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
            {"kind", ns.empty() ? "ClusterRole" : "Role"},
            {"metadata", {{"name", name}}},
            {"rules", Json::array()}};
  if (!ns.empty()) j["metadata"]["namespace"] = ns;
  for (const PolicyRule& r : rules) j["rules"].push_back(r.ToJson());
  return j;
}

Json BindingJson(const std::string& ns, const std::string& name, const std::string& role_kind,
                 const std::string& role, Json subjects) {
  Json j = {
      {"apiVersion", "rbac.authorization.k8s.io/v1"},
      {"kind", ns.empty() ? "ClusterRoleBinding" : "RoleBinding"},
      {"metadata", {{"name", name}}},
      {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", role_kind}, {"name", role}}},
      {"subjects", std::move(subjects)}};
  if (!ns.empty()) j["metadata"]["namespace"] = ns;
  return j;
}

Json Subject(const std::string& kind, const std::string& name, const std::string& ns = "") {
  Json s = {{"kind", kind}, {"name", name}};
  if (!ns.empty()) s["namespace"] = ns;
  return s;
}

class RbacTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore("sqlite://:memory:");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void Put(const model::ResourceType& type, const Json& obj) {
    auto r = store_->Create(type, obj);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  std::unique_ptr<RbacAuthorizer> Authz() {
    auto a = RbacAuthorizer::Create(*store_);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? std::move(*a) : nullptr;
  }
  std::unique_ptr<store::Store> store_;
};

const std::string kF = "fleet.cattle.io";

TEST_F(RbacTest, NewBindingTakesEffectWithoutRestartAndDeletionRevokes) {
  auto authz = Authz();
  auto get = Res("get", kF, "gitrepos", "team", "x");
  Status denied = authz->Authorize(User("alice"), get);
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(), ForbiddenMessage("alice", get));

  Put(model::RoleType(), RoleJson("team", "reader", {R({kF}, {"gitrepos"}, {"get"})}));
  Put(model::RoleBindingType(),
      BindingJson("team", "alice-reads", "Role", "reader", {Subject("User", "alice")}));
  EXPECT_TRUE(authz->Authorize(User("alice"), get).ok());
  EXPECT_FALSE(authz->Authorize(User("bob"), get).ok());
  EXPECT_FALSE(authz->Authorize(User("alice"), Res("delete", kF, "gitrepos", "team", "x")).ok());

  ASSERT_TRUE(store_->Delete(model::RoleBindingType(), "team", "alice-reads").ok());
  EXPECT_FALSE(authz->Authorize(User("alice"), get).ok());
}

TEST_F(RbacTest, RoleUpdateTakesEffect) {
  auto authz = Authz();
  Put(model::RoleType(), RoleJson("team", "r", {R({kF}, {"gitrepos"}, {"get"})}));
  Put(model::RoleBindingType(), BindingJson("team", "b", "Role", "r", {Subject("User", "u")}));
  auto list = Res("list", kF, "gitrepos", "team");
  EXPECT_FALSE(authz->Authorize(User("u"), list).ok());
  auto updated = store::Mutate(*store_, model::RoleType(), "team", "r", false, [](Json& o) {
    o["rules"].push_back(R({kF}, {"gitrepos"}, {"list"}).ToJson());
    return true;
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_TRUE(authz->Authorize(User("u"), list).ok());
}

TEST_F(RbacTest, RoleBindingToClusterRoleIsLimitedToItsNamespace) {
  Put(model::ClusterRoleType(), RoleJson("", "gitrepo-editor", {R({kF}, {"gitrepos"}, {"*"})}));
  Put(model::RoleBindingType(),
      BindingJson("a", "b", "ClusterRole", "gitrepo-editor", {Subject("User", "u")}));
  auto authz = Authz();
  EXPECT_TRUE(authz->Authorize(User("u"), Res("create", kF, "gitrepos", "a")).ok());
  EXPECT_FALSE(authz->Authorize(User("u"), Res("create", kF, "gitrepos", "b")).ok());
  // Across all namespaces is the cluster scope: a RoleBinding never grants it.
  Status all = authz->Authorize(User("u"), Res("list", kF, "gitrepos"));
  EXPECT_EQ(all.message(),
            "gitrepos.fleet.cattle.io is forbidden: User \"u\" cannot list resource \"gitrepos\" "
            "in API group \"fleet.cattle.io\" at the cluster scope");
}

TEST_F(RbacTest, ClusterRoleBindingGrantsEverywhereAndClusterScoped) {
  Put(model::ClusterRoleType(), RoleJson("", "reader", {R({kF, ""}, {"*"}, {"get", "list"})}));
  Put(model::ClusterRoleBindingType(),
      BindingJson("", "b", "ClusterRole", "reader", {Subject("Group", "readers")}));
  auto authz = Authz();
  auto u = User("u", {"readers"});
  EXPECT_TRUE(authz->Authorize(u, Res("list", kF, "gitrepos")).ok());
  EXPECT_TRUE(authz->Authorize(u, Res("get", kF, "gitrepos", "any", "x")).ok());
  EXPECT_TRUE(authz->Authorize(u, Res("get", kF, "contents", "", "sha256")).ok());
  EXPECT_FALSE(authz->Authorize(u, Res("watch", kF, "gitrepos")).ok());
  EXPECT_FALSE(authz->Authorize(User("u"), Res("list", kF, "gitrepos")).ok());
}

TEST_F(RbacTest, ServiceAccountSubjects) {
  Put(model::ClusterRoleType(), RoleJson("", "r", {R({""}, {"configmaps"}, {"get"})}));
  // Namespace given; namespace defaulted to the RoleBinding's.
  Put(model::RoleBindingType(),
      BindingJson("a", "b1", "ClusterRole", "r", {Subject("ServiceAccount", "agent", "a")}));
  Put(model::RoleBindingType(),
      BindingJson("b", "b2", "ClusterRole", "r", {Subject("ServiceAccount", "agent")}));
  auto authz = Authz();
  auto sa_a = User("system:serviceaccount:a:agent", {"system:serviceaccounts"});
  auto sa_b = User("system:serviceaccount:b:agent", {"system:serviceaccounts"});
  EXPECT_TRUE(authz->Authorize(sa_a, Res("get", "", "configmaps", "a", "c")).ok());
  EXPECT_FALSE(authz->Authorize(sa_a, Res("get", "", "configmaps", "b", "c")).ok());
  EXPECT_TRUE(authz->Authorize(sa_b, Res("get", "", "configmaps", "b", "c")).ok());
  EXPECT_FALSE(authz->Authorize(sa_b, Res("get", "", "configmaps", "a", "c")).ok());
}

TEST_F(RbacTest, SystemMastersAndAuthenticatedGroup) {
  auto authz = Authz();
  EXPECT_TRUE(
      authz->Authorize(User("root", {"system:masters"}), Res("delete", "", "secrets")).ok());
  Put(model::ClusterRoleType(), RoleJson("", "disc", {U({"/version"}, {"get"})}));
  Put(model::ClusterRoleBindingType(),
      BindingJson("", "disc", "ClusterRole", "disc", {Subject("Group", "system:authenticated")}));
  // Every authenticated user is in system:authenticated, listed or not.
  EXPECT_TRUE(authz->Authorize(User("nobody"), Url("get", "/version")).ok());
  http::UserInfo anonymous{"system:anonymous", "", {}, false};
  EXPECT_FALSE(authz->Authorize(anonymous, Url("get", "/version")).ok());
}

TEST_F(RbacTest, MissingRoleIsTheDenialsReason) {
  Put(model::RoleBindingType(), BindingJson("a", "b", "Role", "gone", {Subject("User", "u")}));
  auto authz = Authz();
  Status s = authz->Authorize(User("u"), Res("get", "", "secrets", "a", "x"));
  EXPECT_EQ(s.message(),
            "secrets \"x\" is forbidden: User \"u\" cannot get resource \"secrets\" in API group "
            "\"\" in the namespace \"a\": RBAC: role.rbac.authorization.k8s.io \"gone\" not found");
}

TEST_F(RbacTest, StoreErrorsDenyAndRecover) {
  Put(model::ClusterRoleType(), RoleJson("", "r", {R({""}, {"configmaps"}, {"get"})}));
  Put(model::ClusterRoleBindingType(),
      BindingJson("", "b", "ClusterRole", "r", {Subject("User", "u")}));
  store::testing::FaultyStore faulty(*store_);
  faulty.FailAlways(store::testing::Op::kList, "", Unavailable("database is locked"));
  EXPECT_FALSE(RbacAuthorizer::Create(faulty).ok());

  faulty.SetRule(nullptr);
  RbacAuthorizer::Options o;
  o.retry_interval = std::chrono::milliseconds(0);
  auto made = RbacAuthorizer::Create(faulty, o);
  ASSERT_TRUE(made.ok());
  auto& authz = **made;
  auto get = Res("get", "", "configmaps", "n", "c");
  EXPECT_TRUE(authz.Authorize(User("u"), get).ok());
  // The watch breaks and the re-list fails: deny, never allow on a stale index.
  faulty.SetRule([](const store::testing::Call& c) -> std::optional<Status> {
    if (c.op == store::testing::Op::kWatchNext) return Gone("fell behind");
    if (c.op == store::testing::Op::kList) return Unavailable("database is locked");
    return std::nullopt;
  });
  Status s = authz.Authorize(User("u"), get);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("authorization data unavailable"), std::string::npos) << s.message();
  EXPECT_FALSE(authz.stats().healthy);
  EXPECT_TRUE(authz.Authorize(User("x", {"system:masters"}), get).ok());
  faulty.SetRule(nullptr);
  EXPECT_TRUE(authz.Authorize(User("u"), get).ok());
  EXPECT_TRUE(authz.stats().healthy);
}

TEST_F(RbacTest, BootstrapCreatesReconcilesAndRespectsAutoupdateFalse) {
  ASSERT_TRUE(BootstrapRoles(*store_).ok());
  auto edit = store_->Get(model::ClusterRoleType(), "", kEditRole);
  ASSERT_TRUE(edit.ok());
  // A user removes a rule and adds one: bootstrap restores the missing one and keeps theirs.
  auto changed =
      store::Mutate(*store_, model::ClusterRoleType(), "", kEditRole, false, [](Json& o) {
        o["rules"].erase(o["rules"].begin());
        o["rules"].push_back(R({"example.com"}, {"widgets"}, {"get"}).ToJson());
        return true;
      });
  ASSERT_TRUE(changed.ok());
  ASSERT_TRUE(BootstrapRoles(*store_).ok());
  auto after = store_->Get(model::ClusterRoleType(), "", kEditRole);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)["rules"].size(), (*edit)["rules"].size() + 1);
  // autoupdate "false": left alone.
  auto off = store::Mutate(*store_, model::ClusterRoleType(), "", kViewRole, false, [](Json& o) {
    o["metadata"]["annotations"][kAutoupdateAnnotation] = "false";
    o["rules"] = Json::array();
    return true;
  });
  ASSERT_TRUE(off.ok());
  ASSERT_TRUE(BootstrapRoles(*store_).ok());
  auto view = store_->Get(model::ClusterRoleType(), "", kViewRole);
  EXPECT_TRUE((*view)["rules"].empty());
}

// fleet-registration once granted get on clusterregistrations and on every Secret of its
// namespace: a server upgraded from then drops those rules and keeps the ones a user added.
TEST_F(RbacTest, BootstrapRemovesRetiredRegistrationRules) {
  Json old = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
              {"kind", "ClusterRole"},
              {"metadata", {{"name", kRegistrationRole}}},
              {"rules",
               {R({"fleet.cattle.io"}, {"clusterregistrations"}, {"create", "get"}).ToJson(),
                R({""}, {"secrets"}, {"get"}).ToJson(),
                R({"example.com"}, {"widgets"}, {"get"}).ToJson()}}};
  ASSERT_TRUE(store_->Create(model::ClusterRoleType(), old).ok());
  ASSERT_TRUE(BootstrapRoles(*store_).ok());
  auto role = store_->Get(model::ClusterRoleType(), "", kRegistrationRole);
  ASSERT_TRUE(role.ok());
  ASSERT_EQ((*role)["rules"].size(), 2u) << (*role)["rules"].dump();
  EXPECT_EQ(PolicyRule::FromJson((*role)["rules"][0]), R({"example.com"}, {"widgets"}, {"get"}));
  EXPECT_EQ(PolicyRule::FromJson((*role)["rules"][1]),
            R({"fleet.cattle.io"}, {"clusterregistrations"}, {"create"}));
}

// The built-in roles mean what README says, through real bindings.
TEST_F(RbacTest, BuiltInRoles) {
  ASSERT_TRUE(BootstrapRoles(*store_).ok());
  auto bind = [&](const std::string& ns, const std::string& role, const std::string& user) {
    Put(ns.empty() ? model::ClusterRoleBindingType() : model::RoleBindingType(),
        BindingJson(ns, role + "-" + user, "ClusterRole", role, {Subject("User", user)}));
  };
  bind("", kViewRole, "viewer");
  bind("", kEditRole, "editor");
  bind("", kAdminRole, "admin");
  bind("", kClusterAdminRole, "root");
  bind("cluster-ns", kBundleDeploymentAgentRole, "agent");
  bind("", kContentReaderRole, "agent");
  bind("reg", kRegistrationRole, "registrant");
  auto authz = Authz();
  struct Row {
    std::string user;
    RequestAttributes attrs;
    bool allowed;
  };
  const std::vector<Row> rows = {
      {"viewer", Res("list", kF, "gitrepos"), true},
      {"viewer", Res("watch", kF, "bundledeployments", "x"), true},
      {"viewer", Res("get", "", "configmaps", "x", "c"), true},
      {"viewer", Res("get", "", "secrets", "x", "s"), false},
      {"viewer", Res("list", "", "secrets", "x"), false},
      {"viewer", Res("create", kF, "gitrepos", "x"), false},
      {"editor", Res("create", kF, "gitrepos", "x"), true},
      {"editor", Res("update", kF, "gitrepos", "x", "g", "status"), true},
      {"editor", Res("get", "", "secrets", "x", "s"), true},
      {"editor", Res("create", "", "serviceaccounts", "x", "sa", "token"), true},
      {"editor", Res("list", "rbac.authorization.k8s.io", "rolebindings", "x"), false},
      {"admin", Res("list", "rbac.authorization.k8s.io", "rolebindings", "x"), true},
      {"admin", Res("create", "rbac.authorization.k8s.io", "rolebindings", "x"), false},
      {"admin", Res("create", "rbac.authorization.k8s.io", "clusterrolebindings"), false},
      {"admin", Res("create", "", "namespaces"), false},
      {"root", Res("create", "rbac.authorization.k8s.io", "clusterrolebindings"), true},
      {"root", Url("get", "/metrics"), true},
      {"agent", Res("watch", kF, "bundledeployments", "cluster-ns"), true},
      {"agent", Res("patch", kF, "bundledeployments", "cluster-ns", "bd", "status"), true},
      {"agent", Res("update", kF, "bundledeployments", "cluster-ns", "bd"), true},  // its finalizer
      {"agent", Res("watch", kF, "bundledeployments", "other-ns"), false},
      {"agent", Res("list", kF, "bundledeployments"), false},
      {"agent", Res("get", "", "secrets", "cluster-ns", "values"), true},
      {"agent", Res("get", "", "secrets", "other-ns", "values"), false},
      {"agent", Res("get", kF, "contents", "", "s-abc"), true},
      {"agent", Res("list", kF, "contents"), false},
      {"agent", Res("list", kF, "gitrepos", "cluster-ns"), false},
      {"registrant", Res("create", kF, "clusterregistrations", "reg"), true},
      {"registrant", Res("get", kF, "clusterregistrations", "reg", "r"), false},
      {"registrant", Res("list", kF, "clusterregistrations", "reg"), false},
      {"registrant", Res("get", "", "secrets", "reg", "s"), false},
      {"registrant", Res("get", "", "secrets", "fleet-default", "s"), false},
      {"registrant", Res("create", kF, "clusterregistrations", "fleet-default"), false},
      // Everyone authenticated: discovery and access reviews.
      {"nobody", Url("get", "/apis/fleet.cattle.io/v1alpha1"), true},
      {"nobody", Url("get", "/api"), true},
      {"nobody", Url("get", "/metrics"), false},
      {"nobody", Res("create", "authorization.k8s.io", "selfsubjectaccessreviews"), true},
      {"nobody", Res("create", "authorization.k8s.io", "subjectaccessreviews"), false},
  };
  for (const Row& row : rows) {
    Status s = authz->Authorize(User(row.user), row.attrs);
    EXPECT_EQ(s.ok(), row.allowed) << row.user << ": " << ForbiddenMessage(row.user, row.attrs);
  }
}

// Decisions from several threads while bindings are created and deleted: every decision is
// either the old or the new answer, and once the writer is done every reader sees the final
// state on its next request (no lost update, no stale index).
TEST_F(RbacTest, ConcurrentDecisionsWhileBindingsChange) {
  Put(model::ClusterRoleType(), RoleJson("", "r", {R({""}, {"configmaps"}, {"get"})}));
  auto authz = Authz();
  const int kBindings = 200;
  std::atomic<bool> done{false};
  std::atomic<int64_t> decisions{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      while (!done.load()) {
        for (int i = t; i < kBindings; i += 4) {
          std::string ns = fmt::format("ns-{}", i);
          (void)authz->Authorize(User("u-" + std::to_string(i)),
                                 Res("get", "", "configmaps", ns, "c"));
          decisions++;
        }
      }
    });
  }
  for (int i = 0; i < kBindings; ++i) {
    std::string ns = fmt::format("ns-{}", i);
    Put(model::RoleBindingType(),
        BindingJson(ns, "b", "ClusterRole", "r", {Subject("User", "u-" + std::to_string(i))}));
    if (i % 2 == 1) {
      ASSERT_TRUE(store_->Delete(model::RoleBindingType(), ns, "b").ok());
    }
  }
  done = true;
  for (auto& r : readers) r.join();
  for (int i = 0; i < kBindings; ++i) {
    std::string ns = fmt::format("ns-{}", i);
    EXPECT_EQ(
        authz->Authorize(User("u-" + std::to_string(i)), Res("get", "", "configmaps", ns, "c"))
            .ok(),
        i % 2 == 0)
        << i;
  }
  EXPECT_GT(decisions.load(), 0);
  EXPECT_EQ(authz->stats().role_bindings, static_cast<size_t>(kBindings / 2));
}

// 10,000 agents' bindings: every decision stays an index lookup. Prints the time per decision
// (no limit asserted: wall-clock limits do not belong in unit tests).
TEST_F(RbacTest, TenThousandAgentsBindings) {
  ASSERT_TRUE(BootstrapRoles(*store_).ok());
  const int n = 10000;
  for (int i = 0; i < n; ++i) {
    std::string ns = fmt::format("cluster-{}", i);
    Put(model::RoleBindingType(),
        BindingJson(ns, "agent", "ClusterRole", kBundleDeploymentAgentRole,
                    {Subject("ServiceAccount", "agent", ns)}));
  }
  auto authz = Authz();
  EXPECT_EQ(authz->stats().role_bindings, static_cast<size_t>(n));
  auto start = std::chrono::steady_clock::now();
  int allowed = 0;
  for (int i = 0; i < n; ++i) {
    std::string ns = fmt::format("cluster-{}", i);
    auto user = User("system:serviceaccount:" + ns + ":agent", {"system:serviceaccounts"});
    allowed += authz->Authorize(user, Res("watch", kF, "bundledeployments", ns)).ok();
    allowed += authz->Authorize(user, Res("watch", kF, "bundledeployments", "cluster-x")).ok();
  }
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  EXPECT_EQ(allowed, n);
  std::printf("RBAC: %d decisions over %d bindings in %lld us (%.2f us each)\n", 2 * n, n,
              static_cast<long long>(us), static_cast<double>(us) / (2 * n));
}

}  // namespace
}  // namespace flotilla::auth
