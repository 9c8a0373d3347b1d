// The server's TLS material, made the way k3s makes it: at first start a private CA (ECDSA
// P-256, valid 10 years) and a serving certificate it signs, kept in <data-dir>/tls/ (keys 0600)
// and reused at later starts. Only the serving certificate is made again, when the names it must
// carry changed, it was not signed by the CA on disk, or it expires within 90 days; clients that
// trust the CA (the admin kubeconfig's certificate-authority-data) keep working.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace flotilla::auth {

struct ServingCertificate {
  std::string ca_file, cert_file, key_file;
  std::string ca_pem;  // the CA certificate, for clients to trust
  bool made_ca = false;
  bool made_cert = false;
};

// Ensures <dir>/ca.crt, ca.key, serving.crt and serving.key, the serving certificate valid for
// `names`: IP addresses ("127.0.0.1", "::1") become IP SANs, anything else DNS SANs. Creates
// `dir` (0700) if needed. kInvalidArgument for an unusable name; kInternal when files exist but
// cannot be read as a CA (they are never overwritten: a broken CA is a person's decision).
StatusOr<ServingCertificate> EnsureServingCertificate(const std::string& dir,
                                                      const std::vector<std::string>& names);

// The SANs of the first certificate in `pem`, as "IP:127.0.0.1" / "DNS:localhost", sorted.
StatusOr<std::vector<std::string>> CertificateSans(const std::string& pem);

// The SAN strings EnsureServingCertificate puts in a certificate for `names` (sorted, unique).
StatusOr<std::vector<std::string>> SansFor(const std::vector<std::string>& names);

// Writes `data` to `path` atomically (a temporary file renamed over it) with mode `mode`.
Status WriteFileAtomic(const std::string& path, const std::string& data, unsigned mode);

}  // namespace flotilla::auth
