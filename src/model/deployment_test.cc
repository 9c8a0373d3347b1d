#include "model/deployment.h"

#include <gtest/gtest.h>

#include "model/names.h"

namespace flotilla::model {
namespace {

TEST(DeploymentOptionsTest, PicksOptionFieldsAndMergesMapsOnly) {
  Json spec = {{"defaultNamespace", "a"},
               {"helm", {{"values", {{"x", 1}, {"y", {{"z", 2}}}}}, {"releaseName", "r"}}},
               {"paused", true},
               {"namespace", nullptr},
               {"resources", Json::array()}};
  Json opts = DeploymentOptions(spec);
  EXPECT_EQ(opts, Json({{"defaultNamespace", "a"}, {"helm", spec["helm"]}}));
  Json target = {{"helm", {{"values", {{"y", {{"w", 3}}}}}}}, {"yaml", {{"overlays", {"o"}}}}};
  Json merged = MergeOptions(opts, DeploymentOptions(target));
  EXPECT_EQ(merged["helm"]["values"], Json({{"x", 1}, {"y", {{"z", 2}, {"w", 3}}}}));
  EXPECT_EQ(merged["helm"]["releaseName"], "r");
  EXPECT_EQ(merged["yaml"]["overlays"], Json({"o"}));
  EXPECT_EQ(MergeOptions(opts, Json("not a map")), opts);
}

TEST(DeploymentIdTest, NamesResourcesAndOptions) {
  Json bundle = {{"spec", {{"resources", {{{"name", "a.yaml"}, {"content", "x"}}}}}}};
  std::string id = DeploymentId(bundle, Json::object());
  // Fleet's shape: the manifest ID ("s-" + sha256, cut to 63 characters), ':', the options' hash.
  EXPECT_EQ(id.rfind(("s-" + ResourcesHash(bundle["spec"]["resources"])).substr(0, 63) + ":", 0),
            0u);
  EXPECT_NE(id, DeploymentId(bundle, Json({{"defaultNamespace", "b"}})));
  EXPECT_EQ(DeploymentId(Json(), Json::object()), DeploymentId(Json::object(), Json::object()));
}

TEST(BundleDeploymentForTest, NamesLabelsAndSpec) {
  Json bundle = {{"metadata",
                  {{"name", "app"},
                   {"namespace", "fleet-default"},
                   {"labels", {{"fleet.cattle.io/repo-name", "repo"}}}}},
                 {"spec", {{"resources", Json::array()}, {"dependsOn", {{{"name", "db"}}}}}}};
  Json options = {{"defaultNamespace", "x"}};
  Json bd = BundleDeploymentFor(bundle, "dev-1", options);
  EXPECT_EQ(bd["kind"], "BundleDeployment");
  EXPECT_EQ(bd["metadata"]["name"], "app");
  EXPECT_EQ(bd["metadata"]["namespace"], "cluster-fleet-default-dev-1-89ff3d86c9fe");
  const std::string id = DeploymentId(bundle, options);
  EXPECT_EQ(bd["metadata"]["labels"],
            Json({{"fleet.cattle.io/repo-name", "repo"},
                  {"fleet.cattle.io/bundle-name", "app"},
                  {"fleet.cattle.io/bundle-namespace", "fleet-default"},
                  {"fleet.cattle.io/cluster", "dev-1"},
                  {"fleet.cattle.io/cluster-namespace", "fleet-default"},
                  {"fleet.cattle.io/content-name", id.substr(0, id.find(':'))}}));
  EXPECT_EQ(bd["spec"], Json({{"deploymentID", id},
                              {"stagedDeploymentID", id},
                              {"options", options},
                              {"paused", false},
                              {"dependsOn", {{{"name", "db"}}}}}));
}

TEST(ClusterNamespaceTest, FleetNamesAndLongNamesStayDnsLabels) {
  EXPECT_EQ(ClusterNamespace("fleet-default", "dev-1"), "cluster-fleet-default-dev-1-89ff3d86c9fe");
  // Every Fleet install's local cluster (Fleet's docs and its e2e tests name it).
  EXPECT_EQ(ClusterNamespace("fleet-local", "local"), "cluster-fleet-local-local-1a3d67d0a899");
  std::string a = ClusterNamespace("fleet-default", std::string(60, 'a'));
  std::string b = ClusterNamespace("fleet-default", std::string(60, 'a') + "b");
  EXPECT_EQ(a.size(), 63u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(0, 50), b.substr(0, 50));
  EXPECT_LE(b.size(), 63u);
}

}  // namespace
}  // namespace flotilla::model
