#include "http/message.h"

#include <cctype>
#include <condition_variable>
#include <mutex>

namespace flotilla::http {

std::string Request::Header(std::string_view name) const {
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = headers.find(key);
  return it == headers.end() ? "" : it->second;
}

std::string Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? "" : it->second;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    std::string_view part =
        query.substr(start, amp == std::string_view::npos ? query.size() - start : amp - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string key = PercentDecode(part.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? "" : PercentDecode(part.substr(eq + 1), true);
      out.emplace(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

void RunBlocking(StreamSource& source, ResponseStream& out) {
  struct Signal {
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;
  };
  auto signal = std::make_shared<Signal>();
  bool can_wake = source.SetWakeup([signal] {
    std::lock_guard lk(signal->mu);
    signal->woken = true;
    signal->cv.notify_all();
  });
  // Without a wakeup, or to notice a dead client and the deadline, poll at least this often.
  const auto tick = std::chrono::milliseconds(can_wake ? 250 : 50);
  std::string chunk;
  while (out.Alive()) {
    chunk.clear();
    bool more = source.Poll(chunk, 64 << 10);
    if (!chunk.empty() && !out.Write(chunk)) break;
    if (!more) break;
    if (!chunk.empty()) continue;
    auto now = std::chrono::steady_clock::now();
    if (now >= source.deadline()) break;
    std::unique_lock lk(signal->mu);
    signal->cv.wait_until(lk, std::min(now + tick, source.deadline()),
                          [&] { return signal->woken; });
    signal->woken = false;
  }
  source.Close();
}

}  // namespace flotilla::http
