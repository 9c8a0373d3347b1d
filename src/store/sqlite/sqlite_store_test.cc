// CRUD semantics of the SQLite store, on real database files in a temporary directory.
#include "store/sqlite/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "store/sqlite/test_util.h"

namespace flotilla::store::sqlite {
namespace {

using testing::ConfigMap;
using testing::GitRepo;
using ::testing::HasSubstr;
using testing::OpenAt;
using testing::TempDir;

const ResourceType& kGitRepo = model::GitRepoType();
const ResourceType& kConfigMap = model::ConfigMapType();
const ResourceType& kSecret = model::SecretType();

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

TEST_F(SqliteStoreTest, CreateGetRoundTrip) {
  Json in = GitRepo("fleet-local", "demo", "https://example.com/repo");
  in["metadata"]["labels"] = {{"app", "web"}};
  in["metadata"]["annotations"] = {{"note", "x"}};
  in["metadata"]["ownerReferences"] = Json::array({{{"kind", "Thing"}, {"name", "o"}}});
  ASSERT_OK_AND_ASSIGN(Json created, store_->Create(kGitRepo, in));
  const Json& md = created["metadata"];
  EXPECT_EQ(md["name"], "demo");
  EXPECT_EQ(md["namespace"], "fleet-local");
  EXPECT_EQ(md["generation"], 1);
  EXPECT_EQ(md["uid"].get<std::string>().size(), 36u);
  EXPECT_FALSE(md["creationTimestamp"].get<std::string>().empty());
  EXPECT_EQ(ResourceVersionOf(created), store_->CurrentResourceVersion());
  EXPECT_EQ(created["apiVersion"], "fleet.cattle.io/v1alpha1");
  EXPECT_EQ(created["kind"], "GitRepo");

  ASSERT_OK_AND_ASSIGN(Json got, store_->Get(kGitRepo, "fleet-local", "demo"));
  EXPECT_EQ(got, created);
  EXPECT_EQ(got["metadata"]["labels"]["app"], "web");
  EXPECT_EQ(got["metadata"]["annotations"]["note"], "x");
  EXPECT_EQ(got["metadata"]["ownerReferences"][0]["name"], "o");
  EXPECT_EQ(got["spec"]["repo"], "https://example.com/repo");

  Reopen();
  ASSERT_OK_AND_ASSIGN(Json again, store_->Get(kGitRepo, "fleet-local", "demo"));
  EXPECT_EQ(again, created);
  EXPECT_EQ(store_->CurrentResourceVersion(), ResourceVersionOf(created));
}

TEST_F(SqliteStoreTest, ErrorsAreKubernetesMessages) {
  auto missing = store_->Get(kGitRepo, "ns", "x");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "gitrepos.fleet.cattle.io \"x\" not found");
  EXPECT_EQ(store_->Get(kSecret, "ns", "x").status().message(), "secrets \"x\" not found");

  ASSERT_OK(store_->Create(kGitRepo, GitRepo("ns", "x", "r")));
  auto dup = store_->Create(kGitRepo, GitRepo("ns", "x", "r"));
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.status().message(), "gitrepos.fleet.cattle.io \"x\" already exists");

  Json stale = GitRepo("ns", "x", "r2");
  stale["metadata"]["resourceVersion"] = "1";
  ASSERT_OK(store_->Update(kGitRepo, GitRepo("ns", "x", "r3")));
  auto conflict = store_->Update(kGitRepo, stale);
  EXPECT_EQ(conflict.status().code(), StatusCode::kConflict);
  EXPECT_EQ(conflict.status().message(),
            "Operation cannot be fulfilled on gitrepos.fleet.cattle.io \"x\": the object has been "
            "modified; please apply your changes to the latest version and try again");

  EXPECT_EQ(store_->Update(kGitRepo, GitRepo("ns", "nope", "r")).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete(kGitRepo, "ns", "nope").status().code(), StatusCode::kNotFound);
  Json no_ns = GitRepo("", "y", "r");
  EXPECT_EQ(store_->Create(kGitRepo, no_ns).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Create(kGitRepo, Json::array()).status().code(), StatusCode::kInvalidArgument);
  Json bad_rv = GitRepo("ns", "x", "r");
  bad_rv["metadata"]["resourceVersion"] = "abc";
  EXPECT_EQ(store_->Update(kGitRepo, bad_rv).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, GenerationMovesOnlyWithTheBody) {
  ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(kGitRepo, GitRepo("ns", "g", "r1")));
  EXPECT_EQ(obj["metadata"]["generation"], 1);

