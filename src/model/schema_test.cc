#include "model/schema.h"

#include <gtest/gtest.h>

#include "core/yaml.h"

namespace flotilla::model {
namespace {

Json Y(std::string_view yaml) {
  auto v = ParseYaml(yaml);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : Json();
}

TEST(SchemaTest, FleetGitRepoFieldsAreKnown) {
  // Every spec field of Fleet v0.16's GitRepo, plus ociRegistry from older releases.
  Json repo = Y(R"(
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata: {name: r, namespace: fleet-local, labels: {a: b}, annotations: {x: y}}
spec:
  repo: https://example.com/r
  branch: main
  revision: v1
  targetNamespace: ns
  paths: [a, b]
  bundles: [{base: a, options: fleet.yaml}]
  clientSecretName: s
  helmSecretName: h
  helmSecretNameForPaths: hp
  helmRepoURLRegex: ".*"
  caBundle: Y2E=
  insecureSkipTLSVerify: true
  serviceAccount: sa
  keepResources: true
  deleteNamespace: false
  paused: false
  pollingInterval: 15s
  disablePolling: false
  forceSyncGeneration: 1
  imageScanInterval: 1m
  imageScanCommit: {authorName: a, authorEmail: e, messageTemplate: m}
  targets:
  - name: t
    clusterSelector: {matchLabels: {env: prod}, matchExpressions: [{key: k, operator: In, values: [v]}]}
    clusterGroup: g
    clusterGroupSelector: {matchLabels: {a: b}}
    clusterName: c
  correctDrift: {enabled: true, force: false, keepFailHistory: false}
  webhookSecret: w
  ociRegistrySecret: o
  ociRegistry: {reference: r}
status: {anything: [1, 2]}
)");
  EXPECT_EQ(UnknownFields(GitRepoType(), repo), std::vector<std::string>{});
}

TEST(SchemaTest, UnknownFieldsAtEveryLevel) {
  Json repo = Y(R"(
apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata: {name: r, nmespace: x}
bogus: 1
spec:
  repo: https://example.com/r
  brnch: main
  targets: [{clusterName: a}, {clusterSelectr: {}}]
  correctDrift: {enable: true}
)");
  EXPECT_EQ(
      UnknownFields(GitRepoType(), repo),
      (std::vector<std::string>{"bogus", "metadata.nmespace", "spec.brnch",
                                "spec.correctDrift.enable", "spec.targets[1].clusterSelectr"}));
  Json pruned = repo;
  UnknownFields(GitRepoType(), pruned, /*prune=*/true);
  EXPECT_FALSE(pruned.contains("bogus"));
  EXPECT_FALSE(pruned["spec"].contains("brnch"));
  EXPECT_EQ(pruned["spec"]["targets"][1], Json::object());
  EXPECT_EQ(UnknownFields(GitRepoType(), pruned), std::vector<std::string>{});
}

TEST(SchemaTest, FreeFormPartsAreNotChecked) {
  Json bundle = Y(R"(
kind: Bundle
spec:
  helm: {values: {any: {thing: [1]}}, chart: c, releaseName: r}
  resources: [{name: a.yaml, content: x, encoding: base64}]
  targets: [{clusterName: c, helm: {values: {x: 1}}}]
  bogus: 1
)");
  EXPECT_EQ(UnknownFields(BundleType(), bundle), std::vector<std::string>{"spec.bogus"});
  Json secret = Y("kind: Secret\ndata: {a: YQ==}\nstringData: {b: c}\ntype: Opaque\nx: 1\n");
  EXPECT_EQ(UnknownFields(SecretType(), secret), std::vector<std::string>{"x"});
  Json event = Y("kind: Event\nanything: 1\n");
  EXPECT_EQ(UnknownFields(EventType(), event), std::vector<std::string>{});
}

}  // namespace
}  // namespace flotilla::model

namespace flotilla::model {
namespace {

TEST(SchemaTest, FieldsTheStoredObjectHasAreNotReported) {
  Json old = Y("kind: GitRepo\nspec: {repo: r, legacy: 1, targets: [{old: 1}]}\n");
  Json now = Y("kind: GitRepo\nspec: {repo: r, legacy: 2, typo: 1, targets: [{old: 1, new: 1}]}\n");
  EXPECT_EQ(UnknownFields(GitRepoType(), now, /*prune=*/true, &old),
            (std::vector<std::string>{"spec.targets[0].new", "spec.typo"}));
  EXPECT_EQ(now["spec"]["legacy"], 2);
  EXPECT_EQ(now["spec"]["targets"][0], Json({{"old", 1}}));
}

}  // namespace
}  // namespace flotilla::model
