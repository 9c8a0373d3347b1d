// Helpers for the SQLite store tests: a temporary directory and object builders.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "core/json.h"
#include "store/sqlite/sqlite_store.h"

namespace flotilla::store::sqlite::testing {

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

inline std::unique_ptr<SqliteStore> OpenAt(const std::string& path) {
  SqliteOptions options;
  options.path = path;
  auto store = SqliteStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

}  // namespace flotilla::store::sqlite::testing

#define ASSERT_OK(expr)                                                 \
  do {                                                                  \
    const auto& _s = (expr);                                            \
    ASSERT_TRUE(::flotilla::store::sqlite::testing::StatusOf(_s).ok())  \
        << ::flotilla::store::sqlite::testing::StatusOf(_s).ToString(); \
  } while (0)

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(FLOTILLA_CONCAT(_so_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)   \
  auto tmp = (expr);                                \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
