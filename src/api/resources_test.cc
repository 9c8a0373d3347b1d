// Handler-level tests: requests dispatched in-process against a real SQLite store.
#include <gtest/gtest.h>

#include <thread>

#include "api/server.h"
#include "api/watch.h"

#include <fmt/format.h>
#include <set>

namespace flotilla::api {
namespace {

constexpr const char* kGitRepos = "/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-local/gitrepos";
constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta."
    "k8s.io,application/json";

HttpRequest Req(std::string method, std::string target, std::string body = "",
                std::string content_type = "application/json") {
  HttpRequest r;
  r.method = std::move(method);
  r.target = target;
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = ParseQuery(target.substr(q + 1));
  r.body = std::move(body);
  if (!content_type.empty()) r.headers["content-type"] = content_type;
  return r;
}

std::string GitRepo(const std::string& name, const std::string& extra_spec = "",
                    const std::string& labels = "{}") {
  return Json::parse(R"({"apiVersion":"fleet.cattle.io/v1alpha1","kind":"GitRepo",
                         "metadata":{"name":")" +
                     name + R"(","labels":)" + labels + R"(},
                         "spec":{"repo":"https://example.com/repo")" +
                     extra_spec + "}}")
      .dump();
}

// Collects what a streaming response writes, ending after `max_writes` or `alive_for` polls.
class FakeStream : public ResponseStream {
 public:
  explicit FakeStream(size_t max_writes) : max_writes_(max_writes) {}
  bool Write(std::string_view data) override {
    lines.emplace_back(data);
    return lines.size() < max_writes_;
  }
  bool Alive() override { return lines.size() < max_writes_; }
  std::vector<std::string> lines;

 private:
  size_t max_writes_;
};

class ResourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore(":memory:");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    ApiServer::Options opts;
    server_ = std::make_unique<ApiServer>(*store_, opts);
  }
  HttpResponse Do(const HttpRequest& r) { return server_->Dispatch(r); }
  Json DoJson(const HttpRequest& r, int want_status) {
    HttpResponse resp = Do(r);
    EXPECT_EQ(resp.status, want_status) << r.method << " " << r.target << ": " << resp.body;
    return resp.body.empty() ? Json() : Json::parse(resp.body);
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(ResourcesTest, Discovery) {
  Json api = DoJson(Req("GET", "/api"), 200);
  EXPECT_EQ(api["kind"], "APIVersions");
  EXPECT_EQ(api["versions"], Json::array({"v1"}));
  Json apis = DoJson(Req("GET", "/apis"), 200);
  EXPECT_EQ(apis["kind"], "APIGroupList");
  EXPECT_EQ(apis["groups"][0]["name"], "fleet.cattle.io");
  EXPECT_EQ(apis["groups"][0]["preferredVersion"]["groupVersion"], "fleet.cattle.io/v1alpha1");
  Json group = DoJson(Req("GET", "/apis/fleet.cattle.io"), 200);
  EXPECT_EQ(group["kind"], "APIGroup");
  EXPECT_EQ(group["versions"][0]["version"], "v1alpha1");
  Json fleet = DoJson(Req("GET", "/apis/fleet.cattle.io/v1alpha1"), 200);
  EXPECT_EQ(fleet["kind"], "APIResourceList");
  EXPECT_EQ(fleet["groupVersion"], "fleet.cattle.io/v1alpha1");
  bool gitrepos = false, status = false;
  for (const Json& r : fleet["resources"]) {
    if (r["name"] == "gitrepos") {
      gitrepos = true;
      EXPECT_EQ(r["kind"], "GitRepo");
      EXPECT_EQ(r["singularName"], "gitrepo");
      EXPECT_EQ(r["namespaced"], true);
      EXPECT_NE(std::find(r["verbs"].begin(), r["verbs"].end(), "watch"), r["verbs"].end());
    }
    if (r["name"] == "gitrepos/status") status = true;
  }
  EXPECT_TRUE(gitrepos && status);
  Json core = DoJson(Req("GET", "/api/v1"), 200);
  EXPECT_EQ(core["groupVersion"], "v1");
  std::set<std::string> names;
  for (const Json& r : core["resources"]) names.insert(r["name"].get<std::string>());
  for (const char* n : {"secrets", "configmaps", "namespaces", "events"})
    EXPECT_TRUE(names.count(n));
  EXPECT_FALSE(names.count("secrets/status"));
  EXPECT_EQ(DoJson(Req("GET", "/version"), 200)["major"], "1");
  EXPECT_EQ(Do(Req("GET", "/healthz")).body, "ok");
  EXPECT_EQ(Do(Req("GET", "/apis/nope.io/v1")).status, 404);
  EXPECT_EQ(Do(Req("GET", "/openapi/v3/apis/nope.io/v1")).status, 404);
  EXPECT_EQ(Do(Req("POST", "/api", "{}")).status, 405);
}

TEST_F(ResourcesTest, CreateGetListDelete) {
  Json created = DoJson(Req("POST", kGitRepos, GitRepo("a")), 201);
  EXPECT_EQ(created["metadata"]["namespace"], "fleet-local");
  EXPECT_EQ(created["spec"]["branch"], "master");  // defaulted
  EXPECT_FALSE(created["metadata"].value("uid", "").empty());
  Json again = DoJson(Req("POST", kGitRepos, GitRepo("a")), 409);
  EXPECT_EQ(again["reason"], "AlreadyExists");
  EXPECT_EQ(again["message"], "gitrepos.fleet.cattle.io \"a\" already exists");

  Json got = DoJson(Req("GET", std::string(kGitRepos) + "/a"), 200);
  EXPECT_EQ(got["kind"], "GitRepo");
  EXPECT_EQ(got["metadata"]["uid"], created["metadata"]["uid"]);

  DoJson(Req("POST", kGitRepos, GitRepo("b", "", R"({"env":"prod"})")), 201);
  Json list = DoJson(Req("GET", kGitRepos), 200);
  EXPECT_EQ(list["kind"], "GitRepoList");
  EXPECT_EQ(list["apiVersion"], "fleet.cattle.io/v1alpha1");
  EXPECT_FALSE(list["metadata"]["resourceVersion"].get<std::string>().empty());
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0]["kind"], "GitRepo");

