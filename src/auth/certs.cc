#include "auth/certs.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

namespace flotilla::auth {
namespace {

namespace fs = std::filesystem;

constexpr long kCaSeconds = 10L * 365 * 24 * 3600;
constexpr long kCertSeconds = 365L * 24 * 3600;
constexpr long kRenewBeforeSeconds = 90L * 24 * 3600;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct NamesFree {
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Bio = std::unique_ptr<BIO, BioFree>;
using Names = std::unique_ptr<GENERAL_NAMES, NamesFree>;

Status OpenSslError(std::string_view what) {
  return Status(StatusCode::kInternal, fmt::format("{}: OpenSSL error", what));
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kNotFound, fmt::format("cannot read {}", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

StatusOr<std::string> CertPem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
    return OpenSslError("encoding a certificate");
  return BioString(bio.get());
}

StatusOr<std::string> KeyPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return OpenSslError("encoding a private key");
  return BioString(bio.get());
}

Cert ParseCert(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

Pkey ParseKey(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Pkey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

// "IP:<canonical>" for an address, "DNS:<name>" otherwise; "" when unusable.
std::string SanFor(const std::string& name) {
  std::string n = name;
  if (n.size() > 2 && n.front() == '[' && n.back() == ']') n = n.substr(1, n.size() - 2);
  unsigned char buf[16];
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, n.c_str(), buf) == 1 && inet_ntop(AF_INET, buf, text, sizeof text))
    return std::string("IP:") + text;
  if (inet_pton(AF_INET6, n.c_str(), buf) == 1 && inet_ntop(AF_INET6, buf, text, sizeof text))
    return std::string("IP:") + text;
  if (n.empty() || n.size() > 253) return "";
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '*'))
      return "";
  return "DNS:" + n;
}

Status AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return OpenSslError(fmt::format("making extension {}", value));
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1 ? Status::Ok() : OpenSslError("adding an extension");
}

