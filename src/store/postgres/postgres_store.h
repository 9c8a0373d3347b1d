// The PostgreSQL store: the same contract as SQLite (store.h, held to it by the conformance
// suite), on a database that several flotilla server processes may share. See README.md in this
// folder for the design; in short:
//
// - flotilla_objects holds the current objects; flotilla_changes is the log of every committed
//   change (the source of truth for Watch), bounded by compaction; flotilla_meta holds the
//   revision counter.
// - Every write is one READ COMMITTED transaction: lock the object's row (FOR UPDATE), plan the
//   write with the shared object rules, take the next revision by updating the counter row, write
//   the object and its change, pg_notify, commit. The counter's row lock is held until commit, so
//   revisions commit in revision order: a reader that sees revision N committed sees every
//   revision below N (no gaps, unlike a sequence).
// - Each store tails flotilla_changes into an in-memory WatchLog (shared with SQLite), woken by
//   LISTEN/NOTIFY, by its own commits, and by a fallback poll; so every store on the database —
//   every replica — delivers every change, in revision order, exactly once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/object_cache.h"
#include "store/object_rules.h"
#include "store/postgres/pg.h"
#include "store/store.h"
#include "store/watch_log.h"

namespace flotilla::store::postgres {

class PostgresStore : public Store {
 public:
  static StatusOr<std::unique_ptr<PostgresStore>> Open(const PgUrl& url);
  ~PostgresStore() override;

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
  // The newest revision this store has read from the change log (its own writes included).
  int64_t CurrentResourceVersion() override;
  // The database answers, and no object or change is newer than the counter.
  Status CheckHealth() override;

  // Reads every change committed so far into the watch log (normally done by the tailer).
  Status CatchUp();
  // Removes changes older than the retained history from the database.
  Status Compact();
  const WatchLog& watch_log() const { return *log_; }

 private:
  class Lease;
  using Planner = std::function<StatusOr<WriteOutcome>(const Json* stored)>;

  explicit PostgresStore(PgUrl url);
  Status Init();
  StatusOr<std::unique_ptr<Conn>> Connect();
  StatusOr<Json> Write(const ResourceType& type, const std::string& ns, const std::string& name,
                       const Planner& plan);
  StatusOr<Json> WriteOnce(Conn& conn, const ResourceType& type, const std::string& ns,
                           const std::string& name, const Planner& plan);
  StatusOr<ListResult> ListOn(Conn& conn, const ResourceType& type, const ListOptions& options);
  std::shared_ptr<const Json> Materialize(int64_t rv, std::string_view body);
  // Appends changes after the log's newest from `conn`. REQUIRES tail_mu_.
  Status CatchUpLocked(Conn& conn);
  void TailLoop();

  const PgUrl url_;
  ObjectCache cache_;
  std::shared_ptr<WatchLog> log_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Conn>> idle_;  // GUARDED_BY(pool_mu_)
  int open_ = 0;                             // GUARDED_BY(pool_mu_)

  std::mutex tail_mu_;               // serialises appends to log_
  std::unique_ptr<Conn> tail_conn_;  // LISTENs; GUARDED_BY(tail_mu_) for queries
  std::atomic<int64_t> appended_since_compaction_ = 0;
  int wake_fd_ = -1;  // eventfd: wakes the tailer (stop)
  std::atomic<bool> stopping_ = false;
  std::thread tailer_;
};

}  // namespace flotilla::store::postgres
