#include "agent/directory/directory_applier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <thread>

#include "agent/directory/test_util.h"
#include "core/yaml.h"

namespace flotilla::agent::directory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using namespace testutil;  // NOLINT: the helpers of test_util.h

class DirectoryApplierTest : public ::testing::Test {
 protected:
  std::unique_ptr<DirectoryApplier> Open() {
    DirectoryApplierOptions o;
    o.apply_dir = dir_.apply_dir();
    o.sync = false;
    o.fault_hook = [this](std::string_view step, std::string_view path) {
      std::lock_guard<std::mutex> l(mutations_mu_);  // called from concurrent Applies
      mutations_.push_back(std::string(step) + " " + std::string(path));
      return Status::Ok();
    };
    auto a = DirectoryApplier::Open(std::move(o));
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? std::move(*a) : nullptr;
  }
  std::map<std::string, std::string> Tree() { return Snapshot(dir_.apply_dir()); }
  std::filesystem::path Root() { return dir_.apply_dir(); }

  TempDir dir_;
  std::mutex mutations_mu_;
  std::vector<std::string> mutations_;
};

TEST_F(DirectoryApplierTest, CreatesOneYamlFilePerObject) {
  auto a = Open();
  std::vector<Json> objs = {ConfigMap("default", "cfg", "1"), Deployment("prod", "web", 2),
                            Namespace("prod")};
  auto r = a->Apply("fleet-local/app", objs, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->objects, 3);
  EXPECT_EQ(r->applied_hash.size(), 64u);
  EXPECT_THAT(r->pruned, IsEmpty());
  auto tree = Tree();
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_EQ(tree["default/configmap/cfg.yaml"], ToYaml(objs[0]));
  EXPECT_EQ(tree["prod/deployment.apps/web.yaml"], ToYaml(objs[1]));
  EXPECT_EQ(tree["_cluster/namespace/prod.yaml"], ToYaml(objs[2]));
  EXPECT_EQ(tree["default/configmap/cfg.yaml"],
            "apiVersion: v1\ndata:\n  key: \"1\"\nkind: ConfigMap\nmetadata:\n  name: cfg\n"
            "  namespace: default\n");
  EXPECT_THAT(a->Deployments(), ElementsAre("fleet-local/app"));
  EXPECT_TRUE(std::filesystem::exists(Root() / ".flotilla/inventory/fleet-local%2Fapp.json"));
}

TEST_F(DirectoryApplierTest, HashIgnoresOrderAndFollowsContent) {
  auto a = Open();
  auto h1 = a->Apply("d", {ConfigMap("default", "a", "1"), ConfigMap("default", "b", "1")}, {});
  auto h2 = a->Apply("d", {ConfigMap("default", "b", "1"), ConfigMap("default", "a", "1")}, {});
  auto h3 = a->Apply("d", {ConfigMap("default", "b", "1"), ConfigMap("default", "a", "2")}, {});
  ASSERT_TRUE(h1.ok() && h2.ok() && h3.ok());
  EXPECT_EQ(h1->applied_hash, h2->applied_hash);
  EXPECT_NE(h1->applied_hash, h3->applied_hash);
}

TEST_F(DirectoryApplierTest, UpdateRewritesOnlyChangedFiles) {
  auto a = Open();
  ASSERT_TRUE(
      a->Apply("d", {ConfigMap("default", "a", "1"), ConfigMap("default", "b", "1")}, {}).ok());
  mutations_.clear();
  ASSERT_TRUE(
      a->Apply("d", {ConfigMap("default", "a", "2"), ConfigMap("default", "b", "1")}, {}).ok());
  EXPECT_THAT(mutations_,
              ElementsAre("write default/configmap/a.yaml", "rename default/configmap/a.yaml",
                          "write .flotilla/inventory/d.json", "rename .flotilla/inventory/d.json"));
  EXPECT_EQ(Tree()["default/configmap/a.yaml"], ToYaml(ConfigMap("default", "a", "2")));
}

TEST_F(DirectoryApplierTest, ReApplyingTheSameObjectsWritesNothing) {
  auto a = Open();
  std::vector<Json> objs = {ConfigMap("default", "a", "1"), Deployment("default", "w", 1)};
  auto first = a->Apply("d", objs, {});
  ASSERT_TRUE(first.ok());
  mutations_.clear();
  auto second = a->Apply("d", objs, {});
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(mutations_, IsEmpty());
  EXPECT_EQ(first->applied_hash, second->applied_hash);
}

