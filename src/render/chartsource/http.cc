#include "render/chartsource/http.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

namespace flotilla::chartsource {
namespace {

constexpr const char* kTlsMarker = "(TLS handshake failed)";

struct Sink {
  std::string body;
  std::string www_authenticate;
  uint64_t max = 0;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  if (s->body.size() + size * n > s->max) {
    s->too_large = true;
    return 0;
  }
  s->body.append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  std::string line(data, size * n);
  std::string lower = line.substr(0, std::min<size_t>(line.size(), 17));
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == "www-authenticate:") {
    std::string v = line.substr(17);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    s->www_authenticate = v;
  }
  if (line.rfind("HTTP/", 0) == 0) s->www_authenticate.clear();  // a new response (redirect)
  return size * n;
}

// The system CAs as a hashed directory (OpenSSL looks certificates up lazily), when there is one:
// parsing the whole bundle file costs ~80 ms per TLS connection, more than the fetch itself.
const char* SystemCaDir() {
  static const char* dir = [] {
    struct stat st;
    return stat("/etc/ssl/certs", &st) == 0 && S_ISDIR(st.st_mode) ? "/etc/ssl/certs" : nullptr;
  }();
  return dir;
}

// CURLOPT_SSL_CTX_FUNCTION: adds the PEM certificates of a caller's CA bundle to the trust store.
CURLcode AddCaBundle(CURL*, void* ssl_ctx, void* user) {
  const auto* pem = static_cast<const std::string*>(user);
  X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
  BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
  if (bio == nullptr) return CURLE_OUT_OF_MEMORY;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);  // a duplicate is harmless
    X509_free(cert);
  }
  ERR_clear_error();  // the end of the bundle reads as an error
  BIO_free(bio);
  return CURLE_OK;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

StatusOr<HttpResponse> HttpGet(const HttpRequest& req) {
  GlobalInit();
  static const HttpFetcherOptions kDefaults;
  const HttpFetcherOptions& lim = req.limits ? *req.limits : kDefaults;
  CURL* c = curl_easy_init();
  if (c == nullptr) return Internal("curl_easy_init failed");
  Sink sink;
  sink.max = req.max_bytes ? req.max_bytes : lim.max_index_bytes;
  std::array<char, CURL_ERROR_SIZE> err{};
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err.data());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "Helm/3 (flotilla)");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(lim.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(lim.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>(lim.stall_timeout.count())));
  if (req.basic != nullptr && !req.basic->username.empty()) {
    // libcurl sends these only to the original host, never after a redirect elsewhere.
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, req.basic->username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, req.basic->password.c_str());
  }
  if (req.tls != nullptr && req.tls->insecure_skip_tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  } else {
    if (SystemCaDir() != nullptr) {
      curl_easy_setopt(c, CURLOPT_CAINFO, nullptr);
      curl_easy_setopt(c, CURLOPT_CAPATH, SystemCaDir());
    }
    if (req.tls != nullptr && !req.tls->ca_bundle.empty()) {
      curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, AddCaBundle);
      curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, &req.tls->ca_bundle);
    }
  }
  curl_slist* headers = nullptr;
  for (const std::string& h : req.headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(c);
  HttpResponse r;
  long os_errno = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
  char* ct = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) r.content_type = ct;
  char* eff = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff) r.effective_url = eff;
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  std::string url = RedactUrl(req.url);
  if (sink.too_large)
    return ResourceExhausted(
        fmt::format("{}: the answer is larger than the limit of {} bytes", url, sink.max));
  if (rc != CURLE_OK) {
    std::string why = os_errno != 0 ? std::strerror(static_cast<int>(os_errno))
                                    : (err[0] ? err.data() : curl_easy_strerror(rc));
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        return Unavailable(fmt::format("GET {}: timed out ({})", url, why));
      case CURLE_COULDNT_RESOLVE_HOST:
        return Unavailable(fmt::format("GET {}: cannot resolve host ({})", url, why));
      case CURLE_COULDNT_CONNECT:
        return Unavailable(fmt::format("GET {}: cannot connect ({})", url, why));
      case CURLE_SSL_CONNECT_ERROR:
        return Unavailable(fmt::format("GET {}: {} {}", url, kTlsMarker, why));
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
        return Unavailable(
            fmt::format("GET {}: the server certificate is not trusted ({}); set a CA bundle or "
                        "insecureSkipTLSVerify",
                        url, why));
      default:
        return Unavailable(fmt::format("GET {}: {}", url, why));
    }
  }
  r.body = std::move(sink.body);
  r.www_authenticate = std::move(sink.www_authenticate);
  return r;
}

bool IsTlsFailure(const Status& s) {
  return s.code() == StatusCode::kUnavailable && s.message().find(kTlsMarker) != std::string::npos;
}

Status HttpStatusError(const HttpResponse& r, const std::string& what, const std::string& url,
                       bool had_credentials) {
  std::string u = RedactUrl(url);
  if (r.status == 401)
    return Status(StatusCode::kUnauthenticated,
                  had_credentials
                      ? fmt::format("{} at {}: the credentials were rejected (HTTP 401)", what, u)
                      : fmt::format("{} at {}: authentication required (HTTP 401) but no "
                                    "credentials are configured (helmSecretName, --username)",
                                    what, u));
  if (r.status == 403)
    return Status(StatusCode::kPermissionDenied,
                  fmt::format("{} at {}: access denied (HTTP 403)", what, u));
  if (r.status == 404) return NotFound(fmt::format("{} at {}: not found (HTTP 404)", what, u));
  return Unavailable(fmt::format("{} at {}: the server answered HTTP {}", what, u, r.status));
}

}  // namespace flotilla::chartsource
