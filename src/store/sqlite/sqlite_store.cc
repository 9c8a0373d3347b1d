#include "store/sqlite/sqlite_store.h"

#include <fmt/format.h>

#include "core/log.h"
#include "store/json_memory.h"
#include "store/sqlite/guard.h"
#include "store/sqlite/schema.h"

namespace flotilla::store::sqlite {
namespace {

constexpr const char* kWriteCounter = "UPDATE meta SET value = ?1 WHERE key = 'resource_version'";
constexpr const char* kSelectRow =
    "SELECT id, resource_version, labels, body FROM objects "
    "WHERE kind = ?1 AND namespace = ?2 AND name = ?3";
constexpr const char* kInsertRow =
    "INSERT INTO objects (kind, namespace, name, uid, resource_version, generation, deleting, "
    "labels, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr const char* kUpdateRow =
    "UPDATE objects SET resource_version = ?2, generation = ?3, deleting = ?4, labels = ?5, "
    "body = ?6 WHERE id = ?1";
constexpr const char* kDeleteRow = "DELETE FROM objects WHERE id = ?1";
constexpr const char* kDeleteLabels = "DELETE FROM object_labels WHERE object_id = ?1";
constexpr const char* kInsertLabel =
    "INSERT INTO object_labels (kind, key, value, object_id) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kGetBody =
    "SELECT resource_version, body FROM objects WHERE kind = ?1 AND namespace = ?2 AND name = ?3";

// Runs `fn`, turning exceptions (nlohmann's, allocation failures) into Status values: nothing
// throws across the Store interface.
std::string LabelsText(const Json& object) {
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return "{}";
  auto labels = md->find("labels");
  if (labels == md->end() || !labels->is_object()) return "{}";
  return labels->dump();
}

int64_t GenerationOf(const Json& object) {
  const Json& md = object["metadata"];
  auto it = md.find("generation");
  return it != md.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

bool DeletingOf(const Json& object) {
  const Json& md = object["metadata"];
  auto it = md.find("deletionTimestamp");
  return it != md.end() && !it->is_null();
}

}  // namespace

// A pooled read connection, returned on destruction. For ":memory:" databases (one connection
// only) it borrows the writer under its mutex instead.
class SqliteStore::ReadLease {
 public:
  explicit ReadLease(SqliteStore& store) : store_(store) {}
  ~ReadLease() {
    if (pooled_) {
      std::lock_guard lk(store_.pool_mu_);
      store_.idle_readers_.push_back(std::move(pooled_));
      store_.pool_cv_.notify_one();
    }
  }
  StatusOr<Db*> Acquire() {
    if (store_.in_memory_) {
      writer_lock_ = std::unique_lock(store_.write_mu_);
      return store_.writer_.get();
    }
    std::unique_lock lk(store_.pool_mu_);
    store_.pool_cv_.wait(lk, [&] {
      return !store_.idle_readers_.empty() ||
             store_.open_readers_ < store_.options_.max_read_connections;
    });
    if (!store_.idle_readers_.empty()) {
      pooled_ = std::move(store_.idle_readers_.back());
      store_.idle_readers_.pop_back();
      return pooled_.get();
    }
    store_.open_readers_++;
    lk.unlock();
    auto db = store_.OpenConnection(/*writer=*/false);
    if (!db.ok()) {
      std::lock_guard relock(store_.pool_mu_);
      store_.open_readers_--;
      store_.pool_cv_.notify_one();
      return db.status();
    }
    pooled_ = std::move(*db);
    return pooled_.get();
  }