Status AddSans(X509* cert, const std::vector<std::string>& sans) {
  Names names(sk_GENERAL_NAME_new_null());
  for (const std::string& san : sans) {
    GENERAL_NAME* gn = GENERAL_NAME_new();
    if (san.starts_with("IP:")) {
      ASN1_OCTET_STRING* ip = a2i_IPADDRESS(san.c_str() + 3);
      if (!ip) {
        GENERAL_NAME_free(gn);
        return InvalidArgument(fmt::format("bad IP SAN {}", san));
      }
      GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
    } else {
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      ASN1_STRING_set(dns, san.c_str() + 4, static_cast<int>(san.size() - 4));
      GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
    }
    sk_GENERAL_NAME_push(names.get(), gn);
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
    return OpenSslError("adding subjectAltName");
  return Status::Ok();
}

// A certificate for `key` named `cn`, signed by `issuer`/`issuer_key` (itself when null).
StatusOr<Cert> MakeCert(EVP_PKEY* key, const std::string& cn, long seconds, bool ca,
                        const std::vector<std::string>& sans, X509* issuer, EVP_PKEY* issuer_key) {
  Cert cert(X509_new());
  if (!cert) return OpenSslError("X509_new");
  X509_set_version(cert.get(), 2);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
    return OpenSslError("making a serial number");
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // tolerate clients' clock skew
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), seconds);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("flotilla"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  RETURN_IF_ERROR(AddExt(cert.get(), signer, NID_subject_key_identifier, "hash"));
  if (ca) {
    RETURN_IF_ERROR(AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE"));
    RETURN_IF_ERROR(
        AddExt(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign"));
  } else {
    RETURN_IF_ERROR(AddExt(cert.get(), signer, NID_authority_key_identifier, "keyid:always"));
    RETURN_IF_ERROR(AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE"));
    RETURN_IF_ERROR(AddExt(cert.get(), signer, NID_key_usage, "critical,digitalSignature"));
    RETURN_IF_ERROR(AddExt(cert.get(), signer, NID_ext_key_usage, "serverAuth"));
    RETURN_IF_ERROR(AddSans(cert.get(), sans));
  }
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) <= 0)
    return OpenSslError("signing a certificate");
  return cert;
}

bool ExpiresWithin(X509* cert, long seconds) {
  time_t at = time(nullptr) + seconds;
  return X509_cmp_time(X509_get0_notAfter(cert), &at) <= 0;
}

}  // namespace

Status WriteFileAtomic(const std::string& path, const std::string& data, unsigned mode) {
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Unavailable(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  ::fchmod(fd, mode);  // whatever the umask
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return Unavailable(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Unavailable(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  }
  return Status::Ok();
}

StatusOr<std::vector<std::string>> SansFor(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const std::string& n : names) {
    std::string san = SanFor(n);
    if (san.empty())
      return InvalidArgument(fmt::format("\"{}\" is not an IP address or DNS name", n));
    out.push_back(san);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

StatusOr<std::vector<std::string>> CertificateSans(const std::string& pem) {
  Cert cert = ParseCert(pem);
  if (!cert) return InvalidArgument("not a PEM certificate");
  std::vector<std::string> out;
  Names names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); i++) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    if (gn->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gn->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                         static_cast<size_t>(ASN1_STRING_length(s))));
    } else if (gn->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = gn->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {0};
      int len = ASN1_STRING_length(s);
      int af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
      if (af && inet_ntop(af, ASN1_STRING_get0_data(s), text, sizeof text))
        out.push_back(std::string("IP:") + text);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

StatusOr<ServingCertificate> EnsureServingCertificate(const std::string& dir,
                                                      const std::vector<std::string>& names) {
  ASSIGN_OR_RETURN(std::vector<std::string> sans, SansFor(names));
  std::error_code ec;
  if (fs::create_directories(dir, ec))
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return Unavailable(fmt::format("cannot create {}: {}", dir, ec.message()));
  ServingCertificate out;
  out.ca_file = (fs::path(dir) / "ca.crt").string();
  const std::string ca_key_file = (fs::path(dir) / "ca.key").string();
  out.cert_file = (fs::path(dir) / "serving.crt").string();
  out.key_file = (fs::path(dir) / "serving.key").string();

  Cert ca;
  Pkey ca_key;
  bool have_ca = fs::exists(out.ca_file), have_ca_key = fs::exists(ca_key_file);
  if (have_ca || have_ca_key) {
    auto ca_pem = ReadFile(out.ca_file);
    auto key_pem = ReadFile(ca_key_file);
    if (!ca_pem.ok() || !key_pem.ok())
      return Status(StatusCode::kInternal,
                    fmt::format("{}: ca.crt and ca.key must both exist (or neither)", dir));
    ca = ParseCert(*ca_pem);
    ca_key = ParseKey(*key_pem);
    if (!ca || !ca_key || X509_check_private_key(ca.get(), ca_key.get()) != 1)
      return Status(StatusCode::kInternal,
                    fmt::format("{}: ca.crt/ca.key are not a certificate and its key", dir));
    out.ca_pem = *ca_pem;
  } else {
    ca_key.reset(EVP_EC_gen("P-256"));
    if (!ca_key) return OpenSslError("generating the CA key");
    ASSIGN_OR_RETURN(ca,
                     MakeCert(ca_key.get(), "flotilla-ca", kCaSeconds, true, {}, nullptr, nullptr));
    ASSIGN_OR_RETURN(std::string key_pem, KeyPem(ca_key.get()));
    ASSIGN_OR_RETURN(out.ca_pem, CertPem(ca.get()));
    RETURN_IF_ERROR(WriteFileAtomic(ca_key_file, key_pem, 0600));
    RETURN_IF_ERROR(WriteFileAtomic(out.ca_file, out.ca_pem, 0644));
    out.made_ca = true;
  }

  // The serving certificate is kept when it is still right.
  auto cert_pem = ReadFile(out.cert_file);
  auto key_pem = ReadFile(out.key_file);
  if (cert_pem.ok() && key_pem.ok()) {
    Cert cert = ParseCert(*cert_pem);
    Pkey key = ParseKey(*key_pem);
    auto have = CertificateSans(*cert_pem);
    if (cert && key && X509_check_private_key(cert.get(), key.get()) == 1 &&
        X509_verify(cert.get(), X509_get0_pubkey(ca.get())) == 1 &&
        !ExpiresWithin(cert.get(), kRenewBeforeSeconds) && have.ok() && *have == sans)
      return out;
  }
  Pkey key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("generating the serving key");
  ASSIGN_OR_RETURN(Cert cert, MakeCert(key.get(), "flotilla-server", kCertSeconds, false, sans,
                                       ca.get(), ca_key.get()));
  ASSIGN_OR_RETURN(std::string new_key_pem, KeyPem(key.get()));
  ASSIGN_OR_RETURN(std::string new_cert_pem, CertPem(cert.get()));
  RETURN_IF_ERROR(WriteFileAtomic(out.key_file, new_key_pem, 0600));
  RETURN_IF_ERROR(WriteFileAtomic(out.cert_file, new_cert_pem, 0644));
  out.made_cert = true;
  return out;
}

}  // namespace flotilla::auth
