// The webhook receiver against a real SQLite store, with the providers' payload shapes and
// signatures computed here with OpenSSL.
#include "webhook/receiver.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <string>
#include <vector>

#include "core/base64.h"
#include "core/metrics.h"
#include "model/resource_type.h"

namespace flotilla::webhook {
namespace {

constexpr const char* kNs = "fleet-local";
constexpr const char* kCommit = "9c2b8a1f0e3d4c5b6a7980f1e2d3c4b5a6978801";
constexpr const char* kOldCommit = "1111111111111111111111111111111111111111";
constexpr const char* kPolledAt = "2026-01-01T00:00:00Z";

std::string Hmac(const EVP_MD* md, const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < len; i++) {
    snprintf(buf, sizeof buf, "%02x", out[i]);
    hex += buf;
  }
  return hex;
}
std::string Sha256(const std::string& key, const std::string& data) {
  return Hmac(EVP_sha256(), key, data);
}

// ---- realistic payloads (trimmed to the fields a receiver could care about, plus noise) ----

std::string GitHubPush(const std::string& repo = "acme/app",
                       const std::string& ref = "refs/heads/main",
                       const std::string& after = kCommit) {
  Json j = {
      {"ref", ref},
      {"before", kOldCommit},
      {"after", after},
      {"created", false},
      {"deleted", false},
      {"forced", false},
      {"compare", "https://github.com/" + repo + "/compare/111111111111...9c2b8a1f0e3d"},
      {"repository",
       {{"id", 123456789},
        {"name", repo.substr(repo.find('/') + 1)},
        {"full_name", repo},
        {"private", false},
        {"html_url", "https://github.com/" + repo},
        {"url", "https://github.com/" + repo},
        {"git_url", "git://github.com/" + repo + ".git"},
        {"ssh_url", "git@github.com:" + repo + ".git"},
        {"clone_url", "https://github.com/" + repo + ".git"},
        {"default_branch", "main"},
        {"master_branch", "main"}}},
      {"pusher", {{"name", "octocat"}, {"email", "octocat@example.com"}}},
      {"sender", {{"login", "octocat"}, {"id", 1}}},
      {"head_commit",
       {{"id", after}, {"message", "Update deployment"}, {"timestamp", "2026-11-25T10:00:00Z"}}},
      {"commits", Json::array({{{"id", after}, {"message", "Update deployment"}}})},
  };
  return j.dump();
}

std::string GitLabPush(const std::string& ref = "refs/heads/main",
                       const std::string& kind = "push") {
  Json j = {{"object_kind", kind},
            {"event_name", kind},
            {"before", kOldCommit},
            {"after", kCommit},
            {"ref", ref},
            {"checkout_sha", kCommit},
            {"user_username", "jsmith"},
            {"project_id", 15},
            {"project",
             {{"id", 15},
              {"name", "Infra"},
              {"web_url", "https://gitlab.example.com/platform/infra"},
              {"git_ssh_url", "git@gitlab.example.com:platform/infra.git"},
              {"git_http_url", "https://gitlab.example.com/platform/infra.git"},
              {"namespace", "Platform"},
              {"path_with_namespace", "platform/infra"},
              {"default_branch", "main"},
              {"ssh_url", "git@gitlab.example.com:platform/infra.git"},
              {"http_url", "https://gitlab.example.com/platform/infra.git"}}},
            {"repository",
             {{"name", "Infra"},
              {"url", "git@gitlab.example.com:platform/infra.git"},
              {"homepage", "https://gitlab.example.com/platform/infra"},
              {"git_http_url", "https://gitlab.example.com/platform/infra.git"},
              {"git_ssh_url", "git@gitlab.example.com:platform/infra.git"}}},
            {"commits", Json::array({{{"id", kCommit}, {"message", "bump"}}})},
            {"total_commits_count", 1}};
  return j.dump();
}

std::string GiteaPush(const std::string& host = "gitea.example.com") {
  Json j = {{"ref", "refs/heads/main"},
            {"before", kOldCommit},
            {"after", kCommit},
            {"compare_url", "https://" + host + "/ops/fleet/compare/1111...9c2b"},
            {"commits", Json::array({{{"id", kCommit}, {"message", "change\n"}}})},
            {"repository",
             {{"id", 7},
              {"name", "fleet"},
              {"full_name", "ops/fleet"},
              {"html_url", "https://" + host + "/ops/fleet"},
              {"ssh_url", "git@" + host + ":ops/fleet.git"},
              {"clone_url", "https://" + host + "/ops/fleet.git"},
              {"default_branch", "main"}}},
            {"pusher", {{"login", "ops"}}},
            {"sender", {{"login", "ops"}}}};
  return j.dump();
}

std::string BitbucketCloudPush(const std::string& branch = "main") {
  Json j = {
      {"actor", {{"display_name", "Jane"}, {"type", "user"}}},
      {"repository",
       {{"type", "repository"},
        {"full_name", "team/service"},
        {"name", "service"},
        {"uuid", "{8f5b4c3e-0000-4000-8000-000000000001}"},
        {"links", {{"html", {{"href", "https://bitbucket.org/team/service"}}}}}}},
      {"push",
       {{"changes",
         Json::array(
             {{{"old", {{"type", "branch"}, {"name", branch}, {"target", {{"hash", kOldCommit}}}}},
               {"new",
                {{"type", "branch"},
                 {"name", branch},
                 {"target", {{"type", "commit"}, {"hash", kCommit}}}}},
               {"created", false},
               {"closed", false},
               {"forced", false}}})}}}};
  return j.dump();
}

std::string BitbucketServerPush() {
  Json j = {
      {"eventKey", "repo:refs_changed"},
      {"date", "2026-11-25T10:00:00+0000"},
      {"actor", {{"name", "admin"}}},
      {"repository",
       {{"slug", "deploy"},
        {"name", "deploy"},
        {"project", {{"key", "OPS"}}},
        {"links",
         {{"clone",
           Json::array(
               {{{"href", "ssh://git@bitbucket.example.com:7999/ops/deploy.git"}, {"name", "ssh"}},
                {{"href", "https://bitbucket.example.com/scm/ops/deploy.git"}, {"name", "http"}}})},
          {"self",
           Json::array(
               {{{"href", "https://bitbucket.example.com/projects/OPS/repos/deploy/browse"}}})}}}}},
      {"changes",
       Json::array(
           {{{"ref", {{"id", "refs/heads/main"}, {"displayId", "main"}, {"type", "BRANCH"}}},
             {"refId", "refs/heads/main"},
             {"fromHash", kOldCommit},
             {"toHash", kCommit},
             {"type", "UPDATE"}}})}};
  return j.dump();
}

std::string AzurePush() {
  Json j = {{"subscriptionId", "00000000-0000-0000-0000-000000000000"},
            {"notificationId", 3},
            {"id", "03c164c2-8912-4d5e-8009-3707d5f83734"},
            {"eventType", "git.push"},
            {"publisherId", "tfs"},
            {"resource",
             {{"commits", Json::array({{{"commitId", kCommit}, {"comment", "Fixed bug"}}})},
              {"refUpdates", Json::array({{{"name", "refs/heads/main"},
                                           {"oldObjectId", kOldCommit},
                                           {"newObjectId", kCommit}}})},
              {"repository",
               {{"id", "278d5cd2-584d-4b63-824a-2ba458937249"},
                {"name", "Fabrikam-Fiber-Git"},
                {"url", "https://dev.azure.com/fabrikam/_apis/git/repositories/278d5cd2"},
                {"project", {{"name", "Fabrikam-Fiber-Git"}}},
                {"defaultBranch", "refs/heads/main"},
                {"remoteUrl",
                 "https://dev.azure.com/fabrikam/Fabrikam-Fiber-Git/_git/Fabrikam-Fiber-Git"}}},
              {"pushId", 14},
              {"date", "2026-11-25T10:00:00Z"}}}};
  return j.dump();
}

http::Request Post(std::string body, std::map<std::string, std::string> headers) {
  http::Request r;
  r.method = "POST";
  r.target = r.path = "/webhooks";
  r.headers = std::move(headers);
  r.headers["content-type"] = "application/json";
  r.body = std::move(body);
  return r;
}

class ReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore(":memory:");
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    receiver_ = std::make_unique<Receiver>(
        *store_, [this](const std::string& key) { enqueued_.push_back(key); });
  }

  void AddGitRepo(const std::string& name, const std::string& repo, const std::string& branch,
                  Json extra = Json::object(), const std::string& ns = kNs) {
    Json spec = {{"repo", repo}};
    if (!branch.empty()) spec["branch"] = branch;
    spec.update(extra);
    Json obj = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
                {"kind", "GitRepo"},
                {"metadata", {{"name", name}, {"namespace", ns}}},
                {"spec", spec}};
    auto created = store_->Create(model::GitRepoType(), obj);
    ASSERT_TRUE(created.ok()) << created.status().message();
    Json st = *created;
    st["status"] = {
        {"commit", kOldCommit}, {"pollingCommit", kOldCommit}, {"lastPollingTriggered", kPolledAt}};
    ASSERT_TRUE(store_->UpdateStatus(model::GitRepoType(), st).ok());
  }

  void AddSecret(const std::string& ns, const std::string& name,
                 std::map<std::string, std::string> data) {
    Json d = Json::object();
    for (auto& [k, v] : data) d[k] = Base64Encode(v);
    Json obj = {{"apiVersion", "v1"},
                {"kind", "Secret"},
                {"metadata", {{"name", name}, {"namespace", ns}}},
                {"type", "Opaque"},
                {"data", d}};
    ASSERT_TRUE(store_->Create(model::SecretType(), obj).ok());
  }
  void AddGlobalSecret(std::map<std::string, std::string> data) {
    AddSecret(kDefaultSecretNamespace, kDefaultSecretName, std::move(data));
  }

  Json StatusOf(const std::string& name, const std::string& ns = kNs) {
    auto o = store_->Get(model::GitRepoType(), ns, name);
    EXPECT_TRUE(o.ok());
    return o.ok() ? (*o)["status"] : Json();
  }
  bool Poked(const std::string& name, const std::string& ns = kNs) {
    Json st = StatusOf(name, ns);
    return st.value("webhookCommit", "") == kCommit && !st.contains("lastPollingTriggered");
  }
  bool Untouched(const std::string& name, const std::string& ns = kNs) {
    Json st = StatusOf(name, ns);
    return !st.contains("webhookCommit") && st.value("lastPollingTriggered", "") == kPolledAt &&
           st.value("commit", "") == kOldCommit && st.value("pollingCommit", "") == kOldCommit;
  }
  static std::vector<std::string> Matched(const http::Response& r) {
    std::vector<std::string> out;
    Json j = Json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("matched"))
      for (auto& m : j["matched"]) out.push_back(m.get<std::string>());
    return out;
  }

  http::Response GitHub(const std::string& body, const std::string& secret,
                           const std::string& event = "push") {
    std::map<std::string, std::string> h = {{"x-github-event", event},
                                            {"x-github-delivery", "72d3162e-cc78-11e3-81ab"},
                                            {"user-agent", "GitHub-Hookshot/044aadd"}};
    if (!secret.empty()) {
      h["x-hub-signature-256"] = "sha256=" + Sha256(secret, body);
      h["x-hub-signature"] = "sha1=" + Hmac(EVP_sha1(), secret, body);
    }
    return receiver_->Handle(Post(body, h));
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Receiver> receiver_;
  std::vector<std::string> enqueued_;
};

