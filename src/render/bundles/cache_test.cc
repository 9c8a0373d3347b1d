// Per-bundle failure confinement (BuildBundleSet) and the render cache: renders are counted
// through BundleCache::stats(), and every cached build is compared with an uncached one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "core/hash.h"
#include "render/bundles/bundles.h"
#include "render/bundles/cache.h"

namespace flotilla::render {
namespace {

// An in-memory tree whose ContentId hashes every file beneath a directory, as a git tree id
// changes iff something beneath it changes.
class MapTree : public Tree {
 public:
  std::map<std::string, std::string> files;
  std::set<std::string> symlinks;
  StatusOr<std::vector<TreeEntry>> Walk(std::string_view dir) const override {
    std::string prefix = dir.empty() ? "" : std::string(dir) + "/";
    std::set<std::string> dirs;
    std::vector<TreeEntry> out;
    for (const auto& [p, c] : files) {
      if (p.rfind(prefix, 0) != 0) continue;
      out.push_back({p, false, c.size(), symlinks.count(p) > 0});
      for (size_t i = prefix.size(); i < p.size(); i++)
        if (p[i] == '/') dirs.insert(p.substr(0, i));
    }
    if (out.empty()) return NotFound("no such directory: " + std::string(dir));
    for (const std::string& d : dirs) out.push_back({d, true, 0});
    std::sort(out.begin(), out.end(),
              [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
    return out;
  }
  StatusOr<std::string> ReadFile(std::string_view path) const override {
    std::string p(path);
    // "a/../b" as a tree would resolve it.
    for (size_t i; (i = p.find("/../")) != std::string::npos;) {
      size_t s = p.rfind('/', i - 1);
      p = (s == std::string::npos ? "" : p.substr(0, s + 1)) + p.substr(i + 4);
    }
    auto it = files.find(p);
    if (it == files.end()) return NotFound("no such file: " + p);
    return it->second;
  }
  StatusOr<std::string> ContentId(std::string_view dir) const override {
    std::string prefix = dir.empty() ? "" : std::string(dir) + "/";
    std::string all;
    for (const auto& [p, c] : files)
      if (p.rfind(prefix, 0) == 0) all += p + '\0' + c + '\0';
    return Sha256Hex(all);
  }
};

std::string Cm(const std::string& name, const std::string& v) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  v: \"" + v +
         "\"\n";
}

BuildOptions Opts(const std::string& commit, BundleCache* cache) {
  BuildOptions o;
  o.gitrepo_name = "demo";
  o.ns = "fleet-local";
  o.commit = commit;
  o.cache = cache;
  return o;
}

MapTree ThreeBundles() {
  MapTree t;
  for (const char* b : {"a", "b", "c"}) {
    t.files[std::string(b) + "/fleet.yaml"] = std::string("defaultNamespace: ns-") + b + "\n";
    t.files[std::string(b) + "/cm.yaml"] = Cm(std::string("cm-") + b, "one");
  }
  return t;
}

TEST(BuildBundleSet, FailureIsConfinedToItsBundle) {
  MapTree t = ThreeBundles();
  t.files["b/fleet.yaml"] = "defaultNamespce: x\n";
  t.files["c/cm.yaml"] = "kind: ConfigMap\nmetadata: [oops\n";
  auto r = BuildBundleSet(t, Opts("c1", nullptr));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->bundles.size(), 1u);
  EXPECT_EQ(r->bundles[0]["metadata"]["name"], "demo-a");
  ASSERT_EQ(r->failures.size(), 2u);
  EXPECT_EQ(r->failures[0].name, "demo-b");
  EXPECT_EQ(r->failures[0].dir, "b");
  EXPECT_EQ(r->failures[0].status.message(),
            "bundle \"demo-b\" (b): b/fleet.yaml:1: defaultNamespce: unknown field");
  EXPECT_NE(
      r->failures[1].status.message().find("bundle \"demo-c\" (c): c/cm.yaml:3:1: invalid YAML"),
      std::string::npos)
      << r->failures[1].status.message();
  // The CLI's BuildBundles stays whole-or-nothing, with the first failure.
  auto all = BuildBundles(t, Opts("c1", nullptr));
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().message(), r->failures[0].status.message());
}

// The hostile inputs, each in its own bundle next to a good one, on a real directory:
// every failure names its bundle and file, and the good bundle is still built.
TEST(BuildBundleSet, HostileBundlesDoNotStopTheOthers) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("hostile_" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto write = [&](const std::string& rel, const std::string& text) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  };
  write("good/cm.yaml", Cm("good", "x"));
  write("good/fleet.yaml", "defaultNamespace: good\n");
  write("huge/fleet.yaml", "defaultNamespace: huge\n");
  std::string bomb = "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (int i = 1; i <= 8; i++)
    bomb +=
        fmt::format("a{0}: &a{0} [*a{1},*a{1},*a{1},*a{1},*a{1},*a{1},*a{1},*a{1}]\n", i, i - 1);
  write("bomb/fleet.yaml", bomb + "labels: *a8\n");
  write("bomb/cm.yaml", Cm("bomb", "x"));
  write("huge/cm.yaml", Cm("huge", std::string(4096, 'x')));
  write("escape/fleet.yaml", "helm:\n  valuesFiles:\n  - ../../../../etc/hostname\n");
  write("escape/cm.yaml", Cm("escape", "x"));
  write("link/fleet.yaml", "defaultNamespace: link\n");
  fs::create_symlink("/etc/hostname", root / "link" / "outside.yaml");
  write("cycle/fleet.yaml", "defaultNamespace: cycle\n");
  write("cycle/kustomization.yaml", "resources:\n- a\n");
  write("cycle/a/kustomization.yaml", "resources:\n- ../b\n");
  write("cycle/b/kustomization.yaml", "resources:\n- ../a\n");
  auto tree = OpenDiskTree(root.string());
  BuildOptions o = Opts("c1", nullptr);
  o.max_file_bytes = 2048;
  auto r = BuildBundleSet(*tree, o);
  fs::remove_all(root);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->bundles.size(), 1u);
  EXPECT_EQ(r->bundles[0]["metadata"]["name"], "demo-good");
  std::map<std::string, std::string> by_dir;
  for (const BundleFailure& f : r->failures) by_dir[f.dir] = f.status.message();
  ASSERT_EQ(by_dir.size(), 5u);
  auto has = [&](const std::string& dir, const std::string& want) {
    EXPECT_NE(by_dir[dir].find(want), std::string::npos) << dir << ": " << by_dir[dir];
  };
  has("bomb", "bundle \"demo-bomb\" (bomb): bomb/fleet.yaml");
  has("huge", "bundle \"demo-huge\" (huge): huge/cm.yaml: file is");
  has("escape", "bundle \"demo-escape\" (escape):");
  has("escape", "escape");
  has("link", "bundle \"demo-link\" (link):");
  has("cycle", "bundle \"demo-cycle\" (cycle): cycle/");
  has("cycle", "kustomization cycle: . -> a -> b -> a");
}

