// Data-driven tests of kustomize's patch transformers. Each folder of testdata-patches/ holds a
// kustomization.yaml (resources: plain files, and patches of the three kinds) and either
//   expected.yaml  what `kubectl kustomize` (kustomize v5.5) printed for it, recorded once by
//                  testdata-patches/record.sh; objects are compared by id, so kustomize's output
//                  order does not matter here, or
//   error.txt      substrings (one a line) the error must contain (kustomize fails these too).
#include "render/kustomize/patches.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "render/kustomize/kyaml.h"

namespace flotilla::kustomize {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<Json> Docs(const std::string& text, const std::string& name) {
  auto docs = ParseKYamlStream(text, name, 1'000'000);
  EXPECT_TRUE(docs.ok()) << docs.status().ToString();
  return docs.ok() ? *docs : std::vector<Json>{};
}

std::string IdOf(const Json& o) {
  const Json& m = o.value("metadata", Json::object());
  return o.value("apiVersion", "") + "|" + o.value("kind", "") + "|" + m.value("namespace", "") +
         "|" + m.value("name", "");
}

Status RunCase(const fs::path& dir, std::vector<Json>& out) {
  std::string kpath = (dir / "kustomization.yaml").string();
  auto k = Docs(ReadAll(kpath), kpath);
  if (k.size() != 1) return InvalidArgument("bad kustomization.yaml");
  for (const Json& r : k[0].value("resources", Json::array())) {
    std::string p = (dir / r.get<std::string>()).string();
    for (Json& d : Docs(ReadAll(p), p)) out.push_back(std::move(d));
  }
  auto read = [&](std::string_view rel) -> StatusOr<std::string> {
    fs::path p = dir / std::string(rel);
    if (!fs::exists(p)) return NotFound(std::string(rel) + ": no such file");
    return ReadAll(p);
  };
  return ApplyKustomizePatches(k[0], out, read, "kustomization.yaml");
}

class PatchCases : public ::testing::TestWithParam<std::string> {};

TEST_P(PatchCases, MatchesKustomize) {
  fs::path dir = fs::path(FLOTILLA_PATCHES_TESTDATA) / GetParam();
  std::vector<Json> got;
  Status st = RunCase(dir, got);
  if (fs::exists(dir / "error.txt")) {
    ASSERT_FALSE(st.ok()) << "expected an error";
    std::istringstream want(ReadAll(dir / "error.txt"));
    for (std::string line; std::getline(want, line);)
      if (!line.empty()) {
        EXPECT_NE(st.message().find(line), std::string::npos) << st.message();
      }
    return;
  }
  ASSERT_TRUE(st.ok()) << st.ToString();
  std::vector<Json> want = Docs(ReadAll(dir / "expected.yaml"), "expected.yaml");
  ASSERT_EQ(got.size(), want.size());
  std::map<std::string, Json> by_id;
  for (Json& g : got) by_id[IdOf(g)] = g;
  for (const Json& w : want) {
    auto it = by_id.find(IdOf(w));
    ASSERT_NE(it, by_id.end()) << "missing " << IdOf(w);
    EXPECT_EQ(it->second, w) << IdOf(w) << "\n got: " << it->second.dump()
                             << "\nwant: " << w.dump();
  }
}

std::vector<std::string> Cases() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(FLOTILLA_PATCHES_TESTDATA))
    if (e.is_directory()) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Kustomize, PatchCases, ::testing::ValuesIn(Cases()), [](const auto& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
});

TEST(LabelSelectorTest, Syntax) {
  Json labels = {{"app", "web"}, {"tier", "fe"}, {"n", "5"}};
  auto m = [&](std::string_view s) {
    auto r = MatchLabelSelector(s, labels);
    EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
    return r.ok() && *r;
  };
  EXPECT_TRUE(m(""));
  EXPECT_TRUE(m("app=web"));
  EXPECT_TRUE(m("app==web,tier"));
  EXPECT_FALSE(m("app!=web"));
  EXPECT_TRUE(m("tier in (be, fe)"));
  EXPECT_FALSE(m("tier notin (be,fe)"));
  EXPECT_TRUE(m("!missing, app"));
  EXPECT_FALSE(m("!app"));
  EXPECT_TRUE(m("n>4,n<6"));
  EXPECT_FALSE(m("missing in (a)"));
  for (const char* bad : {"app=(", "tier in fe", "=x", "a,,b", "tier in (a", "n>x"})
    EXPECT_FALSE(MatchLabelSelector(bad, labels).ok()) << bad;
}

}  // namespace
}  // namespace flotilla::kustomize