  Json selected = DoJson(Req("GET", std::string(kGitRepos) + "?labelSelector=env%3Dprod"), 200);
  ASSERT_EQ(selected["items"].size(), 1u);
  EXPECT_EQ(selected["items"][0]["metadata"]["name"], "b");
  Json by_field = DoJson(
      Req("GET", "/apis/fleet.cattle.io/v1alpha1/gitrepos?fieldSelector=metadata.name%3Da"), 200);
  ASSERT_EQ(by_field["items"].size(), 1u);
  Json page = DoJson(Req("GET", std::string(kGitRepos) + "?limit=1"), 200);
  ASSERT_EQ(page["items"].size(), 1u);
  std::string token = page["metadata"].value("continue", "");
  ASSERT_FALSE(token.empty());
  Json page2 = DoJson(Req("GET", std::string(kGitRepos) + "?limit=1&continue=" + token), 200);
  ASSERT_EQ(page2["items"].size(), 1u);
  EXPECT_EQ(page2["items"][0]["metadata"]["name"], "b");
  EXPECT_EQ(DoJson(Req("GET", std::string(kGitRepos) + "?labelSelector=%3D%3D"), 400)["reason"],
            "BadRequest");

  Json deleted = DoJson(Req("DELETE", std::string(kGitRepos) + "/a", ""), 200);
  EXPECT_EQ(deleted["kind"], "Status");
  EXPECT_EQ(deleted["status"], "Success");
  Json gone = DoJson(Req("GET", std::string(kGitRepos) + "/a"), 404);
  EXPECT_EQ(gone["reason"], "NotFound");
  EXPECT_EQ(gone["message"], "gitrepos.fleet.cattle.io \"a\" not found");
  EXPECT_EQ(gone["details"]["kind"], "gitrepos");
  DoJson(Req("DELETE", std::string(kGitRepos) + "/a", ""), 404);
}

TEST_F(ResourcesTest, TableOutput) {
  DoJson(Req("POST", kGitRepos, GitRepo("a")), 201);
  HttpRequest r = Req("GET", "/apis/fleet.cattle.io/v1alpha1/gitrepos");
  r.headers["accept"] = kTableAccept;
  Json t = DoJson(r, 200);
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["columnDefinitions"][0]["name"], "Name");
  ASSERT_EQ(t["rows"].size(), 1u);
  EXPECT_EQ(t["rows"][0]["cells"][0], "a");
  EXPECT_EQ(t["rows"][0]["cells"][1], "https://example.com/repo");
  EXPECT_EQ(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(t["rows"][0]["object"]["metadata"]["namespace"], "fleet-local");
  HttpRequest one = Req("GET", std::string(kGitRepos) + "/a?includeObject=Object");
  one.headers["accept"] = kTableAccept;
  Json t1 = DoJson(one, 200);
  EXPECT_EQ(t1["rows"][0]["object"]["kind"], "GitRepo");
  one.query["includeObject"] = "Bogus";
  EXPECT_EQ(Do(one).status, 400);
}

