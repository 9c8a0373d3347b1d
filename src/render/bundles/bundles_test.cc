#include "render/bundles/bundles.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace flotilla::render {
namespace {

namespace fs = std::filesystem;

class BundlesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("bundles_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& rel, const std::string& content) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << content;
  }
  fs::path root_;
};

TEST_F(BundlesTest, OneBundlePerPathWithRawResources) {
  Write("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n");
  Write("app/sub/svc.yml", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n");
  Write("app/README.md", "not a manifest");
  Write("app/.hidden/x.yaml", "garbage: [");
  Write("other/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n");
  auto tree = OpenDiskTree(root_.string());
  BuildOptions opts;
  opts.gitrepo_name = "demo";
  opts.ns = "fleet-local";
  opts.commit = "abc";
  opts.paths = {"app", "./other/"};
  auto bundles = BuildBundles(*tree, opts);
  ASSERT_TRUE(bundles.ok()) << bundles.status().ToString();
  ASSERT_EQ(bundles->size(), 2u);
  const Json& b = (*bundles)[0];
  EXPECT_EQ(b["metadata"]["name"], "demo-app");
  EXPECT_EQ(b["metadata"]["namespace"], "fleet-local");
  EXPECT_EQ(b["metadata"]["labels"]["fleet.cattle.io/repo-name"], "demo");
  ASSERT_EQ(b["spec"]["resources"].size(), 2u);
  EXPECT_EQ(b["spec"]["resources"][0]["name"], "cm.yaml");
  EXPECT_EQ(b["spec"]["resources"][1]["name"], "sub/svc.yml");
  EXPECT_EQ((*bundles)[1]["metadata"]["name"], "demo-other");
}

TEST_F(BundlesTest, MalformedYamlNamesBundleFileAndLine) {
  Write("deploy.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n");
  auto tree = OpenDiskTree(root_.string());
  BuildOptions opts;
  opts.gitrepo_name = "demo";
  auto bundles = BuildBundles(*tree, opts);
  ASSERT_FALSE(bundles.ok());
  EXPECT_NE(bundles.status().message().find("bundle \"demo\": deploy.yaml:"), std::string::npos)
      << bundles.status().message();
}

TEST_F(BundlesTest, MissingKindAndEscapingPathsAreRefused) {
  Write("x.yaml", "apiVersion: v1\nmetadata: {name: a}\n");
  auto tree = OpenDiskTree(root_.string());
  BuildOptions opts;
  opts.gitrepo_name = "demo";
  auto bundles = BuildBundles(*tree, opts);
  ASSERT_FALSE(bundles.ok());
  EXPECT_NE(bundles.status().message().find("x.yaml: object has no kind"), std::string::npos);
  opts.paths = {"../etc"};
  auto escaped = BuildBundles(*tree, opts);
  ASSERT_FALSE(escaped.ok());
  EXPECT_EQ(escaped.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(BundlesTest, ParseManifestsAppliesNamespaces) {
  Json resources = Json::array(
      {{{"name", "a.yaml"},
        {"content",
         "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: "
         "Namespace\nmetadata: {name: ns1}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: "
         "v1\n  kind: Secret\n  metadata: {name: s, namespace: keep}\n"}}});
  auto objs = ParseManifests(resources, {"dflt", ""});
  ASSERT_TRUE(objs.ok()) << objs.status().ToString();
  ASSERT_EQ(objs->size(), 3u);
  EXPECT_EQ((*objs)[0]["metadata"]["namespace"], "dflt");
  EXPECT_FALSE((*objs)[1]["metadata"].contains("namespace"));
  EXPECT_EQ((*objs)[2]["metadata"]["namespace"], "keep");
  auto forced = ParseManifests(resources, {"dflt", "forced"});
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ((*forced)[2]["metadata"]["namespace"], "forced");
}

TEST(BundleNameTest, HelmReleaseNameRules) {
  EXPECT_EQ(BundleName("demo", ""), "demo");
  EXPECT_EQ(BundleName("demo", "./apps/Web_UI/"), "demo-apps-web-ui");
  std::string longname = BundleName("a-very-long-gitrepo-name", std::string(60, 'x'));
  EXPECT_EQ(longname.size(), 53u);
}

}  // namespace
}  // namespace flotilla::render
