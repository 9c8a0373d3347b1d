// Unit tests of the engine's own guarantees (limits, errors) that need no oracle.
#include "render/gotemplate/template.h"

#include <gtest/gtest.h>

#include "render/gotemplate/render_request.h"

namespace flotilla::gotemplate {
namespace {

StatusOr<std::string> Render(const std::string& text, const Value& data = Value::NewMap(),
                             ExecOptions opts = {}) {
  TemplateSet set;
  Status st = set.Parse("t", text);
  if (!st.ok()) return st;
  return set.Execute("t", data, opts);
}

TEST(TemplateTest, PrintsAndTrims) {
  auto out = Render("a {{- \" b \" -}} c {{ 1 }} {{ 1.5 }} {{ true }}");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "a b c 1 1.5 true");
}

TEST(TemplateTest, ParseErrorReadsLikeGo) {
  auto out = Render("{{ if }}");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "template: t:1: missing value for if");
}

TEST(TemplateTest, OutputLimitIsAnError) {
  ExecOptions opts;
  opts.max_output_bytes = 1000;
  auto out = Render("{{ range until 10000 }}xxxxxxxxxx{{ end }}", Value::NewMap(), opts);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(out.status().message().find("output exceeds"), std::string::npos);
}

TEST(TemplateTest, TemplateRecursionIsBounded) {
  ExecOptions opts;
  opts.max_template_depth = 200;
  auto out = Render("{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}",
                    Value::NewMap(), opts);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("exceeded maximum template depth (200)"),
            std::string::npos);
}

TEST(TemplateTest, IncludeRecursionHitsHelmsLimit) {
  auto out = Render("{{ define \"r\" }}{{ include \"r\" . }}{{ end }}{{ include \"r\" . }}");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("rendering template has a nested reference name: r"),
            std::string::npos);
}

TEST(TemplateTest, HelmOrderIsDeepestFirstThenReverse) {
  auto order = HelmTemplateOrder({"c/templates/a.yaml", "c/templates/sub/b.yaml",
                                  "c/charts/d/templates/c.yaml", "c/templates/z.yaml"});
  EXPECT_EQ(order,
            (std::vector<std::string>{"c/charts/d/templates/c.yaml", "c/templates/sub/b.yaml",
                                      "c/templates/z.yaml", "c/templates/a.yaml"}));
}

}  // namespace
}  // namespace flotilla::gotemplate
