// helm.valuesFrom against a real (in-memory SQLite) store: ConfigMaps and Secrets as kubectl
// would create them, merge order and defaults as Fleet's getValues, errors naming the entry.
#include "agent/values_from.h"

#include <gtest/gtest.h>

#include "core/base64.h"
#include "model/resource_type.h"

namespace flotilla::agent {
namespace {

class ValuesFromTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore("sqlite://:memory:");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void Put(const model::ResourceType& type, const char* kind, const std::string& ns,
           const std::string& name, const Json& data) {
    Json o = {{"apiVersion", "v1"},
              {"kind", kind},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"data", data}};
    auto r = store_->Create(type, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  std::unique_ptr<store::Store> store_;
};

TEST_F(ValuesFromTest, ConfigMapThenSecretMergedOverValues) {
  Put(model::ConfigMapType(), "ConfigMap", "apps", "cm",
      {{"values.yaml", "replicas: 2\nimage:\n  tag: v2\n"}});
  Put(model::SecretType(), "Secret", "vault", "sec",
      {{"creds", Base64Encode("password: s3cret\nimage:\n  repo: private\n")}});
  Json options = {
      {"defaultNamespace", "apps"},
      {"helm",
       {{"values", {{"replicas", 1}, {"image", {{"repo", "public"}, {"pull", "Always"}}}}},
        {"valuesFrom",
         {{{"configMapKeyRef", {{"name", "cm"}}},
           {"secretKeyRef", {{"name", "sec"}, {"namespace", "vault"}, {"key", "creds"}}}}}}}}};
  auto r = ResolveValuesFrom(*store_, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Json& v = (*r)["helm"]["values"];
  EXPECT_EQ(v["replicas"], 2);         // the ConfigMap overrides helm.values
  EXPECT_EQ(v["image"]["tag"], "v2");  // maps merge
  EXPECT_EQ(v["image"]["pull"], "Always");
  EXPECT_EQ(v["image"]["repo"], "private");  // the Secret is merged last
  EXPECT_EQ(v["password"], "s3cret");
  EXPECT_FALSE((*r)["helm"].contains("valuesFrom"));
}

TEST_F(ValuesFromTest, NamespaceDefaultsToTheReleaseNamespace) {
  Put(model::ConfigMapType(), "ConfigMap", "forced", "cm", {{"values.yaml", "a: forced\n"}});
  Put(model::ConfigMapType(), "ConfigMap", "default", "cm", {{"values.yaml", "a: default\n"}});
  Json refs = {{{"configMapKeyRef", {{"name", "cm"}}}}};
  Json forced = {{"namespace", "forced"}, {"helm", {{"valuesFrom", refs}}}};
  EXPECT_EQ((*ResolveValuesFrom(*store_, forced))["helm"]["values"]["a"], "forced");
  Json plain = {{"helm", {{"valuesFrom", refs}}}};
  EXPECT_EQ((*ResolveValuesFrom(*store_, plain))["helm"]["values"]["a"], "default");
  Json none = {{"helm", {{"values", {{"x", 1}}}}}};
  EXPECT_EQ(*ResolveValuesFrom(*store_, none), none);
}

TEST_F(ValuesFromTest, ErrorsNameTheEntryAndObject) {
  Put(model::ConfigMapType(), "ConfigMap", "default", "list", {{"values.yaml", "- a\n- b\n"}});
  Put(model::ConfigMapType(), "ConfigMap", "default", "bad", {{"values.yaml", "a: [\n"}});
  auto run = [&](const Json& ref) {
    Json o = {{"helm", {{"valuesFrom", Json::array({{{"configMapKeyRef", ref}}})}}}};
    auto r = ResolveValuesFrom(*store_, o);
    return r.ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_EQ(run({{"name", "missing"}}),
            "helm.valuesFrom[0].configMapKeyRef: configmap \"default/missing\" not found");
  EXPECT_EQ(run({{"name", "list"}, {"key", "other"}}),
            "helm.valuesFrom[0].configMapKeyRef: configmap \"default/list\" has no key \"other\"");
  EXPECT_EQ(run({{"name", "list"}}),
            "helm.valuesFrom[0].configMapKeyRef: configmap \"default/list\" key \"values.yaml\": "
            "values must be a map");
  EXPECT_NE(run({{"name", "bad"}}).find("invalid YAML"), std::string::npos)
      << run({{"name", "bad"}});
  EXPECT_EQ(run(Json::object()), "helm.valuesFrom[0].configMapKeyRef.name: required");
}

}  // namespace
}  // namespace flotilla::agent
