// `flotilla token`: bearer tokens for people and scripts, through the API with an admin's
// kubeconfig (--kubeconfig, else $KUBECONFIG, else ./flotilla-data/admin.kubeconfig), so it
// works while the server runs and from any machine that can reach it.
//   token create --user U [--group G]... [--ttl D]   prints the token (once) on stdout and its
//                                                   id on stderr; --ttl 0 (default): never expires
//   token revoke ID                                  deletes its record (Secret
//                                                   flotilla-system/token-ID): 401 from then on
// ServiceAccount tokens come from `kubectl create token NAME` (TokenRequest).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace flotilla::cli {

std::function<int()> AddTokenCommand(CLI::App& app);

}  // namespace flotilla::cli
