// libFuzzer target: the YAML reader (core/yaml.h, libfyaml) and emitter. Any input parses or
// fails cleanly; an accepted stream is within the depth limit and its YAML reads back.
#include <cstdint>
#include <string_view>

#include "core/json_limits.h"
#include "core/yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  flotilla::YamlLimits limits;
  limits.max_nodes = 100'000;
  auto docs = flotilla::ParseYamlStream(text, "fuzz.yaml", limits);
  if (!docs.ok()) return 0;
  for (const flotilla::Json& d : *docs) {
    if (flotilla::JsonDepth(d) > flotilla::kMaxJsonDepth + 1) __builtin_trap();
    (void)flotilla::ParseYaml(flotilla::ToYaml(d), "emitted.yaml");
  }
  return 0;
}
