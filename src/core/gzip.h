// gzip (RFC 1952) with zlib: Fleet stores large bundle resources as "base64+gz", Helm charts
// travel as .tgz, and `fleet deploy` input may be gzipped. The one codec of the project.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace flotilla {

// One gzip member at best compression; Internal only if zlib itself fails.
StatusOr<std::string> Gzip(std::string_view data);

// The content of the gzip stream `data`: InvalidArgument when it is not valid (or truncated)
// gzip, ResourceExhausted as soon as the output would exceed `limit` bytes (a small archive may
// expand enormously, so the bound is checked while inflating, not after).
StatusOr<std::string> Gunzip(std::string_view data, size_t limit);

}  // namespace flotilla