TEST_F(ResourcesTest, ValidationErrorsAre422WithCauses) {
  Json bad = DoJson(Req("POST", kGitRepos, GitRepo("bad", R"(,"pollingInterval":"5x")")), 422);
  EXPECT_EQ(bad["reason"], "Invalid");
  EXPECT_EQ(bad["details"]["kind"], "GitRepo");
  EXPECT_EQ(bad["details"]["group"], "fleet.cattle.io");
  EXPECT_EQ(bad["details"]["name"], "bad");
  ASSERT_FALSE(bad["details"]["causes"].empty());
  EXPECT_EQ(bad["details"]["causes"][0]["field"], "spec.pollingInterval");
  EXPECT_NE(bad["message"].get<std::string>().find("spec.pollingInterval"), std::string::npos);

  Json ns = DoJson(Req("POST", kGitRepos,
                       R"({"metadata":{"name":"x","namespace":"other"},"spec":{"repo":"r"}})"),
                   400);
  EXPECT_EQ(ns["reason"], "BadRequest");
  EXPECT_EQ(DoJson(Req("POST", kGitRepos, "{not json"), 400)["code"], 400);
  EXPECT_EQ(
      DoJson(Req("POST", kGitRepos, R"({"kind":"Bundle","metadata":{"name":"x"}})"), 400)["reason"],
      "BadRequest");
  // POST to a cluster-wide collection of a namespaced kind is not allowed.
  EXPECT_EQ(Do(Req("POST", "/apis/fleet.cattle.io/v1alpha1/gitrepos", GitRepo("x"))).status, 405);
  // A field of the wrong JSON type is the client's error, not the server's.
  EXPECT_EQ(
      Do(Req("POST", kGitRepos, R"({"metadata":{"name":true},"spec":{"repo":"r"}})")).status / 100,
      4);
  // YAML bodies are accepted too.
  DoJson(Req("POST", kGitRepos,
             "apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: yy\n"
             "spec:\n  repo: https://example.com/y\n",
             "application/yaml"),
         201);
}

TEST_F(ResourcesTest, UpdateAndOptimisticConcurrency) {
  Json created = DoJson(Req("POST", kGitRepos, GitRepo("a")), 201);
  Json obj = created;
  obj["spec"]["branch"] = "main";
  Json updated = DoJson(Req("PUT", std::string(kGitRepos) + "/a", obj.dump()), 200);
  EXPECT_EQ(updated["spec"]["branch"], "main");
  EXPECT_EQ(updated["metadata"]["generation"], 2);
  // Stale resourceVersion: 409 Conflict.
  Json stale = DoJson(Req("PUT", std::string(kGitRepos) + "/a", obj.dump()), 409);
  EXPECT_EQ(stale["reason"], "Conflict");
  // Name mismatch.
  EXPECT_EQ(Do(Req("PUT", std::string(kGitRepos) + "/zzz", updated.dump())).status, 400);
  // PUT of a missing object.
  Json missing = Json::parse(GitRepo("nope"));
  EXPECT_EQ(Do(Req("PUT", std::string(kGitRepos) + "/nope", missing.dump())).status, 404);
  // Status subresource: only .status changes.
  Json st = updated;
  st["status"] = {{"commit", "abc"}};
  st["spec"]["branch"] = "ignored";
  Json after = DoJson(Req("PUT", std::string(kGitRepos) + "/a/status", st.dump()), 200);
  EXPECT_EQ(after["status"]["commit"], "abc");
  EXPECT_EQ(after["spec"]["branch"], "main");
  // And a plain update does not touch status.
  Json plain = after;
  plain["status"] = {{"commit", "zzz"}};
  Json after2 = DoJson(Req("PUT", std::string(kGitRepos) + "/a", plain.dump()), 200);
  EXPECT_EQ(after2["status"]["commit"], "abc");
}

