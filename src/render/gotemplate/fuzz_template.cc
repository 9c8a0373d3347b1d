// libFuzzer target: parses the input as a template (with a helper define) and executes it over
// fixed values with tight limits. Any crash, hang or sanitizer report is a bug; errors are fine.
// Build: cmake -DFLOTILLA_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ..., run: gotemplate_fuzz corpus/
#include <cstddef>
#include <cstdint>
#include <string>

#include "render/gotemplate/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flotilla::gotemplate;
  static const Value kData = Value::FromJson(flotilla::Json::parse(
      R"({"Values": {"a": 1, "s": "x", "l": [1, "b", null], "m": {"k": {"n": true}}}})"));
  TemplateSet set;
  if (!set.Parse("h", "{{ define \"h\" }}{{ . }}{{ end }}").ok()) return 0;
  if (!set.Parse("t", std::string(reinterpret_cast<const char*>(data), size)).ok()) return 0;
  ExecOptions opts;
  opts.max_output_bytes = 1 << 20;
  opts.max_template_depth = 200;
  opts.max_include_recursion = 50;
  (void)set.Execute("t", kData, opts);
  return 0;
}
