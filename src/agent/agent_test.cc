// The agent never acts destructively on a transient error: only a confirmed NotFound of the
// BundleDeployment (or its deletion) removes what it deployed; every other error is returned for
// a retry with backoff, the status report included. It reads manifests from the Content its
// deployment names, never from the Bundle.
#include "agent/agent.h"

#include <gtest/gtest.h>

#include <map>

#include "model/content.h"
#include "model/resource_type.h"
#include "store/testing/faulty_store.h"
#include "target/bundle_controller.h"

namespace flotilla::agent {
namespace {

using store::testing::Op;

// Records what the agent asks of the cluster.
class RecordingApplier : public Applier {
 public:
  std::map<std::string, std::vector<Json>> applied;
  int applies = 0, removes = 0;
  StatusOr<ApplyResult> Apply(const std::string& id, const std::vector<Json>& objects,
                              const ApplyOptions&) override {
    applies++;
    applied[id] = objects;
    ApplyResult r;
    r.objects = static_cast<int>(objects.size());
    return r;
  }
  Status Remove(const std::string& id) override {
    removes++;
    applied.erase(id);
    return Status::Ok();
  }
};

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore("sqlite://:memory:");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    faulty_ = std::make_unique<store::testing::FaultyStore>(*store_);
    Json cluster = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
                    {"kind", "Cluster"},
                    {"metadata", {{"name", "local"}, {"namespace", "fleet-local"}}}};
    ASSERT_TRUE(store_->Create(model::ClusterType(), cluster).ok());
    Json bundle = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
                   {"kind", "Bundle"},
                   {"metadata", {{"name", "app"}, {"namespace", "fleet-local"}}},
                   {"spec",
                    {{"resources",
                      {{{"name", "cm.yaml"},
                        {"content",
                         "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: "
                         "default\ndata:\n  k: v\n"}}}}}}};
    ASSERT_TRUE(store_->Create(model::BundleType(), bundle).ok());
    target::BundleController bundles(*store_);
    ASSERT_TRUE(bundles.Reconcile("fleet-local/app").error.ok());
    agent_ = std::make_unique<Agent>(*faulty_, applier_, AgentOptions{});
    key_ = agent_->deployment_namespace() + "/app";
    // Deployed and reported.
    queue::Result r = agent_->Reconcile(key_);
    ASSERT_TRUE(r.error.ok()) << r.error.ToString();
    ASSERT_EQ(applier_.applied[key_].size(), 1u);
    ASSERT_TRUE(BdStatus().value("ready", false));
  }

  Json BdStatus() {
    auto bd = store_->Get(model::BundleDeploymentType(), agent_->deployment_namespace(), "app");
    EXPECT_TRUE(bd.ok()) << bd.status().ToString();
    return bd.ok() ? bd->value("status", Json::object()) : Json::object();
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::testing::FaultyStore> faulty_;
  RecordingApplier applier_;
  std::unique_ptr<Agent> agent_;
  std::string key_;
};

TEST_F(AgentTest, AnUnavailableContentRemovesNothingAndIsRetried) {
  faulty_->FailAlways(Op::kGet, "Content", Unavailable("injected: connection refused"));
  queue::Result r = agent_->Reconcile(key_);
  EXPECT_EQ(r.error.code(), StatusCode::kUnavailable) << "retried with backoff";
  EXPECT_EQ(applier_.removes, 0);
  EXPECT_EQ(applier_.applied[key_].size(), 1u);
  faulty_->SetRule(nullptr);
  EXPECT_TRUE(agent_->Reconcile(key_).error.ok());
  EXPECT_EQ(applier_.removes, 0);
}

TEST_F(AgentTest, AnUnreadableBundleDeploymentRemovesNothing) {
  for (Status s : {Unavailable("injected"), DeadlineExceeded("injected"), Internal("injected")}) {
    faulty_->FailAlways(Op::kGet, "BundleDeployment", s);
    queue::Result r = agent_->Reconcile(key_);
    EXPECT_EQ(r.error.code(), s.code());
    EXPECT_EQ(applier_.removes, 0);
  }
}

