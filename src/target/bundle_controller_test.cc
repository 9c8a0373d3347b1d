// Targeting as Fleet does it: targetRestrictions gate, the first matching target (or all, with
// AllMatches) customizes the options, doNotDeploy skips, clusterGroup "default" stands for every
// cluster until such a group exists.
#include "target/bundle_controller.h"

#include <gtest/gtest.h>

#include "model/content.h"
#include "model/deployment.h"
#include "model/keys.h"
#include "model/names.h"
#include "model/resource_type.h"
#include "store/testing/faulty_store.h"

namespace flotilla::target {
namespace {

class ClusterOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore("sqlite://:memory:");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    AddCluster("prod-1", {{"env", "prod"}});
    AddCluster("dev-1", {{"env", "dev"}});
    AddCluster("edge-1", {{"env", "edge"}});
  }
  void AddCluster(const std::string& name, const Json& labels) {
    Json c = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
              {"kind", "Cluster"},
              {"metadata", {{"name", name}, {"namespace", "fleet-default"}, {"labels", labels}}}};
    auto r = store_->Create(model::ClusterType(), c);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    clusters_[name] = *r;
  }
  Json Bundle(const std::string& spec_json) {
    return {{"apiVersion", "fleet.cattle.io/v1alpha1"},
            {"kind", "Bundle"},
            {"metadata", {{"name", "b"}, {"namespace", "fleet-default"}}},
            {"spec", Json::parse(spec_json)}};
  }
  std::optional<Json> Options(const Json& bundle, const std::string& cluster) {
    auto o = ClusterOptions(*store_, bundle, clusters_[cluster]);
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    return o.ok() ? *o : std::nullopt;
  }
  std::unique_ptr<store::Store> store_;
  std::map<std::string, Json> clusters_;
};

TEST_F(ClusterOptionsTest, FirstMatchingCustomizationWinsAndDefaultGroupIsEveryCluster) {
  Json b = Bundle(R"({
    "defaultNamespace": "shop", "yaml": {"overlays": ["base"]},
    "targets": [
      {"name": "prod", "clusterSelector": {"matchLabels": {"env": "prod"}},
       "yaml": {"overlays": ["prod"]}, "namespaceLabels": {"tier": "prod"}},
      {"name": "prod-too", "clusterName": "prod-1", "defaultNamespace": "never"},
      {"name": "default", "clusterGroup": "default"}],
    "targetRestrictions": [{"name": "default", "clusterGroup": "default"}]})");
  auto prod = Options(b, "prod-1");
  ASSERT_TRUE(prod.has_value());
  EXPECT_EQ(*prod, Json::parse(R"({"defaultNamespace": "shop", "yaml": {"overlays": ["prod"]},
                                   "namespaceLabels": {"tier": "prod"}})"));
  auto dev = Options(b, "dev-1");
  ASSERT_TRUE(dev.has_value());
  EXPECT_EQ(*dev, Json::parse(R"({"defaultNamespace": "shop", "yaml": {"overlays": ["base"]}})"));
  EXPECT_NE(model::DeploymentId(b, *prod), model::DeploymentId(b, *dev));
}

TEST_F(ClusterOptionsTest, AllMatchesMergesEveryMatchingTargetInOrder) {
  Json b = Bundle(R"({
    "targetCustomizationMode": "AllMatches",
    "targets": [
      {"name": "a", "clusterSelector": {"matchLabels": {"env": "prod"}}, "defaultNamespace": "a",
       "namespaceLabels": {"x": "1"}},
      {"name": "b", "clusterName": "prod-1", "namespaceLabels": {"y": "2"}},
      {"name": "default", "clusterGroup": "default"}]})");
  auto o = Options(b, "prod-1");
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(*o,
            Json::parse(R"({"defaultNamespace": "a", "namespaceLabels": {"x": "1", "y": "2"}})"));
}

