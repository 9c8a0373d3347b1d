// The PostgreSQL store's schema, created and upgraded by the server: the version in table
// flotilla_schema_version, migrations as numbered steps run in one transaction under an advisory
// lock (several servers starting on one database migrate once).
#pragma once

#include "core/status.h"
#include "store/postgres/pg.h"

namespace flotilla::store::postgres {

inline constexpr int64_t kSchemaVersion = 1;

// Brings the database to kSchemaVersion. kFailedPrecondition when it is newer than this binary.
Status Migrate(Conn& conn);

}  // namespace flotilla::store::postgres
