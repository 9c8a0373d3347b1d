// The pure parts of chart fetching: version selection as Helm, URL resolution, redaction and
// WWW-Authenticate parsing. Fetching against real servers is tested by chartsource_servers_test.sh.
#include <gtest/gtest.h>

#include "render/chartsource/chartsource.h"

namespace flotilla::chartsource {
namespace {

const std::vector<std::string> kVersions = {"0.9.0", "1.0.0",      "1.2.0",
                                            "1.2.5", "1.3.0",      "2.0.0-beta.1",
                                            "2.0.0", "2.1.0-rc.1", "not-a-version"};

std::string Pick(const std::string& c) {
  auto v = SelectVersion(kVersions, c, "chart \"web\"");
  return v.ok() ? *v : "error: " + v.status().message();
}

TEST(SelectVersionTest, EmptyIsNewestStable) { EXPECT_EQ(Pick(""), "2.0.0"); }

TEST(SelectVersionTest, Constraints) {
  EXPECT_EQ(Pick("^1.2.0"), "1.3.0");
  EXPECT_EQ(Pick("~1.2"), "1.2.5");
  EXPECT_EQ(Pick(">=1 <2"), "1.3.0");
  EXPECT_EQ(Pick("1.2.0"), "1.2.0");
  EXPECT_EQ(Pick("<1"), "0.9.0");
  EXPECT_EQ(Pick(">=2.0.0-0"), "2.1.0-rc.1");  // a prerelease constraint admits prereleases
  EXPECT_EQ(Pick("2.0.0-beta.1"), "2.0.0-beta.1");
  EXPECT_EQ(Pick("not-a-version"), "not-a-version");  // exact string match first, as Helm
}

TEST(SelectVersionTest, NoMatchListsAvailable) {
  auto v = SelectVersion(kVersions, "^3", "chart \"web\"");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kNotFound);
  EXPECT_NE(v.status().message().find("no version matches \"^3\""), std::string::npos)
      << v.status().message();
  EXPECT_NE(v.status().message().find("2.1.0-rc.1, 2.0.0, 2.0.0-beta.1, 1.3.0, 1.2.5"),
            std::string::npos)
      << v.status().message();
}

TEST(SelectVersionTest, BadConstraint) {
  auto v = SelectVersion(kVersions, ">>1", "chart \"web\"");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
}

TEST(ResolveChartUrlTest, AsHelm) {
  EXPECT_EQ(ResolveChartUrl("https://h/charts", "web-1.0.0.tgz"), "https://h/charts/web-1.0.0.tgz");
  EXPECT_EQ(ResolveChartUrl("https://h/charts/", "./web-1.0.0.tgz"),
            "https://h/charts/web-1.0.0.tgz");
  EXPECT_EQ(ResolveChartUrl("https://h:8443/charts", "/dl/web.tgz"), "https://h:8443/dl/web.tgz");
  EXPECT_EQ(ResolveChartUrl("https://h/charts", "https://cdn/x.tgz"), "https://cdn/x.tgz");
}

TEST(RedactUrlTest, DropsUserinfo) {
  EXPECT_EQ(RedactUrl("https://bob:hunter2@h:1/p?q=a@b"), "https://h:1/p?q=a@b");
  EXPECT_EQ(RedactUrl("oci://u:p@reg/x"), "oci://reg/x");
  EXPECT_EQ(RedactUrl("https://h/p"), "https://h/p");
}

TEST(ParseAuthenticateTest, Bearer) {
  auto m = ParseAuthenticate(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push")");
  EXPECT_EQ(m["scheme"], "bearer");
  EXPECT_EQ(m["realm"], "https://auth.example/token");
  EXPECT_EQ(m["service"], "registry.example");
  EXPECT_EQ(m["scope"], "repository:a/b:pull,push");
  EXPECT_EQ(ParseAuthenticate(R"(Basic realm="Registry Realm")")["scheme"], "basic");
  EXPECT_TRUE(ParseAuthenticate("").empty());
}

TEST(ChartRefTest, Remote) {
  EXPECT_TRUE((ChartRef{"https://r", "web", ""}).IsRemote());
  EXPECT_TRUE((ChartRef{"", "oci://r/web", "1.0.0"}).IsRemote());
  EXPECT_TRUE((ChartRef{"", "https://r/web-1.0.0.tgz", ""}).IsRemote());
  EXPECT_FALSE((ChartRef{"", "./chart", ""}).IsRemote());
}

TEST(FetcherTest, DeadServerFailsFastNamingTheUrl) {
  HttpFetcherOptions o;
  o.connect_timeout = std::chrono::milliseconds(2000);
  auto f = NewHttpChartFetcher(o);
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  auto r = f->Fetch({"https://127.0.0.1:1/charts", "web", ""}, {"user", "s3cret-pw", "", false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("https://127.0.0.1:1/charts/index.yaml"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("s3cret-pw"), std::string::npos);
}

}  // namespace
}  // namespace flotilla::chartsource
