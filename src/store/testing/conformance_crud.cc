// Part of the Store conformance suite (conformance.h): CRUD semantics: metadata the store owns,
// generation, optimistic concurrency, status, finalizers, generateName, cluster-scoped kinds, error
// messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "store/testing/conformance.h"

namespace flotilla::store::testing {
namespace {

const ResourceType& kGitRepo = model::GitRepoType();
const ResourceType& kConfigMap = model::ConfigMapType();
const ResourceType& kSecret = model::SecretType();

}  // namespace

TEST_P(StoreCrudTest, CreateGetRoundTrip) {
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

  if (!GetParam().reopens) return;
  Reopen();
  ASSERT_OK_AND_ASSIGN(Json again, store_->Get(kGitRepo, "fleet-local", "demo"));
  EXPECT_EQ(again, created);
  EXPECT_EQ(store_->CurrentResourceVersion(), ResourceVersionOf(created));
}

TEST_P(StoreCrudTest, ErrorsAreKubernetesMessages) {
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

TEST_P(StoreCrudTest, GenerationMovesOnlyWithTheBody) {
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

TEST_P(StoreCrudTest, NoOpWritesKeepTheResourceVersion) {
  ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(kGitRepo, GitRepo("ns", "n", "r")));
  int64_t rv = store_->CurrentResourceVersion();
  ASSERT_OK_AND_ASSIGN(Json same, store_->Update(kGitRepo, obj));
  EXPECT_EQ(same, obj);
  ASSERT_OK_AND_ASSIGN(same, store_->UpdateStatus(kGitRepo, obj));
  EXPECT_EQ(store_->CurrentResourceVersion(), rv);
}

TEST_P(StoreCrudTest, OptimisticConcurrency) {
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

TEST_P(StoreCrudTest, StatusIsSeparateFromSpec) {
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

TEST_P(StoreCrudTest, KindsWithoutStatusWriteTheWholeBody) {
  Json cm = ConfigMap("ns", "cm", {{"k", "v"}});
  ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(kConfigMap, cm));
  obj["data"]["k"] = "v2";
  obj["status"] = {{"anything", true}};
  ASSERT_OK_AND_ASSIGN(obj, store_->Update(kConfigMap, obj));
  EXPECT_EQ(obj["data"]["k"], "v2");
  EXPECT_EQ(obj["status"]["anything"], true);
  EXPECT_EQ(store_->UpdateStatus(kConfigMap, obj).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreCrudTest, UpdateKeepsImmutableMetadata) {
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

TEST_P(StoreCrudTest, FinalizersDelayDeletion) {
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

TEST_P(StoreCrudTest, DeleteWithoutFinalizersRemoves) {
  ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(kGitRepo, GitRepo("ns", "d", "r")));
  ASSERT_OK_AND_ASSIGN(Json deleted, store_->Delete(kGitRepo, "ns", "d"));
  EXPECT_GT(ResourceVersionOf(deleted), ResourceVersionOf(obj));
  EXPECT_EQ(store_->CurrentResourceVersion(), ResourceVersionOf(deleted));
  EXPECT_EQ(store_->Get(kGitRepo, "ns", "d").status().code(), StatusCode::kNotFound);
  // The name can be reused; the new object gets a new uid.
  ASSERT_OK_AND_ASSIGN(Json again, store_->Create(kGitRepo, GitRepo("ns", "d", "r")));
  EXPECT_NE(again["metadata"]["uid"], obj["metadata"]["uid"]);
}

TEST_P(StoreCrudTest, GenerateName) {
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

TEST_P(StoreCrudTest, ClusterScopedKindsIgnoreNamespace) {
  Json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "team"}}}};
  ASSERT_OK_AND_ASSIGN(Json obj, store_->Create(model::NamespaceType(), ns));
  EXPECT_FALSE(obj["metadata"].contains("namespace"));
  ASSERT_OK(store_->Get(model::NamespaceType(), "", "team"));
  ASSERT_OK(store_->Get(model::NamespaceType(), "whatever", "team"));
}

}  // namespace flotilla::store::testing
