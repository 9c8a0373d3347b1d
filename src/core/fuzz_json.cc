// libFuzzer target: the bounded JSON reader (core/json_limits.h). Whatever the input, ParseJson
// returns (never throws or overflows the stack), and what it accepts is within the depth limit,
// serialises, and reads back equal.
#include <cstdint>
#include <string_view>

#include "core/json_limits.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = flotilla::ParseJson(text, "input");
  if (!v.ok()) return 0;
  if (flotilla::JsonDepth(*v) > flotilla::kMaxJsonDepth) __builtin_trap();
  std::string again = v->dump();
  auto back = flotilla::ParseJson(again, "dump");
  if (!back.ok() || back->dump() != again) __builtin_trap();
  (void)flotilla::ApproxJsonBytes(*v);
  return 0;
}