  obj["metadata"]["labels"] = {{"a", "b"}};
  obj["metadata"]["annotations"] = {{"c", "d"}};
  ASSERT_OK_AND_ASSIGN(obj, store_->Update(kGitRepo, obj));
  EXPECT_EQ(obj["metadata"]["generation"], 1) << "metadata-only change";

  Json st = obj;
  st["status"] = {{"commit", "abc"}};
  ASSERT_OK_AND_ASSIGN(obj, store_->UpdateStatus(kGitRepo, st));
  EXPECT_EQ(obj["metadata"]["generation"], 1) << "status-only change";

  obj["spec"]["repo"] = "r2";
  ASSERT_OK_AND_ASSIGN(obj, store_->Update(kGitRepo, obj));
  EXPECT_EQ(obj["metadata"]["generation"], 2);

  obj["spec"]["paths"] = Json::array({"a"});
  ASSERT_OK_AND_ASSIGN(obj, store_->Update(kGitRepo, obj));
  EXPECT_EQ(obj["metadata"]["generation"], 3);

  Json client_gen = obj;
  client_gen["metadata"]["generation"] = 42;
  ASSERT_OK_AND_ASSIGN(obj, store_->Update(kGitRepo, client_gen));
  EXPECT_EQ(obj["metadata"]["generation"], 3) << "generation is server-owned";
}

TEST_F(SqliteStoreTest, NoOpWritesKeepTheResourceVersion) {
  ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(kGitRepo, GitRepo("ns", "n", "r")));
  int64_t rv = store_->CurrentResourceVersion();
  ASSERT_OK_AND_ASSIGN(Json same, store_->Update(kGitRepo, obj));
  EXPECT_EQ(same, obj);
  ASSERT_OK_AND_ASSIGN(same, store_->UpdateStatus(kGitRepo, obj));
  EXPECT_EQ(store_->CurrentResourceVersion(), rv);
}

TEST_F(SqliteStoreTest, OptimisticConcurrency) {
  ASSERT_OK_AND_ASSIGN(Json v1, store_->Create(kGitRepo, GitRepo("ns", "o", "r")));
  Json a = v1, b = v1;
  a["spec"]["branch"] = "a";
  b["spec"]["branch"] = "b";
  ASSERT_OK_AND_ASSIGN(Json v2, store_->Update(kGitRepo, a));
  EXPECT_GT(ResourceVersionOf(v2), ResourceVersionOf(v1));
  EXPECT_EQ(store_->Update(kGitRepo, b).status().code(), StatusCode::kConflict);
  EXPECT_EQ(store_->UpdateStatus(kGitRepo, b).status().code(), StatusCode::kConflict);

  Json last_write_wins = b;
  last_write_wins["metadata"].erase("resourceVersion");
  ASSERT_OK_AND_ASSIGN(Json v3, store_->Update(kGitRepo, last_write_wins));
  EXPECT_EQ(v3["spec"]["branch"], "b");

  Json wrong_uid = v3;
  wrong_uid["metadata"]["uid"] = "00000000-0000-4000-8000-000000000000";
  EXPECT_EQ(store_->Update(kGitRepo, wrong_uid).status().code(), StatusCode::kConflict);

  DeleteOptions pre;
  pre.precondition_resource_version = v1["metadata"]["resourceVersion"];
  EXPECT_EQ(store_->Delete(kGitRepo, "ns", "o", pre).status().code(), StatusCode::kConflict);
  pre = {};
  pre.precondition_uid = "other";
  EXPECT_EQ(store_->Delete(kGitRepo, "ns", "o", pre).status().code(), StatusCode::kConflict);
  pre.precondition_uid = v3["metadata"]["uid"];
  ASSERT_OK(store_->Delete(kGitRepo, "ns", "o", pre));
}

TEST_F(SqliteStoreTest, StatusIsSeparateFromSpec) {
  Json in = GitRepo("ns", "s", "r");
  in["status"] = {{"commit", "dropped-on-create"}};
  ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(kGitRepo, in));
  EXPECT_FALSE(obj.contains("status"));

  Json st = obj;
  st["status"] = {{"commit", "c1"}};
  st["spec"]["repo"] = "ignored-by-status-update";
  st["metadata"]["labels"] = {{"ignored", "yes"}};
  ASSERT_OK_AND_ASSIGN(obj, store_->UpdateStatus(kGitRepo, st));
  EXPECT_EQ(obj["status"]["commit"], "c1");
  EXPECT_EQ(obj["spec"]["repo"], "r");
  EXPECT_FALSE(obj["metadata"].contains("labels"));

  Json up = obj;
  up["status"] = {{"commit", "ignored-by-update"}};
  up["spec"]["repo"] = "r2";
  ASSERT_OK_AND_ASSIGN(obj, store_->Update(kGitRepo, up));
  EXPECT_EQ(obj["status"]["commit"], "c1");
  EXPECT_EQ(obj["spec"]["repo"], "r2");
  ASSERT_OK_AND_ASSIGN(Json got, store_->Get(kGitRepo, "ns", "s"));
  EXPECT_EQ(got, obj);
}