using Keys = std::vector<std::string>;

TEST_F(ReceiverTest, GitHubSignedPushPokesTheMatchingGitRepo) {
  AddGlobalSecret({{"github", "s3cr3t"}});
  AddGitRepo("app", "https://github.com/acme/app.git", "main");
  auto r = GitHub(GitHubPush(), "s3cr3t");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Matched(r), Keys{"fleet-local/app"});
  EXPECT_TRUE(Poked("app"));
  // Only webhookCommit and lastPollingTriggered change: the controller polls and syncs.
  EXPECT_EQ(StatusOf("app")["commit"], kOldCommit);
  EXPECT_EQ(StatusOf("app")["pollingCommit"], kOldCommit);
  EXPECT_EQ(enqueued_, Keys{"fleet-local/app"});
}

TEST_F(ReceiverTest, GitHubForgedOrUnsignedIsRefusedAndChangesNothing) {
  AddGlobalSecret({{"github", "s3cr3t"}});
  AddGitRepo("app", "https://github.com/acme/app", "main");
  auto forged = GitHub(GitHubPush(), "wrong");
  EXPECT_EQ(forged.status, 403) << forged.body;
  auto unsigned_ = GitHub(GitHubPush(), "");
  EXPECT_EQ(unsigned_.status, 401) << unsigned_.body;
  // A valid signature of another body does not sign this one.
  std::string body = GitHubPush();
  auto req = Post(
      GitHubPush("acme/app", "refs/heads/main", kOldCommit),
      {{"x-github-event", "push"}, {"x-hub-signature-256", "sha256=" + Sha256("s3cr3t", body)}});
  EXPECT_EQ(receiver_->Handle(req).status, 403);
  EXPECT_TRUE(Untouched("app"));
  EXPECT_TRUE(enqueued_.empty());
  EXPECT_EQ(forged.body.find("fleet-local"), std::string::npos) << "refusals name no GitRepo";
}