TEST(BuildBundleSet, UnconfinedErrorsFailTheWholeBuild) {
  MapTree t = ThreeBundles();
  BuildOptions o = Opts("c1", nullptr);
  o.paths = {"a", "[z"};  // a malformed glob
  auto r = BuildBundleSet(t, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("path \"[z\""), std::string::npos) << r.status().message();
  o.paths = {"nothing-here"};
  r = BuildBundleSet(t, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no resource found"), std::string::npos);
}

TEST(BuildBundleSet, GitRepoBundlesAreDrivenScan) {
  MapTree t;
  t.files["driven/simple/cm.yaml"] = Cm("simple", "x");
  t.files["driven/multi/cm.yaml"] = Cm("multi", "x");
  t.files["driven/multi/dev.yaml"] = "defaultNamespace: dev\n";
  t.files["driven/multi/test.yaml"] = "defaultNamespace: test\n";
  t.files["driven/nested/cm.yaml"] = Cm("nested", "x");
  t.files["driven/nested/sub/fleet.yaml"] = "defaultNamespace: sub\n";
  t.files["driven/nested/sub/cm.yaml"] = Cm("sub", "x");
  BuildOptions o = Opts("c1", nullptr);
  o.paths = {"ignored-when-bundles-are-set"};
  o.bundles = {{"driven/simple", ""},
               {"/driven/multi", "dev.yaml"},
               {"driven/multi/", "test.yaml"},
               {"driven/nested", ""},
               {"nope", ""},
               {"driven/simple", "missing.yaml"}};
  auto r = BuildBundleSet(t, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->bundles.size(), 4u);
  // Fleet: HelmReleaseName(gitrepo/base[/options without extension]); no recursion into sub/.
  EXPECT_EQ(r->bundles[0]["metadata"]["name"], "demo-driven-simple");
  EXPECT_EQ(r->bundles[1]["metadata"]["name"], "demo-driven-multi-dev");
  EXPECT_EQ(r->bundles[1]["spec"]["defaultNamespace"], "dev");
  EXPECT_EQ(r->bundles[2]["metadata"]["name"], "demo-driven-multi-test");
  EXPECT_EQ(r->bundles[2]["spec"]["defaultNamespace"], "test");
  for (const Json& res : r->bundles[1]["spec"]["resources"])
    EXPECT_NE(res["name"], "dev.yaml");  // the options file is not a resource
  EXPECT_EQ(r->bundles[3]["metadata"]["name"], "demo-driven-nested");
  EXPECT_EQ(r->bundles[3]["spec"]["resources"].size(), 3u);  // cm.yaml, sub/cm.yaml, sub/fleet.yaml
  ASSERT_EQ(r->failures.size(), 2u);
  EXPECT_EQ(r->failures[0].status.message(), "bundles[4]: base \"nope\": directory not found");
  EXPECT_EQ(r->failures[1].status.message(),
            "bundle \"demo-driven-simple-missing\" (driven/simple, missing.yaml): "
            "driven/simple/missing.yaml: options file not found");
}

TEST(BundleCache, OnlyChangedBundlesAreRenderedAgain) {
  BundleCache cache;
  MapTree t = ThreeBundles();
  auto r1 = BuildBundleSet(t, Opts("c1", &cache));
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(cache.stats().misses, 3u);
  EXPECT_EQ(cache.stats().hits, 0u);
  EXPECT_EQ(cache.stats().entries, 3u);

  t.files["b/cm.yaml"] = Cm("cm-b", "two");
  auto r2 = BuildBundleSet(t, Opts("c2", &cache));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(cache.stats().misses, 4u);  // only b rendered
  EXPECT_EQ(cache.stats().hits, 2u);
  // Cached builds are exactly what an uncached build of the new commit gives (commit label too).
  auto fresh = BuildBundleSet(t, Opts("c2", nullptr));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(Json(r2->bundles), Json(fresh->bundles));
  EXPECT_EQ(r2->bundles[0]["metadata"]["labels"]["fleet.cattle.io/commit"], "c2");

  // Anything else that shapes the output is part of the key.
  BuildOptions o = Opts("c3", &cache);
  o.target_namespace = "forced";
  auto r3 = BuildBundleSet(t, o);
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(cache.stats().misses, 7u);
  EXPECT_EQ(r3->bundles[0]["spec"]["namespace"], "forced");
  o.gitrepo_name = "other";
  ASSERT_TRUE(BuildBundleSet(t, o).ok());
  EXPECT_EQ(cache.stats().misses, 10u);
}

TEST(BundleCache, FilesReadOutsideTheBundleAreRechecked) {
  BundleCache cache;
  MapTree t;
  t.files["shared/values.yaml"] = "replicas: 1\n";
  t.files["app/fleet.yaml"] = "helm:\n  valuesFiles:\n  - ../shared/values.yaml\n";
  t.files["app/cm.yaml"] = Cm("cm", "x");
  BuildOptions o = Opts("c1", &cache);
  o.paths = {"app"};
  auto r1 = BuildBundleSet(t, o);
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  ASSERT_TRUE(r1->failures.empty()) << r1->failures[0].status.ToString();
  EXPECT_EQ(r1->bundles[0]["spec"]["helm"]["values"]["replicas"], 1);
  ASSERT_TRUE(BuildBundleSet(t, o).ok());
  EXPECT_EQ(cache.stats().hits, 1u);
  t.files["shared/values.yaml"] = "replicas: 2\n";  // app/'s tree id is unchanged
  auto r3 = BuildBundleSet(t, o);
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 2u);
  EXPECT_EQ(r3->bundles[0]["spec"]["helm"]["values"]["replicas"], 2);
}

