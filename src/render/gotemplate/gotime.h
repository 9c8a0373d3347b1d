// Go's time package as Sprig uses it: layouts ("2006-01-02T15:04:05Z07:00") for Format and
// Parse, durations (ParseDuration, Duration.String) and zones from the system's TZif files.
// "Local" is UTC (the oracle and Fleet's pods run in UTC); see the gotemplate README.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace flotilla::gotemplate {

// An instant with the zone it is shown in.
struct GoTime {
  int64_t unix = -62135596800;  // Go's zero time, 0001-01-01 00:00:00 UTC
  int64_t nanos = 0;            // 0..999999999
  int offset = 0;               // seconds east of UTC
  std::string zone = "UTC";     // abbreviation; "" prints as -0700
};

// Go's Time.Format.
std::string GoTimeFormat(const GoTime& t, const std::string& layout);
// Go's time.ParseInLocation(layout, value, Local) with Local = UTC, with Go's error texts.
StatusOr<GoTime> GoTimeParse(const std::string& layout, const std::string& value);
// Go's Time.In(LoadLocation(zone)); false when the zone does not exist (Sprig falls back to UTC).
// "", "UTC" and "Local" are UTC. Times past a zone file's last transition keep its last offset.
bool GoTimeIn(const GoTime& t, const std::string& zone, GoTime* out);

// Go's time.ParseDuration in nanoseconds, with Go's error texts.
StatusOr<int64_t> GoParseDuration(const std::string& s);
// Go's Duration.String ("1h2m3.5s", "1.5ms", "0s").
std::string GoDurationString(int64_t nanos);

}  // namespace flotilla::gotemplate