TEST_F(ClusterOptionsTest, RestrictionsGateAndDoNotDeploySkips) {
  Json b = Bundle(R"({
    "targets": [
      {"name": "prod", "clusterSelector": {"matchLabels": {"env": "prod"}}},
      {"name": "skip-edge", "clusterName": "edge-1", "doNotDeploy": true},
      {"clusterSelector": {"matchExpressions": [{"key": "env", "operator": "In",
                                                 "values": ["dev", "edge"]}]}}],
    "targetRestrictions": [
      {"clusterSelector": {"matchExpressions": [{"key": "env", "operator": "In",
                                                 "values": ["dev", "edge"]}]}}]})");
  EXPECT_FALSE(Options(b, "prod-1").has_value());  // a customization alone does not deploy
  EXPECT_FALSE(Options(b, "edge-1").has_value());  // doNotDeploy
  EXPECT_TRUE(Options(b, "dev-1").has_value());
}

TEST_F(ClusterOptionsTest, AnExistingDefaultGroupIsUsedAsDefined) {
  Json g = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
            {"kind", "ClusterGroup"},
            {"metadata", {{"name", "default"}, {"namespace", "fleet-default"}}},
            {"spec", {{"selector", {{"matchLabels", {{"env", "dev"}}}}}}}};
  ASSERT_TRUE(store_->Create(model::ClusterGroupType(), g).ok());
  Json b = Bundle(R"({"targets": [{"name": "default", "clusterGroup": "default"}],
                      "targetRestrictions": [{"name": "default", "clusterGroup": "default"}]})");
  EXPECT_TRUE(Options(b, "dev-1").has_value());
  EXPECT_FALSE(Options(b, "prod-1").has_value());
  // Bundles without targets (made before targets were written) go everywhere.
  EXPECT_TRUE(Options(Bundle("{}"), "prod-1").has_value());
}

// Never act destructively on a transient error: a ClusterGroup list that fails is an error, not
// "the cluster is not in the group", so the BundleDeployment (and the workloads its agent
// applied) stays and the reconcile is retried.
TEST_F(ClusterOptionsTest, AClusterGroupListFailureDoesNotDeleteTheBundleDeployment) {
  Json g = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
            {"kind", "ClusterGroup"},
            {"metadata", {{"name", "dev"}, {"namespace", "fleet-default"}}},
            {"spec", {{"selector", {{"matchLabels", {{"env", "dev"}}}}}}}};
  ASSERT_TRUE(store_->Create(model::ClusterGroupType(), g).ok());
  Json b = Bundle(R"({"targets": [{"name": "dev", "clusterGroup": "dev"}],
                      "targetRestrictions": [{"name": "dev", "clusterGroup": "dev"}]})");
  ASSERT_TRUE(store_->Create(model::BundleType(), b).ok());
  store::testing::FaultyStore faulty(*store_);
  BundleController controller(faulty);
  queue::Result r = controller.Reconcile("fleet-default/b");
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  const std::string bd_ns = model::ClusterNamespace("fleet-default", "dev-1");
  ASSERT_TRUE(store_->Get(model::BundleDeploymentType(), bd_ns, "b").ok());

  faulty.FailAlways(store::testing::Op::kList, "ClusterGroup",
                    Unavailable("injected: database is locked"));
  auto options = ClusterOptions(faulty, b, clusters_["dev-1"]);
  EXPECT_EQ(options.status().code(), StatusCode::kUnavailable);
  r = controller.Reconcile("fleet-default/b");
  EXPECT_EQ(r.error.code(), StatusCode::kUnavailable) << "retried with backoff";
  EXPECT_TRUE(store_->Get(model::BundleDeploymentType(), bd_ns, "b").ok())
      << "a transient error deleted the BundleDeployment";
  EXPECT_GT(faulty.injected(), 0);

  faulty.SetRule(nullptr);  // the store recovers: the same deployment, nothing else
  r = controller.Reconcile("fleet-default/b");
  EXPECT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_TRUE(store_->Get(model::BundleDeploymentType(), bd_ns, "b").ok());
  store::ListOptions lo;
  auto all = store_->List(model::BundleDeploymentType(), lo);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 1u);
}

