// Cost of one poll of an unchanged repository: flotilla's ResolveCommit (smart-HTTP v2 ls-refs on a
// kept-alive libcurl connection) against `git ls-remote <url> refs/heads/main` and against
// libgit2's remote ls, over the same loopback git-http-backend server, N polls each.
// Prints CPU (user+sys of the polling side) and wall time per poll, and the ratios.
//
//   git_poll_bench [--polls N] [--refs R] [--threads T] [--repos P] [--gitrepos G] [--rounds K]
//
// R extra branches and R tags make the ref advertisement realistic (default 200).
// T > 1 also measures flotilla polling from T threads at once (polls/s, connections opened).
// Then the fleet scenario: G GitRepos spread over P repositories (default 1000 over 100), polled
// K rounds by T threads through one git::Resolver per round (one lookup per repository and round):
// GitRepo polls per second, lookups, HTTP requests and new connections.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "git/refs.h"
#include "git/remote.h"
#include "git/resolver.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

std::string Fixture(const std::string& name) {
  return std::string(FLOTILLA_SOURCE_DIR) + "/tests/fixtures/" + name;
}

std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (!p || pclose(p) != 0) {
    std::fprintf(stderr, "command failed: %s\n%s\n", cmd.c_str(), out.c_str());
    std::exit(1);
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

double CpuSeconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Result {
  std::string name;
  double cpu_per_poll = 0, wall_per_poll = 0;
};

// Runs `poll` n times; CPU is this process's (self) or its children's.
Result Measure(const std::string& name, int n, bool children, const std::function<void()>& poll) {
  int who = children ? RUSAGE_CHILDREN : RUSAGE_SELF;
  double cpu0 = CpuSeconds(who);
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) poll();
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = CpuSeconds(who) - cpu0;
  return {name, cpu / n, wall / n};
}

