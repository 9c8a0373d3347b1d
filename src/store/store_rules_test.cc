// Unit tests of the database-independent pieces: object rules, continue tokens, the object cache
// and the watch log's retention.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "store/json_memory.h"
#include "store/object_cache.h"
#include "store/object_rules.h"
#include "store/watch_log.h"

namespace flotilla::store {
namespace {

using std::chrono::milliseconds;

TEST(ObjectRulesTest, QualifiedResourceAndMessages) {
  EXPECT_EQ(QualifiedResource(model::GitRepoType()), "gitrepos.fleet.cattle.io");
  EXPECT_EQ(QualifiedResource(model::SecretType()), "secrets");
  EXPECT_EQ(NotFoundError(model::BundleType(), "b").message(),
            "bundles.fleet.cattle.io \"b\" not found");
  EXPECT_EQ(ConflictError(model::ConfigMapType(), "c").code(), StatusCode::kConflict);
}

TEST(ObjectRulesTest, UidsAndGeneratedNames) {
  std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 100; i++) {
    std::string u = NewUid();
    EXPECT_TRUE(std::regex_match(u, uuid)) << u;
    seen.insert(u);
    std::string n = GenerateNameFrom("x-");
    EXPECT_TRUE(std::regex_match(n, std::regex("^x-[bcdfghjklmnpqrstvwxz2456789]{5}$"))) << n;
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(ObjectRulesTest, ContinueTokenRoundTrip) {
  for (const ContinueToken& t : {ContinueToken{1, "", "a"}, ContinueToken{99, "ns-1", "n.x-y"},
                                 ContinueToken{123456789, "a", "b\"c"}}) {
    auto back = DecodeContinue(EncodeContinue(t));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->resource_version, t.resource_version);
    EXPECT_EQ(back->ns, t.ns);
    EXPECT_EQ(back->name, t.name);
  }
  EXPECT_FALSE(DecodeContinue("%%%").ok());
  EXPECT_FALSE(DecodeContinue("e30=").ok());  // "{}"
}

TEST(ObjectRulesTest, UpdateOfAnObjectWithoutStatusSubresource) {
  const ResourceType& cm = model::ConfigMapType();
  Json stored = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata",
                  {{"name", "c"},
                   {"namespace", "n"},
                   {"uid", "u"},
                   {"resourceVersion", "5"},
                   {"generation", 1}}},
                 {"data", {{"a", "1"}}}};
  Json in = stored;
  in["data"]["a"] = "2";
  auto out = ApplyUpdate(cm, stored, in);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->action, WriteOutcome::Action::kUpdate);
  EXPECT_EQ(out->object["data"]["a"], "2");
  EXPECT_EQ(out->object["metadata"]["generation"], 2);
  auto same = ApplyUpdate(cm, stored, stored);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->action, WriteOutcome::Action::kNone);
}

TEST(ObjectCacheTest, BoundedLru) {
  auto obj = std::make_shared<const Json>(Json{{"a", 1}});
  const size_t one = ApproxJsonMemory(*obj);
  ObjectCache cache(16 * (one + one / 2));  // room for one such object per shard
  EXPECT_EQ(cache.Insert(16, obj), one);
  cache.Insert(32, obj);  // same shard: evicts 16
  EXPECT_EQ(cache.Find(16), nullptr);
  EXPECT_EQ(cache.Find(32), obj);
  auto big = std::make_shared<const Json>(Json{{"a", std::string(4 * one, 'x')}});
  cache.Insert(1, big);  // larger than a shard: not cached
  EXPECT_EQ(cache.Find(1), nullptr);
  cache.Erase(32);
  EXPECT_EQ(cache.Find(32), nullptr);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(JsonMemoryTest, CountsHeapOfParsedValues) {
  Json list = Json::array();
  for (int i = 0; i < 1000; i++) list.push_back(std::string(100, 'a' + i % 26));
  const size_t strings = ApproxJsonMemory(list);
  EXPECT_GE(strings, 1000u * 100);      // the characters themselves
  EXPECT_LE(strings, 1000u * 100 * 3);  // plus bounded per-node overhead
  // Small maps cost several times their compact JSON: the reason caches count this.
  Json obj = Json::object();
  for (int i = 0; i < 1000; i++) obj["k" + std::to_string(i)] = i;
  EXPECT_GT(ApproxJsonMemory(obj), 4 * obj.dump().size());
  Json copy = list;  // a copy has capacity == size, as the nested one below
  EXPECT_GT(ApproxJsonMemory(Json{{"a", list}}), ApproxJsonMemory(copy));
}

WatchLog::Entry Entry(int64_t rv, const std::string& kind, size_t bytes = 10) {
  WatchLog::Entry e;
  e.resource_version = rv;
  e.kind_key = kind;
  e.type = WatchEventType::kAdded;
  e.object = std::make_shared<const Json>(Json{{"metadata",
                                                {{"name", "o" + std::to_string(rv)},
                                                 {"namespace", "ns"},
                                                 {"resourceVersion", std::to_string(rv)}}}});
  e.bytes = bytes;
  return e;
}

TEST(WatchLogTest, RetentionByBytes) {
  WatchLog::Limits limits;
  limits.max_bytes = 100;
  auto log = WatchLog::Create(0, limits);
  for (int rv = 1; rv <= 20; rv++) log->Append(Entry(rv, "k"));
  EXPECT_EQ(log->size(), 10u);
  EXPECT_EQ(log->horizon(), 10);
  EXPECT_EQ(log->last_resource_version(), 20);
  EXPECT_EQ(log->Watch(WatchLog::Filter{"k", "", {}, {}, false, "", ""}, 9, {}).status().code(),
            StatusCode::kGone);
  auto w = log->Watch(WatchLog::Filter{"k", "", {}, {}, false, "", ""}, 10, {});
  ASSERT_TRUE(w.ok());
  for (int rv = 11; rv <= 20; rv++) {
    auto e = (*w)->Next(milliseconds(1000));
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->resource_version, rv);
  }
}

TEST(WatchLogTest, KindsAndNamespacesAreFiltered) {
  auto log = WatchLog::Create(0, {});
  auto w = log->Watch(WatchLog::Filter{"k", "other-ns", {}, {}, false, "", ""}, 0, {});
  auto all = log->Watch(WatchLog::Filter{"k", "", {}, {}, false, "", ""}, 0, {});
  ASSERT_TRUE(w.ok() && all.ok());
  log->Append(Entry(1, "k"));
  log->Append(Entry(2, "other-kind"));
  EXPECT_FALSE((*w)->Next(milliseconds(10)).has_value());
  auto e = (*all)->Next(milliseconds(1000));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->resource_version, 1);
  EXPECT_FALSE((*all)->Next(milliseconds(10)).has_value());
  log->Close();
  EXPECT_FALSE((*all)->Next(milliseconds(1000)).has_value());
  EXPECT_TRUE((*all)->stopped());
  EXPECT_EQ(log->Watch(WatchLog::Filter{"k", "", {}, {}, false, "", ""}, 0, {}).status().code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace flotilla::store