TEST_F(ReceiverTest, GitHubLegacySha1SignatureIsAccepted) {
  AddGlobalSecret({{"github", "s3cr3t"}});
  AddGitRepo("app", "https://github.com/acme/app", "main");
  std::string body = GitHubPush();
  auto r = receiver_->Handle(
      Post(body, {{"x-github-event", "push"},
                  {"x-hub-signature", "sha1=" + Hmac(EVP_sha1(), "s3cr3t", body)}}));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Poked("app"));
}

TEST_F(ReceiverTest, GitHubFormEncodedPayload) {
  AddGlobalSecret({{"github", "s3cr3t"}});
  AddGitRepo("app", "https://github.com/acme/app", "main");
  std::string json = GitHubPush(), form = "payload=";
  for (unsigned char c : json) {
    if (isalnum(c)) {
      form += static_cast<char>(c);
    } else {
      char buf[4];
      snprintf(buf, sizeof buf, "%%%02X", c);
      form += buf;
    }
  }
  auto req = Post(form, {{"x-github-event", "push"},
                         {"x-hub-signature-256", "sha256=" + Sha256("s3cr3t", form)}});
  req.headers["content-type"] = "application/x-www-form-urlencoded";
  auto r = receiver_->Handle(req);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Poked("app"));
}

TEST_F(ReceiverTest, GitHubPingAndOtherEvents) {
  AddGitRepo("app", "https://github.com/acme/app", "main");
  auto ping = GitHub(R"({"zen":"Keep it logically awesome.","hook_id":1})", "", "ping");
  EXPECT_EQ(ping.status, 200);
  auto issues = GitHub(R"({"action":"opened"})", "", "issues");
  EXPECT_EQ(issues.status, 200);
  EXPECT_TRUE(Matched(issues).empty());
  EXPECT_TRUE(Untouched("app"));
}

