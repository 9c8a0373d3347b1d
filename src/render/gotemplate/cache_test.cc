// The engine's sharing guarantees: parsed templates cached across TemplateSets and renders (keyed
// by name and text, safe under concurrent renders), and RunOnLargeStack's stack switch (deep
// recursion, exceptions, several threads).
#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "render/gotemplate/render_request.h"
#include "render/gotemplate/template.h"

namespace flotilla::gotemplate {
namespace {

StatusOr<std::string> Render(const std::string& name, const std::string& text,
                             const Value& data = Value::NewMap()) {
  TemplateSet set;
  Status st = set.Parse(name, text);
  if (!st.ok()) return st;
  return set.Execute(name, data);
}

TEST(ParseCacheTest, SameNameDifferentTextIsNotConfused) {
  auto a = Render("cache/same-name", "A{{ 1 }}");
  auto b = Render("cache/same-name", "B{{ 2 }}");
  auto a2 = Render("cache/same-name", "A{{ 1 }}");
  ASSERT_TRUE(a.ok() && b.ok() && a2.ok());
  EXPECT_EQ(*a, "A1");
  EXPECT_EQ(*b, "B2");
  EXPECT_EQ(*a2, "A1");
}

TEST(ParseCacheTest, SameTextDifferentNameKeepsItsOwnName) {
  // Error locations and .Template-style names come from the parse: they must not be shared.
  auto a = Render("cache/one", "{{ template \"missing\" }}");
  auto b = Render("cache/two", "{{ template \"missing\" }}");
  ASSERT_FALSE(a.ok());
  ASSERT_FALSE(b.ok());
  EXPECT_NE(a.status().message().find("cache/one:1:"), std::string::npos) << a.status().message();
  EXPECT_NE(b.status().message().find("cache/two:1:"), std::string::npos) << b.status().message();
}

TEST(ParseCacheTest, ParseErrorsAreReportedEveryTime) {
  for (int i = 0; i < 3; i++) {
    auto out = Render("cache/bad", "{{ if }}");
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().message(), "template: cache/bad:1: missing value for if");
  }
}

TEST(ParseCacheTest, LaterDefinitionsStillReplaceEarlierOnesPerSet) {
  // Two sets parse the same helper sources in opposite orders: each keeps its own last one.
  const std::string h1 = "{{ define \"h\" }}one{{ end }}";
  const std::string h2 = "{{ define \"h\" }}two{{ end }}";
  TemplateSet s1, s2;
  ASSERT_TRUE(s1.Parse("cache/h1", h1).ok());
  ASSERT_TRUE(s1.Parse("cache/h2", h2).ok());
  ASSERT_TRUE(s1.Parse("cache/t", "{{ template \"h\" }}").ok());
  ASSERT_TRUE(s2.Parse("cache/h2", h2).ok());
  ASSERT_TRUE(s2.Parse("cache/h1", h1).ok());
  ASSERT_TRUE(s2.Parse("cache/t", "{{ template \"h\" }}").ok());
  EXPECT_EQ(*s1.Execute("cache/t", Value::NewMap()), "two");
  EXPECT_EQ(*s2.Execute("cache/t", Value::NewMap()), "one");
}

Json ChartRequest(int variant) {
  Json templates = {
      {"c/templates/_helpers.tpl",
       "{{- define \"c.name\" -}}{{ .Chart.Name }}-{{ .Release.Name }}{{- end -}}"
       "{{- define \"c.labels\" -}}app: {{ include \"c.name\" . }}\nv: {{ .Values.v | quote }}"
       "{{- end -}}"},
      {"c/templates/a.yaml",
       "metadata:\n  labels:\n    {{- include \"c.labels\" . | nindent 4 }}\n"
       "{{- range $i, $e := .Values.list }}\n- {{ $i }}: {{ tpl $e $ }}{{ end }}\n"
       "data: {{- toYaml .Values.m | nindent 2 }}\n"},
      {"c/templates/b.yaml",
       "{{ tpl \"{{ define \\\"c.name\\\" }}inner{{ end }}{{ include \\\"c.name\\\" . }}\" . }} "
       "{{ include \"c.name\" . }}"}};
  Json list = Json::array();
  for (int i = 0; i < 5; i++) list.push_back("{{ .Values.v }}-" + std::to_string(i));
  return {{"templates", templates},
          {"values",
           {{"v", "value-" + std::to_string(variant)},
            {"list", list},
            {"m", {{"k", variant}, {"z", {"a", "b"}}}}}}};
}

TEST(ParseCacheTest, ConcurrentRendersShareParsedTemplates) {
  constexpr int kVariants = 3, kThreads = 8, kRenders = 25;
  std::vector<Json> want;
  for (int v = 0; v < kVariants; v++) {
    want.push_back(RenderRequest(ChartRequest(v)));
    ASSERT_EQ(want.back()["error"], nullptr) << want.back().dump();
  }
  EXPECT_NE(want[0], want[1]);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRenders; i++) {
        int v = (t + i) % kVariants;
        if (RenderRequest(ChartRequest(v)) != want[v]) mismatches++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// Uses about `depth` KiB of stack.
int Recurse(int depth) {
  volatile char pad[1024];
  pad[0] = static_cast<char>(depth);
  if (depth == 0) return pad[0];
  return Recurse(depth - 1) + pad[0] % 2;
}

TEST(LargeStackTest, DeepRecursionBeyondAThreadStack) {
  int r = -1;
  // 64 MiB of frames: far beyond the 8 MiB main-thread stack.
  RunOnLargeStack([&] { r = Recurse(64 * 1024); });
  EXPECT_GE(r, 0);
  RunOnLargeStack([&] { r = Recurse(64 * 1024); });  // the reused stack works again
  EXPECT_GE(r, 0);
}

TEST(LargeStackTest, ExceptionsReachTheCaller) {
  EXPECT_THROW(RunOnLargeStack([] { throw std::runtime_error("boom"); }), std::runtime_error);
  bool ran = false;
  RunOnLargeStack([&] { ran = true; });  // still usable after an exception
  EXPECT_TRUE(ran);
}

TEST(LargeStackTest, NestedCallsRunInline) {
  int calls = 0;
  RunOnLargeStack([&] {
    calls++;
    RunOnLargeStack([&] { calls++; });
  });
  EXPECT_EQ(calls, 2);
}

TEST(LargeStackTest, ManyThreadsEachWithTheirOwnStack) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&] {
      for (int i = 0; i < 3; i++) {
        int r = -1;
        RunOnLargeStack([&] { r = Recurse(16 * 1024); });
        if (r >= 0) ok++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 12);
}

}  // namespace
}  // namespace flotilla::gotemplate
