// agents_bench: N agents against a running `flotilla server`, each with its own ServiceAccount
// token over TLS, each holding its own watch on its cluster namespace's BundleDeployments, as N
// `flotilla agent` processes would — but applying in memory, so the figures are the server's.
// Run by bench/agents.sh; never by ctest.
//
//   agents_bench --server https://127.0.0.1:PORT --ca CA --admin-token-file F --pid SERVER_PID
//                --agents 1000 [--repo GIT_URL --commit-cmd CMD] [--watch-only] [--workers 8]
//
// Phases, each timed in this run:
//   1. set-up: per agent a Cluster (labelled bench=true), its namespace, a ServiceAccount bound to
//      the agent role in that namespace and to the content reader, and a token (TokenRequest);
//   2. N watches opened (one TLS connection each, every request authenticated and authorized);
//      the server's RSS and threads before and with them;
//   3. (unless --watch-only) a GitRepo targeting bench=true is created: time until every agent
//      has applied its BundleDeployment (GET its Content by ID, gunzip, parse, PATCH status) and
//      until the GitRepo reports N/N ready; then CMD pushes a commit and the same is timed again.
// An agent here does what src/agent does for one BundleDeployment, minus writing files.
#include <curl/curl.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/base64.h"
#include "core/gzip.h"
#include "core/hash.h"
#include "core/json.h"

#include "../proc_status.h"

using flotilla::Json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kNs = "fleet-default";
constexpr const char* kFleet = "/apis/fleet.cattle.io/v1alpha1";

struct Options {
  std::string server, ca, admin_token, repo, commit_cmd, prefix = "bench-";
  int pid = 0, agents = 1000, workers = 8;
  bool watch_only = false;
};

double Secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

using flotilla::bench::ProcStatus;
using flotilla::bench::ReadProcStatus;

