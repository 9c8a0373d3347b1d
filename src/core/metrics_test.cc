#include "core/metrics.h"

#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <vector>

namespace flotilla::metrics {
namespace {

TEST(FormatValueTest, MatchesGoFormatFloatG) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(1), "1");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(0.005), "0.005");
  EXPECT_EQ(FormatValue(2.5), "2.5");
  EXPECT_EQ(FormatValue(123456), "123456");
  EXPECT_EQ(FormatValue(1e6), "1e+06");
  EXPECT_EQ(FormatValue(24576000), "2.4576e+07");
  EXPECT_EQ(FormatValue(0.0001), "0.0001");
  EXPECT_EQ(FormatValue(0.00001), "1e-05");
  EXPECT_EQ(FormatValue(1e-8), "1e-08");
  EXPECT_EQ(FormatValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatValue(1e100), "1e+100");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(RegistryTest, SerializesCountersAndGaugesExactly) {
  Registry r;
  auto& syncs = r.AddCounter("flotilla_syncs_total", "Syncs by result.");
  syncs.WithLabels({{"result", "success"}}).Inc();
  syncs.WithLabels({{"result", "success"}}).Inc(2);
  syncs.WithLabels({{"result", "error"}}).Inc();
  syncs.WithLabels({{"result", "error"}}).Inc(-5);  // ignored: counters only go up
  auto& depth = r.AddGauge("a_depth", "Queue depth.");
  depth.WithLabels().Set(7);
  depth.WithLabels().Dec(2.5);
  EXPECT_EQ(r.Serialize(),
            "# HELP a_depth Queue depth.\n"
            "# TYPE a_depth gauge\n"
            "a_depth 4.5\n"
            "# HELP flotilla_syncs_total Syncs by result.\n"
            "# TYPE flotilla_syncs_total counter\n"
            "flotilla_syncs_total{result=\"error\"} 1\n"
            "flotilla_syncs_total{result=\"success\"} 3\n");
}

TEST(RegistryTest, EscapesLabelValuesAndHelp) {
  Registry r;
  r.AddGauge("g", "Help with \\ backslash\nand newline \"quoted\".")
      .WithLabels({{"path", "C:\\x\n\"y\""}, {"a", "1"}})
      .Set(1);
  EXPECT_EQ(r.Serialize(),
            "# HELP g Help with \\\\ backslash\\nand newline \"quoted\".\n"
            "# TYPE g gauge\n"
            "g{a=\"1\",path=\"C:\\\\x\\n\\\"y\\\"\"} 1\n");
}

TEST(RegistryTest, SerializesHistogramsWithCumulativeBuckets) {
  Registry r;
  auto& h = r.AddHistogram("sync_seconds", "Sync duration.", {0.1, 1, 10});
  auto& child = h.WithLabels({{"kind", "gitrepo"}});
  child.Observe(0.05);
  child.Observe(0.1);  // upper bounds are inclusive
  child.Observe(3);
  child.Observe(100);
  EXPECT_EQ(r.Serialize(),
            "# HELP sync_seconds Sync duration.\n"
            "# TYPE sync_seconds histogram\n"
            "sync_seconds_bucket{kind=\"gitrepo\",le=\"0.1\"} 2\n"
            "sync_seconds_bucket{kind=\"gitrepo\",le=\"1\"} 2\n"
            "sync_seconds_bucket{kind=\"gitrepo\",le=\"10\"} 3\n"
            "sync_seconds_bucket{kind=\"gitrepo\",le=\"+Inf\"} 4\n"
            "sync_seconds_sum{kind=\"gitrepo\"} 103.15\n"
            "sync_seconds_count{kind=\"gitrepo\"} 4\n");
}

TEST(RegistryTest, HistogramWithoutLabelsAndDefaultBuckets) {
  Registry r;
  r.AddHistogram("h", "H.").WithLabels().Observe(0.2);
  std::string s = r.Serialize();
  EXPECT_NE(s.find("h_bucket{le=\"0.005\"} 0\n"), std::string::npos) << s;
  EXPECT_NE(s.find("h_bucket{le=\"0.25\"} 1\n"), std::string::npos) << s;
  EXPECT_NE(s.find("h_bucket{le=\"+Inf\"} 1\n"), std::string::npos) << s;
  EXPECT_NE(s.find("h_sum 0.2\nh_count 1\n"), std::string::npos) << s;
}

TEST(RegistryTest, CallbackGaugesAreComputedAtScrapeTime) {
  Registry r;
  int calls = 0;
  auto& f = r.AddGauge("workqueue_depth", "Depth.");
  f.SetCallback({{"name", "gitrepo"}}, [&] { return static_cast<double>(++calls); });
  EXPECT_EQ(r.Serialize(),
            "# HELP workqueue_depth Depth.\n# TYPE workqueue_depth gauge\n"
            "workqueue_depth{name=\"gitrepo\"} 1\n");
  EXPECT_EQ(r.Serialize(),
            "# HELP workqueue_depth Depth.\n# TYPE workqueue_depth gauge\n"
            "workqueue_depth{name=\"gitrepo\"} 2\n");
  f.Remove({{"name", "gitrepo"}});
  EXPECT_EQ(r.Serialize(), "");  // families without children are omitted
  EXPECT_EQ(calls, 2);
}

TEST(RegistryTest, ReRegisteringReturnsTheSameFamily) {
  Registry r;
  auto& a = r.AddCounter("c_total", "C.");
  auto& b = r.AddCounter("c_total", "C.");
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.WithLabels({{"x", "1"}}), &b.WithLabels({{"x", "1"}}));
}

TEST(RegistryDeathTest, RejectsBadNamesAndTypeClashes) {
  Registry r;
  r.AddCounter("c_total", "C.");
  EXPECT_DEATH(r.AddGauge("c_total", "C."), "two types");
  EXPECT_DEATH(r.AddGauge("1bad", "B."), "invalid metric name");
  EXPECT_DEATH(r.AddGauge("ok", "B.").WithLabels({{"bad-label", "x"}}), "invalid label name");
  EXPECT_DEATH(r.AddHistogram("hh", "H.").WithLabels({{"le", "x"}}), "invalid label name");
}

TEST(RegistryTest, ConcurrentIncrementsAreNotLost) {
  Registry r;
  Counter& c = r.AddCounter("n_total", "N.").WithLabels();
  Histogram& h = r.AddHistogram("d", "D.", {1}).WithLabels();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.Inc();
        h.Observe(i % 2 ? 0.5 : 2);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), 80000);
  Histogram::Snapshot s = h.Collect();
  EXPECT_EQ(s.count, 80000u);
  EXPECT_EQ(s.cumulative[0], 40000u);
  EXPECT_EQ(s.sum, 40000 * 0.5 + 40000 * 2.0);
}

TEST(RegistryTest, DefaultRegistryIsASingleton) {
  EXPECT_EQ(&DefaultRegistry(), &DefaultRegistry());
}

TEST(BucketsTest, Helpers) {
  EXPECT_EQ(ExponentialBuckets(1, 10, 3), (std::vector<double>{1, 10, 100}));
  EXPECT_EQ(LinearBuckets(1, 2, 3), (std::vector<double>{1, 3, 5}));
}

}  // namespace
}  // namespace flotilla::metrics
