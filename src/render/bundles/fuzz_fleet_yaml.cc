// libFuzzer target: fleet.yaml parsing and validation (render/bundles/fleet_yaml.h).
#include <cstdint>
#include <string_view>

#include "render/bundles/fleet_yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)flotilla::render::ParseFleetYaml(text, "fleet.yaml");
  return 0;
}
