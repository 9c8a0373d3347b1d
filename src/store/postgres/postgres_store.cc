#include "store/postgres/postgres_store.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <unordered_map>

#include "core/log.h"
#include "store/json_memory.h"
#include "store/postgres/schema.h"

namespace flotilla::store::postgres {
namespace {

constexpr const char* kChannel = "flotilla_changes";
constexpr int kChangeBatch = 1000;
constexpr int kListChunk = 500;

constexpr const char* kReadCounter =
    "SELECT value FROM flotilla_meta WHERE key = 'resource_version'";
constexpr const char* kLockRow =
    "SELECT resource_version, body FROM flotilla_objects "
    "WHERE kind = $1 AND namespace = $2 AND name = $3 FOR UPDATE";
constexpr const char* kNextRevision =
    "UPDATE flotilla_meta SET value = value + 1 WHERE key = 'resource_version' RETURNING value";
constexpr const char* kInsert =
    "WITH o AS (INSERT INTO flotilla_objects (kind, namespace, name, uid, resource_version, "
    "labels, body) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)), "
    "c AS (INSERT INTO flotilla_changes (resource_version, kind, namespace, name, event, prev_rv, "
    "body) VALUES ($5, $1, $2, $3, 0, NULL, $7)) "
    "SELECT pg_notify('flotilla_changes', $5::text)";
constexpr const char* kUpdate =
    "WITH o AS (UPDATE flotilla_objects SET resource_version = $4, labels = $5::jsonb, body = $6 "
    "WHERE kind = $1 AND namespace = $2 AND name = $3), "
    "c AS (INSERT INTO flotilla_changes (resource_version, kind, namespace, name, event, prev_rv, "
    "body) VALUES ($4, $1, $2, $3, 1, $7, $6)) "
    "SELECT pg_notify('flotilla_changes', $4::text)";
constexpr const char* kDelete =
    "WITH o AS (DELETE FROM flotilla_objects WHERE kind = $1 AND namespace = $2 AND name = $3), "
    "c AS (INSERT INTO flotilla_changes (resource_version, kind, namespace, name, event, prev_rv, "
    "body) VALUES ($4, $1, $2, $3, 2, $5, $6)) "
    "SELECT pg_notify('flotilla_changes', $4::text)";
constexpr const char* kGet =
    "SELECT resource_version, body FROM flotilla_objects "
    "WHERE kind = $1 AND namespace = $2 AND name = $3";
constexpr const char* kChangesAfter =
    "SELECT resource_version, kind, event, prev_rv, body FROM flotilla_changes "
    "WHERE resource_version > $1 ORDER BY resource_version LIMIT $2";
constexpr const char* kChangeBodies =
    "SELECT resource_version, body FROM flotilla_changes WHERE resource_version = "
    "ANY($1::bigint[])";

// Runs `fn`, turning exceptions (nlohmann's, allocation failures) into Status values: nothing
// throws across the Store interface.
template <typename Fn>
auto Guard(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(fmt::format("invalid object: {}", e.what()));
  } catch (const std::exception& e) {
    return Internal(fmt::format("store: {}", e.what()));
  }
}

std::string LabelsText(const Json& object) {
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return "{}";
  auto labels = md->find("labels");
  if (labels == md->end() || !labels->is_object()) return "{}";
  return labels->dump();
}

WatchEventType EventOf(int64_t code) {
  switch (code) {
    case 0:
      return WatchEventType::kAdded;
    case 2:
      return WatchEventType::kDeleted;
    default:
      return WatchEventType::kModified;
  }
}

}  // namespace

