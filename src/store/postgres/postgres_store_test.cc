// PostgreSQL-specific tests (the Store contract itself is the conformance suite's): the URL and
// its secrets, the schema version, two stores on one database as two replicas, and the
// out-of-order-commit trap that the revision counter avoids.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "store/postgres/postgres_store.h"
#include "store/postgres/schema.h"
#include "store/postgres/test_server.h"
#include "store/testing/conformance.h"

namespace flotilla::store::postgres {
namespace {

using ::flotilla::store::testing::ConfigMap;
using ::flotilla::store::testing::TempDir;
using std::chrono::milliseconds;
constexpr milliseconds kWait{10000};  // bounds a broken test's hang; never asserted on
const ResourceType& kConfigMap = model::ConfigMapType();

std::unique_ptr<PostgresStore> OpenDb(const std::string& db, const std::string& params = "") {
  auto url = testing::DatabaseUrl(db, params);
  EXPECT_TRUE(url.ok()) << url.status().ToString();
  if (!url.ok()) return nullptr;
  auto pg = ParsePgUrl(*url);
  EXPECT_TRUE(pg.ok()) << pg.status().ToString();
  if (!pg.ok()) return nullptr;
  auto store = PostgresStore::Open(*pg);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

std::unique_ptr<Conn> RawConn(const std::string& db) {
  auto url = testing::DatabaseUrl(db);
  auto conn = Conn::Open(*ParsePgUrl(*url), "flotilla-test");
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  return conn.ok() ? std::move(*conn) : nullptr;
}

TEST(PgUrlTest, SplitsFlotillaParametersFromLibpqOnes) {
  auto u = ParsePgUrl(
      "postgres://flotilla@db.example:5433/fleet?sslmode=verify-full&passwordFile=/run/pw&"
      "watch_log_events=500&pool=4&connect_timeout=3&cache_mb=16");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->conninfo,
            "postgres://flotilla@db.example:5433/fleet?sslmode=verify-full&connect_timeout=3");
  EXPECT_EQ(u->password_file, "/run/pw");
  EXPECT_EQ(u->history_events, 500u);
  EXPECT_EQ(u->pool, 4);
  EXPECT_EQ(u->cache_bytes, 16u << 20);
  EXPECT_EQ(ParsePgUrl("postgresql://u@h/d")->conninfo, "postgresql://u@h/d");
  EXPECT_EQ(ParsePgUrl("postgres://u@h/d?pool=0").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePgUrl("postgres://u@h/d?cache_mb=x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePgUrl("mysql://u@h/d").status().code(), StatusCode::kInvalidArgument);
}

TEST(PgUrlTest, PasswordsInTheUrlAreRefusedAndNeverEchoed) {
  for (const char* url : {"postgres://flotilla:hunter2@127.0.0.1/db?sslmode=disable",
                          "postgres://flotilla@127.0.0.1/db?password=hunter2"}) {
    auto u = ParsePgUrl(url);
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(u.status().message(), ::testing::HasSubstr("PGPASSWORD"));
    EXPECT_THAT(u.status().message(), ::testing::Not(::testing::HasSubstr("hunter2")));
    auto opened = OpenStore(url);
    EXPECT_THAT(opened.status().message(), ::testing::Not(::testing::HasSubstr("hunter2")));
  }
  EXPECT_EQ(RedactStoreUrl("postgres://u:s3cret@h:1/d?sslmode=require&password=x&sslpassword=y"),
            "postgres://u:xxxxx@h:1/d?sslmode=require&password=xxxxx&sslpassword=xxxxx");
  EXPECT_EQ(RedactStoreUrl("sqlite:///var/lib/flotilla/flotilla.db"),
            "sqlite:///var/lib/flotilla/flotilla.db");
}

TEST(PostgresStoreTest, AWrongPasswordIsAClearErrorWithoutThePassword) {
  TempDir dir;
  std::ofstream(dir.File("pw")) << "not-the-password\n";
  std::string url = testing::ServerUrl();
  url = url.substr(0, url.find("passwordFile=")) + "passwordFile=" + dir.File("pw");
  auto opened = OpenStore(url);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(opened.status().message(), ::testing::HasSubstr("password authentication failed"));
  EXPECT_THAT(opened.status().message(), ::testing::Not(::testing::HasSubstr("not-the-password")));
  auto missing = OpenStore(url + "-missing");
  EXPECT_THAT(missing.status().message(), ::testing::HasSubstr("cannot read passwordFile"));
}

TEST(PostgresStoreTest, SchemaIsVersionedAndANewerOneIsRefused) {
  const std::string db = "schema_version";
  {
    auto store = OpenDb(db);
    ASSERT_NE(store, nullptr);
  }
  auto conn = RawConn(db);
  ASSERT_NE(conn, nullptr);
  auto v = conn->Exec("SELECT version FROM flotilla_schema_version");
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->rows(), 1);
  EXPECT_EQ(v->int64(0, 0), kSchemaVersion);
  {
    auto again = OpenDb(db);  // opening again migrates nothing
    ASSERT_NE(again, nullptr);
  }
  ASSERT_TRUE(conn->ExecScript("UPDATE flotilla_schema_version SET version = 99").ok());
  auto url = testing::DatabaseUrl(db);
  auto newer = OpenStore(*url);
  EXPECT_EQ(newer.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(newer.status().message(), ::testing::HasSubstr("newer than this flotilla supports"));
}

// Two stores on one database are two replicas: writers on both at once, a watcher on each; both
// watchers see every change exactly once, in the same (revision) order, with no gaps.
TEST(PostgresStoreTest, TwoReplicasSeeEveryChangeOnceInTheSameOrder) {
  const std::string db = "two_replicas";
  auto a = OpenDb(db);
  auto b = OpenDb(db);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  WatchOptions from_now;
  from_now.send_initial_events = false;
  auto wa = a->Watch(kConfigMap, from_now);
  auto wb = b->Watch(kConfigMap, from_now);
  ASSERT_TRUE(wa.ok() && wb.ok());

  constexpr int kThreadsPerReplica = 4, kWrites = 60;
  constexpr int kTotal = 2 * kThreadsPerReplica * kWrites;
  std::vector<std::thread> writers;
  for (int r = 0; r < 2; r++) {
    PostgresStore* store = r == 0 ? a.get() : b.get();
    for (int t = 0; t < kThreadsPerReplica; t++) {
      writers.emplace_back([store, r, t] {
        for (int i = 0; i < kWrites; i++) {
          std::string name =
              "r" + std::to_string(r) + "-t" + std::to_string(t) + "-" + std::to_string(i % 5);
          Json cm = ConfigMap("ns", name, {{"i", std::to_string(i)}});
          auto w = i < 5 ? store->Create(kConfigMap, cm) : store->Update(kConfigMap, cm);
          EXPECT_TRUE(w.ok()) << w.status().ToString();
        }
      });
    }
  }
  auto drain = [&](Watcher& w) {
    std::vector<std::string> seen;
    while (static_cast<int>(seen.size()) < kTotal) {
      auto e = w.Next(kWait);
      if (!e) break;
      seen.push_back(std::to_string(e->resource_version) + " " + ObjectKey(e->object) + " " +
                     e->object["data"]["i"].get<std::string>());
    }
    return seen;
  };
  std::vector<std::string> seen_a, seen_b;
  std::thread ra([&] { seen_a = drain(**wa); });
  std::thread rb([&] { seen_b = drain(**wb); });
  for (auto& t : writers) t.join();
  ra.join();
  rb.join();
  ASSERT_EQ(static_cast<int>(seen_a.size()), kTotal);
  EXPECT_EQ(seen_a, seen_b);
  for (int i = 0; i < kTotal; i++)
    ASSERT_EQ(seen_a[i].substr(0, seen_a[i].find(' ')), std::to_string(i + 1)) << "at " << i;
  EXPECT_FALSE((*wa)->Next(milliseconds(20)).has_value());
  EXPECT_FALSE((*wb)->Next(milliseconds(20)).has_value());
  EXPECT_EQ(a->CurrentResourceVersion(), kTotal);
  // b has read everything once its watcher has.
  EXPECT_EQ(b->CurrentResourceVersion(), kTotal);
  ASSERT_TRUE(a->CheckHealth().ok());
}

// The classic trap: with a sequence as the revision, a transaction that took revision N but
// commits after N+1 is missed by a watcher that already read "everything after N". Here the
// revision is taken from a counter row whose lock is held until commit, so a writer that would
// take N+1 waits for the holder of N; and a holder that rolls back leaves no hole.
TEST(PostgresStoreTest, ARevisionTakenButNotCommittedBlocksLaterRevisions) {
  const std::string db = "commit_order";
  auto store = OpenDb(db);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Create(kConfigMap, ConfigMap("ns", "first", {})).ok());
  WatchOptions from_now;
  from_now.send_initial_events = false;
  auto w = store->Watch(kConfigMap, from_now);
  ASSERT_TRUE(w.ok());

  auto slow = RawConn(db);  // a writer that takes revision 2 and has not committed yet
  ASSERT_TRUE(slow->ExecScript("BEGIN").ok());
  ASSERT_TRUE(slow->Exec("UPDATE flotilla_meta SET value = value + 1 "
                         "WHERE key = 'resource_version' RETURNING value")
                  .ok());
  std::atomic<bool> done = false;
  std::thread writer([&] {
    auto c = store->Create(kConfigMap, ConfigMap("ns", "second", {}));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (c.ok()) {
      EXPECT_EQ(ResourceVersionOf(*c), 2) << "the rolled-back revision is reused";
    }
    done = true;
  });
  // Never a pass condition on time: only that the write has not overtaken the open revision.
  EXPECT_FALSE((*w)->Next(milliseconds(300)).has_value());
  EXPECT_FALSE(done.load());
  ASSERT_TRUE(slow->ExecScript("ROLLBACK").ok());
  writer.join();
  auto e = (*w)->Next(kWait);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->resource_version, 2);
  EXPECT_EQ(NameOf(e->object), "second");
}

// A store opened later (a replica starting, a restart) serves watches from the retained history
// in the database; a revision compacted away is 410 Gone; compaction bounds the change log.
TEST(PostgresStoreTest, HistoryOutlivesTheProcessAndIsCompacted) {
  const std::string db = "history";
  {
    auto store = OpenDb(db, "watch_log_events=10");
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 30; i++)
      ASSERT_TRUE(store->Create(kConfigMap, ConfigMap("ns", "c" + std::to_string(i), {})).ok());
    ASSERT_TRUE(store->Compact().ok());
  }
  auto conn = RawConn(db);
  auto rows = conn->Exec("SELECT count(*), min(resource_version) FROM flotilla_changes");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->int64(0, 0), 10);
  EXPECT_EQ(rows->int64(0, 1), 21);

