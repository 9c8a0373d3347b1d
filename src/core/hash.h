// Content hashes (hex SHA-256) used for deployment ids, caches and change detection.
#pragma once

#include <string>
#include <string_view>

namespace flotilla {

std::string Sha256Hex(std::string_view data);

}  // namespace flotilla