void LsRemote(const std::string& url) {
  const char* argv[] = {"git", "ls-remote", url.c_str(), "refs/heads/main", nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  if (posix_spawnp(&pid, "git", &fa, nullptr, const_cast<char**>(argv), environ) != 0) {
    std::perror("posix_spawnp git");
    std::exit(1);
  }
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "git ls-remote failed\n");
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int polls = 1000, refs = 200, threads = 4, repos = 100, gitrepos = 1000, rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--polls")) polls = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--refs")) refs = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--repos")) repos = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--gitrepos")) gitrepos = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "flotilla-bench-XXXXXX").string();
  std::string tmp = mkdtemp(tmpl.data());
  std::string root = tmp + "/srv", bare = root + "/bench.git";
  Run(Fixture("git-repo.sh") + " init " + bare + " main");
  std::filesystem::create_directories(tmp + "/w");
  std::ofstream(tmp + "/w/app.yaml") << "kind: ConfigMap\n";
  std::string head = Run(Fixture("git-repo.sh") + " commit " + bare + " main " + tmp + "/w");
  // Many refs, as in a real repository (written with one update-ref transaction).
  {
    std::string script = tmp + "/refs.txt";
    std::ofstream out(script);
    for (int i = 0; i < refs; ++i) {
      out << "create refs/heads/feature-" << i << " " << head << "\n";
      out << "create refs/tags/v0." << i << " " << head << "\n";
    }
  }
  Run("git --git-dir=" + bare + " update-ref --stdin < " + tmp + "/refs.txt");
  std::string base = Run("FIXTURE_OWNER_PID=" + std::to_string(getpid()) + " " +
                         Fixture("git-http.sh") + " start " + root);
  std::string url = base + "bench.git";

  flotilla::git::RemoteSpec spec;
  spec.url = url;
  spec.branch = "main";
  auto check = flotilla::git::ResolveCommit(spec);  // warm-up: protocol discovery, connection
  if (!check.ok() || *check != head) {
    std::fprintf(stderr, "ResolveCommit failed: %s\n", check.status().ToString().c_str());
    return 1;
  }
  std::printf("repository: %s (%d branches + %d tags), %d polls each, server on loopback\n",
              url.c_str(), refs + 1, refs, polls);

  auto before = flotilla::git::GetRemoteStats();
  Result ours =
      Measure("flotilla ResolveCommit (v2 ls-refs, libcurl keep-alive)", polls, false, [&] {
        if (!flotilla::git::ResolveCommit(spec).ok()) std::exit(1);
      });
  auto after = flotilla::git::GetRemoteStats();
  std::vector<std::string> wanted = {"refs/heads/main"};
  Result lg2 = Measure("libgit2 git_remote_connect + git_remote_ls", polls, false, [&] {
    if (!flotilla::git::ListRefsLibgit2(spec, wanted).ok()) std::exit(1);
  });
  Result cli = Measure("git ls-remote <url> refs/heads/main", polls, true, [&] { LsRemote(url); });

  std::printf("\n%-58s %14s %14s %10s %10s\n", "method", "cpu/poll (us)", "wall/poll (us)",
              "cpu ratio", "wall ratio");
  for (const Result& r : {ours, lg2, cli}) {
    std::printf("%-58s %14.1f %14.1f %9.1fx %9.1fx\n", r.name.c_str(), r.cpu_per_poll * 1e6,
                r.wall_per_poll * 1e6, r.cpu_per_poll / ours.cpu_per_poll,
                r.wall_per_poll / ours.wall_per_poll);
  }
  std::printf("\nflotilla: %llu HTTP requests, %llu new connections over %d polls\n",
              static_cast<unsigned long long>(after.http_requests - before.http_requests),
              static_cast<unsigned long long>(after.http_connections - before.http_connections),
              polls);

  if (threads > 1) {
    auto s0 = flotilla::git::GetRemoteStats();
    auto t0 = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (int i = 0; i < polls / threads; ++i) {
          if (!flotilla::git::ResolveCommit(spec).ok()) std::exit(1);
        }
      });
    }
    for (auto& t : pool) t.join();
    double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    auto s1 = flotilla::git::GetRemoteStats();
    std::printf("flotilla, %d threads: %.0f polls/s, %llu new connections\n", threads,
                (polls / threads * threads) / wall,
                static_cast<unsigned long long>(s1.http_connections - s0.http_connections));
  }
  if (repos > 0 && gitrepos > 0) {
    // The fleet scenario: many GitRepos, fewer repositories.
    for (int r = 0; r < repos; ++r) {
      Run("cp -r " + bare + " " + root + "/repo-" + std::to_string(r) + ".git");
    }
    std::vector<flotilla::git::RemoteSpec> specs(static_cast<size_t>(gitrepos));
    for (int g = 0; g < gitrepos; ++g) {
      specs[static_cast<size_t>(g)].url = base + "repo-" + std::to_string(g % repos) + ".git";
      specs[static_cast<size_t>(g)].branch = "main";
    }
    auto s0 = flotilla::git::GetRemoteStats();
    double cpu0 = CpuSeconds(RUSAGE_SELF);
    uint64_t lookups = 0;
    auto t0 = Clock::now();
    for (int round = 0; round < rounds; ++round) {
      flotilla::git::Resolver resolver;
      std::atomic<int> next{0};
      std::vector<std::thread> pool;
      for (int t = 0; t < std::max(1, threads); ++t) {
        pool.emplace_back([&] {
          for (int g; (g = next++) < gitrepos;) {
            auto c = resolver.Resolve(specs[static_cast<size_t>(g)], std::chrono::hours(1));
            if (!c.ok() || *c != head) std::exit(1);
          }
        });
      }
      for (auto& t : pool) t.join();
      lookups += resolver.stats().lookups;
    }
    double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    double cpu = CpuSeconds(RUSAGE_SELF) - cpu0;
    auto s1 = flotilla::git::GetRemoteStats();
    std::printf(
        "\nfleet: %d GitRepos over %d repositories, %d rounds, %d threads: %.0f GitRepo polls/s, "
        "%llu lookups, %llu HTTP requests, %llu new connections, %.1f us CPU per GitRepo poll\n",
        gitrepos, repos, rounds, threads, gitrepos * rounds / wall,
        static_cast<unsigned long long>(lookups),
        static_cast<unsigned long long>(s1.http_requests - s0.http_requests),
        static_cast<unsigned long long>(s1.http_connections - s0.http_connections),
        cpu / (gitrepos * rounds) * 1e6);
  }
  std::system((Fixture("git-http.sh") + " stop " + root + " >/dev/null 2>&1").c_str());
  std::filesystem::remove_all(tmp);
  return 0;
}
