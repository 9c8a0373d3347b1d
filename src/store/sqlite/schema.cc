#include "store/sqlite/schema.h"

#include <fmt/format.h>

#include <functional>
#include <vector>

#include "core/log.h"

namespace flotilla::store::sqlite {
namespace {

// migrations[i] upgrades a database from version i to i + 1. Append only; never edit a
// migration that has shipped.
const std::vector<std::function<Status(Db&)>>& Migrations() {
  static const std::vector<std::function<Status(Db&)>> kMigrations = {
      // 0 -> 1: objects + the resourceVersion counter.
      [](Db& db) {
        return db.Exec(R"sql(
          CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value INTEGER NOT NULL
          );
          INSERT INTO meta (key, value) VALUES ('resource_version', 0);
          CREATE TABLE objects (
            id               INTEGER PRIMARY KEY,
            kind             TEXT NOT NULL,     -- "gitrepos.fleet.cattle.io", "secrets"
            namespace        TEXT NOT NULL,     -- '' for cluster-scoped kinds
            name             TEXT NOT NULL,
            uid              TEXT NOT NULL,
            resource_version INTEGER NOT NULL,
            generation       INTEGER NOT NULL,
            deleting         INTEGER NOT NULL DEFAULT 0,
            labels           TEXT NOT NULL DEFAULT '{}',
            body             TEXT NOT NULL      -- the whole object, compact JSON
          );
          CREATE UNIQUE INDEX objects_by_key ON objects (kind, namespace, name);
        )sql");
      },
      // 1 -> 2: an index of labels, so equality selectors ("fleet.cattle.io/bundle-name=x")
      // read only the matching objects instead of every object of the kind.
      [](Db& db) {
        return db.Exec(R"sql(
          CREATE TABLE object_labels (
            kind      TEXT NOT NULL,
            key       TEXT NOT NULL,
            value     TEXT NOT NULL,
            object_id INTEGER NOT NULL,
            PRIMARY KEY (kind, key, value, object_id)
          ) WITHOUT ROWID;
          CREATE INDEX object_labels_by_object ON object_labels (object_id);
          INSERT INTO object_labels (kind, key, value, object_id)
            SELECT o.kind, j.key, j.value, o.id FROM objects o, json_each(o.labels) j
            WHERE j.type = 'text';
        )sql");
      },
  };
  return kMigrations;
}

}  // namespace

Status Migrate(Db& db) {
  static_assert(kSchemaVersion >= 1);
  ASSIGN_OR_RETURN(int64_t version, db.QueryInt("PRAGMA user_version"));
  if (version > kSchemaVersion)
    return FailedPrecondition(fmt::format(
        "database schema version {} is newer than this flotilla supports ({}); upgrade flotilla",
        version, kSchemaVersion));
  if (version == kSchemaVersion) return Status::Ok();
  Transaction tx(db);
  RETURN_IF_ERROR(tx.Begin(/*immediate=*/true));
  // Re-read inside the write lock: another process may have migrated meanwhile.
  ASSIGN_OR_RETURN(version, db.QueryInt("PRAGMA user_version"));
  const auto& migrations = Migrations();
  for (int64_t v = version; v < kSchemaVersion; v++) {
    Status st = migrations[v](db);
    if (!st.ok()) return st.WithContext(fmt::format("migrating schema {} -> {}", v, v + 1));
  }
  RETURN_IF_ERROR(db.Exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion)));
  RETURN_IF_ERROR(tx.Commit());
  if (version > 0)
    log::Info("store schema migrated",
              {{"from", std::to_string(version)}, {"to", std::to_string(kSchemaVersion)}});
  return Status::Ok();
}

}  // namespace flotilla::store::sqlite
