#include "model/content.h"

#include <gtest/gtest.h>

#include "core/base64.h"
#include "core/gzip.h"
#include "core/hash.h"
#include "model/deployment.h"
#include "model/keys.h"

namespace flotilla::model {
namespace {

const Json kResources =
    Json::array({{{"name", "cm.yaml"},
                  {"content", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"}}});

TEST(ContentTest, NamedAsFleetsManifestIdAndRoundTrips) {
  auto content = ContentFor(kResources);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  const std::string name = (*content)["metadata"]["name"];
  EXPECT_EQ(name.size(), 63u) << "a label value: at most 63 characters";
  EXPECT_EQ(name, ("s-" + ResourcesHash(kResources)).substr(0, 63));
  EXPECT_EQ((*content)["kind"], "Content");
  auto resources = ContentResources(*content);
  ASSERT_TRUE(resources.ok()) << resources.status().ToString();
  EXPECT_EQ(*resources, kResources);
  // sha256sum is over the uncompressed manifest, as Fleet's.
  auto gz = Base64Decode((*content)["content"].get<std::string>());
  ASSERT_TRUE(gz.ok());
  auto manifest = Gunzip(*gz, 1 << 20);
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(Sha256Hex(*manifest), (*content)["sha256sum"]);
  EXPECT_EQ(Json::parse(*manifest), Json({{"resources", kResources}}));
}

TEST(ContentTest, TheDeploymentIdNamesItsContent) {
  Json bundle = {{"metadata", {{"name", "app"}, {"namespace", "fleet-local"}}},
                 {"spec", {{"resources", kResources}}}};
  Json bd = BundleDeploymentFor(bundle, "local", Json::object());
  const std::string id = bd["spec"]["deploymentID"];
  EXPECT_EQ(ContentName(id), ContentId(kResources));
  EXPECT_EQ(id.substr(ContentName(id).size(), 1), ":");
  EXPECT_EQ(bd["metadata"]["labels"][kContentNameLabel], ContentId(kResources));
  EXPECT_EQ(ContentName(""), "");
}

TEST(ContentTest, TamperedOrForeignContentIsRefused) {
  auto content = ContentFor(kResources);
  ASSERT_TRUE(content.ok());
  Json bad = *content;
  bad["sha256sum"] = std::string(64, '0');
  EXPECT_EQ(ContentResources(bad).status().code(), StatusCode::kInvalidArgument);
  bad = *content;
  bad["content"] = "not base64!";
  EXPECT_EQ(ContentResources(bad).status().code(), StatusCode::kInvalidArgument);
  bad = *content;
  bad["metadata"]["name"] = ContentId(Json::array());  // the name promises other resources
  auto r = ContentResources(bad);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("do not match"), std::string::npos) << r.status().message();
  // A gzip bomb stops at the limit.
  const std::string big(kMaxContentManifestBytes + 1, ' ');
  bad = *content;
  bad["content"] = Base64Encode(*Gzip(big));
  EXPECT_EQ(ContentResources(bad).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flotilla::model
