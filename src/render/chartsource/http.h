// Private to chartsource: one HTTP GET with libcurl, bounded in size and time.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/chartsource/chartsource.h"

namespace flotilla::chartsource {

struct HttpRequest {
  std::string url;                   // no userinfo
  std::vector<std::string> headers;  // "Name: value"
  const ChartAuth* basic = nullptr;  // send these credentials as HTTP basic auth
  const ChartAuth* tls = nullptr;    // CA bundle / insecureSkipTLSVerify
  uint64_t max_bytes = 0;
  const HttpFetcherOptions* limits = nullptr;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string content_type;
  std::string www_authenticate;
  std::string effective_url;
};

// Performs the GET. Transport failures are Unavailable (timeouts and refused connections say so,
// naming the URL); a body over max_bytes is ResourceExhausted. HTTP error codes are returned as
// responses, for the caller to interpret.
StatusOr<HttpResponse> HttpGet(const HttpRequest& request);

// True iff a transport error was a TLS handshake failure (used for the plain-HTTP fallback).
bool IsTlsFailure(const Status& s);

// The canonical error for a non-2xx answer to a GET of `what` at `url`.
Status HttpStatusError(const HttpResponse& r, const std::string& what, const std::string& url,
                       bool had_credentials);

}  // namespace flotilla::chartsource
