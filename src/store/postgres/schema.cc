#include "store/postgres/schema.h"

#include <fmt/format.h>

#include <vector>

#include "core/log.h"

namespace flotilla::store::postgres {
namespace {

// An arbitrary constant naming flotilla's migration lock (pg_advisory_xact_lock).
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7240117135110)";

// kMigrations[i] upgrades a database from version i to i + 1. Append only; never edit a step
// that has shipped.
const std::vector<const char*> kMigrations = {
    // 0 -> 1: objects, the change log (the source of truth for watches), the counters.
    R"sql(
      CREATE TABLE flotilla_meta (
        key   text PRIMARY KEY,
        value bigint NOT NULL
      );
      -- 'resource_version': the last revision handed out; its row lock orders writers.
      -- 'compacted': changes at or below it were removed from flotilla_changes.
      INSERT INTO flotilla_meta (key, value) VALUES ('resource_version', 0), ('compacted', 0);
      CREATE TABLE flotilla_objects (
        kind             text COLLATE "C" NOT NULL,  -- "gitrepos.fleet.cattle.io", "secrets"
        namespace        text COLLATE "C" NOT NULL,  -- '' for cluster-scoped kinds
        name             text COLLATE "C" NOT NULL,
        uid              text NOT NULL,
        resource_version bigint NOT NULL,
        labels           jsonb NOT NULL DEFAULT '{}',
        body             text NOT NULL,              -- the whole object, compact JSON
        PRIMARY KEY (kind, namespace, name)
      );
      CREATE INDEX flotilla_objects_labels ON flotilla_objects USING gin (labels jsonb_path_ops);
      CREATE TABLE flotilla_changes (
        resource_version bigint PRIMARY KEY,
        kind             text COLLATE "C" NOT NULL,
        namespace        text COLLATE "C" NOT NULL,
        name             text COLLATE "C" NOT NULL,
        event            smallint NOT NULL,  -- 0 ADDED, 1 MODIFIED, 2 DELETED
        prev_rv          bigint,             -- MODIFIED: the revision it replaced
        body             text NOT NULL       -- the new state; for DELETED the last one
      );
    )sql",
};

}  // namespace

Status Migrate(Conn& conn) {
  static_assert(kSchemaVersion >= 1);
  if (static_cast<int64_t>(kMigrations.size()) != kSchemaVersion)
    return Internal("postgres schema: migrations and version disagree");
  ASSIGN_OR_RETURN(Result enc, conn.Exec("SHOW server_encoding"));
  if (enc.rows() == 1 && enc.text(0, 0) != "UTF8" && enc.text(0, 0) != "SQL_ASCII")
    return FailedPrecondition(fmt::format(
        "the database's encoding is {}; flotilla stores JSON text and needs UTF8 (CREATE "
        "DATABASE ... ENCODING 'UTF8')",
        enc.text(0, 0)));
  RETURN_IF_ERROR(conn.ExecScript("BEGIN"));
  auto run = [&]() -> StatusOr<int64_t> {
    RETURN_IF_ERROR(conn.Exec(kMigrationLock).status());
    RETURN_IF_ERROR(conn.ExecScript(
        "CREATE TABLE IF NOT EXISTS flotilla_schema_version (version bigint NOT NULL)"));
    ASSIGN_OR_RETURN(Result r, conn.Exec("SELECT max(version) FROM flotilla_schema_version"));
    int64_t version = r.null(0, 0) ? 0 : r.int64(0, 0);
    if (version > kSchemaVersion)
      return FailedPrecondition(fmt::format(
          "database schema version {} is newer than this flotilla supports ({}); upgrade flotilla",
          version, kSchemaVersion));
    for (int64_t v = version; v < kSchemaVersion; v++) {
      Status st = conn.ExecScript(kMigrations[v]);
      if (!st.ok()) return st.WithContext(fmt::format("migrating schema {} -> {}", v, v + 1));
    }
    if (version < kSchemaVersion) {
      RETURN_IF_ERROR(conn.ExecScript("DELETE FROM flotilla_schema_version"));
      RETURN_IF_ERROR(conn.Exec("INSERT INTO flotilla_schema_version (version) VALUES ($1)",
                                {std::to_string(kSchemaVersion)})
                          .status());
    }
    return version;
  };
  StatusOr<int64_t> from = run();
  if (!from.ok()) {
    (void)conn.ExecScript("ROLLBACK");
    return from.status();
  }
  RETURN_IF_ERROR(conn.ExecScript("COMMIT"));
  if (*from < kSchemaVersion)
    log::Info("store schema migrated",
              {{"from", std::to_string(*from)}, {"to", std::to_string(kSchemaVersion)}});
  return Status::Ok();
}

}  // namespace flotilla::store::postgres
