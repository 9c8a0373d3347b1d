#include "render/bundles/bundles.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace flotilla::render {
namespace {

namespace fs = std::filesystem;

ManifestOptions Opts(const std::string& dflt, const std::string& forced) {
  ManifestOptions mo;
  mo.default_namespace = dflt;
  mo.target_namespace = forced;
  return mo;
}

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

TEST_F(BundlesTest, OneBundlePerPathWithEveryFile) {
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
  EXPECT_EQ(b["metadata"]["labels"]["fleet.cattle.io/commit"], "abc");
  ASSERT_EQ(b["spec"]["resources"].size(), 3u);  // as Fleet: every non-hidden file
  EXPECT_EQ(b["spec"]["resources"][0]["name"], "README.md");
  EXPECT_EQ(b["spec"]["resources"][1]["name"], "cm.yaml");
  EXPECT_EQ(b["spec"]["resources"][2]["name"], "sub/svc.yml");
  EXPECT_EQ(b["spec"]["targets"], Json::parse(R"([{"name":"default","clusterGroup":"default"}])"));
  EXPECT_EQ((*bundles)[1]["metadata"]["name"], "demo-other");
}

TEST_F(BundlesTest, MalformedYamlNamesBundleFileAndLine) {
  Write("deploy.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n");
  auto tree = OpenDiskTree(root_.string());
  BuildOptions opts;
  opts.gitrepo_name = "demo";
  auto bundles = BuildBundles(*tree, opts);
  ASSERT_FALSE(bundles.ok());
  EXPECT_NE(bundles.status().message().find("bundle \"demo\" (.): deploy.yaml:"), std::string::npos)
      << bundles.status().message();
}

TEST_F(BundlesTest, KindWithoutApiVersionAndEscapingPathsAreRefused) {
  Write("x.yaml", "kind: ConfigMap\nmetadata: {name: a}\n");
  auto tree = OpenDiskTree(root_.string());
  BuildOptions opts;
  opts.gitrepo_name = "demo";
  auto bundles = BuildBundles(*tree, opts);
  ASSERT_FALSE(bundles.ok());
  EXPECT_NE(bundles.status().message().find("x.yaml: ConfigMap object has no apiVersion"),
            std::string::npos)
      << bundles.status().message();
  for (std::string p : {"../etc", "a/../../etc"}) {
    opts.paths = {p};
    auto escaped = BuildBundles(*tree, opts);
    ASSERT_FALSE(escaped.ok()) << p;
    EXPECT_EQ(escaped.status().code(), StatusCode::kInvalidArgument) << p;
  }
}

TEST_F(BundlesTest, SymlinksOutOfTheRepositoryAreRefused) {
  fs::path outside = root_.string() + "_outside";
  fs::create_directories(outside);
  std::ofstream(outside / "secret.yaml") << "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n";
  fs::create_directories(root_ / "repo/app");
  std::ofstream(root_ / "repo/app/cm.yaml")
      << "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";
  fs::create_symlink(outside / "secret.yaml", root_ / "repo/app/leak.yaml");
  auto tree = OpenDiskTree((root_ / "repo").string());
  BuildOptions opts;
  opts.gitrepo_name = "demo";
  opts.paths = {"app"};
  auto bundles = BuildBundles(*tree, opts);
  fs::remove_all(outside);
  ASSERT_FALSE(bundles.ok());
  EXPECT_NE(bundles.status().message().find("bundle \"demo-app\" (app)"), std::string::npos)
      << bundles.status().message();
  EXPECT_NE(bundles.status().message().find("app/leak.yaml"), std::string::npos)
      << bundles.status().message();
  EXPECT_NE(bundles.status().message().find("outside the repository"), std::string::npos)
      << bundles.status().message();
}

TEST_F(BundlesTest, ParseManifestsAppliesNamespaces) {
  Json resources = Json::array(
      {{{"name", "a.yaml"},
        {"content",
         "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: "
         "Namespace\nmetadata: {name: ns1}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: "
         "v1\n  kind: Secret\n  metadata: {name: s, namespace: keep}\n"}}});
  auto objs = ParseManifests(resources, Opts("dflt", ""));
  ASSERT_TRUE(objs.ok()) << objs.status().ToString();
  ASSERT_EQ(objs->size(), 3u);
  EXPECT_EQ((*objs)[0]["metadata"]["namespace"], "dflt");
  EXPECT_FALSE((*objs)[1]["metadata"].contains("namespace"));
  EXPECT_EQ((*objs)[2]["metadata"]["namespace"], "keep");
  // With `namespace` (targetNamespace) cluster-scoped objects are refused, as in Fleet.
  auto refused = ParseManifests(resources, Opts("dflt", "forced"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("invalid cluster scoped object [Namespace ns1]"),
            std::string::npos);
  resources[0]["content"] = "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: keep}\n";
  auto forced = ParseManifests(resources, Opts("dflt", "forced"));
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ((*forced)[0]["metadata"]["namespace"], "forced");
}

TEST_F(BundlesTest, HugeFilesAreRefusedNamingTheFile) {
  Write("app/big.yaml", std::string(4096, '#'));
  auto tree = OpenDiskTree(root_.string());
  BuildOptions opts;
  opts.gitrepo_name = "demo";
  opts.max_file_bytes = 1024;
  auto bundles = BuildBundles(*tree, opts);
  ASSERT_FALSE(bundles.ok());
  EXPECT_EQ(bundles.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(bundles.status().message().find("app/big.yaml: file is 4096 bytes"), std::string::npos)
      << bundles.status().message();
}

}  // namespace
}  // namespace flotilla::render
