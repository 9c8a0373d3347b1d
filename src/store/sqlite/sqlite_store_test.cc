// What only the SQLite store has: schema migrations, store URLs and their options. The Store
// contract (CRUD, lists, watch, concurrency, crash safety) is the conformance suite's, which
// conformance_test.cc instantiates for SQLite.
#include "store/sqlite/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "store/sqlite/test_util.h"

namespace flotilla::store::sqlite {
namespace {

using testing::GitRepo;
using ::testing::HasSubstr;
using testing::OpenAt;
using testing::TempDir;

const ResourceType& kGitRepo = model::GitRepoType();

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenAt(dir_.File("store.db")); }
  void Reopen() {
    store_.reset();
    store_ = OpenAt(dir_.File("store.db"));
  }
  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

// A database written by schema 1 (no label index) is upgraded on open and its labels indexed.
TEST_F(SqliteStoreTest, MigratesSchemaOneDatabases) {
  Json in = GitRepo("a", "x", "r");
  in["metadata"]["labels"] = {{"team", "one"}};
  ASSERT_OK(store_->Create(kGitRepo, in));
  store_.reset();
  {
    auto db = Db::Open(dir_.File("store.db"), false, false);
    ASSERT_OK(db);
    ASSERT_OK((*db)->Exec("DROP TABLE object_labels; PRAGMA user_version = 1;"));
  }
  Reopen();
  ListOptions opts;
  opts.labels = *model::LabelSelector::Parse("team=one");
  ASSERT_OK_AND_ASSIGN(ListResult l, store_->List(kGitRepo, opts));
  ASSERT_EQ(l.items.size(), 1u);
  EXPECT_EQ(NameOf(l.items[0]), "x");
}

TEST(OpenStoreTest, Urls) {
  TempDir dir;
  ASSERT_OK(OpenStore("sqlite://" + dir.File("a.db")));
  ASSERT_OK(OpenStore(dir.File("sub/b.db")));
  ASSERT_OK(OpenStore(":memory:"));
  ASSERT_OK(OpenStore("sqlite://:memory:"));
  ASSERT_OK(OpenStore("sqlite://" + dir.File("c.db") + "?synchronous=full"));
  EXPECT_TRUE(std::filesystem::exists(dir.File("sub/b.db")));
  EXPECT_EQ(OpenStore("mysql://x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenStore("sqlite://" + dir.File("d.db") + "?bogus=1").status().code(),
            StatusCode::kInvalidArgument);
  auto mem = OpenStore(":memory:");
  ASSERT_OK(mem);
  Store& s = **mem;
  ASSERT_OK(s.Create(kGitRepo, GitRepo("ns", "m", "r")));
  ASSERT_OK(s.Get(kGitRepo, "ns", "m"));
  ASSERT_OK_AND_ASSIGN(ListResult l, s.List(kGitRepo, {}));
  EXPECT_EQ(l.items.size(), 1u);
  ASSERT_OK(s.CheckHealth());
}

TEST(OpenStoreTest, MemoryLimitsFromUrl) {
  TempDir dir;
  EXPECT_EQ(OpenStore("sqlite://" + dir.File("e.db") + "?cache_mb=x").status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(auto s, OpenStore("sqlite://" + dir.File("f.db") +
                                         "?cache_mb=0&watch_log_mb=64&watch_log_events=3"));
  for (int i = 0; i < 6; i++)
    ASSERT_OK(s->Create(kGitRepo, GitRepo("ns", "g" + std::to_string(i), "r")));
  WatchOptions old;
  old.resource_version = 2;  // 3 events retained: 4, 5, 6
  EXPECT_EQ(s->Watch(kGitRepo, old).status().code(), StatusCode::kGone);
  old.resource_version = 3;
  ASSERT_OK(s->Watch(kGitRepo, old));
  ASSERT_OK(s->Get(kGitRepo, "ns", "g0"));  // served with the cache disabled
}

TEST(OpenStoreTest, RefusesNewerSchema) {
  TempDir dir;
  {
    auto db = Db::Open(dir.File("future.db"), true, false);
    ASSERT_OK(db);
    ASSERT_OK((*db)->Exec("PRAGMA user_version = 999"));
  }
  auto store = OpenStore(dir.File("future.db"));
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("newer"));
}

}  // namespace
}  // namespace flotilla::store::sqlite