TEST_F(SqliteStoreTest, KindsWithoutStatusWriteTheWholeBody) {
  Json cm = ConfigMap("ns", "cm", {{"k", "v"}});
  ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(kConfigMap, cm));
  obj["data"]["k"] = "v2";
  obj["status"] = {{"anything", true}};
  ASSERT_OK_AND_ASSIGN(obj, store_->Update(kConfigMap, obj));
  EXPECT_EQ(obj["data"]["k"], "v2");
  EXPECT_EQ(obj["status"]["anything"], true);
  EXPECT_EQ(store_->UpdateStatus(kConfigMap, obj).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, UpdateKeepsImmutableMetadata) {
  ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(kGitRepo, GitRepo("ns", "i", "r")));
  Json up = obj;
  up["metadata"].erase("uid");
  up["metadata"]["creationTimestamp"] = "2000-01-01T00:00:00Z";
  up["metadata"]["deletionTimestamp"] = "2000-01-01T00:00:00Z";
  up["spec"]["repo"] = "r2";
  ASSERT_OK_AND_ASSIGN(Json out, store_->Update(kGitRepo, up));
  EXPECT_EQ(out["metadata"]["uid"], obj["metadata"]["uid"]);
  EXPECT_EQ(out["metadata"]["creationTimestamp"], obj["metadata"]["creationTimestamp"]);
  EXPECT_FALSE(out["metadata"].contains("deletionTimestamp"));
}

TEST_F(SqliteStoreTest, FinalizersDelayDeletion) {
  Json in = GitRepo("ns", "f", "r");
  in["metadata"]["finalizers"] = Json::array({"fleet.cattle.io/a", "fleet.cattle.io/b"});
  ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(kGitRepo, in));

  ASSERT_OK_AND_ASSIGN(Json marked, store_->Delete(kGitRepo, "ns", "f"));
  EXPECT_TRUE(marked["metadata"].contains("deletionTimestamp"));
  EXPECT_GT(ResourceVersionOf(marked), ResourceVersionOf(obj));
  EXPECT_EQ(marked["metadata"]["generation"], 1);
  ASSERT_OK_AND_ASSIGN(Json got, store_->Get(kGitRepo, "ns", "f"));
  EXPECT_EQ(got, marked);

  // Deleting again changes nothing.
  ASSERT_OK_AND_ASSIGN(Json again, store_->Delete(kGitRepo, "ns", "f"));
  EXPECT_EQ(again, marked);

  // No new finalizers while deleting; deletionTimestamp cannot be cleared.
  Json add = marked;
  add["metadata"]["finalizers"].push_back("fleet.cattle.io/c");
  EXPECT_EQ(store_->Update(kGitRepo, add).status().code(), StatusCode::kInvalidArgument);
  Json one = marked;
  one["metadata"]["finalizers"] = Json::array({"fleet.cattle.io/b"});
  one["metadata"].erase("deletionTimestamp");
  ASSERT_OK_AND_ASSIGN(Json still, store_->Update(kGitRepo, one));
  EXPECT_EQ(still["metadata"]["deletionTimestamp"], marked["metadata"]["deletionTimestamp"]);

  Json none = still;
  none["metadata"]["finalizers"] = Json::array();
  ASSERT_OK_AND_ASSIGN(Json gone, store_->Update(kGitRepo, none));
  EXPECT_GT(ResourceVersionOf(gone), ResourceVersionOf(still));
  EXPECT_EQ(store_->Get(kGitRepo, "ns", "f").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, DeleteWithoutFinalizersRemoves) {
  ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(kGitRepo, GitRepo("ns", "d", "r")));
  ASSERT_OK_AND_ASSIGN(Json deleted, store_->Delete(kGitRepo, "ns", "d"));
  EXPECT_GT(ResourceVersionOf(deleted), ResourceVersionOf(obj));
  EXPECT_EQ(store_->CurrentResourceVersion(), ResourceVersionOf(deleted));
  EXPECT_EQ(store_->Get(kGitRepo, "ns", "d").status().code(), StatusCode::kNotFound);
  // The name can be reused; the new object gets a new uid.
  ASSERT_OK_AND_ASSIGN(Json again, store_->Create(kGitRepo, GitRepo("ns", "d", "r")));
  EXPECT_NE(again["metadata"]["uid"], obj["metadata"]["uid"]);
}

