// OpenStore: the one place where a store URL picks an implementation.
#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#ifdef FLOTILLA_HAVE_POSTGRES
#include "store/postgres/postgres_store.h"
#endif

namespace flotilla::store {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

// Accepted forms:
//   sqlite:///abs/path.db   sqlite://relative/path.db   /abs/path.db   relative.db   :memory:
//   sqlite://:memory:
// Query parameters on sqlite URLs (joined with &):
//   synchronous=full|normal  durability of each commit (default normal: WAL, survives kill -9)
//   cache_mb=N               parsed-object cache, estimated heap MiB (default 128)
//   watch_log_mb=N           watch history, estimated heap MiB (default 128)
//   watch_log_events=N       watch history, events (default 100000)
// postgres://USER@HOST:PORT/DB?sslmode=... (or postgresql://): the PostgreSQL store; see
// store/postgres/README.md for its parameters. The password comes from PGPASSWORD or
// passwordFile=, never from the URL.
StatusOr<std::unique_ptr<Store>> OpenStore(const std::string& url) {
  if (StartsWith(url, "postgres://") || StartsWith(url, "postgresql://")) {
#ifdef FLOTILLA_HAVE_POSTGRES
    ASSIGN_OR_RETURN(postgres::PgUrl pg, postgres::ParsePgUrl(url));
    auto store = postgres::PostgresStore::Open(pg);
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(*store));
#else
    return FailedPrecondition(
        "this flotilla was built without PostgreSQL support (libpq-dev missing at build time)");
#endif
  }
  std::string rest = url;
  if (StartsWith(rest, "sqlite://")) {
    rest = rest.substr(9);
  } else if (StartsWith(rest, "sqlite:")) {
    rest = rest.substr(7);
  } else if (rest.find("://") != std::string::npos) {
    return InvalidArgument(
        fmt::format("store \"{}\": unknown scheme (want sqlite:// or a path)", url));
  }
  sqlite::SqliteOptions options;
  size_t query = rest.find('?');
  if (query != std::string::npos) {
    std::string params = rest.substr(query + 1);
    rest = rest.substr(0, query);
    size_t start = 0;
    while (start < params.size()) {
      size_t amp = params.find('&', start);
      std::string kv =
          params.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      start = amp == std::string::npos ? params.size() : amp + 1;
      size_t eq = kv.find('=');
      const std::string key = kv.substr(0, eq);
      const std::string value = eq == std::string::npos ? "" : kv.substr(eq + 1);
      if (key == "cache_mb" || key == "watch_log_mb" || key == "watch_log_events") {
        char* end = nullptr;
        unsigned long long n = std::strtoull(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || n > (1ull << 40))
          return InvalidArgument(
              fmt::format("store \"{}\": {} wants a non-negative integer", url, key));
        if (key == "cache_mb") options.cache_bytes = static_cast<size_t>(n) << 20;
        if (key == "watch_log_mb") options.watch_limits.max_bytes = static_cast<size_t>(n) << 20;
        if (key == "watch_log_events") options.watch_limits.max_events = static_cast<size_t>(n);
      } else if (kv == "synchronous=full" || kv == "synchronous=FULL") {
        options.synchronous_full = true;
      } else if (kv == "synchronous=normal" || kv == "synchronous=NORMAL") {
        options.synchronous_full = false;
      } else if (!kv.empty()) {
        return InvalidArgument(fmt::format("store \"{}\": unknown parameter \"{}\"", url, kv));
      }
    }
  }
  if (rest.empty()) return InvalidArgument(fmt::format("store \"{}\": missing path", url));
  if (rest != ":memory:") {
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(rest).parent_path();
    if (!parent.empty() && std::filesystem::create_directories(parent, ec))
      std::filesystem::permissions(parent, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    if (ec)
      return Unavailable(
          fmt::format("store \"{}\": cannot create {}: {}", url, parent.string(), ec.message()));
    RETURN_IF_ERROR(RestrictToOwner(rest));
  }
  options.path = rest;
  auto store = sqlite::SqliteStore::Open(options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(std::move(*store));
}

Status RestrictToOwner(const std::string& db_path) {
  // Created here (not by SQLite, which would honour the umask) so that it is never readable by
  // others, not even for a moment; SQLite gives the -wal and -shm files the database's mode.
  int fd = ::open(db_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return Unavailable(fmt::format("cannot open the database {}: {}", db_path, strerror(errno)));
  int rc = ::fchmod(fd, 0600);
  int err = errno;
  ::close(fd);
  if (rc != 0)
    return Unavailable(fmt::format("cannot make the database {} private (chmod 0600): {}", db_path,
                                   strerror(err)));
  // Files left by an earlier run with a looser mode.
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::string side = db_path + suffix;
    if (::chmod(side.c_str(), 0600) != 0 && errno != ENOENT)
      return Unavailable(
          fmt::format("cannot make {} private (chmod 0600): {}", side, strerror(errno)));
  }
  return Status::Ok();
}

}  // namespace flotilla::store
