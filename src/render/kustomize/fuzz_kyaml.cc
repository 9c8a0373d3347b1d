// libFuzzer target: kustomize's YAML 1.2 reader (kyaml.h), which reads kustomizations'
// resources and patches.
#include <cstdint>
#include <string_view>

#include "render/kustomize/kyaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)flotilla::kustomize::ParseKYamlStream(text, "kustomization.yaml", 100'000);
  return 0;
}