TEST_F(ResourcesTest, Patches) {
  DoJson(Req("POST", kGitRepos, GitRepo("a", "", R"({"x":"1"})")), 201);
  std::string url = std::string(kGitRepos) + "/a";
  Json merged =
      DoJson(Req("PATCH", url, R"({"spec":{"paused":true},"metadata":{"labels":{"x":null}}})",
                 "application/merge-patch+json"),
             200);
  EXPECT_EQ(merged["spec"]["paused"], true);
  EXPECT_FALSE(merged["metadata"].contains("labels") && merged["metadata"]["labels"].contains("x"));
  Json jp = DoJson(Req("PATCH", url, R"([{"op":"replace","path":"/spec/branch","value":"dev"}])",
                       "application/json-patch+json"),
                   200);
  EXPECT_EQ(jp["spec"]["branch"], "dev");
  Json smp = DoJson(
      Req("PATCH", url, R"({"spec":{"paths":["x"]}})", "application/strategic-merge-patch+json"),
      200);
  EXPECT_EQ(smp["spec"]["paths"], Json::array({"x"}));
  Json invalid = DoJson(
      Req("PATCH", url, R"({"spec":{"pollingInterval":"5x"}})", "application/merge-patch+json"),
      422);
  EXPECT_EQ(invalid["details"]["causes"][0]["field"], "spec.pollingInterval");
  EXPECT_EQ(Do(Req("PATCH", url, "{}", "text/plain")).status, 415);
  EXPECT_EQ(Do(Req("PATCH", std::string(kGitRepos) + "/none", "{}", "application/merge-patch+json"))
                .status,
            404);
  // A resourceVersion in the patch is a precondition.
  Json stale = DoJson(
      Req("PATCH", url, R"({"metadata":{"resourceVersion":"1"}})", "application/merge-patch+json"),
      409);
  EXPECT_EQ(stale["reason"], "Conflict");
  Json renamed = DoJson(
      Req("PATCH", url, R"({"metadata":{"name":"b"}})", "application/merge-patch+json"), 422);
  EXPECT_EQ(renamed["details"]["causes"][0]["field"], "metadata.name");
  // Status patch.
  Json st = DoJson(Req("PATCH", url + "/status", R"({"status":{"commit":"c1"}})",
                       "application/merge-patch+json"),
                   200);
  EXPECT_EQ(st["status"]["commit"], "c1");
  // Server-side apply (simplified): creates, then merges.
  std::string apply_url = std::string(kGitRepos) + "/ssa?fieldManager=test";
  Json created = DoJson(Req("PATCH", apply_url,
                            "apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n"
                            "  name: ssa\nspec:\n  repo: https://example.com/ssa\n",
                            "application/apply-patch+yaml"),
                        201);
  EXPECT_EQ(created["spec"]["repo"], "https://example.com/ssa");
  Json applied = DoJson(Req("PATCH", apply_url,
                            "apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n"
                            "  name: ssa\nspec:\n  repo: https://example.com/ssa\n  branch: b2\n",
                            "application/apply-patch+yaml"),
                        200);
  EXPECT_EQ(applied["spec"]["branch"], "b2");
}

TEST_F(ResourcesTest, SecretsFoldStringData) {
  std::string url = "/api/v1/namespaces/fleet-local/secrets";
  Json created = DoJson(Req("POST", url,
                            R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},
                                "stringData":{"password":"hunter2"}})"),
                        201);
  EXPECT_EQ(created["data"]["password"], "aHVudGVyMg==");
  EXPECT_FALSE(created.contains("stringData"));
  EXPECT_EQ(created["type"], "Opaque");
  Json patched = DoJson(Req("PATCH", url + "/s", R"({"stringData":{"user":"me"}})",
                            "application/strategic-merge-patch+json"),
                        200);
  EXPECT_EQ(patched["data"]["user"], "bWU=");
  EXPECT_EQ(patched["data"]["password"], "aHVudGVyMg==");
  EXPECT_FALSE(patched.contains("stringData"));
}

TEST_F(ResourcesTest, AdmissionHooks) {
  auto srv = std::make_unique<ApiServer>(*store_, ApiServer::Options());
  std::vector<std::string> seen;
  srv->AddAdmissionHook([&](const AdmissionRequest& r, const Json& old, Json& obj) -> Status {
    seen.push_back(
        fmt::format("{}:{}:{}", static_cast<int>(r.operation), old.is_null(), obj.is_null()));
    if (r.operation == Operation::kCreate && obj["metadata"]["name"] == "denied")
      return InvalidArgument("no").AddCause({"metadata.name", "denied by policy"});
    if (r.operation == Operation::kCreate) obj["metadata"]["annotations"]["hooked"] = "yes";
    return Status::Ok();
  });
  HttpResponse created = srv->Dispatch(Req("POST", kGitRepos, GitRepo("a")));
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(Json::parse(created.body)["metadata"]["annotations"]["hooked"], "yes");
  EXPECT_EQ(srv->Dispatch(Req("POST", kGitRepos, GitRepo("denied"))).status, 422);
  EXPECT_EQ(srv->Dispatch(Req("DELETE", std::string(kGitRepos) + "/a")).status, 200);
  EXPECT_EQ(seen, (std::vector<std::string>{"0:true:false", "0:true:false", "2:false:true"}));
}