TEST_F(ReceiverTest, WithoutAnySecretEventsAreAcceptedUnsigned) {
  AddGitRepo("app", "https://github.com/acme/app", "main");
  auto r = GitHub(GitHubPush(), "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Poked("app"));
}

TEST_F(ReceiverTest, RepositoryUrlSpellingsMatch) {
  AddGitRepo("https-git", "https://github.com/acme/app.git", "main");
  AddGitRepo("host-case", "https://GitHub.COM/acme/app", "main");
  AddGitRepo("path-case", "https://github.com/ACME/App.git", "main");
  AddGitRepo("ssh", "ssh://git@github.com:22/acme/app.git", "main");
  AddGitRepo("scp", "git@github.com:acme/app.git", "main");
  AddGitRepo("slash", "https://github.com/acme/app/", "main");
  AddGitRepo("userinfo", "https://token:x-oauth@github.com/acme/app", "main");
  AddGitRepo("prefix", "https://github.com/acme/app-config", "main");
  AddGitRepo("other-host", "https://gitlab.com/acme/app", "main");
  AddGitRepo("other-org", "https://github.com/acme2/app", "main");
  auto r = GitHub(GitHubPush(), "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Matched(r), (Keys{"fleet-local/host-case", "fleet-local/https-git",
                              "fleet-local/path-case", "fleet-local/scp", "fleet-local/slash",
                              "fleet-local/ssh", "fleet-local/userinfo"}));
  for (const char* n : {"prefix", "other-host", "other-org"}) EXPECT_TRUE(Untouched(n)) << n;
}

