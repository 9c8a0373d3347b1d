#include "store/postgres/pg.h"

#include "store/store.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace flotilla::store::postgres {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (r.ec == std::errc() && r.ptr == s.data() + i + 3) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// [scheme://][authority][/path][?query] split around the authority.
struct UrlParts {
  std::string scheme;     // "postgres://"
  std::string authority;  // user[:password]@host:port
  std::string path;       // "/db" or ""
  std::string query;      // without '?'
};

UrlParts Split(std::string_view url) {
  UrlParts p;
  size_t s = url.find("://");
  size_t start = s == std::string_view::npos ? 0 : s + 3;
  p.scheme = std::string(url.substr(0, start));
  size_t end = url.find_first_of("/?", start);
  if (end == std::string_view::npos) end = url.size();
  p.authority = std::string(url.substr(start, end - start));
  std::string_view rest = url.substr(end);
  size_t q = rest.find('?');
  p.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) p.query = std::string(rest.substr(q + 1));
  return p;
}

std::vector<std::string> SplitParams(const std::string& query) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    if (amp > start) out.push_back(query.substr(start, amp - start));
    start = amp + 1;
  }
  return out;
}

}  // namespace

std::string RedactPgUrl(std::string_view url) { return RedactStoreUrl(url); }

StatusOr<PgUrl> ParsePgUrl(const std::string& url) {
  PgUrl out;
  out.redacted = RedactPgUrl(url);
  if (!StartsWith(url, "postgres://") && !StartsWith(url, "postgresql://"))
    return InvalidArgument(
        fmt::format("store \"{}\": want postgres://USER@HOST:PORT/DB", out.redacted));
  UrlParts p = Split(url);
  size_t at = p.authority.rfind('@');
  if (at != std::string::npos && p.authority.substr(0, at).find(':') != std::string::npos)
    return InvalidArgument(fmt::format(
        "store \"{}\": a password in the URL is refused (it would show in process listings); "
        "set PGPASSWORD or passwordFile=/path",
        out.redacted));
  std::string passthrough;
  for (const std::string& kv : SplitParams(p.query)) {
    size_t eq = kv.find('=');
    const std::string key = kv.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : PercentDecode(kv.substr(eq + 1));
    auto number = [&](uint64_t max) -> StatusOr<uint64_t> {
      uint64_t n = 0;
      auto r = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || r.ec != std::errc() || r.ptr != value.data() + value.size() || n > max)
        return InvalidArgument(
            fmt::format("store \"{}\": {} wants an integer in 0..{}", out.redacted, key, max));
      return n;
    };
    if (key == "password" || key == "sslpassword") {
      return InvalidArgument(fmt::format(
          "store \"{}\": a password in the URL is refused; set PGPASSWORD or passwordFile=/path",
          out.redacted));
    } else if (key == "passwordFile") {
      if (value.empty())
        return InvalidArgument(
            fmt::format("store \"{}\": passwordFile wants a path", out.redacted));
      out.password_file = value;
    } else if (key == "cache_mb") {
      ASSIGN_OR_RETURN(uint64_t n, number(1u << 20));
      out.cache_bytes = static_cast<size_t>(n) << 20;
    } else if (key == "watch_log_mb") {
      ASSIGN_OR_RETURN(uint64_t n, number(1u << 20));
      out.watch_log_bytes = static_cast<size_t>(n) << 20;
    } else if (key == "watch_log_events") {
      ASSIGN_OR_RETURN(uint64_t n, number(1u << 30));
      if (n == 0)
        return InvalidArgument(
            fmt::format("store \"{}\": watch_log_events wants at least 1", out.redacted));
      out.history_events = static_cast<size_t>(n);
    } else if (key == "pool") {
      ASSIGN_OR_RETURN(uint64_t n, number(256));
      if (n == 0)
        return InvalidArgument(fmt::format("store \"{}\": pool wants at least 1", out.redacted));
      out.pool = static_cast<int>(n);
    } else if (key == "poll_ms") {
      ASSIGN_OR_RETURN(uint64_t n, number(3600000));
      out.poll_ms = static_cast<int>(std::max<uint64_t>(n, 10));
    } else {
      if (!passthrough.empty()) passthrough += '&';
      passthrough += kv;
    }
  }
  out.conninfo = p.scheme + p.authority + p.path + (passthrough.empty() ? "" : "?" + passthrough);
  return out;
}

int64_t Result::int64(int row, int col) const {
  std::string_view t = text(row, col);
  int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

StatusOr<std::unique_ptr<Conn>> Conn::Open(const PgUrl& url, const std::string& application) {
  std::string password;
  if (url.password_file) {
    std::ifstream in(*url.password_file);
    if (!in)
      return Unavailable(fmt::format("store \"{}\": cannot read passwordFile {}", url.redacted,
                                     *url.password_file));
    std::getline(in, password);
    while (!password.empty() && (password.back() == '\r' || password.back() == '\n'))
      password.pop_back();
  }
  // Defaults first: the URL (dbname, expanded) may override them; the encoding may not.
  std::vector<const char*> keys = {"connect_timeout", "options", "dbname", "client_encoding",
                                   "fallback_application_name"};
  std::vector<const char*> values = {"10", "-c client_min_messages=warning", url.conninfo.c_str(),
                                     "UTF8", application.c_str()};
  if (url.password_file) {
    keys.push_back("password");
    values.push_back(password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  std::fill(password.begin(), password.end(), '\0');
  if (conn == nullptr) return Unavailable("store: out of memory connecting to PostgreSQL");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string err = PQerrorMessage(conn);
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    PQfinish(conn);
    return Unavailable(
        fmt::format("store \"{}\": cannot connect to PostgreSQL: {}", url.redacted, err));
  }
  return std::unique_ptr<Conn>(new Conn(conn));
}

Conn::~Conn() {
  if (conn_) PQfinish(conn_);
}

bool Conn::reusable() const {
  return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

Status Conn::Check(PGresult* r, std::string_view sql) {
  sqlstate_.clear();
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
  std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  if (state) sqlstate_ = state;
  std::string first_word(sql.substr(0, sql.find_first_of(" \n")));
  std::string text = fmt::format("postgres: {} (in {} ...)", msg, first_word);
  // Connection-class errors, shutdowns and a lost connection: the database is unavailable.
  if (PQstatus(conn_) != CONNECTION_OK || StartsWith(sqlstate_, "08") ||
      StartsWith(sqlstate_, "57P") || sqlstate_ == "53300")
    return Unavailable(text);
  if (sqlstate_ == kSerializationFailure || sqlstate_ == kDeadlockDetected) return Conflict(text);
  return Internal(text);
}

StatusOr<Result> Conn::Exec(std::string_view sql,
                            const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  std::string query(sql);
  Result r(PQexecParams(conn_, query.c_str(), static_cast<int>(params.size()), nullptr,
                        values.data(), nullptr, nullptr, 0));
  RETURN_IF_ERROR(Check(r.raw(), sql));
  return r;
}

Status Conn::ExecScript(std::string_view sql) {
  std::string query(sql);
  Result r(PQexec(conn_, query.c_str()));
  return Check(r.raw(), sql);
}

}  // namespace flotilla::store::postgres
