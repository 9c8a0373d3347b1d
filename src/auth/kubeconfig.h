// The admin kubeconfig the server writes at <data-dir>/admin.kubeconfig (0600), as k3s writes
// /etc/rancher/k3s/k3s.yaml: the server's URL, the CA that signed its serving certificate and an
// admin token, so `kubectl --kubeconfig <data-dir>/admin.kubeconfig get gitrepos -A` works.
// Also read back by `flotilla token` to reach the API.
#pragma once

#include <string>

#include "core/status.h"
#include "store/store.h"

namespace flotilla::auth {

struct Kubeconfig {
  std::string server;  // "https://127.0.0.1:8080"
  std::string ca_pem;  // empty: the system's trust store (or plain HTTP)
  std::string token;
};

// A kubeconfig with one cluster, user and context, all named "flotilla".
std::string RenderKubeconfig(const Kubeconfig& config);

// The current context's cluster and user (certificate-authority-data, or certificate-authority
// read from its file). kInvalidArgument with a message naming `path` when it is not usable.
StatusOr<Kubeconfig> ParseKubeconfig(const std::string& text, const std::string& path);
StatusOr<Kubeconfig> ReadKubeconfig(const std::string& path);

struct AdminKubeconfigResult {
  bool issued_token = false;  // a new admin token was issued (first start, or the old one died)
  bool written = false;       // the file was (re)written
};

// Makes `path` an admin kubeconfig for `server_url`/`ca_pem`: keeps the token already in it while
// it still authenticates, issues a new one (user "admin", groups system:masters and
// system:authenticated, no expiry) when there is none or it was revoked; rewrites the file only
// when something in it changed. A token whose record cannot be read (kInternal: corrupt, or sealed
// with a key the server no longer has) is replaced like a revoked one; other store errors
// (kUnavailable) are returned.
StatusOr<AdminKubeconfigResult> EnsureAdminKubeconfig(store::Store& store, const std::string& path,
                                                      const std::string& server_url,
                                                      const std::string& ca_pem);

}  // namespace flotilla::auth