// A pooled connection, returned on destruction (dropped when lost or left in a transaction).
class PostgresStore::Lease {
 public:
  explicit Lease(PostgresStore& store) : store_(store) {}
  ~Lease() {
    if (!conn_) return;
    std::lock_guard lk(store_.pool_mu_);
    if (conn_->reusable())
      store_.idle_.push_back(std::move(conn_));
    else
      store_.open_--;
    store_.pool_cv_.notify_one();
  }
  StatusOr<Conn*> Acquire() {
    std::unique_lock lk(store_.pool_mu_);
    store_.pool_cv_.wait(lk,
                         [&] { return !store_.idle_.empty() || store_.open_ < store_.url_.pool; });
    if (!store_.idle_.empty()) {
      conn_ = std::move(store_.idle_.back());
      store_.idle_.pop_back();
      return conn_.get();
    }
    store_.open_++;
    lk.unlock();
    auto conn = store_.Connect();
    if (!conn.ok()) {
      std::lock_guard relock(store_.pool_mu_);
      store_.open_--;
      store_.pool_cv_.notify_one();
      return conn.status();
    }
    conn_ = std::move(*conn);
    return conn_.get();
  }

 private:
  PostgresStore& store_;
  std::unique_ptr<Conn> conn_;
};

PostgresStore::PostgresStore(PgUrl url) : url_(std::move(url)), cache_(url_.cache_bytes) {}

PostgresStore::~PostgresStore() {
  stopping_ = true;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
  }
  if (tailer_.joinable()) tailer_.join();
  if (log_) log_->Close();
  if (wake_fd_ >= 0) close(wake_fd_);
}

StatusOr<std::unique_ptr<Conn>> PostgresStore::Connect() { return Conn::Open(url_, "flotilla"); }

StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const PgUrl& url) {
  std::unique_ptr<PostgresStore> store(new PostgresStore(url));
  Status st = Guard([&] { return store->Init(); });
  if (!st.ok()) return st.WithContext(fmt::format("opening store {}", url.redacted));
  return store;
}

Status PostgresStore::Init() {
  ASSIGN_OR_RETURN(tail_conn_, Connect());
  RETURN_IF_ERROR(Migrate(*tail_conn_));
  // LISTEN before reading the log: a change committed after the read is then notified.
  RETURN_IF_ERROR(tail_conn_->ExecScript(fmt::format("LISTEN {}", kChannel)));
  ASSIGN_OR_RETURN(Result r,
                   tail_conn_->Exec("SELECT value FROM flotilla_meta WHERE key = 'compacted'"));
  WatchLog::Limits limits;
  limits.max_events = url_.history_events;
  limits.max_bytes = url_.watch_log_bytes;
  log_ = WatchLog::Create(r.int64(0, 0), limits);
  {
    std::lock_guard lk(tail_mu_);
    RETURN_IF_ERROR(CatchUpLocked(*tail_conn_));
  }
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return Internal("store: eventfd failed");
  tailer_ = std::thread([this] { TailLoop(); });
  log::Info("store opened", {{"store", url_.redacted},
                             {"resourceVersion", std::to_string(log_->last_resource_version())},
                             {"history", std::to_string(url_.history_events)}});
  return Status::Ok();
}

std::shared_ptr<const Json> PostgresStore::Materialize(int64_t rv, std::string_view body) {
  if (auto hit = cache_.Find(rv)) return hit;
  auto parsed = std::make_shared<const Json>(Json::parse(body));
  cache_.Insert(rv, parsed);
  return parsed;
}

