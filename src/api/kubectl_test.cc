// Drives the real `kubectl` binary against a running ApiServer with a SQLite store in a temp
// dir. Skipped (with a reason) only when kubectl is not installed; scripts/setup installs it.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/server.h"
#include "core/log.h"

namespace flotilla::api {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

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

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kubectl_ = FindKubectl();
    if (kubectl_.empty()) GTEST_SKIP() << "kubectl is not installed (scripts/setup installs it)";
    log::Init(log::Format::kText, log::Level::kWarn);
    char tmpl[] = "/tmp/flotilla-kubectl-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ / "kubeconfig").close();
    auto s = store::OpenStore((dir_ / "flotilla.db").string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    server_ = std::make_unique<ApiServer>(*store_, ApiServer::Options());
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    store_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // The kubectl command line prefix (shell syntax), without arguments.
  std::string Kubectl() const {
    return "env KUBECONFIG='" + (dir_ / "kubeconfig").string() + "' '" + kubectl_ +
           "' --server=" + server_->url() + " --cache-dir='" + (dir_ / "cache").string() +
           "' --request-timeout=20s";
  }

  // Runs `kubectl ARGS` (ARGS in shell syntax) and captures its output.
  Result Run(const std::string& args) {
    fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    std::string cmd = "cd '" + dir_.string() + "' && " + Kubectl() + " " + args + " >'" +
                      out.string() + "' 2>'" + err.string() + "' </dev/null";
    int status = std::system(cmd.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFile(out);
    r.err = ReadFile(err);
    return r;
  }

  Result MustRun(const std::string& args) {
    Result r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << "kubectl " << args << "\nstdout: " << r.out
                              << "\nstderr: " << r.err;
    return r;
  }

  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name) << content;
  }

  // Starts `kubectl ARGS` in the background, its output going to `name`; returns its pid.
  pid_t Start(const std::string& args, const std::string& name) {
    fs::path out = dir_ / name;
    std::string cmd = "cd '" + dir_.string() + "' && exec " + Kubectl() + " " + args + " >'" +
                      out.string() + "' 2>&1 </dev/null";
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return pid;
  }