TEST_F(SqliteStoreTest, GenerateName) {
  Json in = GitRepo("ns", "", "r");
  in["metadata"].erase("name");
  in["metadata"]["generateName"] = "job-";
  std::set<std::string> names;
  for (int i = 0; i < 20; i++) {
    ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(kGitRepo, in));
    std::string name = obj["metadata"]["name"];
    EXPECT_EQ(name.rfind("job-", 0), 0u);
    EXPECT_EQ(name.size(), 9u);
    names.insert(name);
    EXPECT_EQ(obj["metadata"]["generateName"], "job-");
  }
  EXPECT_EQ(names.size(), 20u);
  Json neither = GitRepo("ns", "", "r");
  EXPECT_EQ(store_->Create(kGitRepo, neither).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, ClusterScopedKindsIgnoreNamespace) {
  Json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "team"}}}};
  ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(model::NamespaceType(), ns));
  EXPECT_FALSE(obj["metadata"].contains("namespace"));
  ASSERT_OK(store_->Get(model::NamespaceType(), "", "team"));
  ASSERT_OK(store_->Get(model::NamespaceType(), "whatever", "team"));
}

TEST_F(SqliteStoreTest, ListFiltersByNamespaceLabelsAndFields) {
  for (int i = 0; i < 6; i++) {
    Json in = GitRepo(i % 2 ? "odd" : "even", "repo-" + std::to_string(i), "r");
    in["metadata"]["labels"] = {{"idx", std::to_string(i)}, {"tier", i < 3 ? "low" : "high"}};
    ASSERT_OK(store_->Create(kGitRepo, in));
  }
  ASSERT_OK(store_->Create(kConfigMap, ConfigMap("even", "other-kind", Json::object())));

  ASSERT_OK_AND_ASSIGN(ListResult all, store_->List(kGitRepo, {}));
  ASSERT_EQ(all.items.size(), 6u);
  EXPECT_EQ(all.resource_version, store_->CurrentResourceVersion());
  std::vector<std::string> keys;
  for (const Json& o : all.items) keys.push_back(ObjectKey(o));
  EXPECT_EQ(keys, (std::vector<std::string>{"even/repo-0", "even/repo-2", "even/repo-4",
                                            "odd/repo-1", "odd/repo-3", "odd/repo-5"}));

  ListOptions by_ns;
  by_ns.ns = "odd";
  ASSERT_OK_AND_ASSIGN(ListResult odd, store_->List(kGitRepo, by_ns));
  EXPECT_EQ(odd.items.size(), 3u);

  ListOptions by_label;
  ASSERT_OK_AND_ASSIGN(by_label.labels, model::LabelSelector::Parse("tier=high,idx!=4"));
  ASSERT_OK_AND_ASSIGN(ListResult high, store_->List(kGitRepo, by_label));
  ASSERT_EQ(high.items.size(), 2u);
  EXPECT_EQ(NameOf(high.items[0]), "repo-3");
  EXPECT_EQ(NameOf(high.items[1]), "repo-5");

  ListOptions by_field;
  ASSERT_OK_AND_ASSIGN(by_field.fields, FieldSelector::Parse("metadata.name=repo-2"));
  ASSERT_OK_AND_ASSIGN(ListResult one, store_->List(kGitRepo, by_field));
  ASSERT_EQ(one.items.size(), 1u);
  EXPECT_EQ(NameOf(one.items[0]), "repo-2");
}

