#include "http/client.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace flotilla::http {
namespace {

// The system CAs as a hashed directory (OpenSSL looks certificates up lazily), when there is one:
// parsing the whole bundle file costs ~80 ms per TLS connection, more than many requests.
const char* SystemCaDir() {
  static const char* dir = [] {
    struct stat st;
    return stat("/etc/ssl/certs", &st) == 0 && S_ISDIR(st.st_mode) ? "/etc/ssl/certs" : nullptr;
  }();
  return dir;
}

// The system CA bundle, to which a caller's extra CAs are appended (one blob, so that libcurl
// reuses a connection only for requests that trust exactly the same CAs).
const std::string& SystemCaBundle() {
  static const std::string bundle = [] {
    for (const char* path : {"/etc/ssl/certs/ca-certificates.crt",
                             "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"}) {
      std::ifstream in(path, std::ios::binary);
      if (!in) continue;
      std::ostringstream ss;
      ss << in.rdbuf();
      return ss.str();
    }
    return std::string();
  }();
  return bundle;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') i++;
  return s.substr(i);
}

// What the callbacks of one transfer collect.
struct Sink {
  const ClientRequest* request;
  ClientResponse* response;
  long code = 0;  // of the response whose headers are being read
  bool final_headers = false;
  bool too_large = false;
  bool aborted = false;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  const size_t len = size * n;
  std::string line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (interim, redirect or final)
    size_t sp = line.find(' ');
    s->code = sp == std::string::npos ? 0 : std::atol(line.c_str() + sp + 1);
    s->response->headers.clear();
    return len;
  }
  if (line == "\r\n" || line == "\n") {
    if (s->code < 200) return len;  // interim (100 Continue); the real answer follows
    const bool redirect = s->code >= 300 && s->code < 400 && s->request->max_redirects > 0 &&
                          !s->response->Header("location").empty();
    if (!redirect && !s->final_headers) {
      s->final_headers = true;
      if (s->request->on_headers) s->request->on_headers(s->code);
    }
    return len;
  }
  size_t colon = line.find(':');
  if (colon != std::string::npos)
    s->response->headers.emplace_back(Lower(line.substr(0, colon)), Trim(line.substr(colon + 1)));
  return len;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  const size_t len = size * n;
  if (s->request->on_data) {
    if (s->request->on_data(std::string_view(data, len))) return len;
    s->aborted = true;
    return 0;
  }
  if (s->response->body.size() + len > s->request->max_body_bytes) {
    s->too_large = true;
    return 0;
  }
  s->response->body.append(data, len);
  return len;
}

TransportError::Kind KindOf(CURLcode rc, const Sink& sink) {
  using K = TransportError::Kind;
  if (sink.too_large) return K::kTooLarge;
  if (sink.aborted) return K::kAborted;
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return K::kTimeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return K::kResolve;
    case CURLE_COULDNT_CONNECT:
      return K::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
      return K::kTlsHandshake;
    case CURLE_PEER_FAILED_VERIFICATION:
      return K::kTlsVerify;
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return K::kTlsSetup;
    case CURLE_URL_MALFORMAT:
      return K::kBadUrl;
    case CURLE_ABORTED_BY_CALLBACK:
      return K::kAborted;
    default:
      return K::kOther;
  }
}

}  // namespace

std::string ClientResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return "";
}

std::string RedactUrl(const std::string& url) {
  // libcurl's own parser finds the userinfo however the password is spelt (an unencoded '/',
  // '?' or '#' in it defeats a hand-written split).
  CURLU* u = curl_url();
  if (u == nullptr) return "<url>";
  std::string out;
  bool parsed = false;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
    curl_url_set(u, CURLUPART_USER, nullptr, 0);
    curl_url_set(u, CURLUPART_PASSWORD, nullptr, 0);
    char* text = nullptr;
    if (curl_url_get(u, CURLUPART_URL, &text, 0) == CURLUE_OK && text != nullptr) {
      out = text;
      parsed = true;
    }
    curl_free(text);
  }
  curl_url_cleanup(u);
  if (!parsed) {
    // Not a URL libcurl reads (a port that is not a number: "user:pa/ss@host"): everything up
    // to the last '@' may be a password, so none of it is shown.
    size_t at = url.rfind('@');
    if (at == std::string::npos) return url;
    size_t scheme = url.find("://");
    return (scheme != std::string::npos && scheme < at ? url.substr(0, scheme + 3) : "") +
           url.substr(at + 1);
  }
  return out;
}