TEST_F(AgentTest, AContentThatIsReallyGoneWaitsForTheDeploymentsDeletion) {
  auto bd = store_->Get(model::BundleDeploymentType(), agent_->deployment_namespace(), "app");
  ASSERT_TRUE(bd.ok());
  const std::string content = model::ContentName((*bd)["spec"]["deploymentID"].get<std::string>());
  ASSERT_TRUE(store_->Delete(model::ContentType(), "", content).ok());
  queue::Result r = agent_->Reconcile(key_);
  EXPECT_TRUE(r.error.ok());
  EXPECT_GT(r.after.count(), 0);  // the deployment moves on or is deleted; then we act
  EXPECT_EQ(applier_.removes, 0);
  ASSERT_TRUE(
      store_->Delete(model::BundleDeploymentType(), agent_->deployment_namespace(), "app").ok());
  EXPECT_TRUE(agent_->Reconcile(key_).error.ok());  // marked for deletion: the desired state
  EXPECT_EQ(applier_.removes, 1);
}

TEST_F(AgentTest, AFailedStatusReportIsRetried) {
  // A new version of the bundle: applied, but the report cannot be written.
  auto bundle = store_->Get(model::BundleType(), "fleet-local", "app");
  ASSERT_TRUE(bundle.ok());
  (*bundle)["spec"]["resources"][0]["content"] =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: default\ndata:\n  k: "
      "v2\n";
  ASSERT_TRUE(store_->Update(model::BundleType(), *bundle).ok());
  target::BundleController bundles(*store_);
  ASSERT_TRUE(bundles.Reconcile("fleet-local/app").error.ok());
  faulty_->FailAlways(Op::kUpdateStatus, "BundleDeployment", Unavailable("injected"));
  queue::Result r = agent_->Reconcile(key_);
  EXPECT_EQ(r.error.code(), StatusCode::kUnavailable) << "the queue retries an error";
  EXPECT_NE(BdStatus().value("appliedDeploymentID", ""), "");
  auto bd = store_->Get(model::BundleDeploymentType(), agent_->deployment_namespace(), "app");
  ASSERT_TRUE(bd.ok());
  EXPECT_NE(BdStatus()["appliedDeploymentID"], (*bd)["spec"]["deploymentID"]) << "not reported yet";
  // The retry, once the store answers, reports.
  faulty_->SetRule(nullptr);
  r = agent_->Reconcile(key_);
  EXPECT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_EQ(BdStatus()["appliedDeploymentID"], (*bd)["spec"]["deploymentID"]);
  EXPECT_TRUE(BdStatus().value("ready", false));
  EXPECT_EQ(applier_.removes, 0);
}

TEST_F(AgentTest, ReadsTheContentNotTheBundle) {
  // An agent may not read Bundles (Fleet's agent role): a denied Bundle read changes nothing.
  faulty_->FailAlways(Op::kGet, "Bundle",
                      Status(StatusCode::kPermissionDenied, "bundles is forbidden"));
  auto bd = store_->Get(model::BundleDeploymentType(), agent_->deployment_namespace(), "app");
  ASSERT_TRUE(bd.ok());
  Json changed = *bd;
  changed["spec"]["options"]["defaultNamespace"] = "other";  // a new deploymentID, same content
  changed["spec"]["deploymentID"] =
      model::ContentName((*bd)["spec"]["deploymentID"].get<std::string>()) + ":" + std::string(64, 'a');
  ASSERT_TRUE(store_->Update(model::BundleDeploymentType(), changed).ok());
  queue::Result r = agent_->Reconcile(key_);
  EXPECT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_EQ(BdStatus()["appliedDeploymentID"], changed["spec"]["deploymentID"]);
  EXPECT_EQ(applier_.applies, 2);
}

TEST_F(AgentTest, ATamperedContentIsAnErrorNotARemoval) {
  auto bd = store_->Get(model::BundleDeploymentType(), agent_->deployment_namespace(), "app");
  ASSERT_TRUE(bd.ok());
  auto content =
      store_->Get(model::ContentType(), "", model::ContentName((*bd)["spec"]["deploymentID"].get<std::string>()));
  ASSERT_TRUE(content.ok());
  (*content)["sha256sum"] = std::string(64, '0');
  ASSERT_TRUE(store_->Update(model::ContentType(), *content).ok());
  queue::Result r = agent_->Reconcile(key_);
  EXPECT_EQ(r.error.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(applier_.removes, 0);
  EXPECT_EQ(BdStatus()["display"]["state"], "ErrApplied");
}

}  // namespace
}  // namespace flotilla::agent
