// The CLI's way to the API: one HTTPS request with a kubeconfig's server, CA and token
// (libcurl; the server's certificate and host name are verified against the kubeconfig's CA).
#pragma once

#include <string>

#include "auth/kubeconfig.h"
#include "core/status.h"

namespace flotilla::cli {

struct ApiReply {
  long code = 0;
  std::string body;
};

// kUnavailable when the server cannot be reached or the TLS handshake fails; any HTTP answer
// (also 4xx/5xx) is a reply.
StatusOr<ApiReply> CallApi(const auth::Kubeconfig& config, const std::string& method,
                           const std::string& path, const std::string& body = "");

// The kubeconfig to use: `flag` if set, else $KUBECONFIG, else ./flotilla-data/admin.kubeconfig.
std::string KubeconfigPath(const std::string& flag);

}  // namespace flotilla::cli
