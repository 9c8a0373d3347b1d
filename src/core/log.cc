#include "core/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "core/json.h"

namespace flotilla::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_format{static_cast<int>(Format::kText)};
std::mutex g_mu;

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(now)),
                     static_cast<int>(ms.count()));
}

bool NeedsQuote(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t') return true;
  return false;
}
}  // namespace

void Init(Format format, Level level) {
  g_format = static_cast<int>(format);
  g_level = static_cast<int>(level);
}

bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

Level ParseLevel(std::string_view s) {
  if (s == "debug") return Level::kDebug;
  if (s == "warn" || s == "warning") return Level::kWarn;
  if (s == "error") return Level::kError;
  return Level::kInfo;
}

void Write(Level level, std::string_view msg, Fields fields) {
  if (!Enabled(level)) return;
  std::string line;
  if (static_cast<Format>(g_format.load()) == Format::kJson) {
    Json j;
    j["ts"] = Timestamp();
    j["level"] = LevelName(level);
    j["msg"] = std::string(msg);
    for (auto& [k, v] : fields) j[std::string(k)] = std::string(v);
    line = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  } else {
    line = fmt::format("{} {:<5} {}", Timestamp(), LevelName(level), msg);
    for (auto& [k, v] : fields) {
      if (NeedsQuote(v))
        line += fmt::format(
            " {}={}", k, Json(std::string(v)).dump(-1, ' ', false, Json::error_handler_t::replace));
      else
        line += fmt::format(" {}={}", k, v);
    }
  }
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace flotilla::log
