// RBAC through the real kubectl: for a table of users bound to built-in roles x verbs x
// resources x namespaces, `kubectl auth can-i` answers exactly what the server enforces (the
// same kubectl request is refused with 403 iff can-i said no), and kubectl prints Kubernetes'
// Forbidden message. Identities are tokens from auth::IssueToken (see AsAuthn); skipped when
// kubectl is not installed.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "api/server.h"
#include "auth/rbac.h"
#include "auth/roles.h"
#include "auth/tokens.h"
#include "core/log.h"
#include "model/resource_type.h"

namespace flotilla::api {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string FindKubectl() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path candidate = fs::path(dir) / "kubectl";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// kubectl sends no credentials over plain HTTP (client-go drops them unless the transport is
// TLS), so until the API serves TLS in this test the identity of each kubectl run is chosen
// here: As(token) makes the next requests come from that token's holder, looked up in the store
// like a real bearer token. Everything else (kubectl, HTTP, RBAC, the access reviews) is real.
class AsAuthn : public Authenticator {
 public:
  explicit AsAuthn(store::Store& s) : store_(s) {}
  void As(const std::string& token) {
    std::lock_guard lk(mu_);
    token_ = token;
  }
  StatusOr<http::UserInfo> Authenticate(const http::Request&) override {
    std::lock_guard lk(mu_);
    return auth::LookupToken(store_, token_);
  }

 private:
  store::Store& store_;
  std::mutex mu_;
  std::string token_;  // GUARDED_BY(mu_)
};

struct Result {
  int exit_code = -1;
  std::string out, err;
};

class KubectlAuthzTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kubectl_ = FindKubectl();
    if (kubectl_.empty()) GTEST_SKIP() << "kubectl is not installed (scripts/setup installs it)";
    log::Init(log::Format::kText, log::Level::kWarn);
    char tmpl[] = "/tmp/flotilla-kubectl-authz-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ / "kubeconfig").close();
    auto s = store::OpenStore((dir_ / "flotilla.db").string());
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    ASSERT_TRUE(auth::BootstrapRoles(*store_).ok());
    server_ = std::make_unique<ApiServer>(*store_, ApiServer::Options());
    auto authn = std::make_unique<AsAuthn>(*store_);
    authn_ = authn.get();
    server_->SetAuthenticator(std::move(authn));
    auto rbac = auth::RbacAuthorizer::Create(*store_);
    ASSERT_TRUE(rbac.ok());
    server_->SetAuthorizer(std::move(*rbac));
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    store_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string Token(const std::string& user, std::vector<std::string> groups = {}) {
    auth::TokenSpec spec;
    spec.user = user;
    spec.groups = std::move(groups);
    auto t = auth::IssueToken(*store_, spec);
    EXPECT_TRUE(t.ok());
    return t.ok() ? t->token : "";
  }