TEST_F(DirectoryApplierTest, DriftIsCorrected) {
  auto a = Open();
  ASSERT_TRUE(a->Apply("d", {ConfigMap("default", "a", "1")}, {}).ok());
  std::ofstream(Root() / "default/configmap/a.yaml") << "edited by hand\n";
  ASSERT_TRUE(a->Apply("d", {ConfigMap("default", "a", "1")}, {}).ok());
  EXPECT_EQ(Tree()["default/configmap/a.yaml"], ToYaml(ConfigMap("default", "a", "1")));
}

TEST_F(DirectoryApplierTest, PrunesObjectsThatLeftTheSetAndTidiesDirectories) {
  auto a = Open();
  ASSERT_TRUE(
      a->Apply("d", {ConfigMap("default", "a", "1"), Deployment("other", "w", 1)}, {}).ok());
  auto r = a->Apply("d", {ConfigMap("default", "a", "1")}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->pruned, ElementsAre("Deployment other/w"));
  EXPECT_THAT(Tree(), ElementsAre(::testing::Key("default/configmap/a.yaml")));
  EXPECT_FALSE(std::filesystem::exists(Root() / "other"));
}

TEST_F(DirectoryApplierTest, KeepResourcesReleasesInsteadOfPruning) {
  auto a = Open();
  ApplyOptions keep{.keep_resources = true};
  ASSERT_TRUE(
      a->Apply("d", {ConfigMap("default", "a", "1"), ConfigMap("default", "b", "1")}, keep).ok());
  auto r = a->Apply("d", {ConfigMap("default", "a", "1")}, keep);
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->pruned, IsEmpty());
  EXPECT_EQ(Tree().size(), 2u);
  // b is no longer owned: another deployment may take it over.
  EXPECT_TRUE(a->Apply("other", {ConfigMap("default", "b", "2")}, {}).ok());
  // Removing a keep-resources deployment leaves its objects.
  ASSERT_TRUE(a->Remove("d").ok());
  EXPECT_EQ(Tree().size(), 2u);
  EXPECT_THAT(a->Deployments(), ElementsAre("other"));
}

TEST_F(DirectoryApplierTest, RemoveDeletesEverythingTheDeploymentApplied) {
  auto a = Open();
  ASSERT_TRUE(a->Apply("d1", {ConfigMap("default", "a", "1"), Namespace("x")}, {}).ok());
  ASSERT_TRUE(a->Apply("d2", {ConfigMap("default", "b", "1")}, {}).ok());
  ASSERT_TRUE(a->Remove("d1").ok());
  EXPECT_THAT(Tree(), ElementsAre(::testing::Key("default/configmap/b.yaml")));
  EXPECT_THAT(a->Deployments(), ElementsAre("d2"));
  EXPECT_TRUE(a->Remove("d1").ok());          // idempotent
  EXPECT_TRUE(a->Remove("never-seen").ok());  // nothing applied: nothing to do
}

TEST_F(DirectoryApplierTest, TwoDeploymentsCannotOwnOneObject) {
  auto a = Open();
  ASSERT_TRUE(a->Apply("fleet-local/one", {ConfigMap("default", "shared", "1")}, {}).ok());
  auto r = a->Apply("fleet-local/two",
                    {ConfigMap("default", "mine", "2"), ConfigMap("default", "shared", "2")}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.status().message(),
            "ConfigMap default/shared is already applied by deployment \"fleet-local/one\"; "
            "deployment \"fleet-local/two\" cannot also own it");
  EXPECT_EQ(Tree().size(), 1u);  // nothing of "two" was written
  EXPECT_EQ(Tree()["default/configmap/shared.yaml"], ToYaml(ConfigMap("default", "shared", "1")));
  ASSERT_TRUE(a->Remove("fleet-local/one").ok());
  EXPECT_TRUE(a->Apply("fleet-local/two", {ConfigMap("default", "shared", "2")}, {}).ok());
}

