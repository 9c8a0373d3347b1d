// Chart loading, values and `helm template` output. The expected file was written from Helm's
// documented behaviour (install order, "# Source:" headers, hooks last, NOTES.txt and empty
// manifests skipped, aliases, conditions, globals, null deleting a default).
#include "render/helm/chart.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "render/gotemplate/gofmt.h"

namespace flotilla::helm {
namespace {

std::string ReadFile(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(ChartTest, RendersLikeHelmTemplate) {
  auto chart = LoadChart(std::string(FLOTILLA_HELM_TESTDATA) + "/mychart");
  ASSERT_TRUE(chart.ok()) << chart.status().message();
  Value user = Value::NewMap();
  ASSERT_TRUE(ApplySet("removeMe=null,replicaCount=3", false, &user).ok());
  ReleaseOptions opts;
  opts.name = "rel";
  auto manifests = RenderChart(*chart, user, opts);
  ASSERT_TRUE(manifests.ok()) << manifests.status().message();
  EXPECT_EQ(FormatHelmTemplate(*manifests),
            ReadFile(std::string(FLOTILLA_HELM_TESTDATA) + "/mychart.expected.yaml"));
}

TEST(ChartTest, SetParsesTypesListsAndIndexes) {
  Value v = Value::NewMap();
  ASSERT_TRUE(ApplySet("a.b=1,c=true,d={x,y},e[1]=z,f=007,g=null,h=a\\,b", false, &v).ok());
  EXPECT_EQ(gotemplate::FormatV(v),
            "map[a:map[b:1] c:true d:[x y] e:[<nil> z] f:007 g:<nil> h:a,b]");
  EXPECT_EQ(v.map().at("a").map().at("b").TypeName(), "int64");
  Value s = Value::NewMap();
  ASSERT_TRUE(ApplySet("n=5", true, &s).ok());
  EXPECT_EQ(s.map().at("n").TypeName(), "string");
}

TEST(ChartTest, UserNullDeletesDefaultAndMapsMerge) {
  auto chart = LoadChartFiles(
      {{"Chart.yaml", "name: c\nversion: 1.0.0\n"}, {"values.yaml", "a: 1\nm:\n  x: 1\n  q: 2\n"}});
  ASSERT_TRUE(chart.ok());
  auto user = ParseValuesFile("a: null\nm:\n  q: 3\n  z: 4\n", "u.yaml");
  ASSERT_TRUE(user.ok());
  auto vals = CoalesceValues(&*chart, *user);
  ASSERT_TRUE(vals.ok());
  EXPECT_EQ(gotemplate::FormatV(*vals), "map[m:map[q:3 x:1 z:4]]");
}

TEST(ChartTest, RejectsUnsafePaths) {
  auto chart = LoadChartFiles({{"Chart.yaml", "name: c\n"}, {"../evil", "x"}});
  EXPECT_FALSE(chart.ok());
}

TEST(ChartTest, ErrorsNameTheTemplate) {
  auto chart = LoadChartFiles({{"Chart.yaml", "name: c\nversion: 1.0.0\n"},
                               {"templates/a.yaml", "{{ required \"need x\" .Values.x }}"}});
  ASSERT_TRUE(chart.ok());
  auto out = RenderChart(*chart, Value::NewMap(), {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "execution error at (c/templates/a.yaml:1:3): need x");
}

}  // namespace
}  // namespace flotilla::helm
