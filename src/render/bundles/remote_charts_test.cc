// Remote charts in bundles with a fake fetcher: embedding, auth selection, errors, and the
// agent side rendering the embedded chart. Real servers: chartsource_servers_test.sh, e2e.
#include "render/bundles/remote_charts.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace flotilla::render {
namespace {

namespace fs = std::filesystem;

class FakeFetcher : public chartsource::ChartFetcher {
 public:
  StatusOr<chartsource::FetchedChart> Fetch(const chartsource::ChartRef& ref,
                                            const chartsource::ChartAuth& auth) override {
    calls.push_back(ref);
    auths.push_back(auth);
    if (!error.ok()) return error;
    chartsource::FetchedChart c;
    c.name = "web";
    c.version = "1.2.0";
    c.top_dir = "web";
    c.files["Chart.yaml"] = "apiVersion: v2\nname: web\nversion: 1.2.0\n";
    c.files["values.yaml"] = "greeting: hello\n";
    c.files["templates/cm.yaml"] =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-web\ndata:\n"
        "  greeting: {{ .Values.greeting | quote }}\n";
    c.files["charts/blob.bin"] = std::string("\x1f\x8b\xff\xfe", 4);
    return c;
  }
  std::vector<chartsource::ChartRef> calls;
  std::vector<chartsource::ChartAuth> auths;
  Status error;
};

Json FleetYaml() {
  return Json::parse(R"({"helm": {"repo": "https://charts.example.com/stable", "chart": "web",
    "version": "^1.0.0", "releaseName": "rel", "values": {"greeting": "from-fleet"}},
    "targetCustomizations": [{"name": "same", "helm": {"repo": "https://charts.example.com/stable",
    "chart": "web", "version": "^1.0.0"}}]})");
}

TEST(RemoteChartsTest, EmbedsAndRewrites) {
  FakeFetcher f;
  BuildOptions o;
  o.chart_fetcher = &f;
  o.chart_auth = {"u", "p", "", false};
  Json fy = FleetYaml();
  Json resources = Json::array({{{"name", "fleet.yaml"}, {"content", "x"}}});
  ASSERT_TRUE(EmbedRemoteCharts(o, "app", &fy, &resources).ok());
  ASSERT_EQ(f.calls.size(), 1u);  // the target's identical chart is embedded once
  EXPECT_EQ(f.calls[0].repo, "https://charts.example.com/stable");
  EXPECT_EQ(f.calls[0].version, "^1.0.0");
  EXPECT_EQ(f.auths[0].username, "u");
  std::string chart = fy["helm"]["chart"];
  EXPECT_EQ(chart.rfind(".chart/", 0), 0u);
  EXPECT_EQ(chart.size(), 7u + 64u);
  EXPECT_FALSE(fy["helm"].contains("repo"));
  EXPECT_EQ(fy["targetCustomizations"][0]["helm"]["chart"], chart);
  bool found_chart_yaml = false, found_b64 = false;
  for (const Json& r : resources) {
    if (r["name"] == chart + "/web/Chart.yaml") found_chart_yaml = true;
    if (r["name"] == chart + "/web/charts/blob.bin")
      found_b64 = r.value("encoding", "") == "base64";
  }
  EXPECT_TRUE(found_chart_yaml);
  EXPECT_TRUE(found_b64);
  EXPECT_NO_THROW((void)resources.dump());

  // The agent side: helm.chart names the embedded directory, which is rendered with the values.
  ManifestOptions mo;
  mo.helm = fy["helm"];
  mo.default_namespace = "apps";
  auto objs = ParseManifests(resources, mo);
  ASSERT_TRUE(objs.ok()) << objs.status().message();
  ASSERT_EQ(objs->size(), 1u);
  EXPECT_EQ((*objs)[0]["metadata"]["name"], "rel-web");
  EXPECT_EQ((*objs)[0]["metadata"]["namespace"], "apps");
  EXPECT_EQ((*objs)[0]["data"]["greeting"], "from-fleet");
}

