#include "api/router.h"

#include <gtest/gtest.h>

#include "api/errors.h"
#include "api/http.h"

namespace flotilla::api {
namespace {

TEST(RouterTest, NamespacedObject) {
  auto p = ParseResourcePath("/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-local/gitrepos/x");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->type, &model::GitRepoType());
  EXPECT_EQ(p->ns, "fleet-local");
  EXPECT_EQ(p->name, "x");
  EXPECT_EQ(p->subresource, "");
}

TEST(RouterTest, StatusSubresource) {
  auto p = ParseResourcePath("/apis/fleet.cattle.io/v1alpha1/namespaces/ns/gitrepos/x/status");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->subresource, "status");
  // Secrets have no status subresource; unknown subresources are not found.
  EXPECT_EQ(ParseResourcePath("/api/v1/namespaces/ns/secrets/x/status").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ParseResourcePath("/apis/fleet.cattle.io/v1alpha1/namespaces/ns/gitrepos/x/scale")
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST(RouterTest, CollectionsAndAllNamespaces) {
  auto p = ParseResourcePath("/apis/fleet.cattle.io/v1alpha1/namespaces/ns/gitrepos");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->collection());
  EXPECT_EQ(p->ns, "ns");
  auto all = ParseResourcePath("/apis/fleet.cattle.io/v1alpha1/gitrepos");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->collection());
  EXPECT_EQ(all->ns, "");
  // A namespaced kind cannot be addressed by name without its namespace.
  EXPECT_FALSE(ParseResourcePath("/apis/fleet.cattle.io/v1alpha1/gitrepos/x").ok());
  auto secrets = ParseResourcePath("/api/v1/secrets");
  ASSERT_TRUE(secrets.ok());
  EXPECT_EQ(secrets->type, &model::SecretType());
}

TEST(RouterTest, NamespacesAreClusterScoped) {
  auto list = ParseResourcePath("/api/v1/namespaces");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->type, &model::NamespaceType());
  EXPECT_TRUE(list->collection());
  auto one = ParseResourcePath("/api/v1/namespaces/fleet-local");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->type, &model::NamespaceType());
  EXPECT_EQ(one->name, "fleet-local");
  auto status = ParseResourcePath("/api/v1/namespaces/fleet-local/status");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->subresource, "status");
  auto secret = ParseResourcePath("/api/v1/namespaces/fleet-local/secrets/s");
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(secret->type, &model::SecretType());
  EXPECT_EQ(secret->ns, "fleet-local");
}

TEST(RouterTest, UnknownPaths) {
  for (const char* p : {"/", "/api", "/apis/fleet.cattle.io/v1alpha1", "/apis/x.io/v1/things",
                        "/api/v1/namespaces/ns/gitrepos", "/apis/fleet.cattle.io/v2/gitrepos",
                        "/api/v1/namespaces/ns/secrets/a/b/c"})
    EXPECT_EQ(ParseResourcePath(p).status().code(), StatusCode::kNotFound) << p;
}

TEST(HttpTest, QueryDecoding) {
  auto q = ParseQuery("labelSelector=app%3Dweb%2Ctier%21%3Ddb&watch=1&x=a+b&flag&watch=2");
  EXPECT_EQ(q["labelSelector"], "app=web,tier!=db");
  EXPECT_EQ(q["watch"], "1");
  EXPECT_EQ(q["x"], "a b");
  EXPECT_TRUE(q.count("flag"));
  EXPECT_EQ(PercentDecode("/a%2Fb+c%zz", false), "/a/b+c%zz");
}

TEST(ErrorsTest, MapsEveryCode) {
  EXPECT_EQ(HttpErrorFor(NotFound("x")).code, 404);
  EXPECT_EQ(HttpErrorFor(AlreadyExists("x")).code, 409);
  EXPECT_STREQ(HttpErrorFor(AlreadyExists("x")).reason, "AlreadyExists");
  EXPECT_STREQ(HttpErrorFor(Conflict("x")).reason, "Conflict");
  EXPECT_EQ(HttpErrorFor(InvalidArgument("x")).code, 400);
  EXPECT_EQ(HttpErrorFor(InvalidArgument("x").AddCause({"spec.repo", "Required value"})).code, 422);
  EXPECT_EQ(HttpErrorFor(Gone("x")).code, 410);
  EXPECT_STREQ(HttpErrorFor(Gone("x")).reason, "Expired");
  EXPECT_EQ(HttpErrorFor(Internal("x")).code, 500);
  EXPECT_EQ(HttpErrorFor(Unavailable("x")).code, 503);
}

TEST(ErrorsTest, InvalidStatusShape) {
  Status s = InvalidArgument("GitRepo.fleet.cattle.io \"x\" is invalid: spec.pollingInterval: bad");
  s.AddCause({"spec.pollingInterval", "invalid duration \"5x\"", "FieldValueInvalid"});
  Json j = StatusJson(s, {&model::GitRepoType(), "x"});
  EXPECT_EQ(j["kind"], "Status");
  EXPECT_EQ(j["apiVersion"], "v1");
  EXPECT_EQ(j["status"], "Failure");
  EXPECT_EQ(j["code"], 422);
  EXPECT_EQ(j["reason"], "Invalid");
  EXPECT_EQ(j["details"]["kind"], "GitRepo");
  EXPECT_EQ(j["details"]["group"], "fleet.cattle.io");
  EXPECT_EQ(j["details"]["name"], "x");
  ASSERT_EQ(j["details"]["causes"].size(), 1u);
  EXPECT_EQ(j["details"]["causes"][0]["field"], "spec.pollingInterval");
  EXPECT_EQ(j["details"]["causes"][0]["reason"], "FieldValueInvalid");
  EXPECT_EQ(j["details"]["causes"][0]["message"], "invalid duration \"5x\"");
}

TEST(ErrorsTest, NotFoundNamesTheResource) {
  Json j = StatusJson(NotFound("gitrepos.fleet.cattle.io \"x\" not found"),
                      {&model::GitRepoType(), "x"});
  EXPECT_EQ(j["code"], 404);
  EXPECT_EQ(j["reason"], "NotFound");
  EXPECT_EQ(j["details"]["kind"], "gitrepos");
  EXPECT_FALSE(j["details"].contains("causes"));
  Json core = StatusJson(NotFound("m"), {&model::SecretType(), "s"});
  EXPECT_FALSE(core["details"].contains("group"));
}

}  // namespace
}  // namespace flotilla::api
