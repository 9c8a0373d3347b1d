// An estimate of the heap a parsed Json holds (nlohmann::json with std::map objects and
// std::string values, on 64-bit glibc), so that caches of parsed objects are bounded by the
// memory they really use rather than by their compact-JSON size, which is 4-8x smaller.
#pragma once

#include <cstddef>

#include "core/json.h"

namespace flotilla::store {

size_t ApproxJsonMemory(const Json& value);

}  // namespace flotilla::store
