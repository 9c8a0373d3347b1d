// ?watch=1: a chunked stream of newline-delimited watch events,
// {"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}, as client-go expects.
#pragma once

#include <chrono>
#include <optional>

#include "api/http.h"
#include "api/table.h"
#include "store/store.h"

namespace flotilla::api {

struct WatchRequest {
  store::WatchOptions options;
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};  // then the stream ends cleanly
  bool allow_bookmarks = false;
  std::optional<TableOptions> table;  // events carry one-row Tables (kubectl get -w)
  // How long a watch from a resourceVersion newer than the store's waits for the store to reach
  // it before answering 504 "Too large resource version" (kube-apiserver waits up to 3 s).
  std::chrono::milliseconds too_large_wait{std::chrono::seconds(3)};
};

// Opens the store watch and returns a streaming response (HttpResponse::source for the server,
// ::stream for in-process callers). A resourceVersion older than the
// store's history (kGone) yields a 200 stream with one ERROR event carrying a 410 Expired Status,
// which is how client-go learns to relist. Other errors are returned as plain error responses.
HttpResponse ServeWatch(store::Store& store, const model::ResourceType& type,
                        const WatchRequest& request);

// One encoded event line (with the trailing newline).
std::string EncodeWatchEvent(const model::ResourceType& type, const store::WatchEvent& event,
                             const std::optional<TableOptions>& table);

}  // namespace flotilla::api
