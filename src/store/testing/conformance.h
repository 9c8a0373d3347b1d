// The Store conformance suite: the contract of store.h as tests, run against every
// implementation so that each (SQLite now, PostgreSQL later) is held to exactly the same rules —
// resourceVersion order, optimistic concurrency, generation and status rules, finalizers, label
// and field selectors, pagination, watch from a resourceVersion, 410 Gone, exactly-once delivery
// under concurrent writers, and crash safety where the implementation persists.
//
// An implementation's test binary links flotilla_store_conformance and instantiates the suite
// with a factory:
//
//   StoreFactory SqliteFactory() { ... }
//   FLOTILLA_STORE_CONFORMANCE(Sqlite, SqliteFactory())   // at global scope
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/json.h"
#include "store/store.h"

namespace flotilla::store::testing {

struct FactoryOptions {
  // Retain at most this many changes for Watch (0 = the implementation's default), so tests can
  // reach kGone quickly.
  size_t watch_history_events = 0;
};

struct StoreFactory {
  std::string name;  // names the instantiation: "Sqlite"
  // Opens the store kept under `dir` (a fresh, empty directory per test; created on first
  // open). Opening the same `dir` again reopens the same data when `reopens`.
  std::function<StatusOr<std::unique_ptr<Store>>(const std::string& dir, const FactoryOptions&)>
      open;
  bool reopens = true;
  // A writer process killed with SIGKILL loses no acknowledged write (tested with fork()).
  bool crash_safe = true;
  // A reopened store serves Watch only from its reopening on (an in-process watch log); false
  // when history survives (e.g. a database-backed change log).
  bool reopen_forgets_watch_history = true;
  // A check deeper than CheckHealth, run after crashes and reopen (e.g. SQLite's full
  // integrity_check); null = CheckHealth.
  std::function<Status(Store&)> check_integrity;
};

// A fresh directory under $TMPDIR, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "flotilla-store-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline Json GitRepo(const std::string& ns, const std::string& name, const std::string& repo) {
  return Json{{"apiVersion", "fleet.cattle.io/v1alpha1"},
              {"kind", "GitRepo"},
              {"metadata", {{"namespace", ns}, {"name", name}}},
              {"spec", {{"repo", repo}}}};
}

inline Json ConfigMap(const std::string& ns, const std::string& name, const Json& data) {
  return Json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"namespace", ns}, {"name", name}}},
              {"data", data}};
}

inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const StatusOr<T>& s) {
  return s.status();
}

// The fixture of every suite: a temporary directory and the factory's stores over it.
class StoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  std::unique_ptr<Store> Open(FactoryOptions options = {}) {
    auto store = GetParam().open(dir_.path(), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  Status CheckIntegrity(Store& store) {
    return GetParam().check_integrity ? GetParam().check_integrity(store) : store.CheckHealth();
  }
  TempDir dir_;
};

// CRUD, lists and their rules on one store opened per test (store_; Reopen() closes and opens
// it again).
class StoreCrudTest : public StoreConformance {
 protected:
  void SetUp() override { store_ = Open(); }
  void Reopen() {
    store_.reset();
    store_ = Open();
  }
  std::unique_ptr<Store> store_;
};
using StoreListTest = StoreCrudTest;
// Suites that open their stores themselves (with watch limits, in child processes).
using StoreWatchTest = StoreConformance;
using StoreConcurrencyTest = StoreConformance;
using StoreCrashTest = StoreConformance;

inline std::string FactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

}  // namespace flotilla::store::testing

#define ASSERT_OK(expr)                                         \
  do {                                                          \
    const auto& _s = (expr);                                    \
    ASSERT_TRUE(::flotilla::store::testing::StatusOf(_s).ok())  \
        << ::flotilla::store::testing::StatusOf(_s).ToString(); \
  } while (0)

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(FLOTILLA_CONCAT(_so_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)   \
  auto tmp = (expr);                                \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

// Instantiates every suite of the conformance suite for `factory` (a StoreFactory), with test
// names prefixed by `prefix`. Use at global scope.
#define FLOTILLA_STORE_CONFORMANCE(prefix, factory)                                                \
  namespace flotilla::store::testing {                                                             \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreCrudTest, ::testing::Values(factory), FactoryName);        \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreListTest, ::testing::Values(factory), FactoryName);        \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreWatchTest, ::testing::Values(factory), FactoryName);       \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreConcurrencyTest, ::testing::Values(factory), FactoryName); \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreCrashTest, ::testing::Values(factory), FactoryName);       \
  }  // namespace flotilla::store::testing
