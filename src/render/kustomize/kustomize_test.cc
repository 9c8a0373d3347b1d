// Golden cases (testdata/<case>/: an input tree and expected.yaml produced once by
// `kubectl kustomize`, or expected_error.txt with a substring of flotilla's error), the same
// builds from an in-memory tree (bundle resources, base64+gz), limits, and helmCharts.
#include "render/kustomize/kustomize.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/base64.h"
#include "core/gzip.h"
#include "render/bundles/bundles.h"
#include "render/kustomize/internal.h"
#include "render/tree/memory_tree.h"

namespace flotilla::kustomize {
namespace {

namespace fs = std::filesystem;
const fs::path kData = FLOTILLA_KUSTOMIZE_TESTDATA;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string> Cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kData))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, MatchesKubectlKustomize) {
  fs::path dir = kData / GetParam();
  auto tree = render::OpenDiskTree(dir.string());
  auto built = Build(*tree, "", BuildLimits{});
  if (fs::exists(dir / "expected_error.txt")) {
    ASSERT_FALSE(built.ok()) << "expected an error, got:\n" << ToYaml(*built);
    EXPECT_NE(built.status().message().find(Trim(Slurp(dir / "expected_error.txt"))),
              std::string::npos)
        << built.status().message();
    return;
  }
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(ToYaml(*built), Slurp(dir / "expected.yaml"));
}

INSTANTIATE_TEST_SUITE_P(Cases, Golden, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param; });

// The agent's path: the same case from Bundle spec.resources, every other file base64+gz.
TEST(MemoryTree, BundleResourcesBuildLikeTheDisk) {
  for (const std::string name : {"overlay_base", "configmap_generator", "generator_merge"}) {
    fs::path dir = kData / name;
    Json resources = Json::array();
    int i = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file() || e.path().filename() == "expected.yaml") continue;
      std::string rel = fs::relative(e.path(), dir).generic_string();
      std::string content = Slurp(e.path());
      if (i++ % 2 == 0)
        resources.push_back({{"name", rel}, {"content", content}});
      else
        resources.push_back(
            {{"name", rel}, {"content", Base64Encode(*Gzip(content))}, {"encoding", "base64+gz"}});
    }
    auto tree = render::MemoryTreeFromBundleResources(resources);
    ASSERT_TRUE(tree.ok()) << tree.status().ToString();
    ASSERT_TRUE(HasKustomization(**tree, "."));
    auto built = Build(**tree, ".", BuildLimits{});
    ASSERT_TRUE(built.ok()) << name << ": " << built.status().ToString();
    EXPECT_EQ(ToYaml(*built), Slurp(dir / "expected.yaml")) << name;
  }
}

TEST(MemoryTree, RefusesEscapingNamesAndBadEncodings) {
  auto t = render::MemoryTreeFromBundleResources(
      Json::array({{{"name", "../x.yaml"}, {"content", "a: b"}}}));
  EXPECT_FALSE(t.ok());
  t = render::MemoryTreeFromBundleResources(
      Json::array({{{"name", "x.yaml"}, {"content", "!!notbase64"}, {"encoding", "base64+gz"}}}));
  EXPECT_FALSE(t.ok());
  t = render::MemoryTreeFromBundleResources(Json::array(
      {{{"name", "x.yaml"}, {"content", Base64Encode("not gzip")}, {"encoding", "base64+gz"}}}));
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("x.yaml: invalid gzip"), std::string::npos);
}

TEST(Limits, HugeFileIsRefusedWithItsName) {
  std::string big = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  k: \"" +
                    std::string(4096, 'x') + "\"\n";
  auto tree = render::OpenMemoryTree(
      {{"kustomization.yaml", "resources: [big.yaml]\n"}, {"big.yaml", big}});
  BuildLimits limits;
  limits.max_file_bytes = 1024;
  auto built = Build(*tree, "", limits);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(built.status().message().find("big.yaml: file is larger than 1024 bytes"),
            std::string::npos)
      << built.status().message();
  limits.max_file_bytes = 1 << 20;
  EXPECT_TRUE(Build(*tree, "", limits).ok());
}