TEST(RemoteChartsTest, NoFetcherIsAClearError) {
  BuildOptions o;
  Json fy = FleetYaml();
  Json resources = Json::array();
  Status s = EmbedRemoteCharts(o, "app", &fy, &resources);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("app/fleet.yaml: chart repo=https://charts.example.com/stable "
                             "chart=web version=^1.0.0"),
            std::string::npos)
      << s.message();
}

TEST(RemoteChartsTest, FetchErrorsNameFleetYamlAndChart) {
  FakeFetcher f;
  f.error = Status(StatusCode::kUnauthenticated, "index at https://charts.example.com: 401");
  BuildOptions o;
  o.chart_fetcher = &f;
  Json fy = Json::parse(R"({"helm": {"chart": "oci://reg.example.com/charts/web"}})");
  Json resources = Json::array();
  Status s = EmbedRemoteCharts(o, "", &fy, &resources);
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(s.message().find("fleet.yaml: chart repo= chart=oci://reg.example.com/charts/web"),
            std::string::npos)
      << s.message();
}

TEST(RemoteChartsTest, RepoUrlRegexAndPathCredentials) {
  FakeFetcher f;
  BuildOptions o;
  o.chart_fetcher = &f;
  o.chart_auth = {"u", "p", "CA", false};
  o.helm_repo_url_regex = "^https://other\\.example\\.com/";
  Json fy = FleetYaml();
  Json resources = Json::array();
  ASSERT_TRUE(EmbedRemoteCharts(o, "app", &fy, &resources).ok());
  EXPECT_EQ(f.auths[0].username, "");  // not sent to a non-matching URL
  EXPECT_EQ(f.auths[0].password, "");
  EXPECT_EQ(f.auths[0].ca_bundle, "CA");  // TLS settings still apply

  o.helm_repo_url_regex = "charts\\.example\\.com";
  fy = FleetYaml();
  ASSERT_TRUE(EmbedRemoteCharts(o, "app", &fy, &resources).ok());
  EXPECT_EQ(f.auths[1].username, "u");

  o.chart_auth_for_paths["app"] = {"path-user", "path-pw", "", true};
  fy = FleetYaml();
  ASSERT_TRUE(EmbedRemoteCharts(o, "app", &fy, &resources).ok());
  EXPECT_EQ(f.auths[2].username, "path-user");
  EXPECT_TRUE(f.auths[2].insecure_skip_tls_verify);

  o.helm_repo_url_regex = "([";
  o.chart_auth_for_paths.clear();
  fy = FleetYaml();
  EXPECT_EQ(EmbedRemoteCharts(o, "app", &fy, &resources).code(), StatusCode::kInvalidArgument);
}

TEST(RemoteChartsTest, EmbeddedChartFiles) {
  Json resources =
      Json::array({{{"name", "sub/Chart.yaml"}, {"content", "name: a"}},
                   {{"name", "sub/x.bin"}, {"content", "aGk="}, {"encoding", "base64"}},
                   {{"name", "other.yaml"}, {"content", "{}"}}});
  auto files = EmbeddedChartFiles(resources, Json{{"chart", "./sub/"}});
  ASSERT_TRUE(files.ok());
  ASSERT_TRUE(files->has_value());
  EXPECT_EQ((**files).at("x.bin"), "hi");
  EXPECT_EQ((**files).count("other.yaml"), 0u);
  EXPECT_FALSE(EmbeddedChartFiles(resources, Json::object())->has_value());
  EXPECT_EQ(EmbeddedChartFiles(resources, Json{{"chart", "nope"}}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(EmbeddedChartFiles(Json::array({{{"name", "d/x.yaml"}, {"content", ""}}}),
                               Json{{"chart", "d"}})
                .status()
                .code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace flotilla::render