TEST_F(ReceiverTest, BranchMustMatch) {
  AddGitRepo("main", "https://github.com/acme/app", "main");
  AddGitRepo("dev", "https://github.com/acme/app", "dev");
  AddGitRepo("default", "https://github.com/acme/app", "");  // Fleet's default: master
  auto r = GitHub(GitHubPush("acme/app", "refs/heads/dev"), "");
  EXPECT_EQ(Matched(r), Keys{"fleet-local/dev"});
  EXPECT_TRUE(Untouched("main"));
  EXPECT_TRUE(Untouched("default"));
  r = GitHub(GitHubPush("acme/app", "refs/heads/master"), "");
  EXPECT_EQ(Matched(r), Keys{"fleet-local/default"});
  // Tags and branch deletions move nothing.
  r = GitHub(GitHubPush("acme/app", "refs/tags/main"), "");
  EXPECT_TRUE(Matched(r).empty());
  r = GitHub(GitHubPush("acme/app", "refs/heads/main", std::string(40, '0')), "");
  EXPECT_TRUE(Matched(r).empty());
  EXPECT_TRUE(Untouched("main"));
}

TEST_F(ReceiverTest, RevisionPinnedGitRepoIsNotMoved) {
  AddGitRepo("pinned", "https://github.com/acme/app", "main", {{"revision", kOldCommit}});
  AddGitRepo("tagged", "https://github.com/acme/app", "main", {{"revision", "v1.2.3"}});
  auto r = GitHub(GitHubPush(), "");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Matched(r).empty());
  EXPECT_TRUE(Untouched("pinned"));
  EXPECT_TRUE(Untouched("tagged"));
  EXPECT_TRUE(enqueued_.empty());
}

TEST_F(ReceiverTest, GitRepoWebhookSecretOverridesTheGlobalOne) {
  AddGlobalSecret({{"github", "global"}});
  AddSecret(kNs, "my-hook", {{"github", "mine"}});
  AddGitRepo("own", "https://github.com/acme/app", "main", {{"webhookSecret", "my-hook"}});
  AddGitRepo("shared", "https://github.com/acme/app", "main");

  auto r = GitHub(GitHubPush(), "mine");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Matched(r), Keys{"fleet-local/own"});
  EXPECT_EQ(Json::parse(r.body)["refused"], 1);
  EXPECT_TRUE(Poked("own"));
  EXPECT_TRUE(Untouched("shared"));

  r = GitHub(GitHubPush(), "global");
  EXPECT_EQ(Matched(r), Keys{"fleet-local/shared"});
  EXPECT_TRUE(Poked("shared"));

  // Neither secret: refused outright.
  AddGitRepo("own2", "https://github.com/acme/other", "main", {{"webhookSecret", "my-hook"}});
  EXPECT_EQ(GitHub(GitHubPush("acme/other"), "global").status, 403);
  EXPECT_TRUE(Untouched("own2"));
}

TEST_F(ReceiverTest, MissingGitRepoWebhookSecretRefuses) {
  AddGitRepo("own", "https://github.com/acme/app", "main", {{"webhookSecret", "nope"}});
  auto r = GitHub(GitHubPush(), "anything");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_TRUE(Untouched("own"));
}

TEST_F(ReceiverTest, SecretWithoutTheProvidersKeyRefuses) {
  AddGlobalSecret({{"github", "s3cr3t"}});
  AddGitRepo("infra", "https://gitlab.example.com/platform/infra.git", "main");
  auto r = receiver_->Handle(Post(GitLabPush(), {{"x-gitlab-event", "Push Hook"}}));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_TRUE(Untouched("infra"));
}

