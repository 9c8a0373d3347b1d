#include "api/patch.h"

#include <gtest/gtest.h>

#include "api/admission.h"

namespace flotilla::api {
namespace {

Json J(const char* s) { return Json::parse(s); }

TEST(PatchTest, ContentTypes) {
  EXPECT_EQ(PatchTypeFromContentType("application/merge-patch+json"), PatchType::kMerge);
  EXPECT_EQ(PatchTypeFromContentType("application/json-patch+json; charset=utf-8"),
            PatchType::kJson);
  EXPECT_EQ(PatchTypeFromContentType("application/strategic-merge-patch+json"),
            PatchType::kStrategicMerge);
  EXPECT_EQ(PatchTypeFromContentType("application/apply-patch+yaml"), PatchType::kApply);
  EXPECT_EQ(PatchTypeFromContentType("application/json"), std::nullopt);
}

TEST(PatchTest, MergePatchRfc7386) {
  Json target = J(R"({"a":"b","c":{"d":"e","f":"g"},"l":[1,2]})");
  auto out = ApplyMergePatch(target, J(R"({"a":"z","c":{"f":null},"l":[3],"n":{"x":1}})"));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, J(R"({"a":"z","c":{"d":"e"},"l":[3],"n":{"x":1}})"));
  EXPECT_EQ(*ApplyMergePatch(target, J("[1]")), J("[1]"));
}

TEST(PatchTest, JsonPatchRfc6902) {
  Json target = J(R"({"spec":{"paths":["a"]},"metadata":{"name":"x"}})");
  auto out = ApplyJsonPatch(target, J(R"([
      {"op":"add","path":"/spec/paths/-","value":"b"},
      {"op":"replace","path":"/metadata/name","value":"x"},
      {"op":"test","path":"/spec/paths/0","value":"a"},
      {"op":"remove","path":"/spec/paths/0"}])"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["spec"]["paths"], J(R"(["b"])"));
  auto failed = ApplyJsonPatch(target, J(R"([{"op":"test","path":"/spec/paths/0","value":"z"}])"));
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(ApplyJsonPatch(target, J(R"({"op":"add"})")).ok());
  EXPECT_FALSE(ApplyJsonPatch(target, J(R"([{"op":"remove","path":"/nope"}])")).ok());
}

TEST(PatchTest, StrategicMergeIsAMergeWithDirectives) {
  Json target = J(R"({"data":{"a":"MQ==","b":"Mg=="},"metadata":{"name":"s",
      "finalizers":["x","y"],"annotations":{"k":"v"}},"type":"Opaque"})");
  auto out = ApplyStrategicMergePatch(target, J(R"({
      "data":{"b":null,"c":"Mw=="},
      "$setElementOrder/finalizers":["x"],
      "metadata":{"$deleteFromPrimitiveList/finalizers":["y"],
                  "annotations":{"$patch":"delete"}}})"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["data"], J(R"({"a":"MQ==","c":"Mw=="})"));
  EXPECT_EQ((*out)["metadata"]["finalizers"], J(R"(["x"])"));
  EXPECT_FALSE((*out)["metadata"].contains("annotations"));
  EXPECT_FALSE(out->contains("$setElementOrder/finalizers"));

  auto replaced =
      ApplyStrategicMergePatch(target, J(R"({"data":{"$patch":"replace","z":"MA=="}})"));
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ((*replaced)["data"], J(R"({"z":"MA=="})"));

  auto retained =
      ApplyStrategicMergePatch(target, J(R"({"data":{"$retainKeys":["a","n"],"n":"MA=="}})"));
  ASSERT_TRUE(retained.ok());
  EXPECT_EQ((*retained)["data"], J(R"({"a":"MQ==","n":"MA=="})"));

  EXPECT_FALSE(ApplyStrategicMergePatch(target, J(R"({"data":{"$patch":"bogus"}})")).ok());
}

TEST(PatchTest, StrategicMergeOnADeploymentMergesContainersByName) {
  Json deployment = J(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w"},
      "spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1"},
                                                {"name":"side","image":"busybox"}]}}}})");
  auto out = ApplyStrategicMergePatch(deployment, J(R"({"spec":{"template":{"spec":{
      "containers":[{"name":"app","image":"nginx:2"}]}}}})"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["spec"]["template"]["spec"]["containers"],
            J(R"([{"name":"app","image":"nginx:2"},{"name":"side","image":"busybox"}])"));
  // Without a schema (a kind flotilla does not know), the list is replaced.
  deployment["apiVersion"] = "example.com/v1";
  out = ApplyStrategicMergePatch(deployment, J(R"({"spec":{"template":{"spec":{
      "containers":[{"name":"app","image":"nginx:2"}]}}}})"));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)["spec"]["template"]["spec"]["containers"].size(), 1u);
}

TEST(AdmissionTest, StringDataIsFoldedIntoData) {
  Json secret = J(R"({"data":{"a":"eA==","b":"eQ=="},"stringData":{"b":"hello","c":"hi!"}})");
  FoldStringData(model::SecretType(), secret);
  EXPECT_EQ(secret, J(R"({"data":{"a":"eA==","b":"aGVsbG8=","c":"aGkh"}})"));
  Json cm = J(R"({"stringData":{"a":"b"}})");
  FoldStringData(model::ConfigMapType(), cm);
  EXPECT_TRUE(cm.contains("stringData"));
  Json only = J(R"({"stringData":{"k":""}})");
  FoldStringData(model::SecretType(), only);
  EXPECT_EQ(only, J(R"({"data":{"k":""}})"));
}

TEST(AdmissionTest, TypeMeta) {
  Json obj = J(R"({"metadata":{"name":"x"}})");
  ASSERT_TRUE(CheckTypeMeta(model::GitRepoType(), obj).ok());
  EXPECT_EQ(obj["kind"], "GitRepo");
  EXPECT_EQ(obj["apiVersion"], "fleet.cattle.io/v1alpha1");
  Json wrong = J(R"({"kind":"Bundle"})");
  EXPECT_EQ(CheckTypeMeta(model::GitRepoType(), wrong).code(), StatusCode::kInvalidArgument);
  Json wrong_version = J(R"({"apiVersion":"fleet.cattle.io/v1"})");
  EXPECT_FALSE(CheckTypeMeta(model::GitRepoType(), wrong_version).ok());
}

}  // namespace
}  // namespace flotilla::api
