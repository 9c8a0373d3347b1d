#include "git/trust.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <sstream>
#include <string>
#include <vector>

#include "core/base64.h"
#include "git/url.h"

namespace flotilla::git {
namespace {

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// OpenSSH host patterns: '*' and '?' wildcards only ('[' is literal, as in "[host]:port"),
// case-insensitive.
bool Glob(std::string_view p, std::string_view s) {
  if (p.empty()) return s.empty();
  if (p.front() == '*') {
    for (size_t i = 0; i <= s.size(); ++i) {
      if (Glob(p.substr(1), s.substr(i))) return true;
    }
    return false;
  }
  if (s.empty()) return false;
  if (p.front() != '?' && std::tolower(static_cast<unsigned char>(p.front())) !=
                              std::tolower(static_cast<unsigned char>(s.front()))) {
    return false;
  }
  return Glob(p.substr(1), s.substr(1));
}

// True iff the hashed pattern "|1|salt|hash" is HMAC-SHA1(salt, name).
bool HashedMatch(std::string_view pattern, const std::string& name) {
  std::string_view rest = pattern.substr(3);
  size_t bar = rest.find('|');
  if (bar == std::string_view::npos) return false;
  auto salt = Base64Decode(rest.substr(0, bar));
  auto hash = Base64Decode(rest.substr(bar + 1));
  if (!salt.ok() || !hash.ok()) return false;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), salt->data(), static_cast<int>(salt->size()),
       reinterpret_cast<const unsigned char*>(name.data()), name.size(), md, &len);
  return hash->size() == len && CRYPTO_memcmp(hash->data(), md, len) == 0;
}

// 1 = matched, -1 = matched a negated pattern (so: no match), 0 = no match.
int HostMatches(std::string_view patterns, const std::string& name) {
  int result = 0;
  size_t start = 0;
  while (start <= patterns.size()) {
    size_t comma = patterns.find(',', start);
    std::string_view p = patterns.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    bool negated = !p.empty() && p.front() == '!';
    if (negated) p.remove_prefix(1);
    bool hit = false;
    if (p.substr(0, 3) == "|1|") {
      hit = HashedMatch(p, name);
    } else {
      hit = Glob(p, name);
    }
    if (hit && negated) return -1;
    if (hit) result = 1;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return result;
}

}  // namespace

Status CheckHostKey(std::string_view known_hosts, std::string_view host, std::string_view url,
                    std::string_view key) {
  std::string name(host);
  auto parsed = ParseUrl(url);
  if (parsed.ok()) {
    if (name.empty()) name = parsed->host;
    if (!parsed->port.empty() && parsed->PortOrDefault() != 22) {
      name = "[" + name + "]:" + parsed->port;
    }
  }
  bool host_known = false, matched = false;
  std::istringstream lines{std::string(known_hosts)};
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string_view> f = SplitFields(line);
    if (f.empty() || f[0].front() == '#') continue;
    bool revoked = false;
    if (f[0].front() == '@') {
      if (f[0] == "@cert-authority") continue;  // certificates are not supported
      revoked = f[0] == "@revoked";
      f.erase(f.begin());
    }
    if (f.size() < 3 || HostMatches(f[0], name) != 1) continue;
    auto blob = Base64Decode(f[2]);
    if (!blob.ok()) continue;
    bool same =
        blob->size() == key.size() && CRYPTO_memcmp(blob->data(), key.data(), key.size()) == 0;
    if (revoked && same) {
      return Unavailable("the SSH host key of " + name + " is marked @revoked in known_hosts");
    }
    if (revoked) continue;
    host_known = true;
    matched |= same;
  }
  if (matched) return Status::Ok();
  if (host_known) {
    return Unavailable("the SSH host key of " + name +
                       " does not match known_hosts (the key changed, or a man-in-the-middle)");
  }
  return Unavailable("the SSH host " + name + " is not in known_hosts");
}

Status VerifyCertificate(std::string_view ca_bundle, std::string_view host, std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* leaf = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!leaf) return Unavailable("the server's TLS certificate could not be parsed");
  X509_STORE* store = X509_STORE_new();
  X509_STORE_set_default_paths(store);
  BIO* bio = BIO_new_mem_buf(ca_bundle.data(), static_cast<int>(ca_bundle.size()));
  STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(bio, nullptr, nullptr, nullptr);
  int added = 0;
  if (infos) {
    for (int i = 0; i < sk_X509_INFO_num(infos); ++i) {
      X509_INFO* info = sk_X509_INFO_value(infos, i);
      if (info->x509 && X509_STORE_add_cert(store, info->x509) == 1) ++added;
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
  }
  BIO_free(bio);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  std::string h(host);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  in6_addr ip{};
  if (inet_pton(AF_INET, h.c_str(), &ip) == 1 || inet_pton(AF_INET6, h.c_str(), &ip) == 1) {
    X509_VERIFY_PARAM_set1_ip_asc(param, h.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, h.c_str(), h.size());
  }
  int ok = X509_verify_cert(ctx);
  int err = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(leaf);
  if (ok == 1) return Status::Ok();
  std::string why = X509_verify_cert_error_string(err);
  if (added == 0) why += " (caBundle holds no PEM certificate)";
  return Unavailable("the TLS certificate of " + h + " is not trusted: " + why);
}

}  // namespace flotilla::git
