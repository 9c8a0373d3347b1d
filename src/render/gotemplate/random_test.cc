// Random differential test: TemplateGen produces templates and values per seed; the Go oracle
// and RenderRequest must agree on output bytes and on error vs no error. Seeds: 300 by default,
// GOTEMPLATE_FUZZ_SEEDS=N for more, GOTEMPLATE_FUZZ_FIRST=K to start elsewhere.
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "render/gotemplate/oracle_client.h"
#include "render/gotemplate/render_request.h"
#include "render/gotemplate/template_gen.h"

namespace flotilla::gotemplate {
namespace {

uint64_t EnvOr(const char* name, uint64_t def) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : def;
}

TEST(RandomDifferentialTest, GeneratedTemplatesMatchTheOracle) {
  if (std::string why = testing::OracleSkipReason(); !why.empty()) GTEST_SKIP() << why;
  uint64_t n = EnvOr("GOTEMPLATE_FUZZ_SEEDS", 300);
  uint64_t first = EnvOr("GOTEMPLATE_FUZZ_FIRST", 1);
  std::vector<Json> requests;
  for (uint64_t s = first; s < first + n; s++) requests.push_back(TemplateGen(s).Request());
  if (const char* dump = std::getenv("GOTEMPLATE_FUZZ_DUMP")) {
    std::ofstream f(dump);
    for (const auto& r : requests)
      f << r.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
  }
  std::vector<Json> want = testing::RunOracle(requests);
  ASSERT_EQ(want.size(), requests.size());
  int passed = 0, errors_both = 0, text_diffs = 0, failures = 0;
  for (size_t i = 0; i < requests.size(); i++) {
    Json got = RenderRequest(requests[i]);
    const Json& w = want[i];
    bool want_err = !w["error"].is_null(), got_err = !got["error"].is_null();
    bool ok = want_err == got_err;
    if (ok && !want_err) {
      ok = got.contains("output") &&
           testing::ValidUtf8(got["output"].get<std::string>()) == w["output"];
    }
    if (ok && want_err) {
      errors_both++;
      if (std::getenv("GOTEMPLATE_FUZZ_VERBOSE")) std::cerr << "E " << w["error"] << "\n";
      if (got["error"] != w["error"]) text_diffs++;
    }
    if (!ok && failures++ < 15) {
      ADD_FAILURE() << "seed " << first + i << "\n  templates: " << requests[i]["templates"].dump()
                    << "\n  values: " << requests[i]["values"].dump() << "\n  want: " << w.dump()
                    << "\n  got:  " << got.dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    if (ok) passed++;
  }
  std::cerr << "random seeds: " << passed << "/" << requests.size() << " agree (" << errors_both
            << " errors on both sides, " << text_diffs << " with different error text)\n";
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace flotilla::gotemplate
