// A thin, owning wrapper over libpq for the PostgreSQL store: connections, results, errors as
// Status values, and the store URL (ours and libpq's parameters, the password source, redaction).
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace flotilla::store::postgres {

// The parts of `postgres://USER@HOST:PORT/DB?...` that flotilla reads itself; everything else
// (sslmode, sslrootcert, host=/socket/dir, connect_timeout, ...) goes to libpq unchanged.
struct PgUrl {
  std::string conninfo;  // the URL without flotilla's own parameters, as libpq takes it
  std::string redacted;  // for logs and errors: no password, no secret parameters
  std::optional<std::string> password_file;
  size_t cache_bytes = 128u << 20;
  size_t watch_log_bytes = 128u << 20;
  size_t history_events = 100000;  // changes kept in the database and in memory for Watch
  int pool = 8;                    // connections for reads and writes
  int poll_ms = 1000;              // fallback poll of the changes table, for a lost NOTIFY
};

// Parses a postgres:// or postgresql:// URL. A password inside the URL is refused (it would sit
// on a command line and in process listings): PGPASSWORD or passwordFile= carry it.
StatusOr<PgUrl> ParsePgUrl(const std::string& url);

// The URL with any password (user:password@, password=) replaced by "xxxxx".
std::string RedactPgUrl(std::string_view url);

class Result {
 public:
  explicit Result(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col))};
  }
  int64_t int64(int row, int col) const;
  PGresult* raw() const { return r_.get(); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> r_;
};

// One libpq connection. Not thread-safe: one user at a time (the store's pool hands them out).
class Conn {
 public:
  // Connects with `url` (client_encoding UTF8, the password from url.password_file when given).
  static StatusOr<std::unique_ptr<Conn>> Open(const PgUrl& url, const std::string& application);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs one statement with text parameters ($1, $2, ...; std::nullopt = NULL). Errors carry
  // the server's message; their SQLSTATE is in last_sqlstate().
  StatusOr<Result> Exec(std::string_view sql,
                        const std::vector<std::optional<std::string>>& params = {});
  // Runs statements without parameters (may hold several, separated by ';').
  Status ExecScript(std::string_view sql);
  // "23505" and friends, for the last failed Exec ("" when it was not a server error).
  const std::string& last_sqlstate() const { return sqlstate_; }
  // False once the connection is lost or left inside a transaction: the pool drops it.
  bool reusable() const;
  PGconn* raw() const { return conn_; }

 private:
  explicit Conn(PGconn* conn) : conn_(conn) {}
  Status Check(PGresult* r, std::string_view sql);
  PGconn* conn_;
  std::string sqlstate_;
};

// SQLSTATEs the store reacts to.
inline constexpr std::string_view kUniqueViolation = "23505";
inline constexpr std::string_view kSerializationFailure = "40001";
inline constexpr std::string_view kDeadlockDetected = "40P01";

}  // namespace flotilla::store::postgres
