// Test helper: runs the gotemplate oracle (oracle/, built into the build tree by the ctest fixture
// gotemplate_oracle_build) over many requests in one process (-lines mode), so that its responses
// can be compared with RenderRequest's.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/json.h"

namespace flotilla::gotemplate::testing {

// The oracle binary: $GOTEMPLATE_ORACLE when it names an executable, else "".
inline std::string OraclePath() {
  const char* p = std::getenv("GOTEMPLATE_ORACLE");
  if (p == nullptr || ::access(p, X_OK) != 0) return "";
  return p;
}

// Why an oracle test cannot run ("" when it can), for GTEST_SKIP. ctest marks gotemplate_test
// skipped when its output contains "gotemplate oracle missing" (see CMakeLists.txt).
inline std::string OracleSkipReason() {
  const char* p = std::getenv("GOTEMPLATE_ORACLE");
  if (p == nullptr) return "gotemplate oracle missing: GOTEMPLATE_ORACLE is not set";
  if (OraclePath().empty())
    return std::string("gotemplate oracle missing: ") + p +
           " was not built (no Go toolchain or Debian Go packages: see the output of ctest "
           "gotemplate_oracle_build; scripts/setup installs them)";
  return "";
}

// Replaces invalid UTF-8 with U+FFFD, as the oracle's JSON encoder does.
inline std::string ValidUtf8(const std::string& s) {
  return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace).size() > 0
             ? Json::parse(Json(s).dump(-1, ' ', false, Json::error_handler_t::replace))
                   .get<std::string>()
             : s;
}

// One response per request, in order; empty vector when the oracle could not run.
inline std::vector<Json> RunOracle(const std::vector<Json>& requests) {
  std::string oracle = OraclePath();
  if (oracle.empty()) return {};
  char in_path[] = "/tmp/gotemplate-oracle-in-XXXXXX";
  int fd = mkstemp(in_path);
  if (fd < 0) return {};
  {
    std::ofstream in(in_path);
    for (const auto& r : requests)
      in << r.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
  }
  std::string cmd = oracle + " -lines < " + in_path;
  FILE* p = popen(cmd.c_str(), "r");
  std::vector<Json> out;
  if (p != nullptr) {
    std::string line;
    char buf[65536];
    std::string acc;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) acc.append(buf, n);
    pclose(p);
    std::istringstream ss(acc);
    while (std::getline(ss, line)) {
      if (!line.empty()) out.push_back(Json::parse(line, nullptr, false));
    }
  }
  ::close(fd);
  std::remove(in_path);
  return out;
}

}  // namespace flotilla::gotemplate::testing