TEST(Limits, AliasBombIsBounded) {
  auto tree = render::OpenDiskTree((kData / "error_alias_bomb").string());
  BuildLimits limits;
  limits.max_yaml_nodes = 10'000;
  auto built = Build(*tree, "", limits);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), StatusCode::kResourceExhausted);
}

TEST(Limits, DeepNestingIsBounded) {
  std::map<std::string, std::string> files;
  std::string dir;
  for (int i = 0; i < 10; i++) {
    files[dir + "kustomization.yaml"] = "resources: [d]\n";
    dir += "d/";
  }
  files[dir + "kustomization.yaml"] = "resources: []\n";
  auto tree = render::OpenMemoryTree(files);
  BuildLimits limits;
  limits.max_depth = 5;
  auto built = Build(*tree, "", limits);
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.status().message().find("nested deeper than 5"), std::string::npos);
  limits.max_depth = 32;
  EXPECT_TRUE(Build(*tree, "", limits).ok());
}

TEST(Hash, MatchesKustomizeForKnownInputs) {
  // Values printed by kubectl kustomize (v5.5.0) for these generators.
  Json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "gen"}}},
             {"data", {{"a", "b"}}}};
  EXPECT_EQ(GeneratorHash(cm), "4h2mbtbbt6");
  cm["data"] = {{"a", "1"}, {"b", "2"}};
  EXPECT_EQ(GeneratorHash(cm), "7gdc49gk6d");
  Json empty = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "x"}}}};
  EXPECT_EQ(GeneratorHash(empty), "6ct58987ht");
}

TEST(HelmCharts, RendersALocalChartThroughTheTransformers) {
  auto tree = render::OpenMemoryTree({
      {"kustomization.yaml",
       "namePrefix: k-\nhelmCharts:\n- name: demo\n  releaseName: rel\n  valuesInline:\n    "
       "replicas: 3\n"},
      {"charts/demo/Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"},
      {"charts/demo/values.yaml", "replicas: 1\n"},
      {"charts/demo/templates/cm.yaml",
       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  "
       "replicas: \"{{ .Values.replicas }}\"\n"},
  });
  auto built = Build(*tree, "", BuildLimits{});
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  ASSERT_EQ(built->size(), 1u);
  EXPECT_EQ((*built)[0]["metadata"]["name"], "k-rel-cm");
  EXPECT_EQ((*built)[0]["data"]["replicas"], "3");

  auto remote = render::OpenMemoryTree(
      {{"kustomization.yaml", "helmCharts:\n- name: x\n  repo: https://charts.example.com\n"}});
  auto r = Build(*remote, "", BuildLimits{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("helmCharts[0]: charts from a repository"),
            std::string::npos);
}

}  // namespace
}  // namespace flotilla::kustomize