TEST_F(DirectoryApplierTest, RejectsDuplicatesAndHostileObjectsWithoutWriting) {
  auto a = Open();
  auto dup = a->Apply("d", {ConfigMap("default", "a", "1"), ConfigMap("default", "a", "2")}, {});
  EXPECT_EQ(dup.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(dup.status().message(), HasSubstr("ConfigMap default/a (v1) appears twice"));

  Json evil = ConfigMap("default", "../../../etc/passwd", "x");
  auto r = a->Apply("ns/bd", {ConfigMap("default", "fine", "1"), evil}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("deployment \"ns/bd\": object 2 of 2: metadata.name "
                                              "\"../../../etc/passwd\" is not a valid object "
                                              "name"));
  Json evil_ns = ConfigMap("../..", "x", "x");
  EXPECT_FALSE(a->Apply("ns/bd", {evil_ns}, {}).ok());
  Json evil_kind = ConfigMap("default", "x", "x");
  evil_kind["kind"] = "../../x";
  EXPECT_FALSE(a->Apply("ns/bd", {evil_kind}, {}).ok());
  EXPECT_THAT(Tree(), IsEmpty());
  EXPECT_THAT(mutations_, IsEmpty());
  // Nothing appeared next to the apply dir either.
  std::vector<std::string> siblings;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    siblings.push_back(e.path().filename().string());
  }
  EXPECT_THAT(siblings, ElementsAre("apply"));
}

TEST_F(DirectoryApplierTest, InventoryAndOwnershipSurviveARestart) {
  {
    auto a = Open();
    ASSERT_TRUE(
        a->Apply("d1", {ConfigMap("default", "a", "1"), ConfigMap("default", "b", "1")}, {}).ok());
  }
  auto a = Open();
  EXPECT_THAT(a->Deployments(), ElementsAre("d1"));
  EXPECT_EQ(a->Apply("d2", {ConfigMap("default", "a", "2")}, {}).status().code(),
            StatusCode::kAlreadyExists);
  auto r = a->Apply("d1", {ConfigMap("default", "a", "1")}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->pruned, ElementsAre("ConfigMap default/b"));
  EXPECT_THAT(Tree(), ElementsAre(::testing::Key("default/configmap/a.yaml")));
}

TEST_F(DirectoryApplierTest, OneApplierPerApplyDir) {
  auto a = Open();
  DirectoryApplierOptions o;
  o.apply_dir = dir_.apply_dir();
  auto b = DirectoryApplier::Open(o);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(b.status().message(), HasSubstr("in use by another flotilla applier"));
  a.reset();
  EXPECT_TRUE(DirectoryApplier::Open(o).ok());
}

TEST_F(DirectoryApplierTest, AdoptsUnownedFilesAndSweepsTemporaries) {
  std::filesystem::create_directories(Root() / "default/configmap");
  std::ofstream(Root() / "default/configmap/a.yaml") << "made by hand\n";
  std::ofstream(Root() / "default/configmap/.b.yaml.flotilla-tmp") << "half";
  auto a = Open();
  EXPECT_FALSE(std::filesystem::exists(Root() / "default/configmap/.b.yaml.flotilla-tmp"));
  ASSERT_TRUE(a->Apply("d", {ConfigMap("default", "a", "1")}, {}).ok());
  EXPECT_EQ(Tree()["default/configmap/a.yaml"], ToYaml(ConfigMap("default", "a", "1")));
}

TEST_F(DirectoryApplierTest, RefusesToStartOnACorruptInventory) {
  { auto a = Open(); }
  std::ofstream(Root() / ".flotilla/inventory/x.json") << "{not json";
  DirectoryApplierOptions o;
  o.apply_dir = dir_.apply_dir();
  auto a = DirectoryApplier::Open(o);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(), HasSubstr("x.json is unreadable"));
}

TEST_F(DirectoryApplierTest, RejectsAnInventoryThatPointsOutside) {
  { auto a = Open(); }
  Json inv = {{"apiVersion", "flotilla.io/v1"},
              {"kind", "Inventory"},
              {"deployment", "x"},
              {"objects", {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "../../x"}}}}};
  std::ofstream(Root() / ".flotilla/inventory/x.json") << inv.dump();
  DirectoryApplierOptions o;
  o.apply_dir = dir_.apply_dir();
  auto a = DirectoryApplier::Open(o);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(), HasSubstr("not a valid object name"));
}

TEST_F(DirectoryApplierTest, ConcurrentDeploymentsShareDirectoriesSafely) {
  auto a = Open();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::string id = "d" + std::to_string(t);
      for (int round = 0; round < 30; ++round) {
        std::vector<Json> objs;
        for (int i = 0; i <= round % 3; ++i) {
          objs.push_back(ConfigMap("ns" + std::to_string(i), id + "-" + std::to_string(i),
                                   std::to_string(round)));
        }
        if (!a->Apply(id, objs, {}).ok()) failures++;
        if (round % 5 == 4 && !a->Remove(id).ok()) failures++;
      }
      if (!a->Remove(id).ok()) failures++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT(Tree(), IsEmpty());
  EXPECT_THAT(a->Deployments(), IsEmpty());
}

}  // namespace
}  // namespace flotilla::agent::directory
