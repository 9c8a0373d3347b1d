// The embedded Store: one SQLite file in WAL mode.
//
// Layout: table `objects` (one row per object: kind, namespace, name, uid, resource_version,
// generation, deleting, labels JSON, the full object as compact JSON), unique index on
// (kind, namespace, name) which serves Get, List by kind (+namespace) in key order and
// pagination; table `object_labels` indexes (kind, label key, value) for equality selectors;
// table `meta` holds the global resourceVersion counter. Schema version in PRAGMA user_version,
// upgraded by the migrations in schema.cc. Parsed objects are cached by resourceVersion
// (ObjectCache): parsing JSON is the dominant cost of Get and List.
//
// Writes go through one connection guarded by a mutex; each is one IMMEDIATE transaction that
// reads the counter, writes the row and the bumped counter, and commits, after which the change
// is appended to the in-memory WatchLog (so watch order is commit order is resourceVersion order).
// Reads use a pool of connections (WAL readers do not block the writer or each other).
//
// Durability: synchronous=NORMAL (default) in WAL mode never loses a committed transaction when
// the *process* dies (kill -9, crash): the WAL is in the OS page cache and is replayed on open.
// Only an OS crash or power loss can lose the last transactions before the next checkpoint;
// the database stays consistent either way. synchronous=FULL fsyncs the WAL on every commit and
// survives power loss too, at the cost of one fsync per write.
//
// One process per database file: the watch log only sees this process's writes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/object_cache.h"
#include "store/object_rules.h"
#include "store/sqlite/db.h"
#include "store/store.h"
#include "store/watch_log.h"

namespace flotilla::store::sqlite {

struct SqliteOptions {
  std::string path;  // a file path, or ":memory:"
  bool synchronous_full = false;
  int busy_timeout_ms = 10000;
  int max_read_connections = 8;
  size_t cache_bytes = 128u << 20;  // parsed-object cache, estimated heap (ApproxJsonMemory)
  WatchLog::Limits watch_limits;
};

class SqliteStore : public Store {
 public:
  static StatusOr<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  ~SqliteStore() override;

  StatusOr<Json> Create(const ResourceType& type, Json object) override;
  StatusOr<Json> Get(const ResourceType& type, const std::string& ns,
                     const std::string& name) override;
  StatusOr<ListResult> List(const ResourceType& type, const ListOptions& options) override;
  StatusOr<Json> Update(const ResourceType& type, Json object) override;
  StatusOr<Json> UpdateStatus(const ResourceType& type, Json object) override;
  StatusOr<Json> Delete(const ResourceType& type, const std::string& ns, const std::string& name,
                        const DeleteOptions& options = {}) override;
  StatusOr<std::unique_ptr<Watcher>> Watch(const ResourceType& type,
                                           const WatchOptions& options) override;
  int64_t CurrentResourceVersion() override;
  // PRAGMA quick_check plus the counter invariant (no object newer than the counter).
  Status CheckHealth() override;
  // As CheckHealth, with the full PRAGMA integrity_check when `full`.
  Status CheckIntegrity(bool full);

  const WatchLog& watch_log() const { return *log_; }
  ObjectCache::Stats cache_stats() const { return cache_.stats(); }

 private:
  class ReadLease;
  // Decides the write given the stored object (nullptr when absent).
  using Planner = std::function<StatusOr<WriteOutcome>(const Json* stored)>;

  explicit SqliteStore(const SqliteOptions& options);
  Status Init();
  StatusOr<std::unique_ptr<Db>> OpenConnection(bool writer);
  StatusOr<Json> Write(const ResourceType& type, const std::string& ns, const std::string& name,
                       const Planner& plan);
  StatusOr<ListResult> ListOn(Db& db, const ResourceType& type, const ListOptions& options);
  // The parsed object stored with resourceVersion `rv` and text `body` (cached).
  std::shared_ptr<const Json> Materialize(int64_t rv, std::string_view body);

  const SqliteOptions options_;
  const bool in_memory_;

  std::mutex write_mu_;
  std::unique_ptr<Db> writer_;  // GUARDED_BY(write_mu_); also serves reads when in_memory_

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Db>> idle_readers_;  // GUARDED_BY(pool_mu_)
  int open_readers_ = 0;                           // GUARDED_BY(pool_mu_)

  ObjectCache cache_;
  std::atomic<int64_t> current_rv_ = 0;
  std::shared_ptr<WatchLog> log_;
};

}  // namespace flotilla::store::sqlite
