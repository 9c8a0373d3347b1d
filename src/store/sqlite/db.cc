#include "store/sqlite/db.h"

#include <fmt/format.h>

namespace flotilla::store::sqlite {

Status SqliteError(int rc, sqlite3* db, std::string_view what) {
  std::string msg =
      fmt::format("sqlite: {}: {}", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(std::move(msg));
    case SQLITE_FULL:
      return ResourceExhausted(std::move(msg));
    default:
      return Internal(std::move(msg));
  }
}

StatusOr<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(rc, sqlite3_db_handle(stmt_), sqlite3_sql(stmt_));
}

StatusOr<std::unique_ptr<Db>> Db::Open(const std::string& path, bool create, bool read_only) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  flags |= read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (create && !read_only) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = SqliteError(rc, raw, fmt::format("open {}", path));
    sqlite3_close(raw);
    return st;
  }
  sqlite3_extended_result_codes(raw, 1);
  return std::unique_ptr<Db>(new Db(raw));
}

Db::~Db() {
  stmts_.clear();  // statements must be finalized before the connection closes
  sqlite3_close(db_);
}

Status Db::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Status st = SqliteError(rc, db_, text);
    sqlite3_free(err);
    return st;
  }
  return Status::Ok();
}

StatusOr<Stmt*> Db::Prepare(const std::string& sql) {
  auto it = stmts_.find(sql);
  if (it != stmts_.end()) return it->second.get();
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, db_, sql);
  auto stmt = std::make_unique<Stmt>(raw);
  Stmt* out = stmt.get();
  stmts_.emplace(sql, std::move(stmt));
  return out;
}

StatusOr<int64_t> Db::QueryInt(const std::string& sql, int64_t fallback) {
  ASSIGN_OR_RETURN(Stmt * s, Prepare(sql));
  StmtScope scope(s);
  ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? s->Int(0) : fallback;
}

Transaction::~Transaction() {
  if (open_) (void)db_.Exec("ROLLBACK");
}

Status Transaction::Begin(bool immediate) {
  RETURN_IF_ERROR(db_.Exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN"));
  open_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  RETURN_IF_ERROR(db_.Exec("COMMIT"));
  open_ = false;
  return Status::Ok();
}

}  // namespace flotilla::store::sqlite
