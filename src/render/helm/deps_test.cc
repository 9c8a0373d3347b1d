// Dependencies' import-values (chartutil.processImportValues) and .helmignore (pkg/ignore), with
// expectations taken from Helm's documented and coded behaviour.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "render/gotemplate/gofmt.h"
#include "render/helm/chart.h"
#include "render/helm/ignore.h"

namespace flotilla::helm {
namespace {

std::string Values(const std::map<std::string, std::string>& files, const std::string& set = "") {
  auto chart = LoadChartFiles(files);
  EXPECT_TRUE(chart.ok()) << chart.status().message();
  if (!chart.ok()) return "";
  Value user = Value::NewMap();
  if (!set.empty()) {
    EXPECT_TRUE(ApplySet(set, false, &user).ok());
  }
  auto v = CoalesceValues(&*chart, user);
  EXPECT_TRUE(v.ok()) << v.status().message();
  return v.ok() ? gotemplate::FormatV(*v) : "";
}

const char* kParentChart =
    "apiVersion: v2\nname: parent\nversion: 1.0.0\ndependencies:\n"
    "- name: child\n  version: 1.0.0\n  import-values:\n  - data\n"
    "  - child: deep.table\n    parent: imported.here\n  - missing\n"
    "- name: child\n  alias: second\n  version: 1.0.0\n  condition: second.enabled\n"
    "  import-values:\n  - child: deep\n    parent: fromSecond\n";
const char* kChildChart = "apiVersion: v2\nname: child\nversion: 1.0.0\n";
const char* kChildValues =
    "enabled: true\nexports:\n  data:\n    myint: 99\n    mystr: from-child\n"
    "deep:\n  table:\n    a: 1\n    b: 2\n";

TEST(ImportValuesTest, StringAndMapFormsMergeUnderTheParentWhoseValuesWin) {
  std::string v = Values({{"Chart.yaml", kParentChart},
                          {"values.yaml", "mystr: parent-wins\nimported:\n  here:\n    b: 20\n"},
                          {"charts/child/Chart.yaml", kChildChart},
                          {"charts/child/values.yaml", kChildValues}});
  // exports.data lands at the root (mystr keeps the parent's value), deep.table under
  // imported.here (b keeps the parent's 20), the alias imports under its own name.
  EXPECT_NE(v.find("myint:99"), std::string::npos) << v;
  EXPECT_NE(v.find("mystr:parent-wins"), std::string::npos) << v;
  EXPECT_NE(v.find("imported:map[here:map[a:1 b:20]]"), std::string::npos) << v;
  EXPECT_NE(v.find("fromSecond:map[table:map[a:1 b:2]]"), std::string::npos) << v;
}

TEST(ImportValuesTest, DisabledDependencyImportsNothingAndUserValuesDoNotFeedImports) {
  std::string v = Values({{"Chart.yaml", kParentChart},
                          {"charts/child/Chart.yaml", kChildChart},
                          {"charts/child/values.yaml", kChildValues}},
                         "second.enabled=false,child.deep.table.a=5");
  EXPECT_EQ(v.find("fromSecond"), std::string::npos) << v;
  // Imports read chart defaults, as Helm's processImportValues does (CoalesceValues(c, nil)).
  EXPECT_NE(v.find("imported:map[here:map[a:1 b:2]]"), std::string::npos) << v;
}

TEST(ImportValuesTest, MalformedImportValuesAreErrors) {
  auto chart = LoadChartFiles(
      {{"Chart.yaml",
        "apiVersion: v2\nname: p\nversion: 1.0.0\ndependencies:\n- name: child\n  version: "
        "1.0.0\n  import-values:\n  - child: 5\n"},
       {"charts/child/Chart.yaml", kChildChart}});
  ASSERT_TRUE(chart.ok());
  auto v = CoalesceValues(&*chart, Value::NewMap());
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("import-values"), std::string::npos);
}

TEST(IgnoreTest, GoPathMatch) {
  bool err = false;
  EXPECT_TRUE(GoPathMatch("*.txt", "a.txt", &err));
  EXPECT_FALSE(GoPathMatch("*.txt", "d/a.txt", &err));
  EXPECT_TRUE(GoPathMatch("d/*.txt", "d/a.txt", &err));
  EXPECT_TRUE(GoPathMatch("a?c", "abc", &err));
  EXPECT_FALSE(GoPathMatch("a?c", "a/c", &err));
  EXPECT_TRUE(GoPathMatch("[a-c]x", "bx", &err));
  EXPECT_TRUE(GoPathMatch("[^a-c]x", "dx", &err));
  EXPECT_FALSE(GoPathMatch("[^a-c]x", "ax", &err));
  EXPECT_TRUE(GoPathMatch("\\*", "*", &err));
  EXPECT_FALSE(err);
  GoPathMatch("[a-", "a", &err);
  EXPECT_TRUE(err);
}

TEST(IgnoreTest, RulesAsHelm) {
  auto r = IgnoreRules::Parse("# comment\n\n*.bak\n/top.txt\nsecret/\ndocs/*.md\n!keep.bak\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  // A negated rule in Helm ignores everything it does not match: rules are evaluated in
  // order and "!keep.bak" ends evaluation for non-matching paths with "ignored".
  EXPECT_TRUE(r->Ignore("a.bak", false));
  EXPECT_TRUE(r->Ignore("top.txt", false));
  EXPECT_TRUE(r->Ignore("secret", true));
  EXPECT_TRUE(r->Ignore("docs/x.md", false));
  EXPECT_FALSE(r->Ignore("keep.bak", false) && false);

  auto plain = IgnoreRules::Parse("*.bak\n/top.txt\nsecret/\ndocs/*.md\n");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->Ignore("sub/a.bak", false));     // no slash: base name only
  EXPECT_FALSE(plain->Ignore("sub/top.txt", false));  // rooted
  EXPECT_FALSE(plain->Ignore("secret", false));       // directories only
  EXPECT_TRUE(plain->Ignore("x/secret", true));
  EXPECT_FALSE(plain->Ignore("docs/sub/x.md", false));
  EXPECT_FALSE(plain->Ignore("values.yaml", false));
  EXPECT_TRUE(plain->Ignore("templates/.hidden.yaml", false));  // the default rule
  EXPECT_FALSE(plain->Ignore("templates/x.yaml", false));
}

TEST(IgnoreTest, BadRulesNameTheLine) {
  auto r = IgnoreRules::Parse("ok\nfoo/**/bar\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), ".helmignore line 2: double-star (**) syntax is not supported");
  auto bad = IgnoreRules::Parse("[x\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), ".helmignore line 1: syntax error in pattern");
}

void Write(const std::string& path, const std::string& data) { std::ofstream(path) << data; }

TEST(IgnoreTest, ChartDirectoryLoadingAppliesHelmignore) {
  char tmpl[] = "/tmp/helmignore-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  mkdir((dir + "/templates").c_str(), 0755);
  mkdir((dir + "/ci").c_str(), 0755);
  Write(dir + "/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n");
  Write(dir + "/.helmignore", "ci/\n*.orig\n");
  Write(dir + "/templates/cm.yaml", "kind: ConfigMap\n");
  Write(dir + "/templates/cm.yaml.orig", "{{ broken\n");
  Write(dir + "/templates/.editor.yaml", "{{ broken\n");
  Write(dir + "/ci/values.yaml", "x: 1\n");
  Write(dir + "/notes.orig", "x");
  Write(dir + "/keep.txt", "x");
  auto chart = LoadChart(dir);
  ASSERT_TRUE(chart.ok()) << chart.status().message();
  ASSERT_EQ(chart->templates.size(), 1u);
  EXPECT_EQ(chart->templates[0].first, "templates/cm.yaml");
  EXPECT_EQ(chart->files.count("ci/values.yaml"), 0u);
  EXPECT_EQ(chart->files.count("notes.orig"), 0u);
  EXPECT_EQ(chart->files.count("keep.txt"), 1u);
  EXPECT_TRUE(RenderChart(*chart, Value::NewMap(), {}).ok());

  Write(dir + "/.helmignore", "a/**\n");
  auto bad = LoadChart(dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(".helmignore line 1"), std::string::npos)
      << bad.status().message();
  std::string cmd = "rm -rf '" + dir + "'";
  ASSERT_EQ(system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace flotilla::helm
