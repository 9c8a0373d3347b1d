// Helpers for the SQLite-specific store tests (the contract itself is tested by the conformance
// suite, src/store/testing/conformance.h, which conformance_test.cc instantiates).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/sqlite/sqlite_store.h"
#include "store/testing/conformance.h"

namespace flotilla::store::sqlite::testing {

using ::flotilla::store::testing::ConfigMap;
using ::flotilla::store::testing::GitRepo;
using ::flotilla::store::testing::StatusOf;
using ::flotilla::store::testing::TempDir;

inline std::unique_ptr<SqliteStore> OpenAt(const std::string& path) {
  SqliteOptions options;
  options.path = path;
  auto store = SqliteStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

}  // namespace flotilla::store::sqlite::testing
