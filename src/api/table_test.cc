#include "api/table.h"

#include <gtest/gtest.h>

namespace flotilla::api {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(TableTest, HumanDuration) {
  EXPECT_EQ(HumanDuration(seconds(-5)), "<invalid>");
  EXPECT_EQ(HumanDuration(seconds(-1)), "0s");
  EXPECT_EQ(HumanDuration(seconds(0)), "0s");
  EXPECT_EQ(HumanDuration(seconds(45)), "45s");
  EXPECT_EQ(HumanDuration(seconds(119)), "119s");
  EXPECT_EQ(HumanDuration(minutes(2)), "2m");
  EXPECT_EQ(HumanDuration(minutes(5) + seconds(12)), "5m12s");
  EXPECT_EQ(HumanDuration(minutes(15) + seconds(12)), "15m");
  EXPECT_EQ(HumanDuration(minutes(179)), "179m");
  EXPECT_EQ(HumanDuration(hours(3)), "3h");
  EXPECT_EQ(HumanDuration(hours(3) + minutes(10)), "3h10m");
  EXPECT_EQ(HumanDuration(hours(30)), "30h");
  EXPECT_EQ(HumanDuration(hours(48)), "2d");
  EXPECT_EQ(HumanDuration(hours(52)), "2d4h");
  EXPECT_EQ(HumanDuration(hours(24 * 400)), "400d");
  EXPECT_EQ(HumanDuration(hours(24 * (365 * 2 + 30))), "2y30d");
  EXPECT_EQ(HumanDuration(hours(24 * 365 * 9)), "9y");
}

TEST(TableTest, ColumnPaths) {
  Json obj = Json::parse(R"({
    "metadata": {"name": "x", "labels": {"fleet.cattle.io/commit": "abc"}},
    "spec": {"repo": "https://example.com/r", "paths": ["a", "b"]},
    "status": {"conditions": [{"type": "Stalled", "status": "False"},
                              {"type": "Ready", "status": "True", "message": "all good"}]}})");
  EXPECT_EQ(EvaluateColumnPath(obj, "spec.repo"), "https://example.com/r");
  EXPECT_EQ(EvaluateColumnPath(obj, "status.conditions[Ready].message"), "all good");
  EXPECT_EQ(EvaluateColumnPath(obj, "status.conditions[Ready].status"), "True");
  EXPECT_TRUE(EvaluateColumnPath(obj, "status.conditions[Accepted].status").is_null());
  EXPECT_EQ(EvaluateColumnPath(obj, "spec.paths[1]"), "b");
  EXPECT_EQ(EvaluateColumnPath(obj, "metadata.labels.fleet\\.cattle\\.io/commit"), "abc");
  EXPECT_TRUE(EvaluateColumnPath(obj, "status.commit").is_null());
  EXPECT_TRUE(EvaluateColumnPath(obj, "spec.repo.x").is_null());
}

TEST(TableTest, AcceptHeader) {
  EXPECT_EQ(TableVersionFromAccept("application/json;as=Table;v=v1;g=meta.k8s.io,application/"
                                   "json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"),
            "meta.k8s.io/v1");
  EXPECT_EQ(TableVersionFromAccept("application/json;as=Table;v=v1beta1;g=meta.k8s.io"),
            "meta.k8s.io/v1beta1");
  EXPECT_EQ(TableVersionFromAccept("application/json, */*"), std::nullopt);
  EXPECT_EQ(TableVersionFromAccept(""), std::nullopt);
  EXPECT_EQ(TableVersionFromAccept("application/json;g=apidiscovery.k8s.io;v=v2;as="
                                   "APIGroupDiscoveryList"),
            std::nullopt);
}

TEST(TableTest, GitRepoTable) {
  Json obj = Json::parse(R"({
    "apiVersion": "fleet.cattle.io/v1alpha1", "kind": "GitRepo",
    "metadata": {"name": "demo", "namespace": "fleet-local", "resourceVersion": "7",
                 "creationTimestamp": "2026-11-25T10:00:00Z", "managedFields": [{}]},
    "spec": {"repo": "https://example.com/r"},
    "status": {"commit": "abc123", "display": {"readyBundleDeployments": "1/1"},
               "conditions": [{"type": "Ready", "status": "True", "message": ""}]}})");
  TableOptions opts;
  ASSERT_TRUE(ParseRfc3339("2026-11-25T10:05:12Z", &opts.now));
  Json t = BuildTable(model::GitRepoType(), {obj}, opts, "42", "next");
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(t["metadata"]["resourceVersion"], "42");
  EXPECT_EQ(t["metadata"]["continue"], "next");
  const Json& cols = t["columnDefinitions"];
  ASSERT_EQ(cols.size(), model::GitRepoType().columns.size() + 1);
  EXPECT_EQ(cols[0]["name"], "Name");
  EXPECT_EQ(cols[0]["format"], "name");
  EXPECT_EQ(cols[1]["name"], "Repo");
  EXPECT_EQ(cols.back()["name"], "Age");
  bool wide_found = false;
  for (const Json& c : cols)
    if (c["name"] == "Polled") wide_found = c["priority"] == 1;
  EXPECT_TRUE(wide_found);
  ASSERT_EQ(t["rows"].size(), 1u);
  const Json& cells = t["rows"][0]["cells"];
  ASSERT_EQ(cells.size(), cols.size());
  EXPECT_EQ(cells[0], "demo");
  EXPECT_EQ(cells[1], "https://example.com/r");
  EXPECT_EQ(cells[2], "abc123");
  EXPECT_EQ(cells[3], "1/1");
  EXPECT_EQ(cells[4], "");
  EXPECT_EQ(cells.back(), "5m12s");
  const Json& o = t["rows"][0]["object"];
  EXPECT_EQ(o["kind"], "PartialObjectMetadata");
  EXPECT_EQ(o["metadata"]["namespace"], "fleet-local");
  EXPECT_FALSE(o["metadata"].contains("managedFields"));
  EXPECT_FALSE(o.contains("spec"));

  opts.include_object = IncludeObject::kNone;
  opts.no_headers = true;
  Json bare = BuildTable(model::GitRepoType(), {obj}, opts, "42");
  EXPECT_TRUE(bare["columnDefinitions"].empty());
  EXPECT_FALSE(bare["rows"][0].contains("object"));
  EXPECT_FALSE(bare["metadata"].contains("continue"));
}

TEST(TableTest, MissingValuesAreNull) {
  Json obj = {{"metadata", {{"name", "x"}}}};
  Json row = TableRow(model::GitRepoType(), obj, TableOptions());
  EXPECT_TRUE(row["cells"][2].is_null());
  EXPECT_TRUE(row["cells"].back().is_null());
}

}  // namespace
}  // namespace flotilla::api