  auto later = OpenDb(db, "watch_log_events=10");
  ASSERT_NE(later, nullptr);
  EXPECT_EQ(later->CurrentResourceVersion(), 30);
  WatchOptions old;
  old.resource_version = 19;
  auto gone = later->Watch(kConfigMap, old);
  EXPECT_EQ(gone.status().code(), StatusCode::kGone);
  EXPECT_EQ(gone.status().message(), "too old resource version: 19 (20)");
  old.resource_version = 25;
  auto w = later->Watch(kConfigMap, old);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  for (int rv = 26; rv <= 30; rv++) {
    auto e = (*w)->Next(kWait);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->resource_version, rv);
    EXPECT_EQ(e->type, WatchEventType::kAdded);
  }
}

// A replica whose unread history another replica compacted restarts its watch log: its
// watchers end with 410 Gone (their clients re-list) instead of silently skipping changes.
TEST(PostgresStoreTest, AReplicaBehindCompactionStopsItsWatchersWithGone) {
  const std::string db = "behind";
  auto reader = OpenDb(db, "watch_log_events=5&poll_ms=3600000");
  ASSERT_NE(reader, nullptr);
  WatchOptions from_now;
  from_now.send_initial_events = false;
  auto w = reader->Watch(kConfigMap, from_now);
  ASSERT_TRUE(w.ok());
  // Another replica commits 12 changes and compacts the first 8 before this one reads them (its
  // NOTIFYs lost, its poll not due): written here over a raw connection, without pg_notify.
  auto conn = RawConn(db);
  ASSERT_TRUE(conn->ExecScript(R"sql(
    BEGIN;
    UPDATE flotilla_meta SET value = 12 WHERE key = 'resource_version';
    INSERT INTO flotilla_changes (resource_version, kind, namespace, name, event, prev_rv, body)
      SELECT g, 'configmaps', 'ns', 'c' || g, 0, NULL,
             '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"ns","name":"c' || g ||
             '","resourceVersion":"' || g || '"}}'
      FROM generate_series(1, 12) g;
    DELETE FROM flotilla_changes WHERE resource_version <= 8;
    UPDATE flotilla_meta SET value = 8 WHERE key = 'compacted';
    COMMIT;
  )sql")
                  .ok());
  Status caught = reader->CatchUp();
  ASSERT_TRUE(caught.ok()) << caught.ToString();
  EXPECT_EQ(reader->CurrentResourceVersion(), 12);
  EXPECT_FALSE((*w)->Next(kWait).has_value());
  EXPECT_TRUE((*w)->stopped());
  EXPECT_EQ((*w)->status().code(), StatusCode::kGone);
  // The client re-lists and watches again from what it listed: nothing is skipped from there.
  WatchOptions old;
  old.resource_version = 7;
  EXPECT_EQ(reader->Watch(kConfigMap, old).status().code(), StatusCode::kGone);
  old.resource_version = 10;
  auto again = reader->Watch(kConfigMap, old);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  for (int rv = 11; rv <= 12; rv++) {
    auto e = (*again)->Next(kWait);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->resource_version, rv);
  }
}

}  // namespace
}  // namespace flotilla::store::postgres