Status PostgresStore::CatchUpLocked(Conn& conn) {
  while (true) {
    int64_t last = log_->last_resource_version();
    ASSIGN_OR_RETURN(
        Result r, conn.Exec(kChangesAfter, {std::to_string(last), std::to_string(kChangeBatch)}));
    const int n = r.rows();
    if (n == 0) return Status::Ok();
    // The states a MODIFIED replaced (for selector enter/leave): from this batch, the cache, or
    // one more query for the rest.
    std::unordered_map<int64_t, std::shared_ptr<const Json>> prevs;
    std::string missing;
    {
      std::unordered_map<int64_t, bool> in_batch;
      for (int i = 0; i < n; i++) in_batch[r.int64(i, 0)] = true;
      for (int i = 0; i < n; i++) {
        if (r.null(i, 3)) continue;
        int64_t prev = r.int64(i, 3);
        if (in_batch.count(prev)) continue;
        if (auto hit = cache_.Find(prev)) {
          prevs[prev] = std::move(hit);
        } else {
          missing += missing.empty() ? "{" : ",";
          missing += std::to_string(prev);
        }
      }
    }
    if (!missing.empty()) {
      ASSIGN_OR_RETURN(Result p, conn.Exec(kChangeBodies, {missing + "}"}));
      for (int i = 0; i < p.rows(); i++)
        prevs[p.int64(i, 0)] = Materialize(p.int64(i, 0), p.text(i, 1));
    }
    for (int i = 0; i < n; i++) {
      const int64_t rv = r.int64(i, 0);
      auto object = Materialize(rv, r.text(i, 4));
      prevs[rv] = object;
      if (rv != last + 1) {
        // Revisions are dense, so a hole means another store compacted it before this one read
        // it: this log cannot deliver it, so its watchers must re-list.
        log::Warn("store watch history compacted before it was read; watchers restart",
                  {{"from", std::to_string(last)}, {"to", std::to_string(rv - 1)}});
        log_->Restart(rv - 1);
      }
      WatchLog::Entry entry;
      entry.resource_version = rv;
      entry.kind_key = std::string(r.text(i, 1));
      entry.type = EventOf(r.int64(i, 2));
      entry.bytes = ApproxJsonMemory(*object);
      if (entry.type == WatchEventType::kModified && !r.null(i, 3)) {
        auto it = prevs.find(r.int64(i, 3));
        if (it != prevs.end()) {
          entry.prev = it->second;
          entry.bytes += ApproxJsonMemory(*entry.prev);
        }
      }
      entry.object = std::move(object);
      log_->Append(std::move(entry));
      appended_since_compaction_++;
      last = rv;
    }
    if (n < kChangeBatch) return Status::Ok();
  }
}

Status PostgresStore::CatchUp() {
  return Guard([&]() -> Status {
    Lease lease(*this);
    ASSIGN_OR_RETURN(Conn * conn, lease.Acquire());
    std::lock_guard lk(tail_mu_);
    return CatchUpLocked(*conn);
  });
}

Status PostgresStore::Compact() {
  return Guard([&]() -> Status {
    Lease lease(*this);
    ASSIGN_OR_RETURN(Conn * conn, lease.Acquire());
    appended_since_compaction_ = 0;
    ASSIGN_OR_RETURN(Result r, conn->Exec(kReadCounter));
    const int64_t keep_after = r.int64(0, 0) - static_cast<int64_t>(url_.history_events);
    if (keep_after <= 0) return Status::Ok();
    RETURN_IF_ERROR(conn->ExecScript("BEGIN"));
    Status st = [&]() -> Status {
      ASSIGN_OR_RETURN(Result c, conn->Exec("SELECT value FROM flotilla_meta WHERE key = "
                                            "'compacted' FOR UPDATE"));
      if (c.int64(0, 0) >= keep_after) return Status::Ok();
      const std::string upto = std::to_string(keep_after);
      RETURN_IF_ERROR(
          conn->Exec("DELETE FROM flotilla_changes WHERE resource_version <= $1", {upto}).status());
      return conn->Exec("UPDATE flotilla_meta SET value = $1 WHERE key = 'compacted'", {upto})
          .status();
    }();
    if (!st.ok()) {
      (void)conn->ExecScript("ROLLBACK");
      return st;
    }
    return conn->ExecScript("COMMIT");
  });
}

