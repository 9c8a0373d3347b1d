// The HTTP surface shared by every handler served by http::Server (the API, webhooks, metrics,
// the dashboard): plain request/response values, the caller's identity as the request pipeline
// established it, and an optional event source for long-lived streamed responses (watches).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flotilla::http {

// Who made a request, as the authenticator established it (Kubernetes' user.Info).
struct UserInfo {
  std::string name;  // "system:anonymous" until authenticated
  std::string uid;
  std::vector<std::string> groups;
  bool authenticated = false;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path plus query string
  std::string path;    // percent-decoded path, without the query string
  // Decoded query parameters; a repeated parameter keeps its first value.
  std::map<std::string, std::string> query;
  // Header names are lower-cased; repeated headers are joined with ", ".
  std::map<std::string, std::string> headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:53211"
  bool loopback = false;       // the peer address is 127.0.0.0/8 or ::1
  UserInfo user;               // set by the API's authenticate step

  // Empty when absent.
  std::string Header(std::string_view name) const;
  std::string Query(std::string_view name) const;
  bool HasQuery(std::string_view name) const { return query.count(std::string(name)) > 0; }
};

// Handed to a blocking streamed body (Response::stream). Write() sends one chunk and returns
// false once the client is gone; Alive() turns false when the client disconnected or the
// server is stopping, so a stream that is idle for long periods should poll it.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual bool Write(std::string_view data) = 0;
  virtual bool Alive() = 0;
};

// A long-lived response body that the server pumps without a thread of its own: it calls
// Poll() whenever the source signalled new data through the wakeup, on a periodic tick, and
// after each chunk it wrote reached the socket (so a slow client holds back the source rather
// than piling up memory). Thread-safety: SetWakeup, Poll and Close are called from the server's
// I/O threads, never concurrently with each other; the wakeup may be called from any thread at
// any time (including after Close) and must be cheap.
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  // Called once, before the first Poll. Returns false when the source cannot signal new data;
  // the server then polls it on its tick.
  virtual bool SetWakeup(std::function<void()> wakeup) = 0;
  // Never blocks. Appends ready data to `out` (about `max_bytes` at most, at least one whole
  // event when one is ready). Returns false once the stream is over: `out` then holds its last
  // data.
  virtual bool Poll(std::string& out, size_t max_bytes) = 0;
  // The stream ends cleanly at this time (the watch's timeoutSeconds).
  virtual std::chrono::steady_clock::time_point deadline() const = 0;
  // The client went away or the server is stopping; no Poll follows.
  virtual void Close() = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
  // A streamed body (chunked transfer encoding): the server pumps `source`; `body` is ignored.
  std::shared_ptr<StreamSource> source;
  // The same stream in blocking form, for in-process callers (ApiServer::Dispatch): runs until
  // the stream ends or the ResponseStream dies. Set together with `source`.
  std::function<void(ResponseStream&)> stream;
};

using Handler = std::function<Response(const Request&)>;

// Runs `source` to completion against `out`, blocking the calling thread (the in-process form
// of a streamed response). Returns when the source ends or `out` dies.
void RunBlocking(StreamSource& source, ResponseStream& out);

// Percent-decodes `s`; with `plus_is_space`, '+' decodes to ' ' (query strings).
std::string PercentDecode(std::string_view s, bool plus_is_space);
// Splits "a=1&b=x%20y" into decoded pairs (first occurrence wins).
std::map<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace flotilla::http
