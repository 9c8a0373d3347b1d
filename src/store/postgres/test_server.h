// Test support for the PostgreSQL store: one real PostgreSQL server per test binary, started by
// tests/fixtures/postgres.sh in main() (test_main.cc), and a database per test.
#pragma once

#include <string>

#include "core/status.h"

namespace flotilla::store::postgres::testing {

// The server's URL (database "postgres"), with its passwordFile= parameter.
const std::string& ServerUrl();

// The URL of database `name` on the server, created when missing. `params` ("a=b&c=d") are
// appended to the query.
StatusOr<std::string> DatabaseUrl(const std::string& name, const std::string& params = "");

// A database name derived from a test directory (stable for the same path).
std::string DatabaseNameFor(const std::string& dir);

}  // namespace flotilla::store::postgres::testing
