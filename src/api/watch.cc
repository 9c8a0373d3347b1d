#include "api/watch.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "api/admission.h"
#include "api/errors.h"

namespace flotilla::api {

namespace {

using SteadyClock = std::chrono::steady_clock;

// A store watch as a stream of newline-delimited events, pumped by the HTTP server.
class WatchSource : public http::StreamSource {
 public:
  WatchSource(std::unique_ptr<store::Watcher> watcher, const model::ResourceType& type,
              WatchRequest request)
      : watcher_(std::move(watcher)),
        type_(type),
        request_(std::move(request)),
        deadline_(SteadyClock::now() + request_.timeout) {}
  ~WatchSource() override { watcher_->Stop(); }

  bool SetWakeup(std::function<void()> wakeup) override {
    return watcher_->SetWakeup(std::move(wakeup));
  }

  bool Poll(std::string& out, size_t max_bytes) override {
    if (SteadyClock::now() >= deadline_) return false;
    while (out.size() < max_bytes) {
      std::optional<store::WatchEvent> ev = watcher_->Next(std::chrono::milliseconds(0));
      if (!ev) {
        if (!watcher_->stopped()) return true;
        // Fell out of the retained history: tell the client to relist, as the apiserver does.
        if (Status s = watcher_->status(); s.code() == StatusCode::kGone) {
          Json event = {{"type", "ERROR"}, {"object", StatusJson(s)}};
          out += event.dump() + "\n";
        }
        return false;
      }
      if (ev->type == store::WatchEventType::kBookmark && !request_.allow_bookmarks) continue;
      out += EncodeWatchEvent(type_, *ev, request_.table);
    }
    return true;
  }

  SteadyClock::time_point deadline() const override { return deadline_; }
  void Close() override { watcher_->Stop(); }

 private:
  std::unique_ptr<store::Watcher> watcher_;
  const model::ResourceType& type_;
  const WatchRequest request_;
  const SteadyClock::time_point deadline_;
};

// A stream that is over after one chunk (an ERROR event).
class OneShotSource : public http::StreamSource {
 public:
  explicit OneShotSource(std::string data) : data_(std::move(data)) {}
  bool SetWakeup(std::function<void()>) override { return true; }
  bool Poll(std::string& out, size_t) override {
    out += data_;
    data_.clear();
    return false;
  }
  SteadyClock::time_point deadline() const override { return SteadyClock::time_point::max(); }
  void Close() override {}

 private:
  std::string data_;
};

HttpResponse Streamed(std::shared_ptr<http::StreamSource> source) {
  HttpResponse resp;
  resp.source = source;
  resp.stream = [source](ResponseStream& out) { http::RunBlocking(*source, out); };
  return resp;
}

}  // namespace

std::string EncodeWatchEvent(const model::ResourceType& type, const store::WatchEvent& event,
                             const std::optional<TableOptions>& table) {
  Json object = event.object;
  SetTypeMeta(type, object);
  if (table && event.type != store::WatchEventType::kBookmark) {
    TableOptions opts = *table;
    opts.now = Clock::now();
    object = BuildTable(type, {object}, opts, "");
  }
  Json line = {{"type", store::WatchEventTypeName(event.type)}, {"object", std::move(object)}};
  return line.dump() + "\n";
}

HttpResponse ServeWatch(store::Store& store, const model::ResourceType& type,
                        const WatchRequest& request) {
  auto watcher = store.Watch(type, request.options);
  if (!watcher.ok() && watcher.status().code() != StatusCode::kGone)
    return ErrorResponse(watcher.status(), {&type, ""});
  if (!watcher.ok()) {
    // A resourceVersion older than the store's history: a 200 stream with one ERROR event
    // carrying a 410 Expired Status, which is how client-go learns to relist.
    Json event = {{"type", "ERROR"}, {"object", StatusJson(watcher.status())}};
    return Streamed(std::make_shared<OneShotSource>(event.dump() + "\n"));
  }
  // A resourceVersion the store has not reached yet: wait a bounded time for it, then answer as
  // kube-apiserver does (504 with a ResourceVersionTooLarge cause and Retry-After), so a client
  // that raced ahead of a replica learns it instead of hanging on a silent stream.
  if (request.options.resource_version > 0) {
    auto until = SteadyClock::now() + request.too_large_wait;
    int64_t current = store.CurrentResourceVersion();
    while (request.options.resource_version > current && SteadyClock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      current = store.CurrentResourceVersion();
    }
    if (request.options.resource_version > current) {
      Json status = StatusJson(504, "Timeout",
                               fmt::format("Too large resource version: {}, current: {}",
                                           request.options.resource_version, current));
      status["details"] = {{"causes", Json::array({{{"reason", "ResourceVersionTooLarge"},
                                                    {"message", "Too large resource version"}}})},
                           {"retryAfterSeconds", 1}};
      (*watcher)->Stop();
      HttpResponse resp;
      resp.status = 504;
      resp.headers.emplace_back("Retry-After", "1");
      resp.body = status.dump();
      return resp;
    }
  }
  return Streamed(std::make_shared<WatchSource>(std::move(watcher).value(), type, request));
}

}  // namespace flotilla::api