void PostgresStore::TailLoop() {
  bool failing = false;
  auto report = [&](const Status& st) {
    if (st.ok()) {
      if (failing) log::Info("store change log readable again", {{"store", url_.redacted}});
      failing = false;
      return;
    }
    if (!failing)
      log::Warn("store cannot read the change log; retrying",
                {{"store", url_.redacted}, {"error", st.ToString()}});
    failing = true;
  };
  const size_t compact_every = std::max<size_t>(1, url_.history_events / 10);
  while (!stopping_) {
    if (!tail_conn_ || !tail_conn_->reusable()) {
      tail_conn_.reset();
      auto conn = Connect();
      if (conn.ok()) {
        Status st = (*conn)->ExecScript(fmt::format("LISTEN {}", kChannel));
        if (st.ok()) tail_conn_ = std::move(*conn);
        report(st);
      } else {
        report(conn.status());
      }
    }
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {-1, POLLIN, 0}};
    if (tail_conn_) fds[1].fd = PQsocket(tail_conn_->raw());
    int ready = poll(fds, tail_conn_ ? 2 : 1, url_.poll_ms);
    if (stopping_) break;
    bool wanted = ready == 0;  // the fallback poll
    if (tail_conn_) {
      if (PQconsumeInput(tail_conn_->raw()) == 0) {
        report(Unavailable(fmt::format("postgres: {}", PQerrorMessage(tail_conn_->raw()))));
        tail_conn_.reset();
        continue;
      }
      const int64_t last = log_->last_resource_version();
      while (PGnotify* n = PQnotifies(tail_conn_->raw())) {
        if (std::atoll(n->extra) > last) wanted = true;
        PQfreemem(n);
      }
      if (wanted) {
        std::lock_guard lk(tail_mu_);
        Status st = Guard([&] { return CatchUpLocked(*tail_conn_); });
        report(st);
      }
    }
    if (appended_since_compaction_.load() >= static_cast<int64_t>(compact_every)) {
      Status st = Compact();
      if (!st.ok())
        log::Warn("store compaction failed", {{"store", url_.redacted}, {"error", st.ToString()}});
    }
  }
}

StatusOr<Json> PostgresStore::Write(const ResourceType& type, const std::string& ns,
                                    const std::string& name, const Planner& plan) {
  Lease lease(*this);
  ASSIGN_OR_RETURN(Conn * conn, lease.Acquire());
  for (int attempt = 0;; attempt++) {
    StatusOr<Json> out = WriteOnce(*conn, type, ns, name, plan);
    if (out.ok() || out.status().code() != StatusCode::kConflict ||
        (conn->last_sqlstate() != kSerializationFailure &&
         conn->last_sqlstate() != kDeadlockDetected) ||
        attempt == 5)
      return out;
  }
}