// Cluster and ClusterGroup changes retarget their namespace's Bundles; a failed list is returned
// (and retried by the queue), never a dropped trigger.
TEST_F(ClusterOptionsTest, RetargetNamespaceReturnsListErrors) {
  ASSERT_TRUE(store_->Create(model::BundleType(), Bundle("{}")).ok());
  store::testing::FaultyStore faulty(*store_);
  std::vector<std::string> added;
  auto add = [&](const std::string& k) { added.push_back(k); };
  faulty.FailAlways(store::testing::Op::kList, "Bundle", Unavailable("injected"));
  EXPECT_EQ(RetargetNamespace(faulty, "fleet-default", add).error.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(added.empty());
  faulty.SetRule(nullptr);
  EXPECT_TRUE(RetargetNamespace(faulty, "fleet-default", add).error.ok());
  EXPECT_EQ(added, std::vector<std::string>{"fleet-default/b"});
}

// Contents: written before any BundleDeployment names them, collected once none does, never
// while one does.
TEST_F(ClusterOptionsTest, ContentIsWrittenFirstAndCollectedOnlyWhenUnreferenced) {
  std::vector<std::string> released;
  BundleController bc(*store_, [&](const std::string& c) { released.push_back(c); });
  Json b = Bundle(R"({"resources": [{"name": "a.yaml", "content": "kind: ConfigMap\n"}]})");
  ASSERT_TRUE(store_->Create(model::BundleType(), b).ok());
  ASSERT_TRUE(bc.Reconcile("fleet-default/b").error.ok());
  const std::string first = model::ContentId(b["spec"]["resources"]);
  auto content = store_->Get(model::ContentType(), "", first);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  auto resources = model::ContentResources(*content);
  ASSERT_TRUE(resources.ok());
  EXPECT_EQ(*resources, b["spec"]["resources"]);
  auto bd = store_->Get(model::BundleDeploymentType(),
                        model::ClusterNamespace("fleet-default", "dev-1"), "b");
  ASSERT_TRUE(bd.ok());
  EXPECT_EQ((*bd)["metadata"]["labels"][model::kContentNameLabel], first);
  // Referenced by three deployments: not collected.
  EXPECT_TRUE(bc.CollectContent(first).error.ok());
  EXPECT_TRUE(store_->Get(model::ContentType(), "", first).ok());
  // New resources: every deployment moves to a new Content; the old one is released, collected.
  auto cur = store_->Get(model::BundleType(), "fleet-default", "b");
  ASSERT_TRUE(cur.ok());
  (*cur)["spec"]["resources"][0]["content"] = "kind: ConfigMap\nmetadata: {name: x}\n";
  ASSERT_TRUE(store_->Update(model::BundleType(), *cur).ok());
  ASSERT_TRUE(bc.Reconcile("fleet-default/b").error.ok());
  ASSERT_FALSE(released.empty());
  EXPECT_EQ(released[0], first);
  const std::string second = model::ContentId((*cur)["spec"]["resources"]);
  EXPECT_TRUE(bc.CollectContent(second).error.ok());
  EXPECT_TRUE(store_->Get(model::ContentType(), "", second).ok()) << "still referenced";
  EXPECT_TRUE(bc.CollectContent(first).error.ok());
  EXPECT_EQ(store_->Get(model::ContentType(), "", first).status().code(), StatusCode::kNotFound);
  // A failed list of references deletes nothing and is retried.
  store::testing::FaultyStore faulty(*store_);
  faulty.FailAlways(store::testing::Op::kList, "BundleDeployment", Unavailable("injected"));
  BundleController flaky(faulty);
  EXPECT_EQ(flaky.CollectContent(second).error.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(store_->Get(model::ContentType(), "", second).ok());
}

}  // namespace
}  // namespace flotilla::target
