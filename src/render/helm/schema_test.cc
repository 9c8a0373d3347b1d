// values.schema.json: every case in testdata/schema_cases.json is validated by us and by Helm's
// own validator (gojsonschema, in schema_oracle/main.go); the error lines must be the same (as
// sets: Go visits object keys in random order). Then Helm's chart-level message, subcharts and
// --skip-schema-validation on a real chart directory.
#include "render/helm/schema.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace flotilla::helm {
namespace {

std::string ReadFile(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// One response per request from the Go validator; empty when it could not run.
std::vector<Json> RunSchemaOracle(const std::vector<Json>& requests) {
  const char* oracle = std::getenv("SCHEMA_ORACLE");
  if (oracle == nullptr || access(oracle, X_OK) != 0) return {};
  char in_path[] = "/tmp/schema-oracle-in-XXXXXX";
  int fd = mkstemp(in_path);
  if (fd < 0) return {};
  close(fd);
  {
    std::ofstream in(in_path);
    for (const auto& r : requests) in << r.dump() << "\n";
  }
  std::string cmd = std::string(oracle) + " < " + in_path;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[65536];
  size_t n;
  while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (p) pclose(p);
  unlink(in_path);
  std::vector<Json> responses;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) responses.push_back(Json::parse(line));
  return responses;
}

TEST(SchemaTest, CasesMatchHelmsValidator) {
  Json cases = Json::parse(ReadFile(std::string(FLOTILLA_HELM_TESTDATA) + "/schema_cases.json"));
  ASSERT_GT(cases.size(), 10u);
  std::vector<Json> requests;
  for (const auto& c : cases)
    requests.push_back({{"schema", c["schema"].dump()}, {"values", c["values"]}});
  std::vector<Json> want = RunSchemaOracle(requests);
  if (want.empty()) GTEST_SKIP() << "SCHEMA_ORACLE not built";
  ASSERT_EQ(want.size(), cases.size());
  int with_errors = 0;
  for (size_t i = 0; i < cases.size(); i++) {
    const Json& c = cases[i];
    auto got = ValidateAgainstSchema(c["schema"].dump(), c["values"]);
    std::string name = c["name"];
    if (want[i].contains("error")) {
      EXPECT_FALSE(got.ok()) << name << ": Helm fails with " << want[i]["error"];
      continue;
    }
    ASSERT_TRUE(got.ok()) << name << ": " << got.status().message();
    std::vector<std::string> w = want[i]["errors"].get<std::vector<std::string>>();
    std::vector<std::string> g = *got;
    std::sort(w.begin(), w.end());
    std::sort(g.begin(), g.end());
    EXPECT_EQ(g, w) << name;
    if (!w.empty()) with_errors++;
  }
  EXPECT_GT(with_errors, 15);  // the cases really exercise failures
}

TEST(SchemaTest, ChartAndSubchartErrorsReadLikeHelm) {
  const std::string parent_schema =
      R"({"type":"object","required":["replicas"],"properties":{"replicas":{"type":"integer"}}})";
  const std::string sub_schema =
      R"({"type":"object","properties":{"port":{"type":"integer","maximum":65535}}})";
  auto chart = LoadChartFiles({
      {"Chart.yaml",
       "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 1.0.0\n"
       "- name: opt\n  version: 1.0.0\n  condition: opt.enabled\n"},
      {"values.yaml", "replicas: 1\n"},
      {"values.schema.json", parent_schema},
      {"templates/cm.yaml", "kind: ConfigMap\n"},
      {"charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 1.0.0\n"},
      {"charts/sub/values.yaml", "port: 80\n"},
      {"charts/sub/values.schema.json", sub_schema},
      {"charts/opt/Chart.yaml", "apiVersion: v2\nname: opt\nversion: 1.0.0\n"},
      {"charts/opt/values.yaml", "enabled: false\nx: 1\n"},
      {"charts/opt/values.schema.json", R"({"properties":{"x":{"type":"string"}}})"},
  });
  ASSERT_TRUE(chart.ok()) << chart.status().message();

  auto ok = RenderChart(*chart, Value::NewMap(), {});
  EXPECT_TRUE(ok.ok()) << ok.status().message();  // the disabled subchart's schema is not checked

  Value user = Value::NewMap();
  ASSERT_TRUE(ApplySet("replicas=two,sub.port=70000", false, &user).ok());
  auto bad = RenderChart(*chart, user, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "values don't meet the specifications of the schema(s) in the following chart(s):\n"
            "top:\n- replicas: Invalid type. Expected: integer, given: string\n"
            "sub:\n- port: Must be less than or equal to 65535\n");

  ReleaseOptions skip;
  skip.skip_schema_validation = true;
  EXPECT_TRUE(RenderChart(*chart, user, skip).ok());
}

TEST(SchemaTest, BrokenSchemaIsAClearError) {
  auto chart = LoadChartFiles({{"Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"},
                               {"values.schema.json", "{not json"}});
  ASSERT_TRUE(chart.ok());
  auto out = RenderChart(*chart, Value::NewMap(), {});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("c:\nunable to compile schema"), std::string::npos)
      << out.status().message();
}

TEST(SchemaTest, RefCyclesAreBounded) {
  auto out = ValidateAgainstSchema(
      R"({"definitions":{"a":{"$ref":"#/definitions/a"}},"$ref":"#/definitions/a"})",
      Json::object());
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace flotilla::helm