  // Waits until file `name` contains `text` (or the timeout passes); returns its content.
  std::string WaitFor(const std::string& name, const std::string& text,
                      std::chrono::seconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string content;
    while (std::chrono::steady_clock::now() < deadline) {
      content = ReadFile(dir_ / name);
      if (content.find(text) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return content;
  }

  static void Kill(pid_t pid) {
    ::kill(pid, SIGTERM);
    int status;
    ::waitpid(pid, &status, 0);
  }

  Json GetJson(const std::string& args) {
    Result r = MustRun(args + " -o json");
    return Json::parse(r.out, nullptr, false);
  }

  std::string kubectl_;
  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ApiServer> server_;
};

constexpr const char* kGitRepoYaml = R"(apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: demo
  namespace: fleet-local
  labels:
    team: blue
spec:
  repo: https://github.com/rancher/fleet-examples
  paths:
  - simple
)";

TEST_F(KubectlTest, VersionAndApiResources) {
  Result v = MustRun("version");
  EXPECT_THAT(v.out, HasSubstr("Server Version: v1.32.0-flotilla"));
  Result r = MustRun("api-resources");
  EXPECT_THAT(r.out, HasSubstr("gitrepos"));
  EXPECT_THAT(r.out, HasSubstr("fleet.cattle.io/v1alpha1"));
  EXPECT_THAT(r.out, HasSubstr("secrets"));
}

TEST_F(KubectlTest, ApplyGetPatchDescribeDelete) {
  Write("gitrepo.yaml", kGitRepoYaml);
  EXPECT_THAT(MustRun("apply -f gitrepo.yaml").out,
              HasSubstr("gitrepo.fleet.cattle.io/demo created"));
  EXPECT_THAT(MustRun("apply -f gitrepo.yaml").out,
              HasSubstr("gitrepo.fleet.cattle.io/demo unchanged"));
  // A change goes through the merge-patch path of client-side apply.
  std::string changed = kGitRepoYaml;
  changed.replace(changed.find("- simple"), 8, "- multi-cluster\n  branch: main");
  Write("gitrepo.yaml", changed);
  EXPECT_THAT(MustRun("apply -f gitrepo.yaml").out,
              HasSubstr("gitrepo.fleet.cattle.io/demo configured"));

  Json obj = GetJson("get gitrepo -n fleet-local demo");
  EXPECT_EQ(obj["spec"]["paths"], Json::array({"multi-cluster"}));
  EXPECT_EQ(obj["spec"]["branch"], "main");
  EXPECT_EQ(obj["metadata"]["generation"], 2);
  EXPECT_TRUE(
      obj["metadata"]["annotations"].contains("kubectl.kubernetes.io/last-applied-configuration"));

  // Columns, with the namespace column kubectl adds for -A.
  Result all = MustRun("get gitrepos -A");
  EXPECT_THAT(all.out, HasSubstr("NAMESPACE"));
  EXPECT_THAT(all.out, HasSubstr("REPO"));
  EXPECT_THAT(all.out, HasSubstr("COMMIT"));
  EXPECT_THAT(all.out, HasSubstr("BUNDLEDEPLOYMENTS-READY"));
  EXPECT_THAT(all.out, HasSubstr("AGE"));
  EXPECT_THAT(all.out, Not(HasSubstr("POLLED")));
  EXPECT_THAT(all.out, HasSubstr("fleet-local"));
  EXPECT_THAT(all.out, HasSubstr("https://github.com/rancher/fleet-examples"));
  EXPECT_THAT(MustRun("get gitrepos -n fleet-local -o wide").out, HasSubstr("POLLED"));

  // Status written by the controller shows up in the columns.
  auto st = store::Mutate(*store_, model::GitRepoType(), "fleet-local", "demo", true, [](Json& o) {
    o["status"]["commit"] = "0123456789abcdef";
    o["status"]["display"]["readyBundleDeployments"] = "1/1";
    return true;
  });
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  Result with_status = MustRun("get gitrepo -n fleet-local demo");
  EXPECT_THAT(with_status.out, HasSubstr("0123456789abcdef"));
  EXPECT_THAT(with_status.out, HasSubstr("1/1"));

  Result yaml = MustRun("get gitrepo -n fleet-local demo -o yaml");
  EXPECT_THAT(yaml.out, HasSubstr("kind: GitRepo"));
  EXPECT_THAT(yaml.out, HasSubstr("pollingInterval: 15s"));
  EXPECT_THAT(yaml.out, HasSubstr("commit: 0123456789abcdef"));
  EXPECT_EQ(MustRun("get gitrepo -n fleet-local demo -o jsonpath='{.status.commit}'").out,
            "0123456789abcdef");

  EXPECT_THAT(MustRun("get gitrepos -A -l team=blue").out, HasSubstr("demo"));
  Result none = MustRun("get gitrepos -A -l team=red");
  EXPECT_THAT(none.out + none.err, HasSubstr("No resources found"));

  EXPECT_THAT(MustRun("patch gitrepo -n fleet-local demo --type=merge -p "
                      "'{\"spec\":{\"paused\":true}}'")
                  .out,
              HasSubstr("gitrepo.fleet.cattle.io/demo patched"));
  MustRun(
      "patch gitrepo -n fleet-local demo --type=json -p "
      "'[{\"op\":\"replace\",\"path\":\"/spec/branch\",\"value\":\"dev\"}]'");
  obj = GetJson("get gitrepo -n fleet-local demo");
  EXPECT_EQ(obj["spec"]["paused"], true);
  EXPECT_EQ(obj["spec"]["branch"], "dev");
  EXPECT_EQ(obj["status"]["commit"], "0123456789abcdef");  // patches keep status

  Result described = MustRun("describe gitrepo -n fleet-local demo");
  EXPECT_THAT(described.out, HasSubstr("Name:"));
  EXPECT_THAT(described.out, HasSubstr("demo"));
  EXPECT_THAT(described.out, HasSubstr("Paused:"));
  EXPECT_THAT(described.out, HasSubstr("Events:"));

  EXPECT_THAT(MustRun("delete gitrepo -n fleet-local demo").out,
              HasSubstr("gitrepo.fleet.cattle.io \"demo\" deleted"));
  Result gone = Run("get gitrepo -n fleet-local demo");
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_THAT(gone.err, HasSubstr("NotFound"));
}

TEST_F(KubectlTest, InvalidGitRepoIsRejectedWithTheField) {
  std::string bad = kGitRepoYaml;
  bad += "  pollingInterval: 5x\n";
  Write("bad.yaml", bad);
  Result r = Run("apply -f bad.yaml");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("is invalid"));
  EXPECT_THAT(r.err, HasSubstr("spec.pollingInterval"));
  Result c = Run("create -f bad.yaml");
  EXPECT_NE(c.exit_code, 0);
  EXPECT_THAT(c.err, HasSubstr("spec.pollingInterval"));
  EXPECT_NE(Run("get gitrepo -n fleet-local demo").exit_code, 0);
}