TEST_F(ReceiverTest, GitLabToken) {
  AddGlobalSecret({{"gitlab", "glsecret"}});
  AddGitRepo("infra", "git@gitlab.example.com:platform/infra.git", "main");
  auto push = [&](std::map<std::string, std::string> h) {
    h["x-gitlab-event"] = "Push Hook";
    h["x-gitlab-instance"] = "https://gitlab.example.com";
    return receiver_->Handle(Post(GitLabPush(), h));
  };
  EXPECT_EQ(push({}).status, 401);
  EXPECT_EQ(push({{"x-gitlab-token", "glsecreT"}}).status, 403);
  EXPECT_TRUE(Untouched("infra"));
  auto ok = push({{"x-gitlab-token", "glsecret"}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Matched(ok), Keys{"fleet-local/infra"});
  EXPECT_TRUE(Poked("infra"));
}

TEST_F(ReceiverTest, GitLabTagPushIsIgnored) {
  AddGitRepo("infra", "https://gitlab.example.com/platform/infra", "main");
  auto r = receiver_->Handle(
      Post(GitLabPush("refs/tags/v1", "tag_push"), {{"x-gitlab-event", "Tag Push Hook"}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Untouched("infra"));
}

TEST_F(ReceiverTest, GiteaAndGogsSignatures) {
  AddGlobalSecret({{"gogs", "tea"}});
  AddGitRepo("fleet", "https://gitea.example.com/ops/fleet.git", "main");
  AddGitRepo("gogs", "git@gogs.example.com:ops/fleet.git", "main");
  std::string body = GiteaPush();
  // Gitea sends its own headers plus Gogs' and GitHub's.
  auto forged = receiver_->Handle(Post(body, {{"x-gitea-event", "push"},
                                              {"x-gogs-event", "push"},
                                              {"x-github-event", "push"},
                                              {"x-gitea-signature", Sha256("nope", body)}}));
  EXPECT_EQ(forged.status, 403);
  EXPECT_TRUE(Untouched("fleet"));
  auto r =
      receiver_->Handle(Post(body, {{"x-gitea-event", "push"},
                                    {"x-gogs-event", "push"},
                                    {"x-github-event", "push"},
                                    {"x-gitea-signature", Sha256("tea", body)},
                                    {"x-gogs-signature", Sha256("tea", body)},
                                    {"x-hub-signature-256", "sha256=" + Sha256("tea", body)}}));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Matched(r), Keys{"fleet-local/fleet"});

  std::string gbody = GiteaPush("gogs.example.com");
  auto g = receiver_->Handle(
      Post(gbody, {{"x-gogs-event", "push"}, {"x-gogs-signature", Sha256("tea", gbody)}}));
  EXPECT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(Matched(g), Keys{"fleet-local/gogs"});
  auto unsigned_ = receiver_->Handle(Post(gbody, {{"x-gogs-event", "push"}}));
  EXPECT_EQ(unsigned_.status, 401);
}

TEST_F(ReceiverTest, BitbucketCloud) {
  AddGlobalSecret({{"bitbucket", "{hook-uuid-1}"}});
  AddGitRepo("svc", "git@bitbucket.org:team/service.git", "main");
  std::string body = BitbucketCloudPush();
  auto bad = receiver_->Handle(
      Post(body, {{"x-event-key", "repo:push"}, {"x-hook-uuid", "{hook-uuid-2}"}}));
  EXPECT_EQ(bad.status, 403);
  EXPECT_TRUE(Untouched("svc"));
  auto r = receiver_->Handle(Post(
      body,
      {{"x-event-key", "repo:push"}, {"x-hook-uuid", "{hook-uuid-1}"}, {"x-request-uuid", "abc"}}));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Poked("svc"));
}

TEST_F(ReceiverTest, BitbucketServer) {
  AddGlobalSecret({{"bitbucket-server", "bbs"}});
  AddGitRepo("http", "https://bitbucket.example.com/scm/ops/deploy.git", "main");
  AddGitRepo("ssh", "ssh://git@bitbucket.example.com:7999/ops/deploy.git", "main");
  std::string body = BitbucketServerPush();
  auto forged = receiver_->Handle(Post(body, {{"x-event-key", "repo:refs_changed"},
                                              {"x-hub-signature", "sha256=" + Sha256("x", body)}}));
  EXPECT_EQ(forged.status, 403);
  auto r = receiver_->Handle(Post(body, {{"x-event-key", "repo:refs_changed"},
                                         {"x-request-id", "r1"},
                                         {"x-hub-signature", "sha256=" + Sha256("bbs", body)}}));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Matched(r), (Keys{"fleet-local/http", "fleet-local/ssh"}));
  auto ping = receiver_->Handle(Post("", {{"x-event-key", "diagnostics:ping"}}));
  EXPECT_EQ(ping.status, 200);
}

