// An in-memory, bounded log of committed changes that serves Watch for any Store whose writer
// commits in resourceVersion order (SQLite; PostgreSQL fed by LISTEN/NOTIFY later).
//
// The writer appends one entry per committed change, in resourceVersion order, after the commit.
// Each watcher keeps a cursor into the log and filters entries by kind, namespace, labels and
// fields itself; a MODIFIED object that enters a watcher's selection is delivered as ADDED and
// one that leaves it as DELETED, as the apiserver does for filtered watches.
//
// Retention is bounded by entry count and approximate bytes. A watch starting before the oldest
// retained change fails with kGone ("too old resource version: X (Y)"); a watcher whose cursor
// falls out of the log is stopped with status() kGone, so its client re-lists.
// Watchers signal new entries through Watcher::SetWakeup as well as by blocking in Next.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/store.h"

namespace flotilla::store {

class WatchLog : public std::enable_shared_from_this<WatchLog> {
 public:
  struct Limits {
    size_t max_events = 100000;
    size_t max_bytes = 128u << 20;  // estimated heap of object + previous state (ApproxJsonMemory)
  };
  struct Entry {
    int64_t resource_version = 0;
    std::string kind_key;  // QualifiedResource(type)
    WatchEventType type = WatchEventType::kModified;
    std::shared_ptr<const Json> object;  // new state; for kDeleted the last state
    std::shared_ptr<const Json> prev;    // for kModified: the state before (may be null)
    size_t bytes = 0;
  };
  struct Filter {
    std::string kind_key;
    std::string ns;
    model::LabelSelector labels;
    FieldSelector fields;
    // Bookmarks (see WatchOptions::allow_bookmarks) carry this apiVersion and kind.
    bool allow_bookmarks = false;
    std::string api_version;
    std::string kind;
  };

  // Changes after `start_rv` (the store's resourceVersion when the log was created) are logged.
  static std::shared_ptr<WatchLog> Create(int64_t start_rv, Limits limits);

  // REQUIRES: entries are appended in strictly increasing resourceVersion order.
  void Append(Entry entry);

  // A watcher delivering `initial` first, then every matching entry with resourceVersion > from.
  // kGone when `from` is older than the retained history.
  StatusOr<std::unique_ptr<Watcher>> Watch(Filter filter, int64_t from,
                                           std::vector<WatchEvent> initial);

  // Declares a gap: changes after the newest appended one up to `rv` will never be appended
  // (another writer's history was compacted before this log read it). Every current watcher is
  // stopped with kGone, the retained history is dropped and the log resumes after `rv`.
  // REQUIRES: rv > last_resource_version().
  void Restart(int64_t rv);

  // Stops every watcher; later Watch calls fail with kUnavailable.
  void Close();

  // The newest appended resourceVersion (or start_rv).
  int64_t last_resource_version() const;
  // The oldest `from` that Watch accepts.
  int64_t horizon() const;
  size_t size() const;

 private:
  class LogWatcher;
  using WakeupFn = std::shared_ptr<const std::function<void()>>;
  WatchLog(int64_t start_rv, Limits limits);
  // Wakeup registry, indexed by kind and namespace ("" = every namespace) so that an append
  // wakes only the watchers it may concern: with one agent watch per cluster namespace, a
  // change wakes one watcher, not ten thousand.
  void Register(LogWatcher* w, const std::string& kind_key, const std::string& ns);  // REQUIRES mu_
  void Unregister(LogWatcher* w, const std::string& kind_key, const std::string& ns);  // ditto
  void AppendLocked(Entry entry);  // REQUIRES mu_

  const Limits limits_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> entries_;  // GUARDED_BY(mu_)
  uint64_t first_seq_ = 0;     // sequence number of entries_.front(); GUARDED_BY(mu_)
  int64_t horizon_;            // GUARDED_BY(mu_)
  int64_t last_rv_;            // GUARDED_BY(mu_)
  size_t bytes_ = 0;           // GUARDED_BY(mu_)
  bool closed_ = false;        // GUARDED_BY(mu_)
  // kind_key -> namespace -> watchers with a wakeup; GUARDED_BY(mu_)
  std::unordered_map<std::string, std::unordered_map<std::string, std::unordered_set<LogWatcher*>>>
      wakeups_;
};

}  // namespace flotilla::store
