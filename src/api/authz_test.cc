// The API's authorization end to end in-process: tokens issued with auth::IssueToken for users
// and ServiceAccounts bound to different roles, real requests through ApiServer::Dispatch,
// 403 Status bodies, SelfSubjectAccessReview agreeing with enforcement, and the audit sink.
#include <gtest/gtest.h>

#include <mutex>

#include "api/server.h"
#include "auth/rbac.h"
#include "auth/roles.h"
#include "auth/tokens.h"
#include "model/resource_type.h"

namespace flotilla::api {
namespace {

// Bearer tokens looked up in the store (the authn lane's authenticator does more: this one is
// enough to put real identities on real requests).
class TokenAuthn : public Authenticator {
 public:
  explicit TokenAuthn(store::Store& s) : store_(s) {}
  StatusOr<http::UserInfo> Authenticate(const http::Request& r) override {
    std::string h = r.Header("authorization");
    if (h.rfind("Bearer ", 0) != 0) return Status(StatusCode::kUnauthenticated, "no token");
    return auth::LookupToken(store_, h.substr(7));
  }

 private:
  store::Store& store_;
};

HttpRequest Req(const std::string& token, std::string method, std::string target,
                std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.target = target;
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = ParseQuery(target.substr(q + 1));
  r.body = std::move(body);
  r.headers["content-type"] = "application/json";
  if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
  return r;
}

Json Binding(const std::string& ns, const std::string& name, const std::string& role,
             const Json& subject) {
  Json j = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
            {"kind", ns.empty() ? "ClusterRoleBinding" : "RoleBinding"},
            {"metadata", {{"name", name}}},
            {"roleRef",
             {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", role}}},
            {"subjects", Json::array({subject})}};
  if (!ns.empty()) j["metadata"]["namespace"] = ns;
  return j;
}

constexpr const char* kFleet = "/apis/fleet.cattle.io/v1alpha1";

std::string GitRepo(const std::string& name) {
  return Json{{"apiVersion", "fleet.cattle.io/v1alpha1"},
              {"kind", "GitRepo"},
              {"metadata", {{"name", name}}},
              {"spec", {{"repo", "https://example.com/r"}}}}
      .dump();
}

class AuthzTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore(":memory:");
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    ASSERT_TRUE(auth::BootstrapRoles(*store_).ok());
    for (const char* ns : {"team", "other", "cluster-a", "cluster-b"})
      ASSERT_TRUE(
          store_
              ->Create(model::NamespaceType(),
                       {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}})
              .ok());
    server_ = std::make_unique<ApiServer>(*store_, ApiServer::Options{});
    server_->SetAuthenticator(std::make_unique<TokenAuthn>(*store_));
    auto rbac = auth::RbacAuthorizer::Create(*store_);
    ASSERT_TRUE(rbac.ok());
    server_->SetAuthorizer(std::move(*rbac));
    server_->SetAuditSink([this](const auth::AuditEvent& e) {
      std::lock_guard lk(mu_);
      audit_.push_back(e);
    });
    root_ = Token("root", {"system:masters"});
  }

