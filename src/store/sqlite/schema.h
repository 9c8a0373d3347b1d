// The SQLite schema and its migrations. The version lives in PRAGMA user_version; Migrate brings
// any older database up to kSchemaVersion in one transaction and refuses newer ones.
#pragma once

#include "core/status.h"
#include "store/sqlite/db.h"

namespace flotilla::store::sqlite {

inline constexpr int kSchemaVersion = 2;

// Reads the global resourceVersion counter.
inline constexpr const char* kReadCounter = "SELECT value FROM meta WHERE key = 'resource_version'";

// REQUIRES: `db` is the writer connection and no transaction is open.
Status Migrate(Db& db);

}  // namespace flotilla::store::sqlite