StatusOr<Json> PostgresStore::WriteOnce(Conn& conn, const ResourceType& type, const std::string& ns,
                                        const std::string& name, const Planner& plan) {
  const std::string kind = QualifiedResource(type);
  RETURN_IF_ERROR(conn.ExecScript("BEGIN"));
  struct Rollback {  // leaves the connection idle whatever returns early
    Conn& conn;
    bool done = false;
    ~Rollback() {
      if (!done && PQstatus(conn.raw()) == CONNECTION_OK) (void)conn.ExecScript("ROLLBACK");
    }
  } rollback{conn};

  int64_t stored_rv = 0;
  std::shared_ptr<const Json> stored;
  {
    ASSIGN_OR_RETURN(Result r, conn.Exec(kLockRow, {kind, ns, name}));
    if (r.rows() == 1) {
      stored_rv = r.int64(0, 0);
      stored = Materialize(stored_rv, r.text(0, 1));
    }
  }
  ASSIGN_OR_RETURN(WriteOutcome outcome, plan(stored.get()));
  if (outcome.action == WriteOutcome::Action::kNone) return std::move(outcome.object);
  if (!stored && outcome.action == WriteOutcome::Action::kDelete) return NotFoundError(type, name);

  ASSIGN_OR_RETURN(Result counter, conn.Exec(kNextRevision));
  const int64_t rv = counter.int64(0, 0);
  const std::string rv_text = std::to_string(rv);
  SetResourceVersion(outcome.object, rv);
  std::string body = outcome.object.dump();
  WatchEventType event;
  if (outcome.action == WriteOutcome::Action::kDelete) {
    event = WatchEventType::kDeleted;
    RETURN_IF_ERROR(
        conn.Exec(kDelete, {kind, ns, name, rv_text, std::to_string(stored_rv), body}).status());
  } else if (!stored) {
    event = WatchEventType::kAdded;
    std::string uid = outcome.object["metadata"].value("uid", "");
    auto st = conn.Exec(kInsert, {kind, ns, name, uid, rv_text, LabelsText(outcome.object), body});
    if (!st.ok() && conn.last_sqlstate() == kUniqueViolation) return AlreadyExistsError(type, name);
    RETURN_IF_ERROR(st.status());
  } else {
    event = WatchEventType::kModified;
    RETURN_IF_ERROR(conn.Exec(kUpdate, {kind, ns, name, rv_text, LabelsText(outcome.object), body,
                                        std::to_string(stored_rv)})
                        .status());
  }
  rollback.done = true;
  RETURN_IF_ERROR(conn.ExecScript("COMMIT"));

  auto object = std::make_shared<const Json>(std::move(outcome.object));
  size_t bytes =
      event == WatchEventType::kDeleted ? ApproxJsonMemory(*object) : cache_.Insert(rv, object);
  {
    std::lock_guard lk(tail_mu_);
    const int64_t last = log_->last_resource_version();
    if (last == rv - 1) {
      // Nothing committed in between that this log has not read: append from memory.
      WatchLog::Entry entry;
      entry.resource_version = rv;
      entry.kind_key = kind;
      entry.type = event;
      entry.object = object;
      if (event == WatchEventType::kModified) {
        bytes += ApproxJsonMemory(*stored);
        entry.prev = stored;
      }
      entry.bytes = bytes;
      log_->Append(std::move(entry));
      appended_since_compaction_++;
    } else if (last < rv) {
      // Revisions below ours committed first (here or on another replica): read them in order.
      Status st = CatchUpLocked(conn);
      if (!st.ok())
        log::Warn("store cannot read the change log after a write; the tailer will",
                  {{"resourceVersion", rv_text}, {"error", st.ToString()}});
    }
  }
  return Json(*object);
}

StatusOr<Json> PostgresStore::Create(const ResourceType& type, Json object) {
  return Guard([&]() -> StatusOr<Json> {
    RETURN_IF_ERROR(PrepareCreate(type, object));
    const std::string ns = type.namespaced ? NamespaceOf(object) : "";
    const std::string name = NameOf(object);
    const bool generate = name.empty();
    const std::string prefix =
        generate ? object["metadata"].value("generateName", "") : std::string();
    Status last;
    for (int attempt = 0; attempt < (generate ? 8 : 1); attempt++) {
      const std::string candidate = generate ? GenerateNameFrom(prefix) : name;
      auto created = Write(type, ns, candidate, [&](const Json* stored) -> StatusOr<WriteOutcome> {
        if (stored) return AlreadyExistsError(type, candidate);
        WriteOutcome out;
        out.action = WriteOutcome::Action::kUpdate;
        out.object = object;
        FinishCreate(out.object, candidate);
        return out;
      });
      if (created.ok() || created.status().code() != StatusCode::kAlreadyExists) return created;
      last = created.status();
    }
    return last;
  });
}

StatusOr<Json> PostgresStore::Update(const ResourceType& type, Json object) {
  return Guard([&]() -> StatusOr<Json> {
    ASSIGN_OR_RETURN(ObjectRef ref, RefForWrite(type, object));
    return Write(type, ref.ns, ref.name, [&](const Json* stored) -> StatusOr<WriteOutcome> {
      if (!stored) return NotFoundError(type, ref.name);
      return ApplyUpdate(type, *stored, object);  // a copy: Write may retry
    });
  });
}

