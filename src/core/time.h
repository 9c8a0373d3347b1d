// Durations (Go's time.ParseDuration syntax, as Fleet's pollingInterval uses) and timestamps.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"

namespace flotilla {

using Clock = std::chrono::system_clock;
using Duration = std::chrono::nanoseconds;

// Parses "15s", "1m30s", "1.5h", "300ms", "0". Errors: `invalid duration "5x"`.
StatusOr<Duration> ParseGoDuration(std::string_view s);
// Go's Duration.String(): "1m30s", "15s", "0s", "1.5s".
std::string FormatGoDuration(Duration d);

// RFC 3339 in UTC with second precision, as Kubernetes metav1.Time: "2026-11-25T14:27:25Z".
std::string FormatRfc3339(Clock::time_point t);
std::string NowRfc3339();
// Parses the above (also accepts fractional seconds). Returns false when malformed.
bool ParseRfc3339(std::string_view s, Clock::time_point* out);

}  // namespace flotilla