  std::string Token(const std::string& user, std::vector<std::string> groups = {}) {
    auth::TokenSpec spec;
    spec.user = user;
    spec.groups = std::move(groups);
    auto t = auth::IssueToken(*store_, spec);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? t->token : "";
  }
  std::string AgentToken(const std::string& ns) {
    auto sa = store_->Create(model::ServiceAccountType(),
                             {{"apiVersion", "v1"},
                              {"kind", "ServiceAccount"},
                              {"metadata", {{"name", "agent"}, {"namespace", ns}}}});
    EXPECT_TRUE(sa.ok());
    auto t = auth::IssueToken(*store_, auth::ServiceAccountTokenSpec(
                                           ns, "agent", (*sa)["metadata"]["uid"].get<std::string>(),
                                           std::chrono::seconds(0)));
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? t->token : "";
  }
  void Bind(const std::string& ns, const std::string& name, const std::string& role,
            const Json& subject) {
    const auto& type = ns.empty() ? model::ClusterRoleBindingType() : model::RoleBindingType();
    ASSERT_TRUE(store_->Create(type, Binding(ns, name, role, subject)).ok());
  }
  int Code(const std::string& token, const std::string& method, const std::string& target,
           const std::string& body = "") {
    return server_->Dispatch(Req(token, method, target, body)).status;
  }
  // `kubectl auth can-i`'s question, answered by the server.
  bool CanI(const std::string& token, const Json& resource_attributes) {
    Json review = {{"apiVersion", "authorization.k8s.io/v1"},
                   {"kind", "SelfSubjectAccessReview"},
                   {"spec", {{"resourceAttributes", resource_attributes}}}};
    HttpResponse r = server_->Dispatch(Req(
        token, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review.dump()));
    EXPECT_EQ(r.status, 201) << r.body;
    return Json::parse(r.body)["status"]["allowed"].get<bool>();
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ApiServer> server_;
  std::string root_;
  std::mutex mu_;
  std::vector<auth::AuditEvent> audit_;
};

TEST_F(AuthzTest, NoTokenIs401AndNoBindingIs403WithKubernetesStatus) {
  EXPECT_EQ(Code("", "GET", std::string(kFleet) + "/namespaces/team/gitrepos"), 401);
  std::string nobody = Token("nobody");
  HttpResponse r =
      server_->Dispatch(Req(nobody, "GET", std::string(kFleet) + "/namespaces/team/gitrepos/x"));
  EXPECT_EQ(r.status, 403);
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["kind"], "Status");
  EXPECT_EQ(body["reason"], "Forbidden");
  EXPECT_EQ(body["code"], 403);
  EXPECT_EQ(body["message"],
            "gitrepos.fleet.cattle.io \"x\" is forbidden: User \"nobody\" cannot get resource "
            "\"gitrepos\" in API group \"fleet.cattle.io\" in the namespace \"team\"");
  EXPECT_EQ(body["details"],
            Json({{"name", "x"}, {"group", "fleet.cattle.io"}, {"kind", "gitrepos"}}));
  // Discovery is open to every authenticated user; /metrics is not.
  EXPECT_EQ(Code(nobody, "GET", "/apis"), 200);
  EXPECT_EQ(Code(nobody, "GET", kFleet), 200);
  EXPECT_EQ(Code(nobody, "GET", "/api/v1"), 200);
  EXPECT_EQ(Code(nobody, "GET", "/version"), 200);
  HttpResponse metrics = server_->Dispatch(Req(nobody, "GET", "/metrics"));
  EXPECT_EQ(metrics.status, 403);
  EXPECT_EQ(Json::parse(metrics.body)["message"],
            "forbidden: User \"nobody\" cannot get path \"/metrics\"");
  // Health probes need no token at all.
  EXPECT_EQ(Code("", "GET", "/healthz"), 200);
}

TEST_F(AuthzTest, RolesByRequestTable) {
  std::string viewer = Token("viewer"), editor = Token("editor");
  Bind("", "viewer", auth::kViewRole, {{"kind", "User"}, {"name", "viewer"}});
  Bind("team", "editor", auth::kEditRole, {{"kind", "User"}, {"name", "editor"}});
  std::string agent_a = AgentToken("cluster-a");
  Bind("cluster-a", "agent", auth::kBundleDeploymentAgentRole,
       {{"kind", "ServiceAccount"}, {"name", "agent"}, {"namespace", "cluster-a"}});
  ASSERT_EQ(Code(root_, "POST", std::string(kFleet) + "/namespaces/team/gitrepos", GitRepo("g")),
            201);
  const std::string team = std::string(kFleet) + "/namespaces/team/gitrepos";
  const std::string other = std::string(kFleet) + "/namespaces/other/gitrepos";
  const std::string bds_a = std::string(kFleet) + "/namespaces/cluster-a/bundledeployments";
  const std::string bds_b = std::string(kFleet) + "/namespaces/cluster-b/bundledeployments";
  struct Row {
    std::string who, token, method, target, body;
    int code;
  };
  const std::vector<Row> rows = {
      {"viewer", viewer, "GET", team, "", 200},
      {"viewer", viewer, "GET", std::string(kFleet) + "/gitrepos", "", 200},
      {"viewer", viewer, "GET", team + "/g", "", 200},
      {"viewer", viewer, "POST", team, GitRepo("v"), 403},
      {"viewer", viewer, "DELETE", team + "/g", "", 403},
      {"viewer", viewer, "GET", "/api/v1/namespaces/team/secrets", "", 403},
      {"viewer", viewer, "GET", "/api/v1/namespaces/team/configmaps", "", 200},
      {"editor", editor, "POST", team, GitRepo("e"), 201},
      {"editor", editor, "PUT", team + "/e", GitRepo("e"), 200},
      {"editor", editor, "GET", "/api/v1/namespaces/team/secrets", "", 200},
      {"editor", editor, "POST", other, GitRepo("e"), 403},
      {"editor", editor, "GET", std::string(kFleet) + "/gitrepos", "", 403},
      {"editor", editor, "DELETE", team + "/e", "", 200},
      {"agent", agent_a, "GET", bds_a, "", 200},
      {"agent", agent_a, "GET", bds_a + "?watch=true", "", 200},
      {"agent", agent_a, "GET", bds_b, "", 403},
      {"agent", agent_a, "GET", bds_b + "?watch=true", "", 403},
      {"agent", agent_a, "GET", std::string(kFleet) + "/bundledeployments", "", 403},
      {"agent", agent_a, "GET", team, "", 403},
      {"agent", agent_a, "GET", "/api/v1/namespaces/cluster-a/secrets/none", "", 404},
      {"agent", agent_a, "GET", "/api/v1/namespaces/cluster-b/secrets/none", "", 403},
  };
  for (const Row& row : rows) {
    HttpResponse r = server_->Dispatch(Req(row.token, row.method, row.target, row.body));
    EXPECT_EQ(r.status, row.code) << row.who << " " << row.method << " " << row.target << ": "
                                  << r.body.substr(0, 300);
  }
}