StatusOr<Json> PostgresStore::UpdateStatus(const ResourceType& type, Json object) {
  return Guard([&]() -> StatusOr<Json> {
    ASSIGN_OR_RETURN(ObjectRef ref, RefForWrite(type, object));
    return Write(type, ref.ns, ref.name, [&](const Json* stored) -> StatusOr<WriteOutcome> {
      if (!stored) return NotFoundError(type, ref.name);
      return ApplyStatusUpdate(type, *stored, object);
    });
  });
}

StatusOr<Json> PostgresStore::Delete(const ResourceType& type, const std::string& ns,
                                     const std::string& name, const DeleteOptions& options) {
  return Guard([&]() -> StatusOr<Json> {
    const std::string scoped_ns = type.namespaced ? ns : "";
    return Write(type, scoped_ns, name, [&](const Json* stored) -> StatusOr<WriteOutcome> {
      if (!stored) return NotFoundError(type, name);
      return ApplyDelete(type, *stored, options);
    });
  });
}

StatusOr<Json> PostgresStore::Get(const ResourceType& type, const std::string& ns,
                                  const std::string& name) {
  return Guard([&]() -> StatusOr<Json> {
    Lease lease(*this);
    ASSIGN_OR_RETURN(Conn * conn, lease.Acquire());
    ASSIGN_OR_RETURN(Result r,
                     conn->Exec(kGet, {QualifiedResource(type), type.namespaced ? ns : "", name}));
    if (r.rows() == 0) return NotFoundError(type, name);
    return Json(*Materialize(r.int64(0, 0), r.text(0, 1)));
  });
}

