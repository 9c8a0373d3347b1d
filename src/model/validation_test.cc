#include "model/validation.h"

#include <gtest/gtest.h>

#include "model/gitrepo.h"

namespace flotilla::model {
namespace {

Json GitRepo(const std::string& spec) {
  return Json{{"apiVersion", "fleet.cattle.io/v1alpha1"},
              {"kind", "GitRepo"},
              {"metadata", {{"name", "demo"}, {"namespace", "fleet-local"}}},
              {"spec", Json::parse(spec)}};
}

TEST(GitRepoValidationTest, AcceptsFleetExample) {
  Json obj = GitRepo(R"({"repo":"https://github.com/rancher/fleet-examples","paths":["simple"]})");
  EXPECT_TRUE(Validate(GitRepoType(), obj).ok());
  ApplyDefaults(GitRepoType(), obj);
  EXPECT_EQ(obj["spec"]["branch"], "master");
  EXPECT_EQ(obj["spec"]["pollingInterval"], "15s");
}

TEST(GitRepoValidationTest, InvalidDurationNamesTheField) {
  Status s = Validate(GitRepoType(), GitRepo(R"({"repo":"https://x/y","pollingInterval":"5x"})"));
  ASSERT_FALSE(s.ok());
  ASSERT_EQ(s.causes().size(), 1u);
  EXPECT_EQ(s.causes()[0].field, "spec.pollingInterval");
  EXPECT_EQ(s.causes()[0].message, "invalid duration \"5x\"");
  EXPECT_NE(s.message().find("spec.pollingInterval: invalid duration \"5x\""), std::string::npos)
      << s.message();
}

TEST(GitRepoValidationTest, CollectsEveryProblem) {
  Status s = Validate(GitRepoType(), GitRepo(R"({"paths":["../etc", 3],"paused":"yes","typo":1,
                                  "targets":[{"clusterSelector":{"matchExpressions":[{"key":"a","operator":"Bad"}]}}]})"));
  ASSERT_FALSE(s.ok());
  std::set<std::string> fields;
  for (auto& c : s.causes()) fields.insert(c.field);
  EXPECT_TRUE(fields.count("spec.repo"));
  EXPECT_TRUE(fields.count("spec.paths[0]"));
  EXPECT_TRUE(fields.count("spec.paths[1]"));
  EXPECT_TRUE(fields.count("spec.paused"));
  EXPECT_TRUE(fields.count("spec.typo"));
  EXPECT_TRUE(fields.count("spec.targets[0].clusterSelector"));
}

TEST(GitRepoValidationTest, RejectsBadUrlAndName) {
  Json obj = GitRepo(R"({"repo":"not a url"})");
  obj["metadata"]["name"] = "Bad_Name";
  Status s = Validate(GitRepoType(), obj);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.causes().size(), 2u);
}

TEST(GitRepoSpecTest, TypedView) {
  auto spec = ParseGitRepoSpec(Json::parse(
      R"({"repo":"git@github.com:a/b.git","revision":"v1.0","pollingInterval":"1m","forceSyncGeneration":3})"));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->branch, "");
  EXPECT_EQ(spec->revision, "v1.0");
  EXPECT_EQ(spec->polling_interval, std::chrono::minutes(1));
  EXPECT_EQ(spec->force_sync_generation, 3);
}

TEST(MetadataValidationTest, WrongTypesAreFieldErrorsNotCrashes) {
  Json obj = GitRepo(R"({"repo":"https://x/y"})");
  obj["metadata"]["name"] = true;  // what `name: y` becomes under YAML 1.1 rules
  obj["metadata"]["namespace"] = 3;
  Status s = Validate(GitRepoType(), obj);
  ASSERT_FALSE(s.ok());
  std::set<std::string> fields;
  for (auto& c : s.causes()) fields.insert(c.field);
  EXPECT_TRUE(fields.count("metadata.name"));
  EXPECT_TRUE(fields.count("metadata.namespace"));
}

TEST(MetadataValidationTest, Names) {
  EXPECT_TRUE(IsDns1123Subdomain("a.b-c"));
  EXPECT_FALSE(IsDns1123Subdomain("-a"));
  EXPECT_FALSE(IsDns1123Subdomain("A"));
  EXPECT_TRUE(IsDns1123Label("fleet-local"));
  EXPECT_FALSE(IsDns1123Label("a.b"));
}

}  // namespace
}  // namespace flotilla::model
