// Standard base64 (RFC 4648, with padding), as Kubernetes Secret data uses.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace flotilla {

std::string Base64Encode(std::string_view data);
// Accepts padded or unpadded input; InvalidArgument on any other character.
StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace flotilla
