// A thin RAII layer over one SQLite connection: prepared-statement cache, typed binds and
// columns, and SQLite result codes mapped to Status. Private to store/sqlite.
// REQUIRES: external synchronization (one thread uses a connection at a time).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace flotilla::store::sqlite {

// Maps an SQLite result code to a Status: BUSY/LOCKED -> kUnavailable, FULL -> kResourceExhausted,
// CORRUPT/NOTADB -> kInternal ("database disk image is malformed"), others -> kInternal.
Status SqliteError(int rc, sqlite3* db, std::string_view what);

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binds are 1-based, as in SQLite. Text is copied by SQLite only if needed (SQLITE_STATIC):
  // the caller keeps it alive until Reset.
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void Bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  // true = a row is available, false = done.
  StatusOr<bool> Step();
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  std::string_view Text(int col) {
    const char* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string_view(p, sqlite3_column_bytes(stmt_, col)) : std::string_view();
  }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  sqlite3_stmt* raw() { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
};

// Resets a cached statement when leaving scope.
class StmtScope {
 public:
  explicit StmtScope(Stmt* s) : s_(s) {}
  ~StmtScope() { s_->Reset(); }
  Stmt* operator->() { return s_; }
  Stmt& operator*() { return *s_; }

 private:
  Stmt* s_;
};

class Db {
 public:
  // Opens (creating when `create`) the database at `path` (or ":memory:").
  static StatusOr<std::unique_ptr<Db>> Open(const std::string& path, bool create, bool read_only);
  ~Db();

  Status Exec(std::string_view sql);
  // A statement prepared once per connection and reused.
  StatusOr<Stmt*> Prepare(const std::string& sql);
  // Runs a query returning one integer (e.g. a PRAGMA); `fallback` when there is no row.
  StatusOr<int64_t> QueryInt(const std::string& sql, int64_t fallback = 0);
  sqlite3* raw() { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, std::unique_ptr<Stmt>, std::less<>> stmts_;
};

// BEGIN ... COMMIT with ROLLBACK unless committed.
class Transaction {
 public:
  Transaction(Db& db) : db_(db) {}  // NOLINT
  ~Transaction();
  Status Begin(bool immediate);
  Status Commit();

 private:
  Db& db_;
  bool open_ = false;
};

}  // namespace flotilla::store::sqlite
