// Part of the Store conformance suite (conformance.h), for implementations that persist:
// kill -9 at random moments. A child process writes in a loop and acknowledges every completed
// write over a pipe; the parent SIGKILLs it, reopens the store and checks that it is intact, that
// resourceVersions never went backwards and that every acknowledged write is there.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "store/testing/conformance.h"

namespace flotilla::store::testing {
namespace {

const ResourceType& kConfigMap = model::ConfigMapType();
constexpr int kKeys = 40;

void Ack(int fd, const std::string& line) {
  std::string l = line + "\n";
  if (write(fd, l.data(), l.size()) != static_cast<ssize_t>(l.size())) _exit(3);
}

// Runs in the child: writes forever. "W key rv" acknowledges a create/update of a long-lived
// object; "C key rv" / "D key rv" the create / delete of a short-lived one (never re-created).
[[noreturn]] void ChildWriteLoop(const StoreFactory& factory, const std::string& dir, int fd,
                                 int round) {
  auto opened = factory.open(dir, {});
  if (!opened.ok()) _exit(2);
  Store& store = **opened;
  for (int64_t n = 0;; n++) {
    std::string key = "cm-" + std::to_string(n % kKeys);
    Json cm = ConfigMap("ns", key,
                        {{"n", std::to_string(round) + "/" + std::to_string(n)},
                         {"pad", std::string(200 + n % 300, 'x')}});
    auto r = store.Get(kConfigMap, "ns", key).ok() ? store.Update(kConfigMap, cm)
                                                   : store.Create(kConfigMap, cm);
    if (!r.ok()) _exit(4);
    Ack(fd, "W " + key + " " + std::to_string(ResourceVersionOf(*r)));
    if (n % 7 == 0) {
      std::string tmp = "tmp-" + std::to_string(round) + "-" + std::to_string(n);
      auto c = store.Create(kConfigMap, ConfigMap("ns", tmp, {}));
      if (!c.ok()) _exit(5);
      Ack(fd, "C " + tmp + " " + std::to_string(ResourceVersionOf(*c)));
      auto d = store.Delete(kConfigMap, "ns", tmp);
      if (!d.ok()) _exit(6);
      Ack(fd, "D " + tmp + " " + std::to_string(ResourceVersionOf(*d)));
    }
  }
}

}  // namespace

TEST_P(StoreCrashTest, KillNineLosesNoAcknowledgedWrite) {
  if (!GetParam().crash_safe) GTEST_SKIP() << GetParam().name << " does not persist";
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));

  std::map<std::string, int64_t> acked_write;  // long-lived key -> newest acknowledged rv
  std::set<std::string> acked_delete;          // short-lived keys whose delete was acknowledged
  int64_t max_acked = 0;
  constexpr int kRounds = 12;
  for (int round = 0; round < kRounds; round++) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      ChildWriteLoop(GetParam(), dir_.path(), fds[1], round);
    }
    close(fds[1]);
    struct Reaper {  // never leave a writer behind when an assertion returns early
      pid_t pid;
      ~Reaper() {
        if (pid > 0) {
          kill(pid, SIGKILL);
          waitpid(pid, nullptr, 0);
        }
      }
    } reaper{pid};
    FILE* in = fdopen(fds[0], "r");
    ASSERT_NE(in, nullptr);
    const int kill_after = 1 + static_cast<int>(rng() % 400);
    const int jitter_us = static_cast<int>(rng() % 3000);
    int acks = 0;
    bool killed = false;
    int64_t last_rv = max_acked;
    char* line = nullptr;
    size_t cap = 0;
    // Acks still in the pipe after the kill were sent after a successful write: they count.
    while (getline(&line, &cap, in) > 0) {
      std::istringstream ss(line);
      std::string op, key;
      int64_t rv = 0;
      ss >> op >> key >> rv;
      ASSERT_GT(rv, last_rv) << "resourceVersion went backwards at " << line;
      last_rv = rv;
      max_acked = rv;
      if (op == "W") acked_write[key] = rv;
      if (op == "D") acked_delete.insert(key);
      if (!killed && ++acks == kill_after) {
        if (jitter_us) std::this_thread::sleep_for(std::chrono::microseconds(jitter_us));
        ASSERT_EQ(kill(pid, SIGKILL), 0);
        killed = true;
      }
    }
    free(line);
    fclose(in);
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    reaper.pid = 0;
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
        << "child exited on its own, status " << wstatus;

    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_OK(CheckIntegrity(*store));
    ASSERT_GE(store->CurrentResourceVersion(), max_acked);
    for (const auto& [key, rv] : acked_write) {
      auto got = store->Get(kConfigMap, "ns", key);
      ASSERT_TRUE(got.ok()) << key << ": " << got.status().ToString();
      ASSERT_GE(ResourceVersionOf(*got), rv) << key;
    }
    for (const std::string& key : acked_delete)
      ASSERT_EQ(store->Get(kConfigMap, "ns", key).status().code(), StatusCode::kNotFound) << key;
    ASSERT_OK_AND_ASSIGN(ListResult all, store->List(kConfigMap, {}));
    for (const Json& o : all.items) ASSERT_LE(ResourceVersionOf(o), all.resource_version);
    // The counter resumes past anything that may have committed unacknowledged.
    max_acked = store->CurrentResourceVersion();
  }
  EXPECT_GT(max_acked, 0);
}

}  // namespace flotilla::store::testing