TEST(BundleCache, FailuresSymlinksAndRemoteChartsAreNotCached) {
  BundleCache cache;
  MapTree t = ThreeBundles();
  t.files["a/fleet.yaml"] = "defaultNamespce: x\n";
  t.symlinks.insert("b/cm.yaml");
  t.files["c/fleet.yaml"] = "helm:\n  repo: https://charts.example.com\n  chart: x\n";
  for (int i = 0; i < 2; i++) (void)BuildBundleSet(t, Opts("c1", &cache));
  EXPECT_EQ(cache.stats().hits, 0u);
  EXPECT_EQ(cache.stats().misses, 0u);
  EXPECT_EQ(cache.stats().uncacheable, 6u);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(BundleCache, BoundedByBytesLeastRecentlyUsedFirst) {
  MapTree t = ThreeBundles();
  BundleCache probe;
  ASSERT_TRUE(BuildBundleSet(t, Opts("c1", &probe)).ok());
  uint64_t per_entry = probe.stats().bytes / 3;
  BundleCache cache(per_entry * 2 + per_entry / 2);  // room for two
  ASSERT_TRUE(BuildBundleSet(t, Opts("c1", &cache)).ok());
  EXPECT_EQ(cache.stats().entries, 2u);
  EXPECT_LE(cache.stats().bytes, per_entry * 2 + per_entry / 2);
  ASSERT_TRUE(BuildBundleSet(t, Opts("c1", &cache)).ok());
  // a was evicted by c; rendering a evicts b, rendering b evicts c, then c again: all misses.
  EXPECT_EQ(cache.stats().hits, 0u);
  EXPECT_EQ(cache.stats().misses, 6u);
}

}  // namespace
}  // namespace flotilla::render