TEST_F(SqliteStoreTest, LabelIndexFollowsWrites) {
  auto names = [&](const std::string& selector, const std::string& ns = "") {
    ListOptions opts;
    opts.ns = ns;
    opts.labels = *model::LabelSelector::Parse(selector);
    auto l = store_->List(kGitRepo, opts);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    std::vector<std::string> out;
    for (const Json& o : l->items) out.push_back(ObjectKey(o));
    return out;
  };
  using V = std::vector<std::string>;
  Json in = GitRepo("a", "x", "r");
  in["metadata"]["labels"] = {{"team", "one"}, {"env", "prod"}};
  ASSERT_OK_AND_ASSIGN(Json x, store_->Create(kGitRepo, in));
  in = GitRepo("b", "y", "r");
  in["metadata"]["labels"] = {{"team", "one"}};
  ASSERT_OK(store_->Create(kGitRepo, in));
  ASSERT_OK(store_->Create(kConfigMap, ConfigMap("a", "cm", {})));
  EXPECT_EQ(names("team=one"), (V{"a/x", "b/y"}));
  EXPECT_EQ(names("team in (one)"), (V{"a/x", "b/y"}));
  EXPECT_EQ(names("team=one", "b"), (V{"b/y"}));
  EXPECT_EQ(names("team=one,env=prod"), (V{"a/x"}));
  EXPECT_EQ(names("team=one,!env"), (V{"b/y"}));

  x["metadata"]["labels"] = {{"team", "two"}};
  ASSERT_OK_AND_ASSIGN(x, store_->Update(kGitRepo, x));
  EXPECT_EQ(names("team=one"), (V{"b/y"}));
  EXPECT_EQ(names("team=two"), (V{"a/x"}));
  EXPECT_EQ(names("env=prod"), V{});
  x["status"] = {{"commit", "c"}};
  ASSERT_OK_AND_ASSIGN(x, store_->UpdateStatus(kGitRepo, x));
  EXPECT_EQ(names("team=two"), (V{"a/x"}));
  ASSERT_OK(store_->Delete(kGitRepo, "a", "x"));
  EXPECT_EQ(names("team=two"), V{});
  Reopen();  // cold object cache
  EXPECT_EQ(names("team=one"), (V{"b/y"}));
}

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

TEST_F(SqliteStoreTest, Pagination) {
  for (int i = 0; i < 25; i++) {
    char name[16];
    snprintf(name, sizeof name, "r%02d", i);
    Json in = GitRepo(i < 10 ? "a" : "b", name, "r");
    in["metadata"]["labels"] = {{"even", i % 2 ? "no" : "yes"}};
    ASSERT_OK(store_->Create(kGitRepo, in));
  }
  int64_t list_rv = store_->CurrentResourceVersion();
  int writes = 0;
  auto collect = [&](ListOptions opts, size_t* pages) {
    std::vector<std::string> names;
    *pages = 0;
    while (true) {
      auto page = store_->List(kGitRepo, opts);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      ++*pages;
      EXPECT_LE(static_cast<int64_t>(page->items.size()), opts.limit);
      EXPECT_EQ(page->resource_version, list_rv);
      for (const Json& o : page->items) names.push_back(NameOf(o));
      if (page->continue_token.empty()) break;
      opts.continue_token = page->continue_token;
      // A write between pages does not change the list's resourceVersion.
      EXPECT_TRUE(
          store_
              ->Create(model::ConfigMapType(), ConfigMap("x", "cm" + std::to_string(writes++), {}))
              .ok());
    }
    return names;
  };
  ListOptions opts;
  opts.limit = 10;
  size_t pages = 0;
  std::vector<std::string> names = collect(opts, &pages);
  EXPECT_EQ(names.size(), 25u);
  EXPECT_EQ(pages, 3u);
  EXPECT_EQ(names.front(), "r00");
  EXPECT_EQ(names.back(), "r24");

  list_rv = store_->CurrentResourceVersion();
  opts.limit = 5;
  ASSERT_OK_AND_ASSIGN(opts.labels, model::LabelSelector::Parse("even=yes"));
  names = collect(opts, &pages);
  EXPECT_EQ(names.size(), 13u);
  EXPECT_EQ(pages, 3u);  // exactly: no empty trailing page

  list_rv = store_->CurrentResourceVersion();
  ListOptions in_b;
  in_b.ns = "b";
  in_b.limit = 4;
  names = collect(in_b, &pages);
  EXPECT_EQ(names.size(), 15u);
  EXPECT_EQ(names.front(), "r10");

  ListOptions bad;
  bad.continue_token = "not-a-token!";
  EXPECT_EQ(store_->List(kGitRepo, bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, CounterSurvivesReopenAndDeletes) {
  ASSERT_OK(store_->Create(kGitRepo, GitRepo("ns", "a", "r")));
  ASSERT_OK_AND_ASSIGN(Json del, store_->Delete(kGitRepo, "ns", "a"));
  Reopen();
  EXPECT_EQ(store_->CurrentResourceVersion(), ResourceVersionOf(del));
  ASSERT_OK_AND_ASSIGN(Json b, store_->Create(kGitRepo, GitRepo("ns", "b", "r")));
  EXPECT_EQ(ResourceVersionOf(b), ResourceVersionOf(del) + 1);
  ASSERT_OK(store_->CheckHealth());
  ASSERT_OK(store_->CheckIntegrity(/*full=*/true));
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
