// main() of the PostgreSQL store's tests: starts a throwaway PostgreSQL with
// tests/fixtures/postgres.sh (fsync off), runs the tests, stops it. Exits 77 (ctest: skipped)
// when PostgreSQL is not installed.
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <filesystem>

#include "store/postgres/pg.h"
#include "store/postgres/test_server.h"

namespace flotilla::store::postgres::testing {
namespace {
std::string g_url;
}

const std::string& ServerUrl() { return g_url; }

std::string DatabaseNameFor(const std::string& dir) {
  return "t_" + std::to_string(std::hash<std::string>{}(dir));
}

StatusOr<std::string> DatabaseUrl(const std::string& name, const std::string& params) {
  ASSIGN_OR_RETURN(PgUrl admin, ParsePgUrl(g_url));
  ASSIGN_OR_RETURN(auto conn, Conn::Open(admin, "flotilla-test"));
  ASSIGN_OR_RETURN(Result r, conn->Exec("SELECT 1 FROM pg_database WHERE datname = $1", {name}));
  if (r.rows() == 0) {
    auto created = conn->Exec("CREATE DATABASE \"" + name + "\"");
    if (!created.ok() && conn->last_sqlstate() != "42P04") return created.status();
  }
  std::string url = g_url;
  size_t at = url.find("/postgres?");
  url.replace(at, 10, "/" + name + "?");
  if (!params.empty()) url += "&" + params;
  return url;
}

}  // namespace flotilla::store::postgres::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string tmpl = (std::filesystem::temp_directory_path() / "flotilla-pgtest-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    perror("mkdtemp");
    return 1;
  }
  const std::string root = tmpl;
  const std::string script = std::string(FLOTILLA_SOURCE_DIR) + "/tests/fixtures/postgres.sh";
  std::string cmd = "FIXTURE_PG_FAST=1 FIXTURE_OWNER_PID=" + std::to_string(getpid()) + " " +
                    script + " start '" + root + "'";
  FILE* p = popen(cmd.c_str(), "r");
  std::string url;
  std::array<char, 4096> buf;
  size_t n;
  while (p && (n = fread(buf.data(), 1, buf.size(), p)) > 0) url.append(buf.data(), n);
  int rc = p ? pclose(p) : -1;
  while (!url.empty() && url.back() == '\n') url.pop_back();
  auto cleanup = [&] {
    std::string stop = script + " stop '" + root + "' >/dev/null 2>&1";
    (void)!std::system(stop.c_str());
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  };
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 3) {
    fprintf(stderr, "PostgreSQL is not installed (apt-get install postgresql): skipped\n");
    cleanup();
    return 77;
  }
  if (rc != 0 || url.empty()) {
    fprintf(stderr, "cannot start PostgreSQL: %s\n", cmd.c_str());
    cleanup();
    return 1;
  }
  flotilla::store::postgres::testing::g_url = url;
  int result = RUN_ALL_TESTS();
  cleanup();
  return result;
}
