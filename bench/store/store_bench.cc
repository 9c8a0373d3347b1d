// Store benchmark at the scale flotilla is designed for: 10,000 GitRepos, their Bundles and
// 30,000 BundleDeployments in one SQLite file. Prints throughput and latency per operation, and
// read scaling with 1 vs N pooled read connections as ratios measured in the same run.
//
//   store_bench [--objects 30000] [--dir /tmp] [--threads 8]
//   store_bench --postgres URL [--objects N] [--threads 8]   (bench/store/compare.sh starts one)
//
// With --postgres, runs one workload through the Store interface on SQLite and on PostgreSQL in
// the same process and prints them side by side (plus a watch across two PostgreSQL stores on one
// database: the replica path), instead of the SQLite-only figures.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

using namespace flotilla;  // NOLINT
using store::sqlite::SqliteOptions;
using store::sqlite::SqliteStore;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the process (all threads), or of the calling thread. On a shared machine the
// wall-clock figures vary with load; CPU per operation is the stable figure to compare.
double CpuSeconds(clockid_t clock = CLOCK_PROCESS_CPUTIME_ID) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

void Check(const Status& st, const char* what) {
  if (!st.ok()) {
    fmt::print(stderr, "{}: {}\n", what, st.ToString());
    std::exit(1);
  }
}

Json BundleDeployment(int i) {
  Json resources = Json::array();
  for (int r = 0; r < 3; r++)
    resources.push_back(
        {{"name", fmt::format("deploy-{}-{}.yaml", i, r)}, {"content", std::string(300, 'a' + r)}});
  return {{"apiVersion", "fleet.cattle.io/v1alpha1"},
          {"kind", "BundleDeployment"},
          {"metadata",
           {{"namespace", fmt::format("cluster-fleet-local-{}", i % 100)},
            {"name", fmt::format("repo-{}-bundle", i)},
            {"labels",
             {{"fleet.cattle.io/bundle-name", fmt::format("repo-{}", i)},
              {"fleet.cattle.io/repo-name", fmt::format("repo-{}", i / 3)},
              {"shard", std::to_string(i % 100)}}}}},
          {"spec",
           {{"deploymentID", fmt::format("s-{:064x}", i)},
            {"options", {{"defaultNamespace", "default"}, {"resources", resources}}}}}};
}

struct Rate {
  double ops_per_sec;  // wall clock
  double cpu_us_per_op;
};

Rate Measure(int threads, int ops_per_thread, const std::function<void(int, int)>& op) {
  auto start = Clock::now();
  double cpu0 = CpuSeconds();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; t++)
    ts.emplace_back([&, t] {
      for (int i = 0; i < ops_per_thread; i++) op(t, i);
    });
  for (auto& t : ts) t.join();
  double s = Seconds(start);
  double ops = static_cast<double>(threads) * ops_per_thread;
  return {ops / s, (CpuSeconds() - cpu0) * 1e6 / ops};
}

// One workload through the Store interface; figures per store, printed side by side.
struct Figures {
  double create = 0, status_update = 0, get1 = 0, getn = 0;
  double list_all_ms = 0, list_ns_ms = 0, list_label_ms = 0, watch = 0, replica_watch = 0;
};

