// Standard base64 (RFC 4648, with padding), as Kubernetes Secret data, Go's encoding/base64 and
// OpenSSH's hashed known_hosts use it. The one codec of the project.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace flotilla {

std::string Base64Encode(std::string_view data);

// Accepts padded or unpadded input and ignores line breaks; InvalidArgument("illegal base64
// data") on any other character.
StatusOr<std::string> Base64Decode(std::string_view text);

// Go's base64.StdEncoding.DecodeString: padding is required and line breaks are ignored; the
// InvalidArgument message is Go's, "illegal base64 data at input byte N" (what Sprig's b64dec
// prints), N an offset into `text`.
StatusOr<std::string> Base64DecodeStrict(std::string_view text);

}  // namespace flotilla