void Cancellation::Cancel() {
  cancelled_ = true;
  std::lock_guard<std::mutex> lock(mu_);
  if (multi_ != nullptr) curl_multi_wakeup(static_cast<CURLM*>(multi_));
}

// One CURLSH shared by the client's requests (connections, DNS, TLS sessions) and the idle
// handles that keep their connections between requests.
struct Client::Impl {
  static constexpr size_t kLocks = 16;
  std::array<std::mutex, kLocks> locks;
  CURLSH* share = nullptr;
  std::mutex mu;
  std::vector<CURL*> idle;  // GUARDED_BY(mu)

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<Impl*>(self)->locks[static_cast<size_t>(data) % kLocks].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<Impl*>(self)->locks[static_cast<size_t>(data) % kLocks].unlock();
  }

  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!idle.empty()) {
        CURL* c = idle.back();
        idle.pop_back();
        return c;
      }
    }
    return curl_easy_init();
  }
  void Release(CURL* c) {
    curl_easy_reset(c);  // keeps its connections and caches
    std::lock_guard<std::mutex> lock(mu);
    if (idle.size() < 64) {
      idle.push_back(c);
      return;
    }
    curl_easy_cleanup(c);
  }
};

Client::Client() : impl_(std::make_unique<Impl>()) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  impl_->share = curl_share_init();
  curl_share_setopt(impl_->share, CURLSHOPT_LOCKFUNC, Impl::Lock);
  curl_share_setopt(impl_->share, CURLSHOPT_UNLOCKFUNC, Impl::Unlock);
  curl_share_setopt(impl_->share, CURLSHOPT_USERDATA, impl_.get());
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

Client::~Client() {
  for (CURL* c : impl_->idle) curl_easy_cleanup(c);
  curl_share_cleanup(impl_->share);
}

Client& Client::Shared() {
  static Client* client = new Client();  // never destroyed: used until exit
  return *client;
}

StatusOr<ClientResponse> Client::Do(const ClientRequest& request, TransportError* error) {
  return Perform(request, nullptr, error);
}

StatusOr<ClientResponse> Client::Do(const ClientRequest& request, Cancellation& cancel,
                                    TransportError* error) {
  return Perform(request, &cancel, error);
}