Figures RunWorkload(store::Store& st, store::Store* replica, int objects, int threads) {
  Figures f;
  const auto& bd = model::BundleDeploymentType();
  std::atomic<int> next = 0;
  auto start = Clock::now();
  std::vector<std::thread> ws;
  for (int t = 0; t < threads; t++)
    ws.emplace_back([&] {
      for (int i; (i = next++) < objects;)
        Check(st.Create(bd, BundleDeployment(i)).status(), "create");
    });
  for (auto& t : ws) t.join();
  f.create = objects / Seconds(start);
  f.status_update = Measure(threads, 2000 / threads, [&](int t, int i) {
                      int k = (t * 997 + i * 31) % objects;
                      auto r = store::Mutate(st, bd, fmt::format("cluster-fleet-local-{}", k % 100),
                                             fmt::format("repo-{}-bundle", k), true, [&](Json& o) {
                                               o["status"]["appliedDeploymentID"] =
                                                   fmt::format("{}-{}", t, i);
                                               return true;
                                             });
                      Check(r.status(), "mutate");
                    }).ops_per_sec;
  auto get_op = [&](int t, int i) {
    int k = static_cast<int>((static_cast<uint64_t>(t + 1) * 2654435761u + i * 40503u) % objects);
    Check(
        st.Get(bd, fmt::format("cluster-fleet-local-{}", k % 100), fmt::format("repo-{}-bundle", k))
            .status(),
        "get");
  };
  f.get1 = Measure(1, 5000, get_op).ops_per_sec;
  f.getn = Measure(threads, 5000, get_op).ops_per_sec;
  auto list_ms = [&](const store::ListOptions& lo, int reps) {
    double best = 1e18;
    for (int r = 0; r < reps; r++) {
      auto t0 = Clock::now();
      auto l = st.List(bd, lo);
      Check(l.status(), "list");
      best = std::min(best, Seconds(t0) * 1e3);
    }
    return best;
  };
  f.list_all_ms = list_ms({}, 3);
  store::ListOptions by_ns;
  by_ns.ns = "cluster-fleet-local-7";
  f.list_ns_ms = list_ms(by_ns, 10);
  store::ListOptions by_label;
  by_label.labels = *model::LabelSelector::Parse("shard=7");
  f.list_label_ms = list_ms(by_label, 5);

  // Watch while one thread updates: on this store, and on a second store of the same database
  // (another server process's view) when there is one.
  constexpr int kEvents = 2000;
  store::WatchOptions wo;
  wo.send_initial_events = false;
  auto w = st.Watch(bd, wo);
  Check(w.status(), "watch");
  std::unique_ptr<store::Watcher> rw;
  if (replica) {
    auto r = replica->Watch(bd, wo);
    Check(r.status(), "replica watch");
    rw = std::move(*r);
  }
  auto t0 = Clock::now();
  std::thread writer([&] {
    for (int i = 0; i < kEvents; i++) {
      Json o = BundleDeployment(i);
      o["spec"]["deploymentID"] = fmt::format("w-{}", i);
      Check(st.Update(bd, o).status(), "update");
    }
  });
  std::thread replica_reader;
  std::atomic<int> replica_got = 0;
  double replica_s = 0;
  if (rw)
    replica_reader = std::thread([&] {
      while (replica_got < kEvents && rw->Next(std::chrono::seconds(10))) replica_got++;
      replica_s = Seconds(t0);
    });
  int got = 0;
  while (got < kEvents && (*w)->Next(std::chrono::seconds(10))) got++;
  double local_s = Seconds(t0);
  writer.join();
  if (replica_reader.joinable()) replica_reader.join();
  f.watch = got / local_s;
  if (rw) f.replica_watch = replica_got / replica_s;
  if (got != kEvents || (rw && replica_got != kEvents)) {
    fmt::print(stderr, "watch: {} / {} events (replica {})\n", got, kEvents, replica_got.load());
    std::exit(1);
  }
  return f;
}