TEST_F(ResourcesTest, MountedHandlersTakePrecedence) {
  server_->Handle("/webhooks/", [](const HttpRequest& r) {
    HttpResponse resp;
    resp.body = "hook:" + r.path;
    return resp;
  });
  server_->Handle("/readyz", [](const HttpRequest&) {
    return HttpResponse{503, "text/plain", {}, "no", nullptr, nullptr};
  });
  EXPECT_EQ(Do(Req("POST", "/webhooks/github")).body, "hook:/webhooks/github");
  EXPECT_EQ(Do(Req("GET", "/readyz")).status, 503);
  EXPECT_EQ(Do(Req("GET", "/readyzz")).status, 404);
}

TEST_F(ResourcesTest, WatchStreamsEvents) {
  Json created = DoJson(Req("POST", kGitRepos, GitRepo("a")), 201);
  // From "now" (no resourceVersion): synthetic ADDED for existing objects, then changes.
  HttpResponse resp = Do(Req("GET", std::string(kGitRepos) + "?watch=1&timeoutSeconds=5"));
  ASSERT_EQ(resp.status, 200);
  ASSERT_TRUE(resp.stream);
  FakeStream stream(2);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    DoJson(Req("PATCH", std::string(kGitRepos) + "/a", R"({"spec":{"paused":true}})",
               "application/merge-patch+json"),
           200);
  });
  resp.stream(stream);
  writer.join();
  ASSERT_EQ(stream.lines.size(), 2u);
  Json e0 = Json::parse(stream.lines[0]), e1 = Json::parse(stream.lines[1]);
  EXPECT_EQ(e0["type"], "ADDED");
  EXPECT_EQ(e0["object"]["kind"], "GitRepo");
  EXPECT_EQ(e1["type"], "MODIFIED");
  EXPECT_EQ(e1["object"]["spec"]["paused"], true);
  EXPECT_EQ(stream.lines[1].back(), '\n');

  // From a resourceVersion, as a Table: only later changes, each a one-row Table.
  std::string rv = created["metadata"]["resourceVersion"];
  HttpRequest tw = Req("GET", std::string(kGitRepos) + "?watch=true&resourceVersion=" + rv);
  tw.headers["accept"] = kTableAccept;
  HttpResponse tresp = Do(tw);
  FakeStream tstream(1);
  tresp.stream(tstream);
  ASSERT_EQ(tstream.lines.size(), 1u);
  Json te = Json::parse(tstream.lines[0]);
  EXPECT_EQ(te["type"], "MODIFIED");
  EXPECT_EQ(te["object"]["kind"], "Table");
  EXPECT_EQ(te["object"]["rows"][0]["cells"][0], "a");
  EXPECT_EQ(te["object"]["rows"][0]["object"]["kind"], "PartialObjectMetadata");
}

TEST_F(ResourcesTest, WatchEndsAtTimeout) {
  HttpResponse resp = Do(Req("GET", std::string(kGitRepos) + "?watch=1&timeoutSeconds=1"));
  FakeStream stream(100);
  auto start = std::chrono::steady_clock::now();
  resp.stream(stream);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_TRUE(stream.lines.empty());
}

