// ResolveCommit over HTTP(S) without libgit2: git's smart-HTTP protocol v2 `ls-refs`, asking the
// server only for the refs needed, over the process's shared HTTP client (http/client.h:
// connections, DNS and TLS sessions shared by every thread). Servers without protocol v2 get the
// v0 (or dumb) ref advertisement. The protocol a URL speaks is remembered, so an unchanged poll of
// a v2 server is one keep-alive POST of a few hundred bytes.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "git/refs.h"
#include "git/url.h"
#include "http/client.h"

namespace flotilla::git {
namespace {

constexpr size_t kMaxResponseBytes = size_t{64} << 20;

std::atomic<uint64_t> http_requests{0};
std::atomic<uint64_t> http_connections{0};

// The protocol each URL speaks: 0 = unknown, 1 = v0 / dumb, 2 = v2.
class ProtocolCache {
 public:
  static ProtocolCache& Get() {
    static ProtocolCache* cache = new ProtocolCache();  // never destroyed: used until exit
    return *cache;
  }
  int Protocol(const std::string& url) {
    std::lock_guard lock(mu_);
    auto it = protocol_.find(url);
    return it == protocol_.end() ? 0 : it->second;
  }
  void SetProtocol(const std::string& url, int version) {
    std::lock_guard lock(mu_);
    if (protocol_.size() > 100000) protocol_.clear();
    protocol_[url] = version;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, int> protocol_;
};

using Response = http::ClientResponse;

class HttpCall {
 public:
  HttpCall(const RemoteSpec& spec, const ParsedUrl& url)
      : spec_(spec), redacted_(url.WithoutUserinfo()) {
    base_ = redacted_;
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    user_ = spec.auth.username.empty() ? url.user : spec.auth.username;
    password_ = spec.auth.password.empty() && spec.auth.username.empty() ? url.password
                                                                         : spec.auth.password;
    if (user_.empty() && !password_.empty()) user_ = "git";  // a bare token
  }

  // GET {base}/info/refs?service=git-upload-pack, or POST {base}/git-upload-pack with `body`.
  StatusOr<Response> Do(bool post, const std::string& body, bool v2) {
    http::ClientRequest req;
    req.method = post ? "POST" : "GET";
    req.url = post ? base_ + "/git-upload-pack" : base_ + "/info/refs?service=git-upload-pack";
    req.user_agent = "git/2.0 (flotilla)";
    req.max_redirects = 5;
    req.http2 = true;
    req.compressed = true;
    req.timeouts.connect = spec_.timeouts.connect;
    req.timeouts.total = spec_.timeouts.total;
    req.timeouts.stall = std::chrono::seconds(
        std::max<int64_t>(1, static_cast<int64_t>(spec_.timeouts.idle.count() / 1000)));
    req.max_body_bytes = kMaxResponseBytes;
    if (!user_.empty()) {
      req.username = user_;
      req.password = password_;
    }
    req.tls.insecure_skip_verify = spec_.auth.insecure_skip_tls_verify;
    req.tls.extra_ca_pem = spec_.auth.ca_bundle;
    if (v2) req.headers.push_back("Git-Protocol: version=2");
    if (post) {
      req.headers.push_back("Content-Type: application/x-git-upload-pack-request");
      req.headers.push_back("Accept: application/x-git-upload-pack-result");
      req.body = body;
    }
    http::TransportError te;
    auto r = http::Client::Shared().Do(req, &te);
    http_requests++;
    if (r.ok()) http_connections += static_cast<uint64_t>(r->connects);
    if (!r.ok() && te.kind == http::TransportError::Kind::kTooLarge) {
      return ResourceExhausted(redacted_ + " sent a ref advertisement over " +
                               std::to_string(kMaxResponseBytes >> 20) + " MiB");
    }
    if (!r.ok()) return TransportFailure(te);
    return r;
  }

  Status HttpError(const Response& r) const {
    std::string code = std::to_string(r.status);
    if (r.status == 401) {
      if (user_.empty()) {
        return {StatusCode::kUnauthenticated,
                "authentication required by " + redacted_ +
                    " but no credentials are configured (see clientSecretName)"};
      }
      return {StatusCode::kUnauthenticated,
              "authentication failed for " + redacted_ + ": the credentials were rejected"};
    }
    if (r.status == 403) {
      return {StatusCode::kPermissionDenied, "access denied to " + redacted_ + " (HTTP 403)"};
    }
    if (r.status == 404) return NotFound("repository " + redacted_ + " not found (HTTP 404)");
    return Unavailable("cannot list refs of " + redacted_ + ": the server answered HTTP " + code);
  }