int Compare(const std::string& pg_url, int objects, int threads, const std::string& dir) {
  auto sqlite = store::OpenStore("sqlite://" + dir + "/store.db");
  Check(sqlite.status(), "open sqlite");
  fmt::print("workload: {} BundleDeployments, {} threads; SQLite first, then PostgreSQL\n", objects,
             threads);
  Figures a = RunWorkload(**sqlite, nullptr, objects, threads);
  sqlite->reset();
  auto pg = store::OpenStore(pg_url);
  Check(pg.status(), "open postgres");
  auto pg_replica = store::OpenStore(pg_url);
  Check(pg_replica.status(), "open postgres replica");
  Figures b = RunWorkload(**pg, pg_replica->get(), objects, threads);
  auto row = [](const char* what, double x, double y, const char* unit) {
    fmt::print("{:<34} {:>10.0f} {:>10.0f}  {}\n", what, x, y, unit);
  };
  auto row_ms = [](const char* what, double x, double y) {
    fmt::print("{:<34} {:>10.1f} {:>10.1f}  ms\n", what, x, y);
  };
  fmt::print("{:<34} {:>10} {:>10}\n", "", "SQLite", "PostgreSQL");
  row("create", a.create, b.create, "writes/s");
  row("status update (Get + UpdateStatus)", a.status_update, b.status_update, "writes/s");
  row("get, 1 thread", a.get1, b.get1, "reads/s");
  row(fmt::format("get, {} threads", threads).c_str(), a.getn, b.getn, "reads/s");
  row_ms("list all", a.list_all_ms, b.list_all_ms);
  row_ms("list one namespace", a.list_ns_ms, b.list_ns_ms);
  row_ms("list label shard=7", a.list_label_ms, b.list_label_ms);
  row("watch, 1 writer", a.watch, b.watch, "events/s");
  fmt::print("{:<34} {:>10} {:>10.0f}  events/s\n", "watch on a 2nd store (replica)", "-",
             b.replica_watch);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int objects = 30000;
  int threads = 8;
  std::string base = std::filesystem::temp_directory_path().string();
  std::string pg_url;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--objects")) objects = std::stoi(argv[i + 1]);
    if (!strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
    if (!strcmp(argv[i], "--dir")) base = argv[i + 1];
    if (!strcmp(argv[i], "--postgres")) pg_url = argv[i + 1];
  }
  std::string dir = fmt::format("{}/flotilla-store-bench-{}", base, getpid());
  std::filesystem::create_directories(dir);
  if (!pg_url.empty()) {
    int rc = Compare(pg_url, objects, threads, dir);
    std::filesystem::remove_all(dir);
    return rc;
  }
  const auto& bd = model::BundleDeploymentType();

  SqliteOptions options;
  options.path = dir + "/store.db";
  auto opened = SqliteStore::Open(options);
  Check(opened.status(), "open");
  SqliteStore& st = **opened;

  // Writes: creates from `threads` threads (the writer is serialized; this measures commit cost).
  std::atomic<int> next = 0;
  auto start = Clock::now();
  double cpu0 = CpuSeconds();
  std::vector<std::thread> ws;
  for (int t = 0; t < threads; t++)
    ws.emplace_back([&] {
      for (int i; (i = next++) < objects;)
        Check(st.Create(bd, BundleDeployment(i)).status(), "create");
    });
  for (auto& t : ws) t.join();
  double create_s = Seconds(start);
  fmt::print("create      {:>9.0f} writes/s  {:>6.1f} us CPU/write  ({} objects, {} threads)\n",
             objects / create_s, (CpuSeconds() - cpu0) * 1e6 / objects, objects, threads);

  Rate upd = Measure(threads, 2000 / threads, [&](int t, int i) {
    int k = (t * 997 + i * 31) % objects;
    auto r = store::Mutate(st, bd, fmt::format("cluster-fleet-local-{}", k % 100),
                           fmt::format("repo-{}-bundle", k), /*status=*/true, [&](Json& o) {
                             o["status"]["appliedDeploymentID"] = fmt::format("{}-{}", t, i);
                             return true;
                           });
    Check(r.status(), "mutate");
  });
  fmt::print(
      "status upd  {:>9.0f} writes/s  {:>6.1f} us CPU/write  (Get + UpdateStatus, {} threads)\n",
      upd.ops_per_sec, upd.cpu_us_per_op, threads);

  // Gets: random keys; 1 thread, then N threads with 1 read connection vs the default pool.
  auto get_op = [&](SqliteStore& s) {
    return [&s, &bd, objects](int t, int i) {
      int k = static_cast<int>((static_cast<uint64_t>(t + 1) * 2654435761u + i * 40503u) % objects);
      Check(s.Get(bd, fmt::format("cluster-fleet-local-{}", k % 100),
                  fmt::format("repo-{}-bundle", k))
                .status(),
            "get");
    };
  };
  Rate get1 = Measure(1, 20000, get_op(st));
  Rate getn = Measure(threads, 20000, get_op(st));
  SqliteOptions one = options;
  one.max_read_connections = 1;
  opened->reset();
  auto single = SqliteStore::Open(one);
  Check(single.status(), "reopen");
  Rate getn_single = Measure(threads, 20000, get_op(**single));
  single->reset();
  opened = SqliteStore::Open(options);
  Check(opened.status(), "reopen");
  SqliteStore& s2 = **opened;
  fmt::print("get         {:>9.0f} reads/s   {:>6.1f} us CPU/read   (1 thread)\n", get1.ops_per_sec,
             get1.cpu_us_per_op);
  fmt::print(
      "get         {:>9.0f} reads/s   {:>6.1f} us CPU/read   ({} threads, pool of {}) = {:.2f}x 1 "
      "thread\n",
      getn.ops_per_sec, getn.cpu_us_per_op, threads, options.max_read_connections,
      getn.ops_per_sec / get1.ops_per_sec);
  fmt::print(
      "get         {:>9.0f} reads/s   {:>6.1f} us CPU/read   ({} threads, 1 read connection) = "
      "{:.2f}x pool\n",
      getn_single.ops_per_sec, getn_single.cpu_us_per_op, threads,
      getn_single.ops_per_sec / getn.ops_per_sec);

  // Lists of the whole kind, of one namespace, with a label selector, and paged.
  // First run parses what is not cached; later runs copy from the object cache.
  auto time_list = [&](const char* what, const store::ListOptions& lo, int reps) {
    std::vector<double> ms;
    double free_ms = 0;
    size_t items = 0;
    for (int r = 0; r < reps; r++) {
      double t0 = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
      std::string token;
      store::ListOptions o = lo;
      items = 0;
      do {
        o.continue_token = token;
        auto l = s2.List(bd, o);
        Check(l.status(), "list");
        items += l->items.size();
        token = l->continue_token;
        double f0 = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
        l->items.clear();
        free_ms += (CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - f0) * 1e3;
      } while (!token.empty());
      ms.push_back((CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - t0) * 1e3);
    }
    double warm = *std::min_element(ms.begin() + 1, ms.end());
    fmt::print(
        "list {:<20} {:>6} items  CPU: first {:>7.1f} ms, then {:>7.1f} ms = {:.1f}x faster "
        "(freeing the result: {:.0f}% of all)\n",
        what, items, ms[0], warm, ms[0] / warm,
        100 * free_ms / std::accumulate(ms.begin(), ms.end(), 0.0));
  };
  time_list("all", {}, 3);
  store::ListOptions paged;
  paged.limit = 500;
  time_list("all, pages of 500", paged, 3);
  store::ListOptions by_ns;
  by_ns.ns = "cluster-fleet-local-7";
  time_list("one namespace", by_ns, 20);
  store::ListOptions by_label;
  by_label.labels = *model::LabelSelector::Parse("shard=7");
  time_list("label shard=7", by_label, 5);

  // Watch: one watcher from "now" while one thread updates.
  store::WatchOptions wo;
  wo.send_initial_events = false;
  auto w = s2.Watch(bd, wo);
  Check(w.status(), "watch");
  constexpr int kEvents = 2000;
  std::thread writer([&] {
    for (int i = 0; i < kEvents; i++) {
      Json o = BundleDeployment(i);
      o["spec"]["deploymentID"] = fmt::format("w-{}", i);
      Check(s2.Update(bd, o).status(), "update");
    }
  });
  auto t0 = Clock::now();
  int got = 0;
  while (got < kEvents && (*w)->Next(std::chrono::seconds(10))) got++;
  writer.join();
  fmt::print("watch       {:>9.0f} events/s  ({} events while 1 writer updates)\n",
             got / Seconds(t0), got);

  auto cs = s2.cache_stats();
  fmt::print("cache       {} hits, {} misses, {} objects, {:.1f} MiB of JSON\n", cs.hits, cs.misses,
             cs.entries, cs.bytes / 1048576.0);
  auto size = std::filesystem::file_size(options.path);
  fmt::print("db size     {:.1f} MiB for {} objects\n", size / 1048576.0, objects);
  opened->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
