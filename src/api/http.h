// The HTTP surface shared by the API server and the handlers mounted on it (webhooks, metrics,
// dashboard): plain request/response values, plus an optional streaming body for long-lived
// responses such as watches.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flotilla::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path plus query string
  std::string path;    // percent-decoded path, without the query string
  // Decoded query parameters; a repeated parameter keeps its first value.
  std::map<std::string, std::string> query;
  // Header names are lower-cased; repeated headers are joined with ", ".
  std::map<std::string, std::string> headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:53211"

  // Empty when absent.
  std::string Header(std::string_view name) const;
  std::string Query(std::string_view name) const;
  bool HasQuery(std::string_view name) const { return query.count(std::string(name)) > 0; }
};

// Handed to a streaming response body. Write() sends one chunk (chunked transfer encoding) and
// returns false once the client is gone; Alive() turns false when the client disconnected or
// the server is stopping, so a stream that is idle for long periods should poll it.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual bool Write(std::string_view data) = 0;
  virtual bool Alive() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
  // When set, the body is streamed: headers go out with chunked encoding, then `stream` runs on
  // the connection's thread until it returns; `body` is ignored.
  std::function<void(ResponseStream&)> stream;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Percent-decodes `s`; with `plus_is_space`, '+' decodes to ' ' (query strings).
std::string PercentDecode(std::string_view s, bool plus_is_space);
// Splits "a=1&b=x%20y" into decoded pairs (first occurrence wins).
std::map<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace flotilla::api
