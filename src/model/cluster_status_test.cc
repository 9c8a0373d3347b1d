#include "model/cluster_status.h"

#include <gtest/gtest.h>

namespace flotilla::model {
namespace {

using std::chrono::seconds;

TEST(ClusterStatusTest, OfflineAfterThreeMissedCheckInsAndBackAtTheNext) {
  const auto t0 = Clock::now();
  Json c = {{"metadata", {{"name", "dev"}, {"namespace", "fleet-default"}}}};
  EXPECT_FALSE(UpdateOffline(c, t0, seconds(1))) << "never checked in: left alone";
  CheckIn(c, t0, "cluster-fleet-default-dev");
  EXPECT_EQ(c["status"]["display"]["state"], "Ready");
  EXPECT_FALSE(UpdateOffline(c, t0 + seconds(2), seconds(1)));
  EXPECT_FALSE(ClusterOffline(c));
  EXPECT_TRUE(UpdateOffline(c, t0 + seconds(5), seconds(1)));
  std::string why;
  EXPECT_TRUE(ClusterOffline(c, &why));
  EXPECT_EQ(c["status"]["display"]["state"], "Offline");
  EXPECT_NE(why.find("last checked in"), std::string::npos) << why;
  EXPECT_FALSE(UpdateOffline(c, t0 + seconds(6), seconds(1))) << "no write when nothing changes";
  CheckIn(c, t0 + seconds(7), "cluster-fleet-default-dev");
  EXPECT_FALSE(ClusterOffline(c));
  EXPECT_EQ(c["status"]["display"]["state"], "Ready");
}

}  // namespace
}  // namespace flotilla::model