TEST_F(ReceiverTest, AzureDevOpsBasicAuth) {
  AddGlobalSecret({{"azure-username", "fleet"}, {"azure-password", "p@ss"}});
  AddGitRepo("ssh", "git@ssh.dev.azure.com:v3/fabrikam/Fabrikam-Fiber-Git/Fabrikam-Fiber-Git",
             "main");
  AddGitRepo("https",
             "https://fabrikam@dev.azure.com/fabrikam/Fabrikam-Fiber-Git/_git/Fabrikam-Fiber-Git",
             "main");
  std::string body = AzurePush();
  auto bad = receiver_->Handle(Post(
      body, {{"x-vss-activityid", "1"}, {"authorization", "Basic " + Base64Encode("fleet:nope")}}));
  EXPECT_EQ(bad.status, 403);
  auto none = receiver_->Handle(Post(body, {{"x-vss-activityid", "1"}}));
  EXPECT_EQ(none.status, 401);
  EXPECT_TRUE(Untouched("ssh"));
  auto r =
      receiver_->Handle(Post(body, {{"x-vss-activityid", "1"},
                                    {"x-vss-subscriptionid", "2"},
                                    {"authorization", "Basic " + Base64Encode("fleet:p@ss")}}));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Matched(r), (Keys{"fleet-local/https", "fleet-local/ssh"}));
}

TEST_F(ReceiverTest, AzureDevOpsDetectedFromTheBody) {
  AddGitRepo("https", "https://dev.azure.com/fabrikam/Fabrikam-Fiber-Git/_git/Fabrikam-Fiber-Git",
             "main");
  auto r = receiver_->Handle(Post(AzurePush(), {}));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Poked("https"));
}

TEST_F(ReceiverTest, RequestErrors) {
  http::Request get = Post("", {{"x-github-event", "push"}});
  get.method = "GET";
  auto r = receiver_->Handle(get);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(receiver_->Handle(Post("{}", {})).status, 400);  // no provider
  EXPECT_EQ(GitHub("{not json", "").status, 400);
  EXPECT_EQ(GitHub(R"({"ref":"refs/heads/main","after":"abc"})", "").status, 400);  // no repo
  Receiver small(*store_, nullptr, {.max_body_bytes = 100});
  EXPECT_EQ(small.Handle(Post(GitHubPush(), {{"x-github-event", "push"}})).status, 413);
}

TEST_F(ReceiverTest, CountsRequests) {
  AddGitRepo("app", "https://github.com/acme/app", "main");
  GitHub(GitHubPush(), "");
  std::string text = metrics::DefaultRegistry().Serialize();
  EXPECT_NE(text.find(R"(flotilla_webhook_requests_total{provider="github",result="matched"})"),
            std::string::npos)
      << text;
}

TEST_F(ReceiverTest, GitReposInAllNamespacesAreMatched) {
  AddGitRepo("a", "https://github.com/acme/app", "main", Json::object(), "team-a");
  AddGitRepo("b", "https://github.com/acme/app", "main", Json::object(), "team-b");
  auto r = GitHub(GitHubPush(), "");
  EXPECT_EQ(Matched(r), (Keys{"team-a/a", "team-b/b"}));
  EXPECT_EQ(enqueued_, (Keys{"team-a/a", "team-b/b"}));
}

TEST(MatchKeyTest, Spellings) {
  EXPECT_EQ(*MatchKey("https://GitHub.com/Org/Repo.git"), "github.com/org/repo");
  EXPECT_EQ(*MatchKey("git@github.com:org/repo"), "github.com/org/repo");
  EXPECT_EQ(*MatchKey("ssh://git@github.com:22/org/repo/"), "github.com/org/repo");
  EXPECT_EQ(*MatchKey("https://dev.azure.com/o/p/_git/r"), "dev.azure.com/o/p/r");
  EXPECT_EQ(*MatchKey("https://o@dev.azure.com/o/p/_git/r"), "dev.azure.com/o/p/r");
  EXPECT_EQ(*MatchKey("git@ssh.dev.azure.com:v3/o/p/r"), "dev.azure.com/o/p/r");
  EXPECT_EQ(*MatchKey("https://o.visualstudio.com/p/_git/r"), "dev.azure.com/o/p/r");
  EXPECT_EQ(*MatchKey("https://o.visualstudio.com/DefaultCollection/p/_git/r"),
            "dev.azure.com/o/p/r");
  EXPECT_EQ(*MatchKey("o@vs-ssh.visualstudio.com:v3/o/p/r"), "dev.azure.com/o/p/r");
  EXPECT_FALSE(MatchKey("nonsense").ok());
}

}  // namespace
}  // namespace flotilla::webhook
