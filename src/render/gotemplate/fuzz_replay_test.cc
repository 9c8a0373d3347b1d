// Replays the fuzz corpus (fuzz_corpus/: seeds from testdata plus hand-written bad inputs, and
// every input the libFuzzer runs found worth keeping) through the fuzz target under the normal
// build, so a crash, hang or runaway allocation found once stays fixed.
#include <dirent.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

TEST(FuzzReplayTest, EveryCorpusInputRunsToAnEnd) {
  std::string dir = FLOTILLA_GOTEMPLATE_FUZZ_CORPUS;
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr) << dir;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') names.push_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  ASSERT_GT(names.size(), 200u);
  for (const auto& n : names) {
    std::ifstream f(dir + "/" + n, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string data = ss.str();
    SCOPED_TRACE(n);
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size()),
              0);
  }
}

}  // namespace

// Bad input gives an error naming the template and position, never a crash.
#include "render/gotemplate/render_request.h"
#include "render/gotemplate/template.h"

namespace flotilla::gotemplate {
namespace {

std::string RenderError(const std::string& text) {
  Json req;
  req["templates"] = {{"c/templates/t.yaml", text}};
  req["render"] = "c/templates/t.yaml";
  req["files"] = {{"files/a.txt", "A"}};
  Json resp = RenderRequest(req);
  return resp["error"].is_string() ? resp["error"].get<std::string>() : "";
}

TEST(BadInputTest, DeepNestingIsAParseErrorWithTheTemplateName) {
  std::string parens = "{{ " + std::string(50000, '(') + "1" + std::string(50000, ')') + " }}";
  EXPECT_EQ(RenderError(parens),
            "parse error at (c/templates/t.yaml:1): max expression depth exceeded");
  std::string ifs;
  for (int i = 0; i < 50000; i++) ifs += "{{ if 1 }}";
  EXPECT_EQ(RenderError(ifs),
            "parse error at (c/templates/t.yaml:1): max expression depth exceeded");
  std::string ok;
  for (int i = 0; i < 500; i++) ok = "(" + ok;  // within the 1000-level limit
  EXPECT_EQ(RenderError("{{ " + ok + "1" + std::string(500, ')') + " }}"), "");
}

TEST(BadInputTest, HugeValuesAndRunawayLoopsAreBoundedErrors) {
  EXPECT_EQ(
      RenderError("{{ repeat 100000000 \"x\" }}")
          .rfind("template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <repeat",
                 0),
      0u);
  TemplateSet set;
  ASSERT_TRUE(set.Parse("c/templates/t.yaml",
                        "{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}")
                  .ok());
  ExecOptions opts;
  opts.max_output_bytes = 1 << 20;
  auto runaway = set.Execute("c/templates/t.yaml", Value::NewMap(), opts);
  ASSERT_FALSE(runaway.ok());
  EXPECT_NE(runaway.status().message().find("c/templates/t.yaml:1:"), std::string::npos)
      << runaway.status().message();
  EXPECT_NE(runaway.status().message().find("output exceeds"), std::string::npos);
}

TEST(BadInputTest, InvalidUtf8PassesThroughAndMaliciousFilePathsReadNothing) {
  Json req;
  req["templates"] = {
      {"c/templates/t.yaml",
       std::string("{{ \"\xff\" }}\xc3\x28|{{ .Files.Get \"../../../etc/passwd\" }}|"
                   "{{ .Files.Get \"/etc/passwd\" }}|{{ .Files.Get \"files/a.txt\" }}|"
                   "{{ (.Files.Glob \"../**\").AsConfig }}")}};
  req["render"] = "c/templates/t.yaml";
  req["files"] = {{"files/a.txt", "A"}};
  Json resp = RenderRequest(req);
  ASSERT_TRUE(resp["error"].is_null())
      << resp["error"].dump(-1, 0x20, false, Json::error_handler_t::replace);
  EXPECT_EQ(resp["output"].get<std::string>(), "\xff\xc3\x28|||A|{}");
}

}  // namespace
}  // namespace flotilla::gotemplate
