// libFuzzer target: the patch engines. The input is "<selector byte><original JSON>\n<patch>":
// the selector picks JSON patch, JSON merge patch, the API server's strategic merge (for a
// Deployment: merge lists by key) or kustomize's. Each returns or fails cleanly, within bounded
// time and memory (a run over libFuzzer's -rss_limit_mb or -timeout is a finding).
#include <cstdint>
#include <string_view>

#include "core/json_limits.h"
#include "render/patch/patch.h"

using flotilla::Json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t nl = rest.find('\n');
  if (nl == std::string_view::npos) return 0;
  auto original = flotilla::ParseJson(rest.substr(0, nl));
  auto patch = flotilla::ParseJson(rest.substr(nl + 1));
  if (!original.ok() || !patch.ok()) return 0;
  namespace p = flotilla::patch;
  p::PatchSchema schema = p::PatchSchema::ForKind("apps/v1", "Deployment");
  switch (data[0] % 4) {
    case 0: {
      auto out = p::ApplyJsonPatch(*original, *patch);
      if (out.ok() && flotilla::JsonDepth(*out) > flotilla::kMaxJsonDepth) __builtin_trap();
      break;
    }
    case 1:
      (void)p::MergePatch(*original, *patch);
      break;
    case 2:
      if (patch->is_object()) (void)p::StrategicMergePatch(*original, *patch, schema);
      break;
    case 3:
      if (patch->is_object()) (void)p::KustomizeStrategicMerge(*original, *patch, schema);
      break;
  }
  return 0;
}