  const std::string& redacted() const { return redacted_; }

 private:
  Status TransportFailure(const http::TransportError& te) const {
    using Kind = http::TransportError::Kind;
    std::string why = te.Why();
    for (auto& ch : why) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    switch (te.kind) {
      case Kind::kTimeout:
        return Unavailable("cannot reach " + redacted_ + ": timed out (" + te.detail + ")");
      case Kind::kTlsVerify:
      case Kind::kTlsSetup:
      case Kind::kTlsHandshake:
        return Unavailable("cannot verify the TLS certificate of " + redacted_ + ": " + te.detail +
                           " (set caBundle, or insecureSkipTLSVerify)");
      case Kind::kBadUrl:
        return InvalidArgument("invalid git URL \"" + redacted_ + "\"");
      default:
        return Unavailable("cannot reach " + redacted_ + ": " + why);
    }
  }

  const RemoteSpec& spec_;
  std::string redacted_, base_, user_, password_;
};

std::string PktLine(std::string_view payload) {
  static const char kHex[] = "0123456789abcdef";
  size_t n = payload.size() + 4;
  std::string out = {kHex[(n >> 12) & 15], kHex[(n >> 8) & 15], kHex[(n >> 4) & 15], kHex[n & 15]};
  out.append(payload);
  return out;
}

// Calls `line(payload)` for each data pkt-line of `body` (flush/delim/end packets are skipped).
// Returns false on malformed framing; `error` gets the text of an "ERR" packet.
template <typename F>
bool ForEachPkt(std::string_view body, std::string* error, F line) {
  size_t pos = 0;
  while (pos + 4 <= body.size()) {
    unsigned len = 0;
    for (size_t i = 0; i < 4; ++i) {
      char ch = body[pos + i];
      int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
      if (v < 0) return false;
      len = len * 16 + static_cast<unsigned>(v);
    }
    if (len < 4) {  // 0000 flush, 0001 delim, 0002 response end
      pos += 4;
      continue;
    }
    if (pos + len > body.size()) return false;
    std::string_view payload = body.substr(pos + 4, len - 4);
    if (!payload.empty() && payload.back() == '\n') payload.remove_suffix(1);
    if (payload.substr(0, 4) == "ERR ") {
      *error = std::string(payload.substr(4));
      return true;
    }
    line(payload);
    pos += len;
  }
  return pos == body.size();
}

Status ProtocolError(const HttpCall& call, std::string_view what) {
  return Unavailable("cannot list refs of " + call.redacted() + ": " + std::string(what));
}

Status ServerError(const HttpCall& call, const std::string& err) {
  std::string lower = err;
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower.find("not found") != std::string::npos ||
      lower.find("not exported") != std::string::npos ||
      lower.find("no such repository") != std::string::npos) {
    return NotFound("repository " + call.redacted() + " not found: " + err);
  }
  return Unavailable("cannot list refs of " + call.redacted() + ": the server said: " + err);
}

// Parses a v0 smart advertisement ("# service=" header, then "<oid> <ref>[\0caps]") or a dumb
// info/refs ("<oid>\t<ref>" lines). Returns 2 instead if the server answered with v2 capabilities.
StatusOr<int> ParseAdvertisement(const HttpCall& call, const Response& r,
                                 std::vector<RemoteRef>* refs) {
  bool smart =
      r.content_type.find("application/x-git-upload-pack-advertisement") != std::string::npos;
  if (!smart) {
    std::istringstream in(r.body);
    std::string line;
    while (std::getline(in, line)) {
      size_t tab = line.find('\t');
      if (tab != 40 || !IsCommitId(line.substr(0, 40))) {
        return ProtocolError(call,
                             "the server's answer is not a git ref advertisement (is the URL "
                             "a git repository?)");
      }
      refs->push_back({line.substr(41), line.substr(0, 40), ""});
    }
    return 0;
  }
  bool v2 = false;
  std::string error;
  bool ok = ForEachPkt(r.body, &error, [&](std::string_view p) {
    if (p == "version 2") v2 = true;
    if (v2 || p.substr(0, 1) == "#" || p.size() < 42 || p[40] != ' ') return;
    std::string_view rest = p.substr(41);
    size_t nul = rest.find('\0');
    if (nul != std::string_view::npos) rest = rest.substr(0, nul);
    if (rest == "capabilities^{}") return;  // empty repository
    refs->push_back({std::string(rest), std::string(p.substr(0, 40)), ""});
  });
  if (!error.empty()) return ServerError(call, error);
  if (!ok) return ProtocolError(call, "malformed ref advertisement");
  return v2 ? 2 : 1;
}

StatusOr<std::vector<RemoteRef>> LsRefsV2(HttpCall& call, const std::vector<std::string>& wanted) {
  std::string body =
      PktLine("command=ls-refs\n") + PktLine("agent=flotilla\n") + "0001" + PktLine("peel\n");
  for (const auto& w : wanted) body += PktLine("ref-prefix " + w + "\n");
  body += "0000";
  ASSIGN_OR_RETURN(Response r, call.Do(/*post=*/true, body, /*v2=*/true));
  if (r.status != 200) return call.HttpError(r);
  std::vector<RemoteRef> refs;
  std::string error;
  bool ok = ForEachPkt(r.body, &error, [&](std::string_view p) {
    // "<oid> <name>[ symref-target:<t>][ peeled:<oid>]"
    if (p.size() < 42 || p[40] != ' ') return;
    RemoteRef ref;
    ref.oid = std::string(p.substr(0, 40));
    std::string_view rest = p.substr(41);
    size_t sp = rest.find(' ');
    ref.name = std::string(rest.substr(0, sp));
    while (sp != std::string_view::npos) {
      rest = rest.substr(sp + 1);
      sp = rest.find(' ');
      std::string_view attr = rest.substr(0, sp);
      if (attr.substr(0, 7) == "peeled:") ref.peeled = std::string(attr.substr(7));
    }
    refs.push_back(std::move(ref));
  });
  if (!error.empty()) return ServerError(call, error);
  if (!ok) return ProtocolError(call, "malformed ls-refs response");
  return refs;
}

}  // namespace

RemoteStats GetRemoteStats() {
  RemoteStats s;
  s.http_requests = http_requests.load();
  s.http_connections = http_connections.load();
  return s;
}

int CachedHttpProtocol(const std::string& url) {
  auto parsed = ParseUrl(url);
  return parsed.ok() ? ProtocolCache::Get().Protocol(parsed->WithoutUserinfo()) : 0;
}

StatusOr<std::vector<RemoteRef>> ListRefsHttp(const RemoteSpec& spec,
                                              const std::vector<std::string>& wanted) {
  ASSIGN_OR_RETURN(ParsedUrl url, ParseUrl(spec.url));
  HttpCall call(spec, url);
  ProtocolCache& pool = ProtocolCache::Get();
  const std::string key = url.WithoutUserinfo();
  if (pool.Protocol(key) == 2) {
    auto refs = LsRefsV2(call, wanted);
    // On a protocol-level surprise (server downgraded?), rediscover below; other errors are final.
    if (refs.ok() || refs.status().code() != StatusCode::kUnavailable ||
        refs.status().message().find("HTTP 4") == std::string::npos) {
      return refs;
    }
  }
  if (pool.Protocol(key) != 1) {
    ASSIGN_OR_RETURN(Response r, call.Do(/*post=*/false, "", /*v2=*/true));
    if (r.status != 200) return call.HttpError(r);
    std::vector<RemoteRef> refs;
    ASSIGN_OR_RETURN(int version, ParseAdvertisement(call, r, &refs));
    if (version != 2) {
      pool.SetProtocol(key, 1);
      return refs;
    }
    pool.SetProtocol(key, 2);
    return LsRefsV2(call, wanted);
  }
  ASSIGN_OR_RETURN(Response r, call.Do(/*post=*/false, "", /*v2=*/false));
  if (r.status != 200) return call.HttpError(r);
  std::vector<RemoteRef> refs;
  ASSIGN_OR_RETURN(int version, ParseAdvertisement(call, r, &refs));
  if (version == 2) pool.SetProtocol(key, 2);  // upgraded server: v2 from the next call on
  if (version == 2) return LsRefsV2(call, wanted);
  return refs;
}

}  // namespace flotilla::git