 private:
  SqliteStore& store_;
  std::unique_ptr<Db> pooled_;
  std::unique_lock<std::mutex> writer_lock_;
};

SqliteStore::SqliteStore(const SqliteOptions& options)
    : options_(options),
      in_memory_(options.path == ":memory:" || options.path.empty()),
      cache_(options.cache_bytes) {}

SqliteStore::~SqliteStore() {
  if (log_) log_->Close();
}

StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  if (sqlite3_threadsafe() == 0) return Internal("sqlite was built without thread support");
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  Status st = store->Init();
  if (!st.ok()) return st.WithContext(fmt::format("opening store {}", options.path));
  return store;
}

StatusOr<std::unique_ptr<Db>> SqliteStore::OpenConnection(bool writer) {
  std::string path = in_memory_ ? ":memory:" : options_.path;
  ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(path, /*create=*/writer, false));
  sqlite3_busy_timeout(db->raw(), options_.busy_timeout_ms);
  if (writer && !in_memory_) {
    ASSIGN_OR_RETURN(Stmt * s, db->Prepare("PRAGMA journal_mode = WAL"));
    StmtScope scope(s);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row || s->Text(0) != "wal")
      return FailedPrecondition(
          fmt::format("cannot switch {} to WAL mode (got \"{}\")", path, row ? s->Text(0) : ""));
  }
  RETURN_IF_ERROR(db->Exec(options_.synchronous_full ? "PRAGMA synchronous = FULL"
                                                     : "PRAGMA synchronous = NORMAL"));
  RETURN_IF_ERROR(db->Exec("PRAGMA cache_size = -32768"));  // 32 MiB per connection
  if (!writer) {
    RETURN_IF_ERROR(db->Exec("PRAGMA query_only = 1"));
    RETURN_IF_ERROR(db->Exec("PRAGMA mmap_size = 268435456"));
  }
  return db;
}

Status SqliteStore::Init() {
  ASSIGN_OR_RETURN(writer_, OpenConnection(/*writer=*/true));
  RETURN_IF_ERROR(Migrate(*writer_));
  ASSIGN_OR_RETURN(int64_t rv, writer_->QueryInt(kReadCounter));
  current_rv_ = rv;
  log_ = WatchLog::Create(rv, options_.watch_limits);
  log::Info("store opened", {{"path", in_memory_ ? ":memory:" : options_.path},
                             {"resourceVersion", std::to_string(rv)}});
  return Status::Ok();
}

std::shared_ptr<const Json> SqliteStore::Materialize(int64_t rv, std::string_view body) {
  if (auto hit = cache_.Find(rv)) return hit;
  auto parsed = std::make_shared<const Json>(Json::parse(body));
  cache_.Insert(rv, parsed);
  return parsed;
}