size_t Append(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

// One keep-alive connection for ordinary requests (one per thread).
class Http {
 public:
  explicit Http(const Options& o) : o_(o), h_(curl_easy_init()) {}
  ~Http() { curl_easy_cleanup(h_); }
  Http(const Http&) = delete;
  Http& operator=(const Http&) = delete;

  // The status code (0 on a transport error); the body in *body.
  long Do(const std::string& method, const std::string& path, const std::string& token,
          const std::string& payload = "", std::string* body = nullptr,
          const char* type = "application/json") {
    std::string sink;
    if (body == nullptr) body = &sink;
    body->clear();
    curl_easy_reset(h_);
    const std::string url = o_.server + path;
    curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h_, CURLOPT_CAINFO, o_.ca.c_str());
    curl_easy_setopt(h_, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(h_, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(h_, CURLOPT_TIMEOUT, 60L);
    curl_slist* headers = nullptr;
    const std::string auth = "Authorization: Bearer " + token;
    const std::string ct = std::string("Content-Type: ") + type;
    headers = curl_slist_append(headers, auth.c_str());
    headers = curl_slist_append(headers, "Accept: application/json");
    if (!payload.empty()) {
      headers = curl_slist_append(headers, ct.c_str());
      curl_easy_setopt(h_, CURLOPT_POSTFIELDS, payload.c_str());
      curl_easy_setopt(h_, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
    }
    curl_easy_setopt(h_, CURLOPT_HTTPHEADER, headers);
    long code = 0;
    if (curl_easy_perform(h_) == CURLE_OK) curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    return code;
  }

 private:
  const Options& o_;
  CURL* h_;
};

std::string Name(const Options& o, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%05d", i);
  return o.prefix + buf;
}
// model::ClusterNamespace (Fleet's naming) for a short name.
std::string ClusterNs(const std::string& cluster) {
  const std::string key = std::string(kNs) + "::" + cluster;
  return std::string("cluster-") + kNs + "-" + cluster + "-" +
         flotilla::Sha256Hex(key).substr(0, 12);
}

bool Created(long code) { return code == 201 || code == 200 || code == 409; }

// The objects agents_test.sh creates by hand for a cluster, and the agent's token.
std::string SetUpAgent(Http& http, const Options& o, int i) {
  const std::string c = Name(o, i), ns = ClusterNs(c), sa = "agent-" + c;
  const std::string& t = o.admin_token;
  auto must = [&](long code, const std::string& what) {
    if (!Created(code)) {
      std::cerr << "set-up of " << c << ": " << what << " answered " << code << "\n";
      std::exit(1);
    }
  };
  must(http.Do("POST", "/api/v1/namespaces", t, Json{{"metadata", {{"name", ns}}}}.dump()),
       "namespace");
  must(
      http.Do("POST", std::string(kFleet) + "/namespaces/" + kNs + "/clusters", t,
              Json{{"apiVersion", "fleet.cattle.io/v1alpha1"},
                   {"kind", "Cluster"},
                   {"metadata", {{"name", c}, {"namespace", kNs}, {"labels", {{"bench", "true"}}}}},
                   {"spec", Json::object()}}
                  .dump()),
      "cluster");
  must(http.Do("POST", std::string("/api/v1/namespaces/") + kNs + "/serviceaccounts", t,
               Json{{"metadata", {{"name", sa}, {"namespace", kNs}}}}.dump()),
       "serviceaccount");
  const Json subject = {{"kind", "ServiceAccount"}, {"name", sa}, {"namespace", kNs}};
  auto binding = [&](const std::string& kind, const std::string& role, const std::string& name,
                     const std::string& in) {
    Json b = {
        {"apiVersion", "rbac.authorization.k8s.io/v1"},
        {"kind", kind},
        {"metadata", {{"name", name}}},
        {"roleRef",
         {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", role}}},
        {"subjects", Json::array({subject})}};
    if (!in.empty()) b["metadata"]["namespace"] = in;
    return b.dump();
  };
  must(http.Do("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns + "/rolebindings", t,
               binding("RoleBinding", "fleet-bundledeployment-agent", sa, ns)),
       "rolebinding");
  must(http.Do("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", t,
               binding("ClusterRoleBinding", "fleet-content-reader", sa + "-content", "")),
       "clusterrolebinding");
  std::string body;
  long code = http.Do(
      "POST", std::string("/api/v1/namespaces/") + kNs + "/serviceaccounts/" + sa + "/token", t,
      Json{{"apiVersion", "authentication.k8s.io/v1"},
           {"kind", "TokenRequest"},
           {"spec", {{"expirationSeconds", 86400}}}}
          .dump(),
      &body);
  if (code != 201 && code != 200) {
    std::cerr << "token for " << sa << ": " << code << " " << body << "\n";
    std::exit(1);
  }
  return Json::parse(body)["status"]["token"].get<std::string>();
}

struct Agent {
  int index = 0;
  std::string ns, token, url;
  CURL* watch = nullptr;
  curl_slist* headers = nullptr;
  std::string buffer;
  bool opened = false;    // the watch answered 200
  std::string rv;         // last resourceVersion seen, to resume
  std::string in_flight;  // the deploymentID being applied
  std::string applied;    // the last deploymentID this agent applied
  Clock::time_point applied_at;
};

struct Job {
  Agent* agent;
  std::string name, deployment_id;
};

class Driver {
 public:
  explicit Driver(Options o) : o_(std::move(o)), admin_(o_) {}

  int Run() {
    SetUp();
    OpenWatches();
    if (o_.watch_only) {
      Hold();
      return Stop(0);
    }
    for (int w = 0; w < o_.workers; ++w) workers_.emplace_back([this] { Work(); });
    int rc = Deploy();
    return Stop(rc);
  }

 private:
  void SetUp() {
    auto t0 = Clock::now();
    agents_.resize(o_.agents);
    std::atomic<int> next{0}, done{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < o_.workers; ++w)
      threads.emplace_back([&] {
        Http http(o_);
        for (int i; (i = next++) < o_.agents;) {
          Agent& a = agents_[i];
          a.index = i;
          a.ns = ClusterNs(Name(o_, i));
          a.token = SetUpAgent(http, o_, i);
          int d = ++done;
          if (d % 500 == 0) std::cerr << "  set up " << d << "/" << o_.agents << "\n";
        }
      });
    for (auto& t : threads) t.join();
    std::printf("set-up: %d clusters with a ServiceAccount, 2 bindings and a token each: %.1f s\n",
                o_.agents, Secs(Clock::now() - t0));
  }

  static size_t OnWatchData(char* p, size_t size, size_t n, void* self) {
    auto* a = static_cast<Agent*>(self);
    a->buffer.append(p, size * n);
    return size * n;
  }

  void StartWatch(Agent& a) {
    if (a.watch == nullptr) {
      a.watch = curl_easy_init();
      a.headers = curl_slist_append(nullptr, ("Authorization: Bearer " + a.token).c_str());
    }
    curl_easy_reset(a.watch);
    a.url = o_.server + kFleet + "/namespaces/" + a.ns +
            "/bundledeployments?watch=1&timeoutSeconds=3600" +
            (a.rv.empty() ? "" : "&resourceVersion=" + a.rv);
    curl_easy_setopt(a.watch, CURLOPT_URL, a.url.c_str());
    curl_easy_setopt(a.watch, CURLOPT_CAINFO, o_.ca.c_str());
    curl_easy_setopt(a.watch, CURLOPT_HTTPHEADER, a.headers);
    curl_easy_setopt(a.watch, CURLOPT_WRITEFUNCTION, OnWatchData);
    curl_easy_setopt(a.watch, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(a.watch, CURLOPT_PRIVATE, &a);
    curl_multi_add_handle(multi_, a.watch);
  }

  // Splits the agent's buffer into events; queues an apply for a deploymentID not yet applied.
  void Consume(Agent& a) {
    size_t start = 0;
    for (size_t nl; (nl = a.buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      Json ev = Json::parse(a.buffer.begin() + start, a.buffer.begin() + nl, nullptr, false);
      if (ev.is_discarded() || !ev.is_object()) continue;
      ++events_;
      const std::string type = ev.value("type", "");
      const Json& obj = ev["object"];
      if (type == "ERROR") {  // 410: resume from now on
        a.rv.clear();
        continue;
      }
      a.rv = obj["metadata"].value("resourceVersion", a.rv);
      if (type != "ADDED" && type != "MODIFIED") continue;
      const std::string id = obj["spec"].value("deploymentID", "");
      const std::string applied =
          obj.contains("status") ? obj["status"].value("appliedDeploymentID", "") : "";
      std::lock_guard<std::mutex> l(mu_);
      if (id.empty() || id == applied || id == a.in_flight || id == a.applied) continue;
      a.in_flight = id;
      jobs_.push_back({&a, obj["metadata"]["name"].get<std::string>(), id});
      cv_.notify_one();
    }
    a.buffer.erase(0, start);
  }

  void OpenWatches() {
    const ProcStatus before = ReadProcStatus(o_.pid);
    multi_ = curl_multi_init();
    auto t0 = Clock::now();
    // At most kConnecting handshakes at once, as agents starting on their own machines would be
    // spread: this one process is the client side of every TLS handshake.
    constexpr int kConnecting = 200;
    size_t started = 0;
    int opened = 0;
    while (opened < o_.agents) {
      while (started < agents_.size() && static_cast<int>(started) - opened < kConnecting)
        StartWatch(agents_[started++]);
      Pump(std::chrono::milliseconds(20));
      opened = 0;
      for (Agent& a : agents_) {
        if (!a.opened && a.watch != nullptr) {
          long code = 0;
          curl_easy_getinfo(a.watch, CURLINFO_RESPONSE_CODE, &code);
          if (code == 200) a.opened = true;
          if (code != 0 && code != 200) {
            std::cerr << "watch of " << a.ns << " answered " << code << "\n";
            std::exit(1);
          }
        }
        opened += a.opened;
      }
      if (Secs(Clock::now() - t0) > 300) {
        std::cerr << "only " << opened << " watches opened in 300 s\n";
        std::exit(1);
      }
    }
    const double open_s = Secs(Clock::now() - t0);
    const ProcStatus with = ReadProcStatus(o_.pid);
    std::printf("watches: %d opened over TLS, each with its own token, in %.1f s\n", o_.agents,
                open_s);
    std::printf(
        "server:  RSS %.0f MiB -> %.0f MiB with them (%.1f KiB per watch), threads %d -> %d\n",
        before.rss_mib, with.rss_mib,
        (with.rss_mib - before.rss_mib) * 1024 / std::max(1, o_.agents), before.threads,
        with.threads);
  }

  // Runs the watches for up to `d`: reads events, reopens a watch the server ended.
  void Pump(std::chrono::milliseconds d) {
    auto until = Clock::now() + d;
    do {
      int running = 0;
      curl_multi_perform(multi_, &running);
      for (Agent& a : agents_)
        if (!a.buffer.empty()) Consume(a);
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
        if (m->msg != CURLMSG_DONE) continue;
        Agent* a = nullptr;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &a);
        long code = 0;
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        const std::string why = m->data.result == CURLE_OK ? "HTTP " + std::to_string(code)
                                                           : curl_easy_strerror(m->data.result);
        curl_multi_remove_handle(multi_, m->easy_handle);
        ++reconnects_;
        ++ended_[why];
        StartWatch(*a);
      }
      curl_multi_poll(multi_, nullptr, 0, 50, nullptr);
    } while (Clock::now() < until);
  }

  // An agent's apply: its Content by ID, unpacked and parsed; then its status, as src/agent
  // writes it.
  void Work() {
    Http http(o_);
    while (true) {
      Job job;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return stop_ || !jobs_.empty(); });
        if (stop_) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      Agent& a = *job.agent;
      const std::string content = job.deployment_id.substr(0, job.deployment_id.find(':'));
      std::string body;
      long code = http.Do("GET", std::string(kFleet) + "/contents/" + content, a.token, "", &body);
      bool ok = code == 200;
      if (ok) {
        Json c = Json::parse(body, nullptr, false);
        auto raw = flotilla::Base64Decode(c.is_object() ? c.value("content", "") : "");
        auto json = raw.ok() ? flotilla::Gunzip(*raw, 64u << 20) : raw;
        ok = json.ok() && Json::parse(*json, nullptr, false).contains("resources");
        if (!ok) std::cerr << "content " << content << " did not unpack\n";
      } else {
        std::cerr << "GET content " << content << " for " << a.ns << ": " << code << "\n";
      }
      if (ok) {
        Json cond = Json::array();
        for (const char* t : {"Deployed", "Monitored", "Ready"})
          cond.push_back({{"type", t}, {"status", "True"}});
        Json patch = {
            {"status",
             {{"appliedDeploymentID", job.deployment_id},
              {"ready", true},
              {"nonModified", true},
              {"display",
               {{"deployed", "Yes"}, {"monitored", "Yes"}, {"state", "Ready"}, {"message", ""}}},
              {"conditions", cond}}}};
        code = http.Do("PATCH",
                       std::string(kFleet) + "/namespaces/" + a.ns + "/bundledeployments/" +
                           job.name + "/status",
                       a.token, patch.dump(), &body, "application/merge-patch+json");
        ok = code == 200;
        if (!ok) std::cerr << "status of " << a.ns << "/" << job.name << ": " << code << "\n";
      }
      std::lock_guard<std::mutex> l(mu_);
      a.in_flight.clear();
      if (ok) {
        a.applied = job.deployment_id;
        a.applied_at = Clock::now();
        ++applies_;
      } else {
        ++failures_;
      }
    }
  }

  std::string GitRepoField(const char* field) {
    std::string body;
    if (admin_.Do("GET", std::string(kFleet) + "/namespaces/" + kNs + "/gitrepos/bench",
                  o_.admin_token, "", &body) != 200)
      return "";
    Json g = Json::parse(body, nullptr, false);
    if (!g.is_object() || !g.contains("status")) return "";
    const Json& st = g["status"];
    if (std::strcmp(field, "commit") == 0) return st.value("commit", "");
    return st.contains("display") ? st["display"].value("readyBundleDeployments", "") : "";
  }

  // Waits until every agent applied a deploymentID other than `before[i]` and the GitRepo is at
  // `commit` (any when empty) with N/N ready; prints the figures.
  bool Follow(const char* what, Clock::time_point t0, const std::vector<std::string>& before,
              const std::string& commit) {
    const std::string all = std::to_string(o_.agents) + "/" + std::to_string(o_.agents);
    double applied_s = -1, commit_s = -1, peak_rss = 0;
    auto last_print = Clock::now();
    while (Secs(Clock::now() - t0) < 600) {
      Pump(std::chrono::milliseconds(100));
      peak_rss = std::max(peak_rss, ReadProcStatus(o_.pid).rss_mib);
      int done = 0;
      {
        std::lock_guard<std::mutex> l(mu_);
        for (size_t i = 0; i < agents_.size(); ++i)
          done += !agents_[i].applied.empty() && agents_[i].applied != before[i];
      }
      if (done == o_.agents && applied_s < 0) applied_s = Secs(Clock::now() - t0);
      const std::string got_commit = GitRepoField("commit");
      if (commit_s < 0 && !got_commit.empty() && (commit.empty() || got_commit == commit))
        commit_s = Secs(Clock::now() - t0);
      const std::string ready = commit_s >= 0 ? GitRepoField("ready") : "";
      if (Secs(Clock::now() - last_print) >= 1) {
        std::cerr << "  " << what << ": " << done << "/" << o_.agents << " applied, GitRepo "
                  << (ready.empty() ? "-" : ready) << " ready\n";
        last_print = Clock::now();
      }
      if (applied_s >= 0 && commit_s >= 0 && ready == all) {
        const double ready_s = Secs(Clock::now() - t0);
        const ProcStatus s = ReadProcStatus(o_.pid);
        std::printf(
            "%s: GitRepo at the commit after %.2f s; all %d agents applied after %.2f s; "
            "GitRepo %s ready after %.2f s\n",
            what, commit_s, o_.agents, applied_s, all.c_str(), ready_s);
        std::printf("server:  RSS peak %.0f MiB (VmHWM %.0f MiB, goal < 1024), threads %d\n",
                    peak_rss, s.hwm_mib, s.threads);
        return true;
      }
    }
    std::printf("%s: not converged in 600 s\n", what);
    return false;
  }

  std::vector<std::string> Applied() {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<std::string> out;
    for (const Agent& a : agents_) out.push_back(a.applied);
    return out;
  }

  int Deploy() {
    Json repo = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
                 {"kind", "GitRepo"},
                 {"metadata", {{"name", "bench"}, {"namespace", kNs}}},
                 {"spec",
                  {{"repo", o_.repo},
                   {"branch", "master"},
                   {"pollingInterval", "1s"},
                   {"targets", {{{"clusterSelector", {{"matchLabels", {{"bench", "true"}}}}}}}}}}};
    auto t0 = Clock::now();
    long code = admin_.Do("POST", std::string(kFleet) + "/namespaces/" + kNs + "/gitrepos",
                          o_.admin_token, repo.dump());
    if (code != 201) {
      std::cerr << "creating the GitRepo answered " << code << "\n";
      return 1;
    }
    if (!Follow("GitRepo created", t0, Applied(), "")) return 1;
    if (o_.commit_cmd.empty()) return 0;
    std::vector<std::string> before = Applied();
    t0 = Clock::now();
    std::string commit;
    if (FILE* p = popen(o_.commit_cmd.c_str(), "r")) {
      char buf[128];
      while (std::fgets(buf, sizeof buf, p)) commit += buf;
      if (pclose(p) != 0) commit.clear();
    }
    while (!commit.empty() && std::isspace(static_cast<unsigned char>(commit.back())))
      commit.pop_back();
    if (commit.empty()) {
      std::cerr << "the commit command failed\n";
      return 1;
    }
    return Follow("commit pushed", t0, before, commit) ? 0 : 1;
  }

  void Hold() {
    auto t0 = Clock::now();
    std::string body;
    long code = admin_.Do("GET", "/healthz", o_.admin_token, "", &body);
    const double healthz_ms = Secs(Clock::now() - t0) * 1000;
    t0 = Clock::now();
    code = code == 200 ? admin_.Do("GET", std::string(kFleet) + "/namespaces/" + kNs + "/clusters",
                                   o_.admin_token, "", &body)
                       : code;
    const double list_ms = Secs(Clock::now() - t0) * 1000;
    std::printf("with them open: /healthz %.1f ms, list %d Clusters %.1f ms (status %ld)\n",
                healthz_ms, o_.agents, list_ms, code);
  }

  int Stop(int rc) {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    std::printf("driver:  %ld watch events, %ld applies, %ld failed, %ld watches reopened\n",
                events_.load(), applies_.load(), failures_.load(), reconnects_.load());
    for (const auto& [why, n] : ended_)
      std::printf("driver:  %d watches ended: %s\n", n, why.c_str());
    return rc;
  }

  Options o_;
  Http admin_;
  std::vector<Agent> agents_;
  CURLM* multi_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
  std::atomic<long> events_{0}, applies_{0}, failures_{0}, reconnects_{0};
  std::map<std::string, int> ended_;  // why watches ended (pump thread only)
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--server")
      o.server = next();
    else if (a == "--ca")
      o.ca = next();
    else if (a == "--admin-token-file") {
      std::ifstream in(next());
      std::getline(in, o.admin_token);
    } else if (a == "--pid")
      o.pid = std::stoi(next());
    else if (a == "--agents")
      o.agents = std::stoi(next());
    else if (a == "--workers")
      o.workers = std::stoi(next());
    else if (a == "--repo")
      o.repo = next();
    else if (a == "--commit-cmd")
      o.commit_cmd = next();
    else if (a == "--prefix")
      o.prefix = next();
    else if (a == "--watch-only")
      o.watch_only = true;
    else {
      std::cerr << "unknown flag " << a << "\n";
      return 2;
    }
  }
  if (o.server.empty() || o.ca.empty() || o.admin_token.empty() || o.pid == 0 ||
      (!o.watch_only && o.repo.empty())) {
    std::cerr << "usage: agents_bench --server URL --ca FILE --admin-token-file FILE --pid PID "
                 "--agents N (--repo GIT_URL [--commit-cmd CMD] | --watch-only)\n";
    return 2;
  }
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  return Driver(std::move(o)).Run();
}