StatusOr<ClientResponse> Client::Perform(const ClientRequest& req, Cancellation* cancel,
                                         TransportError* error) {
  CURL* c = impl_->Acquire();
  if (c == nullptr) return Internal("curl_easy_init failed");
  ClientResponse response;
  Sink sink{&req, &response};
  std::array<char, CURL_ERROR_SIZE> err{};
  // A cancellable transfer runs on its own multi handle, outside the shared connection cache.
  if (cancel == nullptr) curl_easy_setopt(c, CURLOPT_SHARE, impl_->share);
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err.data());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(c, CURLOPT_USERAGENT, req.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (req.max_redirects > 0) {
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(req.max_redirects));
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION,
                   req.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
  if (req.compressed) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 30L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 10L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(1, req.timeouts.connect.count())));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeouts.total.count()));
  if (req.timeouts.stall.count() > 0) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(req.timeouts.stall.count()));
  }
  if (!req.username.empty() || !req.password.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, req.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, req.password.c_str());
  }
  if (req.method == "GET" && !req.body) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    if (req.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    if (req.body || req.method == "POST") {
      static const std::string kEmpty;
      const std::string& body = req.body ? *req.body : kEmpty;
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
  }

  const TlsOptions& tls = req.tls;
  std::string ca;  // alive until the transfer ends
  if (tls.insecure_skip_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!tls.ca_pem.empty()) {
    ca = tls.ca_pem;
  } else if (!tls.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
  } else if (!tls.extra_ca_pem.empty()) {
    ca = SystemCaBundle() + "\n" + tls.extra_ca_pem;
  } else if (SystemCaDir() != nullptr) {
    curl_easy_setopt(c, CURLOPT_CAINFO, nullptr);
    curl_easy_setopt(c, CURLOPT_CAPATH, SystemCaDir());
  }
  curl_blob blob{ca.data(), ca.size(), CURL_BLOB_NOCOPY};
  if (!ca.empty()) curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
  if (!tls.client_cert_file.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, tls.client_cert_file.c_str());
    curl_easy_setopt(
        c, CURLOPT_SSLKEY,
        tls.client_key_file.empty() ? tls.client_cert_file.c_str() : tls.client_key_file.c_str());
  }
  if (req.proxy) curl_easy_setopt(c, CURLOPT_PROXY, req.proxy->c_str());

  curl_slist* headers = nullptr;
  for (const std::string& h : req.headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

  CURLcode rc = CURLE_OK;
  if (cancel == nullptr) {
    rc = curl_easy_perform(c);
  } else {
    CURLM* multi = curl_multi_init();
    curl_multi_add_handle(multi, c);
    {
      std::lock_guard<std::mutex> lock(cancel->mu_);
      cancel->multi_ = multi;
    }
    int running = 1;
    while (running && !cancel->cancelled()) {
      if (curl_multi_perform(multi, &running) != CURLM_OK) break;
      if (!running) break;
      curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
    {
      std::lock_guard<std::mutex> lock(cancel->mu_);
      cancel->multi_ = nullptr;
    }
    rc = CURLE_ABORTED_BY_CALLBACK;
    if (!running && !cancel->cancelled()) {
      int left = 0;
      rc = CURLE_RECV_ERROR;  // the transfer stopped without a result: a failure
      while (CURLMsg* m = curl_multi_info_read(multi, &left))
        if (m->msg == CURLMSG_DONE) rc = m->data.result;
    } else if (running && !cancel->cancelled()) {
      rc = CURLE_RECV_ERROR;  // curl_multi_perform failed
    }
    curl_multi_remove_handle(multi, c);
    curl_multi_cleanup(multi);
  }

  long os_errno = 0, connects = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
  char* ct = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
    response.content_type = ct;
  char* eff = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
    response.effective_url = eff;
  response.connects = connects;
  requests_++;
  connections_ += static_cast<uint64_t>(connects);
  curl_slist_free_all(headers);
  if (cancel == nullptr) {
    impl_->Release(c);
  } else {
    curl_easy_cleanup(c);  // its connection belongs to no cache
  }

  if (rc == CURLE_OK) return response;
  TransportError te;
  te.kind = KindOf(rc, sink);
  if (cancel != nullptr && cancel->cancelled()) te.kind = TransportError::Kind::kAborted;
  te.os_error = os_errno != 0 ? std::strerror(static_cast<int>(os_errno)) : "";
  te.detail = err.data();
  te.curl_text = curl_easy_strerror(rc);
  const std::string url = RedactUrl(req.url);
  if (error != nullptr) *error = te;
  switch (te.kind) {
    case TransportError::Kind::kTooLarge:
      return ResourceExhausted(fmt::format("{} {}: the answer is larger than the limit of {} bytes",
                                           req.method, url, req.max_body_bytes));
    case TransportError::Kind::kBadUrl:
      return InvalidArgument(fmt::format("invalid URL \"{}\"", url));
    case TransportError::Kind::kAborted:
      return Unavailable(fmt::format("{} {}: transfer aborted", req.method, url));
    default:
      return Unavailable(fmt::format("{} {}: {}", req.method, url, te.Why()));
  }
}

}  // namespace flotilla::http
