// Exception barrier for the Store methods: nothing throws across the Store interface.
#pragma once

#include <fmt/format.h>

#include <exception>

#include "core/json.h"
#include "core/status.h"

namespace flotilla::store::sqlite {

// Runs `fn`, turning exceptions (nlohmann's type errors on malformed objects, allocation
// failures) into Status values.
template <typename Fn>
auto Guard(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(fmt::format("invalid object: {}", e.what()));
  } catch (const std::exception& e) {
    return Internal(fmt::format("store: {}", e.what()));
  }
}

}  // namespace flotilla::store::sqlite