// Delegates to a real store, except that every watch fails as too old.
class ExpiredWatchStore : public store::Store {
 public:
  explicit ExpiredWatchStore(store::Store& s) : s_(s) {}
  StatusOr<Json> Create(const model::ResourceType& t, Json o) override { return s_.Create(t, o); }
  StatusOr<Json> Get(const model::ResourceType& t, const std::string& ns,
                     const std::string& n) override {
    return s_.Get(t, ns, n);
  }
  StatusOr<store::ListResult> List(const model::ResourceType& t,
                                   const store::ListOptions& o) override {
    return s_.List(t, o);
  }
  StatusOr<Json> Update(const model::ResourceType& t, Json o) override { return s_.Update(t, o); }
  StatusOr<Json> UpdateStatus(const model::ResourceType& t, Json o) override {
    return s_.UpdateStatus(t, o);
  }
  StatusOr<Json> Delete(const model::ResourceType& t, const std::string& ns, const std::string& n,
                        const store::DeleteOptions& o) override {
    return s_.Delete(t, ns, n, o);
  }
  StatusOr<std::unique_ptr<store::Watcher>> Watch(const model::ResourceType&,
                                                  const store::WatchOptions& o) override {
    return Gone(fmt::format("too old resource version: {}", o.resource_version));
  }
  int64_t CurrentResourceVersion() override { return s_.CurrentResourceVersion(); }
  Status CheckHealth() override { return s_.CheckHealth(); }

 private:
  store::Store& s_;
};

TEST_F(ResourcesTest, WatchFromExpiredVersionSendsError) {
  EXPECT_EQ(Do(Req("GET", std::string(kGitRepos) + "?watch=1&resourceVersion=bogus")).status, 400);
  ExpiredWatchStore expired(*store_);
  ApiServer srv(expired, ApiServer::Options());
  HttpResponse resp =
      srv.Dispatch(Req("GET", std::string(kGitRepos) + "?watch=1&resourceVersion=3"));
  ASSERT_EQ(resp.status, 200);
  ASSERT_TRUE(resp.stream);
  FakeStream stream(10);
  resp.stream(stream);
  ASSERT_EQ(stream.lines.size(), 1u);
  Json ev = Json::parse(stream.lines[0]);
  EXPECT_EQ(ev["type"], "ERROR");
  EXPECT_EQ(ev["object"]["kind"], "Status");
  EXPECT_EQ(ev["object"]["code"], 410);
  EXPECT_EQ(ev["object"]["reason"], "Expired");
}

// /openapi/v3 publishes the Fleet group as kube-apiserver publishes a CRD's: what kubectl reads
// to explain a field and to leave validation to the server (api/openapi.h).
TEST_F(ResourcesTest, OpenApiV3PublishesTheFleetSchemas) {
  Json index = DoJson(Req("GET", "/openapi/v3"), 200);
  const Json& entry = index["paths"]["apis/fleet.cattle.io/v1alpha1"];
  std::string url = entry.value("serverRelativeURL", "");
  ASSERT_EQ(url.rfind("/openapi/v3/apis/fleet.cattle.io/v1alpha1?hash=", 0), 0u) << index.dump();
  Json doc = DoJson(Req("GET", url), 200);
  EXPECT_EQ(doc["openapi"], "3.0.0");
  const Json& gitrepo = doc["components"]["schemas"]["io.cattle.fleet.v1alpha1.GitRepo"];
  EXPECT_EQ(gitrepo["x-kubernetes-group-version-kind"][0],
            (Json{{"group", "fleet.cattle.io"}, {"version", "v1alpha1"}, {"kind", "GitRepo"}}));
  EXPECT_NE(gitrepo["properties"]["spec"]["properties"]["helmSecretName"]
                .value("description", "")
                .find("Helm"),
            std::string::npos);
  for (const char* kind : {"Bundle", "BundleDeployment", "Cluster", "ClusterGroup", "Content",
                           "ClusterRegistration", "ClusterRegistrationToken", "GitRepoList"})
    EXPECT_TRUE(
        doc["components"]["schemas"].contains(std::string("io.cattle.fleet.v1alpha1.") + kind))
        << kind;
  // PATCH declares fieldValidation (kubectl then validates on the server) and no strategic
  // merge (kubectl then sends merge patches, as for a CRD).
  const Json& patch =
      doc["paths"]["/apis/fleet.cattle.io/v1alpha1/namespaces/{namespace}/gitrepos/{name}"]
         ["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"]["kind"], "GitRepo");
  bool field_validation = false;
  for (const Json& p : patch["parameters"])
    field_validation |= p["name"] == "fieldValidation" && p["in"] == "query";
  EXPECT_TRUE(field_validation);
  EXPECT_TRUE(patch["requestBody"]["content"].contains("application/merge-patch+json"));
  EXPECT_FALSE(patch["requestBody"]["content"].contains("application/strategic-merge-patch+json"));
  EXPECT_TRUE(doc["paths"].contains("/apis/fleet.cattle.io/v1alpha1/contents/{name}"))
      << "cluster-scoped kinds have no namespace in their paths";
}

}  // namespace
}  // namespace flotilla::api
