// Bundle naming, cross-checked against Fleet's own tests (rancher/fleet
// internal/names/name_test.go): the same inputs must give the same names.
#include "render/bundles/names.h"

#include <gtest/gtest.h>

namespace flotilla::render {
namespace {

const std::string kStr50 = "12345678901234567890123456789012345678901234567890";
const std::string kStr53 = kStr50 + "123";
const std::string kStr63 = kStr50 + "1234567890" + "123";

TEST(NamesTest, LimitMatchesFleet) {
  EXPECT_EQ(LimitName("1234567", 5), "12345");
  EXPECT_EQ(LimitName("1234567", 6), "123456");
  EXPECT_EQ(LimitName("1234567", 7), "1234567");
  EXPECT_EQ(LimitName("1234567", 8), "1234567");
  EXPECT_EQ(LimitName("12345678", 8), "12345678");
  EXPECT_EQ(LimitName("12345678", 7), "1-25d55");
  EXPECT_EQ(LimitName("123456789", 8), "12-25f9e");
  EXPECT_EQ(LimitName("1-3456789", 8), "1-9b657");  // no double dash
}

TEST(NamesTest, HelmReleaseNameMatchesFleet) {
  EXPECT_EQ(HelmReleaseName(kStr53), kStr53);
  EXPECT_EQ(HelmReleaseName(kStr53 + "a"), "12345678901234567890123456789012345678901234567-fdba4");
  EXPECT_EQ(HelmReleaseName(kStr63 + "a"), "12345678901234567890123456789012345678901234567-eb12d");
  EXPECT_EQ(HelmReleaseName("long-name-test-shortpath-with@char"),
            "long-name-test-shortpath-with-char-031bab5e");
  EXPECT_EQ(HelmReleaseName("long-name-test-shortpath-with+char"),
            "long-name-test-shortpath-with-char-21c88393");
  EXPECT_EQ(HelmReleaseName("long-name-test-0.App_ "), "long-name-test-0-app-5bf6b3fb");
  EXPECT_EQ(HelmReleaseName("long-name-test--App_-_12.factor"),
            "long-name-test-app-12-factor-0efbac37");
  EXPECT_EQ(HelmReleaseName("bundle.name.example.com"), "bundle-name-example-com-645ef821");
  EXPECT_EQ(HelmReleaseName(kStr53.substr(0, 46) + "-1234567"),
            "1234567890123456789012345678901234567890123456-d0bce");
}

TEST(NamesTest, BundleNameJoinsRepoAndPathLikeGo) {
  EXPECT_EQ(BundleName("demo", ""), "demo");
  EXPECT_EQ(BundleName("demo", "."), "demo");
  EXPECT_EQ(BundleName("demo", "./apps/web/"), "demo-apps-web");
  EXPECT_EQ(BundleName("demo", "apps//web"), "demo-apps-web");
  // "/" becomes "-" before the collision check, so only the underscore triggers the hash.
  EXPECT_EQ(BundleName("demo", "apps/Web_UI"), HelmReleaseName("demo/apps/Web_UI"));
  EXPECT_EQ(BundleName("demo", "apps/Web_UI").rfind("demo-apps-web-ui-", 0), 0u);
  EXPECT_EQ(BundleName("a-very-long-gitrepo-name", std::string(60, 'x')).size(), 53u);
}

TEST(NamesTest, UnusableNamesFallBackToAChecksum) {
  EXPECT_EQ(HelmReleaseName(""), NameHex("", 24));
  EXPECT_EQ(HelmReleaseName("///"), NameHex("///", 24));
  // Only disallowed characters: the appended hash is all that is left.
  EXPECT_EQ(HelmReleaseName("___"), NameHex("___", 8));
  EXPECT_EQ(NameHex("", 32), "d41d8cd98f00b204e9800998ecf8427e");
}

}  // namespace
}  // namespace flotilla::render