// With /openapi/v3 (api/openapi.h) kubectl needs no --validate=false: it leaves validation to
// the server, which names the unknown field; and `kubectl explain` reads Fleet's descriptions.
TEST_F(KubectlTest, ValidatesOnTheServerAndExplains) {
  std::string bad = kGitRepoYaml;
  bad += "  helmSecretNam: typo\n";
  Write("typo.yaml", bad);
  Result r = Run("apply -f typo.yaml");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("spec.helmSecretNam"));
  EXPECT_THAT(r.err, HasSubstr("unknown field"));
  EXPECT_NE(Run("get gitrepo -n fleet-local demo").exit_code, 0);
  Result e = MustRun("explain gitrepo.spec.helmSecretName");
  EXPECT_THAT(e.out, HasSubstr("helmSecretName"));
  EXPECT_THAT(e.out, HasSubstr("Helm"));
  Result fields = MustRun("explain gitrepos.spec");
  EXPECT_THAT(fields.out, HasSubstr("pollingInterval"));
  // Core kinds are validated by kubectl against /openapi/v2, as before.
  Write("cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: "
        "default\ndata:\n  a: b\n");
  MustRun("apply -f cm.yaml");
}

TEST_F(KubectlTest, SecretsApplyTwice) {
  Write("secret.yaml", R"(apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: fleet-local
stringData:
  username: me
  password: s3cret
)");
  EXPECT_THAT(MustRun("apply -f secret.yaml").out, HasSubstr("secret/creds created"));
  Write("secret.yaml", R"(apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: fleet-local
stringData:
  username: me
  token: t0k3n
)");
  // The strategic-merge-patch path. As in Kubernetes, dropping a stringData key does not remove
  // it from data (the patch only nulls stringData.password, which is never stored).
  EXPECT_THAT(MustRun("apply -f secret.yaml").out, HasSubstr("secret/creds configured"));
  Json s = GetJson("get secret -n fleet-local creds");
  EXPECT_EQ(s["data"]["username"], "bWU=");
  EXPECT_EQ(s["data"]["token"], "dDBrM24=");
  EXPECT_EQ(s["data"]["password"], "czNjcmV0");
  EXPECT_FALSE(s.contains("stringData"));
  EXPECT_EQ(s["type"], "Opaque");
  EXPECT_THAT(MustRun("get secrets -n fleet-local").out, HasSubstr("creds"));
}

// The leader election record of server replicas: kubectl get leases shows the holder.
TEST_F(KubectlTest, LeaseApplyAndGet) {
  Write("lease.yaml", R"(apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: flotilla-controller
  namespace: fleet-local
spec:
  holderIdentity: replica-a
  leaseDurationSeconds: 15
  leaseTransitions: 0
)");
  EXPECT_THAT(MustRun("apply -f lease.yaml").out,
              HasSubstr("lease.coordination.k8s.io/flotilla-controller created"));
  std::string table = MustRun("get leases -n fleet-local").out;
  EXPECT_THAT(table, HasSubstr("HOLDER"));
  EXPECT_THAT(table, HasSubstr("replica-a"));
  Json l = GetJson("get lease -n fleet-local flotilla-controller");
  EXPECT_EQ(l["spec"]["leaseDurationSeconds"], 15);
}