StatusOr<ListResult> PostgresStore::List(const ResourceType& type, const ListOptions& options) {
  return Guard([&]() -> StatusOr<ListResult> {
    Lease lease(*this);
    ASSIGN_OR_RETURN(Conn * conn, lease.Acquire());
    RETURN_IF_ERROR(conn->ExecScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    StatusOr<ListResult> out = ListOn(*conn, type, options);
    Status end = conn->ExecScript(out.ok() ? "COMMIT" : "ROLLBACK");
    if (out.ok() && !end.ok()) return end;
    return out;
  });
}

StatusOr<ListResult> PostgresStore::ListOn(Conn& conn, const ResourceType& type,
                                           const ListOptions& options) {
  ContinueToken start;
  if (!options.continue_token.empty()) {
    ASSIGN_OR_RETURN(start, DecodeContinue(options.continue_token));
  }
  const std::string kind = QualifiedResource(type);
  const std::string ns = type.namespaced ? options.ns : "";
  if (!ns.empty() && !start.ns.empty() && start.ns != ns)
    return InvalidArgument("continue key is not valid: it belongs to another namespace");
  // Equality requirements narrow the rows through the labels' GIN index; the whole selector is
  // then checked on each candidate.
  Json equal = Json::object();
  for (const auto& req : options.labels.requirements())
    if (req.op == model::LabelSelector::Op::kEquals ||
        (req.op == model::LabelSelector::Op::kIn && req.values.size() == 1))
      equal[req.key] = req.values[0];

  ListResult result;
  ASSIGN_OR_RETURN(Result counter, conn.Exec(kReadCounter));
  result.resource_version = counter.int64(0, 0);
  if (start.resource_version > 0) result.resource_version = start.resource_version;

  std::vector<std::optional<std::string>> fixed = {kind};
  std::string where = "kind = $1";
  if (!ns.empty()) {
    fixed.push_back(ns);
    where += " AND namespace = $2";
  }
  if (!equal.empty()) {
    fixed.push_back(equal.dump());
    where += fmt::format(" AND labels @> ${}::jsonb", fixed.size());
  }
  const std::string sql = fmt::format(
      "SELECT namespace, name, resource_version, body FROM flotilla_objects WHERE {} AND "
      "(namespace, name) > (${}, ${}) ORDER BY namespace, name LIMIT {}",
      where, fixed.size() + 1, fixed.size() + 2, kListChunk);
  std::string after_ns = ns.empty() ? start.ns : ns, after_name = start.name;
  const bool by_labels = !options.labels.empty();
  const bool by_fields = !options.fields.empty();
  size_t bytes = 0;
  while (true) {
    std::vector<std::optional<std::string>> params = fixed;
    params.push_back(after_ns);
    params.push_back(after_name);
    ASSIGN_OR_RETURN(Result r, conn.Exec(sql, params));
    const int n = r.rows();
    for (int i = 0; i < n; i++) {
      after_ns = std::string(r.text(i, 0));
      after_name = std::string(r.text(i, 1));
      std::shared_ptr<const Json> object = Materialize(r.int64(i, 2), r.text(i, 3));
      if (by_labels) {
        auto md = object->find("metadata");
        const Json* labels = nullptr;
        if (md != object->end() && md->is_object()) {
          auto it = md->find("labels");
          if (it != md->end()) labels = &*it;
        }
        if (!options.labels.Matches(labels ? *labels : Json())) continue;
      }
      if (by_fields && !options.fields.Matches(*object)) continue;
      const size_t size = r.text(i, 3).size();
      const bool full_by_bytes =
          options.max_bytes > 0 && !result.items.empty() && bytes + size > options.max_bytes;
      if (full_by_bytes ||
          (options.limit > 0 && static_cast<int64_t>(result.items.size()) == options.limit)) {
        const Json& last = result.items.back();
        result.continue_token =
            EncodeContinue({result.resource_version, NamespaceOf(last), NameOf(last)});
        return result;
      }
      result.items.push_back(*object);
      bytes += size;
    }
    if (n < kListChunk) return result;
  }
}

StatusOr<std::unique_ptr<Watcher>> PostgresStore::Watch(const ResourceType& type,
                                                        const WatchOptions& options) {
  return Guard([&]() -> StatusOr<std::unique_ptr<Watcher>> {
    WatchLog::Filter filter;
    filter.kind_key = QualifiedResource(type);
    filter.ns = type.namespaced ? options.ns : "";
    filter.labels = options.labels;
    filter.fields = options.fields;
    filter.allow_bookmarks = options.allow_bookmarks;
    filter.api_version = type.ApiVersion();
    filter.kind = type.kind;
    if (options.resource_version > 0)
      return log_->Watch(std::move(filter), options.resource_version, {});
    if (!options.send_initial_events)
      return log_->Watch(std::move(filter), log_->last_resource_version(), {});
    ListOptions list;
    list.ns = filter.ns;
    list.labels = options.labels;
    list.fields = options.fields;
    ASSIGN_OR_RETURN(ListResult snapshot, List(type, list));
    std::vector<WatchEvent> initial;
    initial.reserve(snapshot.items.size());
    for (Json& item : snapshot.items) {
      int64_t rv = ResourceVersionOf(item);
      initial.push_back(WatchEvent{WatchEventType::kAdded, std::move(item), rv});
    }
    return log_->Watch(std::move(filter), snapshot.resource_version, std::move(initial));
  });
}

int64_t PostgresStore::CurrentResourceVersion() { return log_->last_resource_version(); }

Status PostgresStore::CheckHealth() {
  return Guard([&]() -> Status {
    Lease lease(*this);
    ASSIGN_OR_RETURN(Conn * conn, lease.Acquire());
    ASSIGN_OR_RETURN(
        Result r,
        conn->Exec("SELECT (SELECT value FROM flotilla_meta WHERE key = 'resource_version'), "
                   "(SELECT COALESCE(max(resource_version), 0) FROM flotilla_objects), "
                   "(SELECT COALESCE(max(resource_version), 0) FROM flotilla_changes)"));
    const int64_t counter = r.int64(0, 0);
    const int64_t newest = std::max(r.int64(0, 1), r.int64(0, 2));
    if (newest > counter)
      return Internal(
          fmt::format("store integrity check failed: a change has resourceVersion {} > counter {}",
                      newest, counter));
    return Status::Ok();
  });
}

}  // namespace flotilla::store::postgres