namespace {

// Replaces the indexed labels of object `id` with those of `object`.
Status WriteLabels(Db& db, const std::string& kind, int64_t id, const Json& object,
                   bool had_labels) {
  if (had_labels) {
    ASSIGN_OR_RETURN(Stmt * s, db.Prepare(kDeleteLabels));
    StmtScope q(s);
    q->Bind(1, id);
    RETURN_IF_ERROR(q->Step().status());
  }
  const Json& md = object["metadata"];
  auto labels = md.find("labels");
  if (labels == md.end() || !labels->is_object()) return Status::Ok();
  ASSIGN_OR_RETURN(Stmt * s, db.Prepare(kInsertLabel));
  for (auto it = labels->begin(); it != labels->end(); ++it) {
    if (!it->is_string()) continue;
    StmtScope q(s);
    const std::string& value = it->get_ref<const std::string&>();
    q->Bind(1, kind);
    q->Bind(2, it.key());
    q->Bind(3, value);
    q->Bind(4, id);
    RETURN_IF_ERROR(q->Step().status());
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Json> SqliteStore::Write(const ResourceType& type, const std::string& ns,
                                  const std::string& name, const Planner& plan) {
  const std::string kind = QualifiedResource(type);
  std::lock_guard lk(write_mu_);
  Db& db = *writer_;
  Transaction tx(db);
  RETURN_IF_ERROR(tx.Begin(/*immediate=*/true));

  int64_t row_id = 0, stored_rv = 0;
  std::shared_ptr<const Json> stored;
  std::string stored_labels;
  {
    ASSIGN_OR_RETURN(Stmt * s, db.Prepare(kSelectRow));
    StmtScope q(s);
    q->Bind(1, kind);
    q->Bind(2, ns);
    q->Bind(3, name);
    ASSIGN_OR_RETURN(bool row, q->Step());
    if (row) {
      row_id = q->Int(0);
      stored_rv = q->Int(1);
      stored_labels = q->Text(2);
      stored = Materialize(stored_rv, q->Text(3));
    }
  }
  ASSIGN_OR_RETURN(WriteOutcome outcome, plan(stored.get()));
  if (outcome.action == WriteOutcome::Action::kNone) return std::move(outcome.object);
  if (!stored && outcome.action == WriteOutcome::Action::kDelete) return NotFoundError(type, name);

  ASSIGN_OR_RETURN(int64_t counter, db.QueryInt(kReadCounter));
  const int64_t rv = counter + 1;
  SetResourceVersion(outcome.object, rv);
  std::string body = outcome.object.dump();
  WatchEventType event;
  if (outcome.action == WriteOutcome::Action::kDelete) {
    event = WatchEventType::kDeleted;
    ASSIGN_OR_RETURN(Stmt * s, db.Prepare(kDeleteRow));
    StmtScope q(s);
    q->Bind(1, row_id);
    RETURN_IF_ERROR(q->Step().status());
    RETURN_IF_ERROR(WriteLabels(db, kind, row_id, Json{{"metadata", Json::object()}}, true));
  } else {
    std::string labels = LabelsText(outcome.object);
    const bool insert = stored == nullptr;
    event = insert ? WatchEventType::kAdded : WatchEventType::kModified;
    ASSIGN_OR_RETURN(Stmt * s, db.Prepare(insert ? kInsertRow : kUpdateRow));
    StmtScope q(s);
    if (insert) {
      std::string uid = outcome.object["metadata"].value("uid", "");
      q->Bind(1, kind);
      q->Bind(2, ns);
      q->Bind(3, name);
      q->Bind(4, uid);
      q->Bind(5, rv);
      q->Bind(6, GenerationOf(outcome.object));
      q->Bind(7, int64_t{DeletingOf(outcome.object)});
      q->Bind(8, labels);
      q->Bind(9, body);
      RETURN_IF_ERROR(q->Step().status());
      row_id = sqlite3_last_insert_rowid(db.raw());
    } else {
      q->Bind(1, row_id);
      q->Bind(2, rv);
      q->Bind(3, GenerationOf(outcome.object));
      q->Bind(4, int64_t{DeletingOf(outcome.object)});
      q->Bind(5, labels);
      q->Bind(6, body);
      RETURN_IF_ERROR(q->Step().status());
    }
    if (insert || labels != stored_labels)
      RETURN_IF_ERROR(WriteLabels(db, kind, row_id, outcome.object, !insert));
  }
  {
    ASSIGN_OR_RETURN(Stmt * s, db.Prepare(kWriteCounter));
    StmtScope q(s);
    q->Bind(1, rv);
    RETURN_IF_ERROR(q->Step().status());
  }
  RETURN_IF_ERROR(tx.Commit());
  current_rv_ = rv;

  auto object = std::make_shared<const Json>(std::move(outcome.object));
  if (stored) cache_.Erase(stored_rv);
  // The log's entry holds the new state and the previous one; their estimated memory bounds it.
  size_t bytes =
      event == WatchEventType::kDeleted ? ApproxJsonMemory(*object) : cache_.Insert(rv, object);
  WatchLog::Entry entry;
  entry.resource_version = rv;
  entry.kind_key = kind;
  entry.type = event;
  entry.object = object;
  if (event == WatchEventType::kModified) {
    bytes += ApproxJsonMemory(*stored);
    entry.prev = std::move(stored);
  }
  entry.bytes = bytes;
  log_->Append(std::move(entry));
  return Json(*object);
}

StatusOr<Json> SqliteStore::Create(const ResourceType& type, Json object) {
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

StatusOr<Json> SqliteStore::Get(const ResourceType& type, const std::string& ns,
                                const std::string& name) {
  return Guard([&]() -> StatusOr<Json> {
    ReadLease lease(*this);
    ASSIGN_OR_RETURN(Db * db, lease.Acquire());
    ASSIGN_OR_RETURN(Stmt * s, db->Prepare(kGetBody));
    StmtScope q(s);
    std::string kind = QualifiedResource(type);
    std::string scoped_ns = type.namespaced ? ns : "";
    q->Bind(1, kind);
    q->Bind(2, scoped_ns);
    q->Bind(3, name);
    ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) return NotFoundError(type, name);
    return Json(*Materialize(q->Int(0), q->Text(1)));
  });
}

StatusOr<ListResult> SqliteStore::List(const ResourceType& type, const ListOptions& options) {
  return Guard([&]() -> StatusOr<ListResult> {
    ReadLease lease(*this);
    ASSIGN_OR_RETURN(Db * db, lease.Acquire());
    return ListOn(*db, type, options);
  });
}

StatusOr<Json> SqliteStore::Update(const ResourceType& type, Json object) {
  return Guard([&]() -> StatusOr<Json> {
    ASSIGN_OR_RETURN(ObjectRef ref, RefForWrite(type, object));
    return Write(type, ref.ns, ref.name, [&](const Json* stored) -> StatusOr<WriteOutcome> {
      if (!stored) return NotFoundError(type, ref.name);
      return ApplyUpdate(type, *stored, std::move(object));
    });
  });
}

StatusOr<Json> SqliteStore::UpdateStatus(const ResourceType& type, Json object) {
  return Guard([&]() -> StatusOr<Json> {
    ASSIGN_OR_RETURN(ObjectRef ref, RefForWrite(type, object));
    return Write(type, ref.ns, ref.name, [&](const Json* stored) -> StatusOr<WriteOutcome> {
      if (!stored) return NotFoundError(type, ref.name);
      return ApplyStatusUpdate(type, *stored, object);
    });
  });
}

StatusOr<Json> SqliteStore::Delete(const ResourceType& type, const std::string& ns,
                                   const std::string& name, const DeleteOptions& options) {
  return Guard([&]() -> StatusOr<Json> {
    const std::string scoped_ns = type.namespaced ? ns : "";
    return Write(type, scoped_ns, name, [&](const Json* stored) -> StatusOr<WriteOutcome> {
      if (!stored) return NotFoundError(type, name);
      return ApplyDelete(type, *stored, options);
    });
  });
}

StatusOr<std::unique_ptr<Watcher>> SqliteStore::Watch(const ResourceType& type,
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

int64_t SqliteStore::CurrentResourceVersion() { return current_rv_.load(); }

Status SqliteStore::CheckHealth() { return CheckIntegrity(/*full=*/false); }

Status SqliteStore::CheckIntegrity(bool full) {
  return Guard([&]() -> Status {
    ReadLease lease(*this);
    ASSIGN_OR_RETURN(Db * db, lease.Acquire());
    ASSIGN_OR_RETURN(Stmt * s, db->Prepare(full ? "PRAGMA integrity_check" : "PRAGMA quick_check"));
    StmtScope q(s);
    std::string problems;
    while (true) {
      ASSIGN_OR_RETURN(bool row, q->Step());
      if (!row) break;
      std::string_view line = q->Text(0);
      if (line == "ok") continue;
      if (!problems.empty()) problems += "; ";
      problems += line;
    }
    q->Reset();
    if (!problems.empty()) return Internal("store integrity check failed: " + problems);
    Transaction tx(*db);
    RETURN_IF_ERROR(tx.Begin(false));
    ASSIGN_OR_RETURN(int64_t counter, db->QueryInt(kReadCounter));
    ASSIGN_OR_RETURN(int64_t newest,
                     db->QueryInt("SELECT COALESCE(MAX(resource_version), 0) FROM objects"));
    RETURN_IF_ERROR(tx.Commit());
    if (newest > counter)
      return Internal(
          fmt::format("store integrity check failed: an object has resourceVersion {} > counter {}",
                      newest, counter));
    return Status::Ok();
  });
}

}  // namespace flotilla::store::sqlite
