#include "agent/directory/layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flotilla::agent::directory {
namespace {

using ::testing::HasSubstr;

Json Obj(const std::string& api_version, const std::string& kind, Json name, Json ns = nullptr) {
  Json meta = {{"name", name}};
  if (!ns.is_null()) meta["namespace"] = ns;
  return Json{{"apiVersion", api_version}, {"kind", kind}, {"metadata", meta}};
}

std::string PathOf(const Json& obj) {
  StatusOr<ObjectRef> ref = RefOf(obj);
  return ref.ok() ? ref->Path() : "error: " + ref.status().message();
}

TEST(LayoutTest, PathsFollowTheDocumentedLayout) {
  EXPECT_EQ(PathOf(Obj("v1", "ConfigMap", "cfg", "default")), "default/configmap/cfg.yaml");
  EXPECT_EQ(PathOf(Obj("apps/v1", "Deployment", "web", "prod")), "prod/deployment.apps/web.yaml");
  EXPECT_EQ(PathOf(Obj("v1", "Namespace", "prod")), "_cluster/namespace/prod.yaml");
  EXPECT_EQ(PathOf(Obj("rbac.authorization.k8s.io/v1", "ClusterRole", "system:reader")),
            "_cluster/clusterrole.rbac.authorization.k8s.io/system:reader.yaml");
  EXPECT_EQ(PathOf(Obj("fleet.cattle.io/v1alpha1", "GitRepo", "r", "fleet-local")),
            "fleet-local/gitrepo.fleet.cattle.io/r.yaml");
}

TEST(LayoutTest, DescribeNamesKindAndObject) {
  EXPECT_EQ(RefOf(Obj("v1", "ConfigMap", "cfg", "default"))->Describe(), "ConfigMap default/cfg");
  EXPECT_EQ(RefOf(Obj("v1", "Namespace", "prod"))->Describe(), "Namespace prod");
}

TEST(LayoutTest, RejectsNamesThatWouldEscapeTheApplyDir) {
  for (const char* name : {"../../etc/passwd", "/etc/passwd", "..", ".", ".hidden", "a/b", "a\\b",
                           "-x", "a b", "a\nb"}) {
    StatusOr<ObjectRef> ref = RefOf(Obj("v1", "ConfigMap", name, "default"));
    ASSERT_FALSE(ref.ok()) << name;
    EXPECT_EQ(ref.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(ref.status().message(), HasSubstr("metadata.name")) << name;
  }
  StatusOr<ObjectRef> ref = RefOf(Obj("v1", "ConfigMap", "../../etc/passwd", "default"));
  EXPECT_EQ(ref.status().message(),
            "metadata.name \"../../etc/passwd\" is not a valid object name: it must start with a "
            "letter or digit, contain only letters, digits and '-', '.', '_', ':', '@', '+', and "
            "be at most 236 characters");
  EXPECT_FALSE(RefOf(Obj("v1", "ConfigMap", std::string("a\0b", 3), "default")).ok());
  EXPECT_FALSE(RefOf(Obj("v1", "ConfigMap", std::string(237, 'a'), "default")).ok());
  EXPECT_TRUE(RefOf(Obj("v1", "ConfigMap", std::string(236, 'a'), "default")).ok());
}

TEST(LayoutTest, RejectsBadNamespacesKindsAndVersions) {
  for (const char* ns : {"../x", "..", "_cluster", ".flotilla", "a/b", "UPPER", "-a", "a-"}) {
    StatusOr<ObjectRef> ref = RefOf(Obj("v1", "ConfigMap", "x", ns));
    ASSERT_FALSE(ref.ok()) << ns;
    EXPECT_THAT(ref.status().message(), HasSubstr("metadata.namespace")) << ns;
  }
  for (const char* kind : {"../x", "Config/Map", "", "1Kind", "Kind.x"}) {
    StatusOr<ObjectRef> ref = RefOf(Obj("v1", kind, "x", "default"));
    ASSERT_FALSE(ref.ok()) << kind;
    EXPECT_THAT(ref.status().message(), HasSubstr("kind")) << kind;
  }
  for (const char* v : {"../v1", "a/b/c", "", "/v1", "apps/", "..//v1", "Apps/v1", "a..b/v1"}) {
    StatusOr<ObjectRef> ref = RefOf(Obj(v, "ConfigMap", "x", "default"));
    ASSERT_FALSE(ref.ok()) << v;
    EXPECT_THAT(ref.status().message(), HasSubstr("apiVersion")) << v;
  }
}

TEST(LayoutTest, RejectsMalformedObjects) {
  EXPECT_FALSE(RefOf(Json::array()).ok());
  EXPECT_FALSE(RefOf(Json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}}).ok());
  EXPECT_FALSE(RefOf(Obj("v1", "ConfigMap", 42, "default")).ok());
  EXPECT_FALSE(RefOf(Obj("v1", "ConfigMap", "x", Json::array())).ok());
  Json gen = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"generateName", "x-"}}}};
  EXPECT_THAT(RefOf(gen).status().message(), HasSubstr("generateName"));
}

TEST(LayoutTest, EscapeIdIsSafeAndInjective) {
  EXPECT_EQ(EscapeId("ns/bd-name"), "ns%2Fbd-name");
  EXPECT_EQ(EscapeId("../x"), "%2E.%2Fx");
  EXPECT_EQ(EscapeId("a%2Fb"), "a%252Fb");
  EXPECT_NE(EscapeId("a/b"), EscapeId("a%2Fb"));
  std::string long_a(300, 'a'), long_b = long_a + "b";
  EXPECT_LE(EscapeId(long_a).size(), 200u);
  EXPECT_NE(EscapeId(long_a), EscapeId(long_b));
  EXPECT_EQ(EscapeId("x/y").find('/'), std::string::npos);
}

}  // namespace
}  // namespace flotilla::agent::directory
