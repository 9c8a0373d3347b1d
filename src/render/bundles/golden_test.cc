// One runner for the data-driven cases under testdata/: each case is a folder with
//   repo/            the repository (a GitRepo's checkout)
//   options.yaml     optional: name, namespace, commit, paths, targetNamespace, targets, labels,
//                    maxFileBytes
//   expected.yaml    the Bundles BuildBundles must produce (YAML documents, `---` separated)
//   manifests.yaml   optional: per bundle and target, the objects the agent would apply
//   error.txt        instead of expected.yaml: a substring the error message must contain
// Adding a case is adding a folder. FLOTILLA_UPDATE_GOLDEN=1 rewrites expected.yaml and
// manifests.yaml from the current output (review the diff before committing).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/yaml.h"
#include "model/deployment.h"
#include "render/bundles/bundles.h"

namespace flotilla::render {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Documents(const std::vector<Json>& docs) { return ToYamlStream(docs); }

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, Case) {
  fs::path dir = fs::path(FLOTILLA_BUNDLES_TESTDATA) / GetParam();
  Json opts = Json::object();
  if (fs::exists(dir / "options.yaml")) {
    auto parsed = ParseYaml(Slurp(dir / "options.yaml"), "options.yaml");
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    opts = *parsed;
  }
  BuildOptions bo;
  bo.gitrepo_name = opts.value("name", "test");
  bo.ns = opts.value("namespace", "fleet-local");
  bo.commit = opts.value("commit", "0123456789abcdef0123456789abcdef01234567");
  bo.target_namespace = opts.value("targetNamespace", "");
  if (opts.contains("paths"))
    for (const Json& p : opts["paths"]) bo.paths.push_back(p.get<std::string>());
  if (opts.contains("targets")) bo.targets = opts["targets"];
  if (opts.contains("labels")) bo.labels = opts["labels"];
  if (opts.contains("maxFileBytes")) bo.max_file_bytes = opts["maxFileBytes"].get<uint64_t>();

  auto tree = OpenDiskTree((dir / "repo").string());
  auto bundles = BuildBundles(*tree, bo);
  bool update = std::getenv("FLOTILLA_UPDATE_GOLDEN") != nullptr;
  if (fs::exists(dir / "error.txt")) {
    ASSERT_FALSE(bundles.ok()) << "expected an error, got " << Documents(*bundles);
    std::string want = Slurp(dir / "error.txt");
    while (!want.empty() && want.back() == '\n') want.pop_back();
    EXPECT_NE(bundles.status().message().find(want), std::string::npos)
        << "error: " << bundles.status().message() << "\nwant substring: " << want;
    return;
  }
  ASSERT_TRUE(bundles.ok()) << bundles.status().ToString();
  std::string got = Documents(*bundles);

  std::vector<Json> deployed;
  for (const Json& b : *bundles) {
    Json base = model::DeploymentOptions(b["spec"]);
    for (const Json& t : b["spec"]["targets"]) {
      ManifestOptions mo =
          ManifestOptionsFrom(model::MergeOptions(base, model::DeploymentOptions(t)));
      mo.release_name = b["metadata"]["name"];  // as the agent does
      auto objs = ParseManifests(b["spec"]["resources"], mo);
      ASSERT_TRUE(objs.ok()) << objs.status().ToString();
      deployed.push_back(
          {{"bundle", b["metadata"]["name"]}, {"target", t.value("name", "")}, {"objects", *objs}});
    }
  }
  std::string got_manifests = Documents(deployed);
  if (update) {
    std::ofstream(dir / "expected.yaml") << got;
    std::ofstream(dir / "manifests.yaml") << got_manifests;
    return;
  }
  EXPECT_EQ(got, Slurp(dir / "expected.yaml"));
  if (fs::exists(dir / "manifests.yaml")) {
    EXPECT_EQ(got_manifests, Slurp(dir / "manifests.yaml"));
  }
}

std::vector<std::string> Cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(FLOTILLA_BUNDLES_TESTDATA)) {
    if (e.is_directory()) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Testdata, GoldenTest, ::testing::ValuesIn(Cases()), [](const auto& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
});

}  // namespace
}  // namespace flotilla::render