// For every (user, verb, resource, namespace): SelfSubjectAccessReview says yes exactly when
// the real request is not refused with 403.
TEST_F(AuthzTest, SelfSubjectAccessReviewAgreesWithEnforcement) {
  std::string viewer = Token("viewer"), editor = Token("editor"), nobody = Token("nobody");
  Bind("", "viewer", auth::kViewRole, {{"kind", "User"}, {"name", "viewer"}});
  Bind("team", "editor", auth::kEditRole, {{"kind", "User"}, {"name", "editor"}});
  std::string agent = AgentToken("cluster-a");
  Bind("cluster-a", "agent", auth::kBundleDeploymentAgentRole,
       {{"kind", "ServiceAccount"}, {"name", "agent"}, {"namespace", "cluster-a"}});
  struct Kind {
    std::string group, resource, prefix;
    std::string body;
  };
  const std::vector<Kind> kinds = {
      {"fleet.cattle.io", "gitrepos", kFleet, GitRepo("r")},
      {"fleet.cattle.io", "bundledeployments", kFleet, ""},
      {"", "secrets", "/api/v1", R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"r"}})"},
      {"", "configmaps", "/api/v1",
       R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"r"}})"},
  };
  int checked = 0;
  for (const std::string& token : {root_, viewer, editor, nobody, agent}) {
    for (const Kind& k : kinds) {
      for (const char* ns : {"team", "cluster-a", ""}) {
        for (const char* verb : {"list", "get", "create", "delete"}) {
          std::string ns_s = ns;
          if (ns_s.empty() && std::string(verb) != "list") continue;
          std::string base = ns_s.empty() ? k.prefix + "/" + k.resource
                                          : k.prefix + "/namespaces/" + ns_s + "/" + k.resource;
          std::string method = verb == std::string("list") || verb == std::string("get") ? "GET"
                               : verb == std::string("create")                           ? "POST"
                                                                                         : "DELETE";
          std::string target =
              verb == std::string("get") || verb == std::string("delete") ? base + "/r" : base;
          Json attrs = {{"verb", verb}, {"group", k.group}, {"resource", k.resource}};
          if (!ns_s.empty()) attrs["namespace"] = ns_s;
          if (target != base) attrs["name"] = "r";
          bool can = CanI(token, attrs);
          std::string body = method == "POST" ? k.body : "";
          if (method == "POST" && body.empty()) continue;
          int code = Code(token, method, target, body);
          EXPECT_EQ(can, code != 403) << verb << " " << target << " -> " << code;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 150);
}

TEST_F(AuthzTest, NewBindingIsEnforcedOnTheNextRequest) {
  std::string u = Token("late");
  const std::string target = std::string(kFleet) + "/namespaces/team/gitrepos";
  EXPECT_EQ(Code(u, "GET", target), 403);
  EXPECT_FALSE(CanI(u, {{"verb", "list"},
                        {"group", "fleet.cattle.io"},
                        {"resource", "gitrepos"},
                        {"namespace", "team"}}));
  // Bound through the API itself, by an admin.
  ASSERT_EQ(
      Code(root_, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings",
           Binding("team", "late", auth::kViewRole, {{"kind", "User"}, {"name", "late"}}).dump()),
      201);
  EXPECT_EQ(Code(u, "GET", target), 200);
  EXPECT_TRUE(CanI(u, {{"verb", "list"},
                       {"group", "fleet.cattle.io"},
                       {"resource", "gitrepos"},
                       {"namespace", "team"}}));
  ASSERT_EQ(
      Code(root_, "DELETE", "/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings/late"),
      200);
  EXPECT_EQ(Code(u, "GET", target), 403);
}

// Protobuf field `number` of wire type 2 (bytes).
std::string Field(int number, const std::string& bytes) {
  std::string out(1, static_cast<char>(number << 3 | 2));
  size_t n = bytes.size();
  do {
    out += static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>= 7;
  } while (n);
  return out + bytes;
}

// What kubectl's typed client sends: a SelfSubjectAccessReview in Kubernetes protobuf.
TEST_F(AuthzTest, SelfSubjectAccessReviewInProtobuf) {
  std::string viewer = Token("viewer");
  Bind("", "viewer", auth::kViewRole, {{"kind", "User"}, {"name", "viewer"}});
  auto ask = [&](const std::string& verb, const std::string& resource) {
    std::string attrs = Field(1, "team") + Field(2, verb) + Field(3, "fleet.cattle.io") +
                        Field(4, "v1alpha1") + Field(5, resource);
    std::string review = Field(1, "") + Field(2, Field(1, attrs));
    std::string body =
        std::string("k8s\0", 4) +
        Field(1, Field(1, "authorization.k8s.io/v1") + Field(2, "SelfSubjectAccessReview")) +
        Field(2, review);
    HttpRequest r =
        Req(viewer, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body);
    r.headers["content-type"] = "application/vnd.kubernetes.protobuf";
    HttpResponse resp = server_->Dispatch(r);
    EXPECT_EQ(resp.status, 201) << resp.body;
    Json j = Json::parse(resp.body);
    EXPECT_EQ(j["spec"]["resourceAttributes"]["namespace"], "team");
    EXPECT_EQ(j["spec"]["resourceAttributes"]["resource"], resource);
    return j["status"]["allowed"].get<bool>();
  };
  EXPECT_TRUE(ask("list", "gitrepos"));
  EXPECT_FALSE(ask("delete", "gitrepos"));
  // Garbage is a 400, not a crash.
  HttpRequest bad = Req(viewer, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                        std::string("k8s\0\x12\xff\xff", 7));
  bad.headers["content-type"] = "application/vnd.kubernetes.protobuf";
  EXPECT_EQ(server_->Dispatch(bad).status, 400);
}

TEST_F(AuthzTest, SubjectAccessReviewForAdmins) {
  Bind("", "viewer", auth::kViewRole, {{"kind", "User"}, {"name", "viewer"}});
  Json review = {{"apiVersion", "authorization.k8s.io/v1"},
                 {"kind", "SubjectAccessReview"},
                 {"spec",
                  {{"user", "viewer"},
                   {"resourceAttributes",
                    {{"verb", "list"}, {"group", "fleet.cattle.io"}, {"resource", "gitrepos"}}}}}};
  const std::string path = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
  HttpResponse r = server_->Dispatch(Req(root_, "POST", path, review.dump()));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(Json::parse(r.body)["status"]["allowed"].get<bool>());
  review["spec"]["resourceAttributes"]["resource"] = "secrets";
  review["spec"]["resourceAttributes"]["group"] = "";
  r = server_->Dispatch(Req(root_, "POST", path, review.dump()));
  EXPECT_FALSE(Json::parse(r.body)["status"]["allowed"].get<bool>());
  // Only those allowed to create subjectaccessreviews may ask about others.
  EXPECT_EQ(Code(Token("viewer"), "POST", path, review.dump()), 403);
  // A review with neither attribute kind is invalid.
  review["spec"].erase("resourceAttributes");
  EXPECT_EQ(Code(root_, "POST", path, review.dump()), 422);
}

TEST_F(AuthzTest, WritesAreAuditedWithWhoWhatAndCodeNeverTheBody) {
  std::string viewer = Token("viewer");
  Bind("", "viewer", auth::kViewRole, {{"kind", "User"}, {"name", "viewer"}});
  const std::string secrets = "/api/v1/namespaces/team/secrets";
  const std::string secret =
      R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"stringData":{"k":"hunter2"}})";
  ASSERT_EQ(Code(root_, "POST", secrets, secret), 201);
  ASSERT_EQ(Code(viewer, "DELETE", secrets + "/s"), 403);
  ASSERT_EQ(Code(viewer, "GET", std::string(kFleet) + "/gitrepos"), 200);  // a read: not audited
  ASSERT_EQ(Code("", "POST", secrets, secret), 401);
  std::lock_guard lk(mu_);
  ASSERT_EQ(audit_.size(), 3u);
  EXPECT_EQ(audit_[0].user.name, "root");
  EXPECT_EQ(audit_[0].attributes.verb, "create");
  EXPECT_EQ(audit_[0].attributes.resource, "secrets");
  EXPECT_EQ(audit_[0].attributes.ns, "team");
  EXPECT_EQ(audit_[0].attributes.name, "s");  // from the created object
  EXPECT_EQ(audit_[0].code, 201);
  EXPECT_EQ(audit_[1].user.name, "viewer");
  EXPECT_EQ(audit_[1].attributes.verb, "delete");
  EXPECT_EQ(audit_[1].code, 403);
  EXPECT_EQ(audit_[2].code, 401);
  for (const auto& e : audit_) EXPECT_EQ(auth::AuditLine(e).find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace flotilla::api
