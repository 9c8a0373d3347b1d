// Structured logging. Every line carries a message plus key=value fields; lines about a GitRepo
// or Bundle carry its key ("gitrepo"="ns/name") and, where known, the commit.
// Thread-safe. Output goes to stderr as text (default) or JSON lines.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace flotilla::log {

enum class Level { kDebug = 0, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

void Init(Format format, Level level);
bool Enabled(Level level);

using Field = std::pair<std::string_view, std::string_view>;
using Fields = std::initializer_list<Field>;

void Write(Level level, std::string_view msg, Fields fields);

inline void Debug(std::string_view msg, Fields f = {}) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, msg, f);
}
inline void Info(std::string_view msg, Fields f = {}) { Write(Level::kInfo, msg, f); }
inline void Warn(std::string_view msg, Fields f = {}) { Write(Level::kWarn, msg, f); }
inline void Error(std::string_view msg, Fields f = {}) { Write(Level::kError, msg, f); }

// "debug", "info", "warn", "error"; unknown words map to info.
Level ParseLevel(std::string_view s);
}  // namespace flotilla::log
