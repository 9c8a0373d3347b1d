// The SQLite store under the Store conformance suite (src/store/testing/conformance.h): one
// database file per test directory, reopened from the same file.
#include "store/testing/conformance.h"

#include "store/sqlite/sqlite_store.h"

namespace {

flotilla::store::testing::StoreFactory SqliteFactory() {
  using namespace flotilla;
  store::testing::StoreFactory f;
  f.name = "Sqlite";
  f.open = [](const std::string& dir,
              const store::testing::FactoryOptions& o) -> StatusOr<std::unique_ptr<store::Store>> {
    store::sqlite::SqliteOptions options;
    options.path = dir + "/store.db";
    if (o.watch_history_events > 0) options.watch_limits.max_events = o.watch_history_events;
    ASSIGN_OR_RETURN(auto s, store::sqlite::SqliteStore::Open(options));
    return std::unique_ptr<store::Store>(std::move(s));
  };
  f.check_integrity = [](store::Store& s) {
    return static_cast<store::sqlite::SqliteStore&>(s).CheckIntegrity(/*full=*/true);
  };
  return f;
}

}  // namespace

FLOTILLA_STORE_CONFORMANCE(Sqlite, SqliteFactory())
