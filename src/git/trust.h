// Private to src/git: verification of SSH host keys against known_hosts, and of TLS server
// certificates against a caller-supplied CA bundle.
#pragma once

#include <string_view>

#include "core/status.h"

namespace flotilla::git {

// OK iff `known_hosts` (OpenSSH format: plain or hashed "|1|" host patterns, wildcards,
// "[host]:port" for non-22 ports, @revoked markers) holds `key` (the raw SSH wire-format public
// key) for the host of `url` (`host` as the transport saw it). Unauthenticated-free messages: the
// error says whether the host is unknown or its key differs.
Status CheckHostKey(std::string_view known_hosts, std::string_view host, std::string_view url,
                    std::string_view key);

// OK iff the DER certificate `der` chains to a certificate in the PEM `ca_bundle` (or the system
// store) and is valid for `host`. Only the leaf is available, so intermediates must be in the
// bundle.
Status VerifyCertificate(std::string_view ca_bundle, std::string_view host, std::string_view der);

}  // namespace flotilla::git
