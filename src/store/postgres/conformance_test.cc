// The PostgreSQL store under the Store conformance suite (src/store/testing/conformance.h): one
// database per test directory, opened through OpenStore's postgres:// URL; reopening the same
// directory reopens the same database, whose change log keeps the watch history.
#include "store/testing/conformance.h"

#include "store/postgres/test_server.h"

namespace {

flotilla::store::testing::StoreFactory PostgresFactory() {
  using namespace flotilla;
  store::testing::StoreFactory f;
  f.name = "Postgres";
  f.open = [](const std::string& dir,
              const store::testing::FactoryOptions& o) -> StatusOr<std::unique_ptr<store::Store>> {
    std::string params = "poll_ms=200";
    if (o.watch_history_events > 0)
      params += "&watch_log_events=" + std::to_string(o.watch_history_events);
    ASSIGN_OR_RETURN(std::string url, store::postgres::testing::DatabaseUrl(
                                          store::postgres::testing::DatabaseNameFor(dir), params));
    return store::OpenStore(url);
  };
  f.reopens = true;
  f.crash_safe = true;
  f.reopen_forgets_watch_history = false;
  return f;
}

}  // namespace

FLOTILLA_STORE_CONFORMANCE(Postgres, PostgresFactory())