  Result Run(const std::string& token, const std::string& args) {
    authn_->As(token);
    fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    std::string cmd = "cd '" + dir_.string() + "' && env KUBECONFIG='" +
                      (dir_ / "kubeconfig").string() + "' '" + kubectl_ +
                      "' --server=" + server_->url() + " --cache-dir='" +
                      (dir_ / "cache").string() + "' --request-timeout=20s " + args + " >'" +
                      out.string() + "' 2>'" + err.string() + "' </dev/null";
    int status = std::system(cmd.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFile(out);
    r.err = ReadFile(err);
    return r;
  }

  std::string kubectl_;
  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ApiServer> server_;
  AsAuthn* authn_ = nullptr;
};

TEST_F(KubectlAuthzTest, CanIAgreesWithEnforcement) {
  std::string root = Token("root", {"system:masters"});
  for (const char* ns : {"team", "cluster-a"}) {
    Result r = Run(root, std::string("create namespace ") + ns);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Bindings as `kubectl create -f` would store them.
  auto bind = [&](const std::string& ns, const std::string& role, Json subject) {
    Json b = {
        {"apiVersion", "rbac.authorization.k8s.io/v1"},
        {"kind", ns.empty() ? "ClusterRoleBinding" : "RoleBinding"},
        {"metadata", {{"name", role + "-b"}}},
        {"roleRef",
         {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", role}}},
        {"subjects", Json::array({std::move(subject)})}};
    if (!ns.empty()) b["metadata"]["namespace"] = ns;
    std::ofstream(dir_ / "binding.json") << b.dump();
    Result r = Run(root, "create -f binding.json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  };
  bind("", auth::kViewRole, {{"kind", "User"}, {"name", "viewer"}});
  bind("team", auth::kEditRole, {{"kind", "User"}, {"name", "editor"}});
  bind("cluster-a", auth::kBundleDeploymentAgentRole,
       {{"kind", "ServiceAccount"}, {"name", "agent"}, {"namespace", "cluster-a"}});
  auto sa = store_->Create(model::ServiceAccountType(),
                           {{"apiVersion", "v1"},
                            {"kind", "ServiceAccount"},
                            {"metadata", {{"name", "agent"}, {"namespace", "cluster-a"}}}});
  ASSERT_TRUE(sa.ok());
  auto agent = auth::IssueToken(
      *store_, auth::ServiceAccountTokenSpec("cluster-a", "agent",
                                             (*sa)["metadata"]["uid"].get<std::string>(),
                                             std::chrono::seconds(0)));
  ASSERT_TRUE(agent.ok());

  std::ofstream(dir_ / "gitrepos.yaml")
      << "apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: r\n"
         "spec:\n  repo: https://example.com/r\n";
  std::ofstream(dir_ / "configmaps.yaml")
      << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: r\ndata:\n  k: v\n";
  std::ofstream(dir_ / "secrets.yaml")
      << "apiVersion: v1\nkind: Secret\nmetadata:\n  name: r\nstringData:\n  k: v\n";

  const std::vector<std::pair<std::string, std::string>> users = {{"viewer", Token("viewer")},
                                                                  {"editor", Token("editor")},
                                                                  {"agent", agent->token},
                                                                  {"nobody", Token("nobody")}};
  const std::vector<std::string> resources = {"gitrepos", "bundledeployments", "secrets",
                                              "configmaps"};
  const std::vector<std::string> verbs = {"list", "get", "create", "delete"};
  int rows = 0, allowed = 0;
  for (const auto& [who, token] : users) {
    for (const std::string& res : resources) {
      for (const char* ns : {"team", "cluster-a"}) {
        for (const std::string& verb : verbs) {
          if (verb == "create" && res == "bundledeployments") continue;
          Result can = Run(token, "auth can-i " + verb + " " + res + " -n " + ns);
          bool yes = can.out.rfind("yes", 0) == 0;
          ASSERT_TRUE(yes || can.out.rfind("no", 0) == 0)
              << who << " can-i " << verb << " " << res << ": " << can.out << can.err;
          EXPECT_EQ(can.exit_code, yes ? 0 : 1);
          std::string args = verb == "list"     ? "get " + res
                             : verb == "get"    ? "get " + res + " r"
                             : verb == "create" ? "create -f " + res + ".yaml"
                                                : "delete " + res + " r";
          Result real = Run(token, args + " -n " + std::string(ns));
          bool forbidden = real.err.find("(Forbidden)") != std::string::npos;
          EXPECT_EQ(yes, !forbidden)
              << who << ": kubectl auth can-i " << verb << " " << res << " -n " << ns << " said "
              << can.out << " but kubectl " << args << " gave: " << real.err;
          if (forbidden) {
            EXPECT_NE(real.err.find(" is forbidden: User \""), std::string::npos) << real.err;
          }
          ++rows;
          allowed += yes;
        }
      }
    }
  }
  std::printf("kubectl auth can-i vs kubectl: %d rows, %d allowed, %d refused\n", rows, allowed,
              rows - allowed);
  EXPECT_EQ(rows, 4 * (4 * 2 * 4 - 2));
  EXPECT_GT(allowed, 10);
  EXPECT_LT(allowed, rows - 10);
  // The exact message, as kubectl shows it.
  Result r = Run(users[0].second, "get secrets -n team");
  EXPECT_NE(r.err.find("Error from server (Forbidden): secrets is forbidden: User \"viewer\" "
                       "cannot list resource \"secrets\" in API group \"\" in the namespace "
                       "\"team\""),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace flotilla::api
