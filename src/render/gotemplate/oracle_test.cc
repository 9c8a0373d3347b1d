// Differential tests: every case in testdata/*.json and the oracle's examples
// (testdata/oracle/NN-*.json) is rendered by the Go oracle and by RenderRequest; outputs must be
// byte-identical and both must agree on error vs no error. Error texts are compared and reported;
// cases marked "exact_error" must match. The examples also carry the oracle's recorded answer
// (NN-*.out.json, checked by hand when written): the oracle must still give it, so that a change
// of the oracle or of Debian's Go libraries shows up as such and not as an engine bug.
//
// Case forms: {"name", "request": {...oracle request...}} or the shorthand
// {"name", "t": "template", "v": {values}, "y": "values yaml", "files": {...}, "strict": bool}.
#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "render/gotemplate/oracle_client.h"
#include "render/gotemplate/render_request.h"

namespace flotilla::gotemplate {
namespace {

struct Case {
  std::string name;
  Json request;
  bool exact_error = false;
  std::string known_divergence;  // reason; such cases are reported, not failed
};

std::vector<std::string> ListJson(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 5 && n.substr(n.size() - 5) == ".json" &&
        n.find(".out.json") == std::string::npos)
      out.push_back(dir + "/" + n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Json Expand(const Json& c) {
  if (c.contains("request")) return c["request"];
  Json req;
  req["templates"] = {{"mychart/templates/t.yaml", c.at("t")}};
  if (c.contains("helpers")) req["templates"]["mychart/templates/_helpers.tpl"] = c["helpers"];
  req["render"] = "mychart/templates/t.yaml";
  if (c.contains("v")) req["values"] = c["v"];
  if (c.contains("y")) req["valuesYaml"] = c["y"];
  for (const char* k : {"files", "strict", "chart", "release", "capabilities"})
    if (c.contains(k)) req[k] = c[k];
  return req;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const std::string kExamples = std::string(FLOTILLA_GOTEMPLATE_TESTDATA) + "/oracle";

std::vector<Case> LoadCases() {
  std::vector<Case> cases;
  for (const auto& path : ListJson(FLOTILLA_GOTEMPLATE_TESTDATA)) {
    Json doc = Json::parse(ReadFile(path));
    std::string base = path.substr(path.rfind('/') + 1);
    for (const auto& c : doc) {
      Case k;
      k.name = base + ":" + c.value("name", std::to_string(cases.size()));
      k.request = Expand(c);
      k.exact_error = c.value("exact_error", false);
      k.known_divergence = c.value("known_divergence", "");
      cases.push_back(std::move(k));
    }
  }
  for (const auto& path : ListJson(kExamples)) {
    Case k;
    k.name = "oracle-example:" + path.substr(path.rfind('/') + 1);
    k.request = Json::parse(ReadFile(path));
    cases.push_back(std::move(k));
  }
  return cases;
}

TEST(OracleTest, OracleGivesItsRecordedAnswers) {
  if (std::string why = testing::OracleSkipReason(); !why.empty()) GTEST_SKIP() << why;
  std::vector<std::string> paths = ListJson(kExamples);
  ASSERT_GE(paths.size(), 20u) << kExamples;
  std::vector<Json> requests;
  for (const auto& path : paths) requests.push_back(Json::parse(ReadFile(path)));
  std::vector<Json> got = testing::RunOracle(requests);
  ASSERT_EQ(got.size(), paths.size()) << "oracle did not answer every request";
  for (size_t i = 0; i < paths.size(); i++) {
    std::string answer = paths[i].substr(0, paths[i].size() - 5) + ".out.json";
    EXPECT_EQ(got[i], Json::parse(ReadFile(answer))) << answer;
  }
}

TEST(OracleTest, HandWrittenCasesMatchTheOracle) {
  if (std::string why = testing::OracleSkipReason(); !why.empty()) GTEST_SKIP() << why;
  std::vector<Case> cases = LoadCases();
  ASSERT_GT(cases.size(), 20u);
  std::vector<Json> requests;
  for (const auto& c : cases) requests.push_back(c.request);
  std::vector<Json> want = testing::RunOracle(requests);
  ASSERT_EQ(want.size(), cases.size()) << "oracle did not answer every request";
  int passed = 0, error_text_diffs = 0, divergences = 0;
  for (size_t i = 0; i < cases.size(); i++) {
    const Case& c = cases[i];
    Json got = RenderRequest(c.request);
    const Json& w = want[i];
    bool want_err = !w["error"].is_null();
    bool got_err = !got["error"].is_null();
    bool ok = want_err == got_err;
    if (ok && !want_err) {
      if (w.contains("output")) {
        ok = got.contains("output") &&
             testing::ValidUtf8(got["output"].get<std::string>()) == w["output"];
      } else {
        Json go = got.value("outputs", Json::object());
        for (auto& [k, v] : go.items()) v = testing::ValidUtf8(v.get<std::string>());
        ok = go == w["outputs"];
      }
    }
    if (ok && want_err && got["error"] != w["error"]) {
      error_text_diffs++;
      if (c.exact_error) ok = false;
      std::cerr << "[error text differs] " << c.name << "\n  want: " << w["error"]
                << "\n  got:  " << got["error"] << "\n";
    }
    if (!ok && !c.known_divergence.empty()) {
      divergences++;
      std::cerr << "[known divergence] " << c.name << ": " << c.known_divergence << "\n";
      continue;
    }
    EXPECT_TRUE(ok) << c.name << "\n  request: " << c.request.dump() << "\n  want: " << w.dump()
                    << "\n  got:  " << got.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (ok) passed++;
  }
  std::cerr << "oracle cases: " << passed << "/" << cases.size() << " passed, " << divergences
            << " known divergences, " << error_text_diffs << " with different error text\n";
}

}  // namespace
}  // namespace flotilla::gotemplate
