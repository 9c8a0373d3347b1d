#include "api/watch.h"

#include <algorithm>
#include <memory>

#include "api/admission.h"
#include "api/errors.h"

namespace flotilla::api {

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
  HttpResponse resp;
  if (!watcher.ok() && watcher.status().code() != StatusCode::kGone)
    return ErrorResponse(watcher.status(), {&type, ""});
  if (!watcher.ok()) {
    Json event = {{"type", "ERROR"}, {"object", StatusJson(watcher.status())}};
    std::string line = event.dump() + "\n";
    resp.stream = [line](ResponseStream& out) { out.Write(line); };
    return resp;
  }
  std::shared_ptr<store::Watcher> w(std::move(watcher).value().release());
  const model::ResourceType* t = &type;
  WatchRequest req = request;
  resp.stream = [w, t, req](ResponseStream& out) {
    auto deadline = std::chrono::steady_clock::now() + req.timeout;
    while (out.Alive()) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      auto wait = std::min<std::chrono::milliseconds>(
          req.poll_interval, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                                 std::chrono::milliseconds(1));
      std::optional<store::WatchEvent> ev = w->Next(wait);
      if (!ev) {
        if (w->stopped()) break;
        continue;
      }
      if (ev->type == store::WatchEventType::kBookmark && !req.allow_bookmarks) continue;
      if (!out.Write(EncodeWatchEvent(*t, *ev, req.table))) break;
    }
    w->Stop();
  };
  return resp;
}

}  // namespace flotilla::api