namespace flotilla::kustomize {
namespace {

// The agent's path (render/bundles ParseManifests): a bundle whose files hold a
// kustomization.yaml deploys the kustomize build, with the default namespace filled in.
TEST(AgentPath, BundleWithKustomizationDeploysTheBuild) {
  Json resources = Json::array();
  for (const std::string name :
       {"kustomization.yaml", "extra.yaml", "base/kustomization.yml", "base/deployment.yaml"})
    resources.push_back({{"name", name}, {"content", Slurp(kData / "overlay_base" / name)}});
  render::ManifestOptions mo;
  mo.default_namespace = "apps";
  auto objs = render::ParseManifests(resources, mo);
  ASSERT_TRUE(objs.ok()) << objs.status().ToString();
  auto tree = render::OpenDiskTree((kData / "overlay_base").string());
  auto want = Build(*tree, "", BuildLimits{});
  ASSERT_TRUE(want.ok());
  ASSERT_EQ(objs->size(), want->size());
  for (size_t i = 0; i < want->size(); i++) {
    EXPECT_EQ((*objs)[i]["metadata"]["name"], (*want)[i]["metadata"]["name"]);
    EXPECT_EQ((*objs)[i]["metadata"]["namespace"], "apps");
  }

  // options.kustomize.dir selects the kustomization.
  mo.kustomize_dir = "deploy/prod";
  Json nested = Json::array(
      {{{"name", "deploy/prod/kustomization.yaml"},
        {"content", "namePrefix: prod-\nresources: [cm.yaml]\n"}},
       {{"name", "deploy/prod/cm.yaml"},
        {"content", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"}},
       {{"name", "other.yaml"},
        {"content", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-deployed}\n"}}});
  objs = render::ParseManifests(nested, mo);
  ASSERT_TRUE(objs.ok()) << objs.status().ToString();
  ASSERT_EQ(objs->size(), 1u);
  EXPECT_EQ((*objs)[0]["metadata"]["name"], "prod-c");

  // Errors name the kustomization.
  mo.kustomize_dir.clear();
  Json bad =
      Json::array({{{"name", "kustomization.yaml"}, {"content", "resources: [gone.yaml]\n"}}});
  objs = render::ParseManifests(bad, mo);
  ASSERT_FALSE(objs.ok());
  EXPECT_NE(objs.status().message().find("kustomization.yaml: resources[0]"), std::string::npos)
      << objs.status().message();
}

}  // namespace
}  // namespace flotilla::kustomize

namespace flotilla::kustomize {
namespace {

// Malformed kustomizations and resources are errors (never crashes), naming a file.
TEST(BadInput, WrongTypesAreErrors) {
  const char* kustomizations[] = {
      "resources: foo.yaml\n",
      "namePrefix: [a]\n",
      "namespace: {a: b}\n",
      "commonLabels: [a]\n",
      "commonLabels: {a: 1}\n",
      "images: [{name: nginx, newTag: {x: 1}}]\n",
      "images: {name: nginx}\n",
      "replicas: [{name: web, count: \"3\"}]\n",
      "configMapGenerator: [{name: 5, literals: [a=b]}]\n",
      "configMapGenerator: [{name: x, literals: a=b}]\n",
      "configMapGenerator: [{name: x, behavior: 3, literals: [a=b]}]\n",
      "configMapGenerator: [{name: x, options: {disableNameSuffixHash: yes-please}}]\n",
      "secretGenerator: [{name: x, type: [a], literals: [a=b]}]\n",
      "labels: {a: b}\n",
      "labels: [{pairs: {a: b}, includeSelectors: \"yes\"}]\n",
      "labels: [{pairs: {a: b}, fields: [{path: 3}]}]\n",
      "components: [3]\n",
      "sortOptions: {order: random}\n",
      "helmCharts: [{name: 3}]\n",
      "crds: [missing.json]\n",
      "kind: 5\n",
      "- just\n- a list\n",
  };
  for (const char* k : kustomizations) {
    std::string text = k;
    if (text.find("resources") != 0 && text[0] != '-') text += "resources: [r.yaml]\n";
    auto tree = render::OpenMemoryTree(
        {{"kustomization.yaml", text},
         {"r.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"}});
    auto built = Build(*tree, "", BuildLimits{});
    EXPECT_FALSE(built.ok()) << k;
    if (!built.ok()) {
      EXPECT_NE(built.status().message().find("kustomization.yaml"), std::string::npos)
          << k << " -> " << built.status().message();
    }
  }
  const char* resources[] = {
      "apiVersion: v1\nkind: 5\nmetadata: {name: x}\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x]}\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\n",
      "- a list\n",
      "apiVersion: v1\nkind: List\nitems: [3]\n",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\n"
      "subjects: [{kind: ServiceAccount, name: 3, namespace: [x]}]\n---\n"
      "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: \"3\"}\n",
  };
  for (const char* r : resources) {
    auto tree = render::OpenMemoryTree(
        {{"kustomization.yaml", "namePrefix: p-\nnamespace: ns1\nresources: [r.yaml]\n"},
         {"r.yaml", r}});
    auto built = Build(*tree, "", BuildLimits{});
    if (built.ok()) continue;  // some are valid to kustomize too; the point is no crash
    const std::string& m = built.status().message();
    EXPECT_TRUE(m.find("r.yaml") != std::string::npos || m.find("kustomize build") == 0 ||
                m.find("kustomization.yaml") != std::string::npos)
        << r << " -> " << m;
  }
}

}  // namespace
}  // namespace flotilla::kustomize