TEST_F(KubectlTest, CreateSecretGeneric) {
  Result r = MustRun(
      "create secret generic -n fleet-local git-auth --from-literal=username=me "
      "--from-literal=password=hunter2");
  EXPECT_THAT(r.out, HasSubstr("secret/git-auth created"));
  EXPECT_EQ(MustRun("get secret -n fleet-local git-auth -o jsonpath='{.data.password}'").out,
            "aHVudGVyMg==");
  EXPECT_THAT(MustRun("create configmap -n fleet-local cfg --from-literal=a=b").out,
              HasSubstr("configmap/cfg created"));
  EXPECT_EQ(MustRun("get configmap -n fleet-local cfg -o jsonpath='{.data.a}'").out, "b");
}

// A strategic merge patch merges lists with a merge key (render/patch's schema of the built-in
// kinds): ownerReferences by uid, so a second owner is added instead of replacing the first.
TEST_F(KubectlTest, StrategicPatchMergesListsByKey) {
  MustRun("create configmap -n fleet-local owned --from-literal=a=b");
  MustRun(
      "patch configmap -n fleet-local owned --type=strategic -p "
      "'{\"metadata\":{\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
      "\"name\":\"a\",\"uid\":\"1\"}]}}'");
  EXPECT_THAT(MustRun("patch configmap -n fleet-local owned --type=strategic -p "
                      "'{\"metadata\":{\"ownerReferences\":[{\"apiVersion\":\"v1\","
                      "\"kind\":\"ConfigMap\",\"name\":\"b\",\"uid\":\"2\"}]}}'")
                  .out,
              HasSubstr("configmap/owned patched"));
  Json cm = GetJson("get configmap -n fleet-local owned");
  ASSERT_EQ(cm["metadata"]["ownerReferences"].size(), 2u) << cm.dump();
  EXPECT_EQ(cm["metadata"]["ownerReferences"][0]["uid"], "2");
  EXPECT_EQ(cm["metadata"]["ownerReferences"][1]["uid"], "1");
  // A merge patch replaces the list.
  MustRun(
      "patch configmap -n fleet-local owned --type=merge -p "
      "'{\"metadata\":{\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
      "\"name\":\"c\",\"uid\":\"3\"}]}}'");
  cm = GetJson("get configmap -n fleet-local owned");
  EXPECT_EQ(cm["metadata"]["ownerReferences"].size(), 1u) << cm.dump();
}

TEST_F(KubectlTest, WatchPrintsChanges) {
  Write("gitrepo.yaml", kGitRepoYaml);
  MustRun("apply -f gitrepo.yaml");
  pid_t all = Start("get gitrepos -A -w", "watch-all.out");
  pid_t one = Start("get gitrepo -n fleet-local demo -w -o name", "watch-one.out");
  std::string first = WaitFor("watch-all.out", "demo");
  EXPECT_THAT(first, HasSubstr("NAMESPACE"));
  EXPECT_THAT(WaitFor("watch-one.out", "demo"), HasSubstr("gitrepo.fleet.cattle.io/demo"));
  // Give the watches a moment to be established after the initial list.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto st = store::Mutate(*store_, model::GitRepoType(), "fleet-local", "demo", true, [](Json& o) {
    o["status"]["commit"] = "feedfacecafe";
    return true;
  });
  ASSERT_TRUE(st.ok());
  std::string watched = WaitFor("watch-all.out", "feedfacecafe");
  EXPECT_THAT(watched, HasSubstr("feedfacecafe"));
  // A second object appears in the all-namespaces watch.
  std::string other = kGitRepoYaml;
  other.replace(other.find("name: demo"), 10, "name: other");
  Write("other.yaml", other);
  MustRun("apply -f other.yaml");
  EXPECT_THAT(WaitFor("watch-all.out", "other"), HasSubstr("other"));
  Kill(all);
  Kill(one);
}

}  // namespace
}  // namespace flotilla::api
