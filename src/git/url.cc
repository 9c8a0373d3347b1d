#include "git/url.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "git/remote.h"

namespace flotilla::git {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool ValidHost(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '.' || c == '-' || c == '_' || c == '[' || c == ']' ||
          c == ':')) {
      return false;
    }
  }
  return true;
}

bool ValidPort(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  return std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         std::stoi(std::string(port)) > 0 && std::stoi(std::string(port)) < 65536;
}

Status BadUrl(std::string_view url, std::string_view why) {
  return InvalidArgument("invalid git URL \"" + RedactUrl(url) + "\": " + std::string(why));
}

// Splits "userinfo@hostport" at the LAST '@' (passwords may contain '@' when not encoded).
void SplitUserinfo(std::string_view authority, std::string_view* userinfo,
                   std::string_view* hostport) {
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) {
    *userinfo = {};
    *hostport = authority;
  } else {
    *userinfo = authority.substr(0, at);
    *hostport = authority.substr(at + 1);
  }
}

int DefaultPort(std::string_view scheme) {
  if (scheme == "https") return 443;
  if (scheme == "http") return 80;
  if (scheme == "ssh") return 22;
  if (scheme == "git") return 9418;
  return 0;
}

}  // namespace

std::string ParsedUrl::WithoutUserinfo() const {
  std::string out = scheme + "://" + host;
  if (!port.empty()) out += ":" + port;
  return out + path;
}

int ParsedUrl::PortOrDefault() const {
  return port.empty() ? DefaultPort(scheme) : std::stoi(port);
}

StatusOr<ParsedUrl> ParseUrl(std::string_view url) {
  ParsedUrl out;
  if (url.empty()) return InvalidArgument("empty git URL");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return BadUrl(url, "contains whitespace or control characters");
    }
  }
  size_t sep = url.find("://");
  std::string_view authority, rest;
  if (sep == std::string_view::npos) {
    // scp-like: [user@]host:path, with no '/' before the ':'.
    size_t colon = url.find(':');
    size_t slash = url.find('/');
    if (colon == std::string_view::npos || (slash != std::string_view::npos && slash < colon)) {
      return BadUrl(url, "expected scheme://host/path or user@host:path");
    }
    std::string_view userinfo, host;
    SplitUserinfo(url.substr(0, colon), &userinfo, &host);
    out.scheme = "ssh";
    out.scp_like = true;
    out.user = PercentDecode(userinfo);
    out.host = Lower(host);
    std::string_view path = url.substr(colon + 1);
    if (path.empty()) return BadUrl(url, "missing repository path");
    out.path = (path.front() == '/' ? "" : "/") + std::string(path);
    if (!ValidHost(out.host)) return BadUrl(url, "invalid host");
    return out;
  }
  out.scheme = Lower(url.substr(0, sep));
  if (out.scheme == "git+ssh" || out.scheme == "ssh+git") out.scheme = "ssh";
  if (out.scheme != "https" && out.scheme != "http" && out.scheme != "ssh" && out.scheme != "git") {
    return BadUrl(url, "unsupported scheme \"" + out.scheme + "\" (want https, http, ssh or git)");
  }
  rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  // Query and fragment are not part of a git remote.
  size_t qf = out.path.find_first_of("?#");
  if (qf != std::string::npos) out.path.resize(qf);
  std::string_view userinfo, hostport;
  SplitUserinfo(authority, &userinfo, &hostport);
  if (!userinfo.empty()) {
    size_t colon = userinfo.find(':');
    out.user = PercentDecode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) out.password = PercentDecode(userinfo.substr(colon + 1));
  }
  std::string_view host = hostport, port;
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) return BadUrl(url, "unterminated IPv6 address");
    host = hostport.substr(0, close + 1);
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':') return BadUrl(url, "invalid host");
      port = hostport.substr(close + 2);
    }
  } else {
    size_t colon = hostport.rfind(':');
    if (colon != std::string_view::npos) {
      host = hostport.substr(0, colon);
      port = hostport.substr(colon + 1);
    }
  }
  out.host = Lower(host);
  if (!ValidHost(out.host)) return BadUrl(url, "invalid host");
  if (!port.empty() && !ValidPort(port)) return BadUrl(url, "invalid port");
  out.port = std::string(port);
  if (out.path.empty() || out.path == "/") return BadUrl(url, "missing repository path");
  return out;
}

std::string RedactUrl(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    // scp-like user@host:path: the user is not secret, but a "user:password@" form would be.
    size_t colon = url.find(':');
    size_t at = url.rfind('@', colon);
    if (colon != std::string_view::npos && at != std::string_view::npos && at < colon) {
      std::string_view user = url.substr(0, at);
      size_t pw = user.find(':');
      if (pw != std::string_view::npos) {
        return std::string(user.substr(0, pw)) + std::string(url.substr(at));
      }
    }
    return std::string(url);
  }
  size_t start = sep + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string_view authority =
      url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string scheme = Lower(url.substr(0, sep));
  std::string kept;
  if (scheme == "ssh" || scheme == "git+ssh" || scheme == "ssh+git") {
    std::string_view user = authority.substr(0, at);
    kept = std::string(user.substr(0, user.find(':'))) + "@";
  }
  return std::string(url.substr(0, start)) + kept + std::string(authority.substr(at + 1)) +
         std::string(end == std::string_view::npos ? std::string_view() : url.substr(end));
}

StatusOr<std::string> NormalizeUrl(std::string_view url) {
  ASSIGN_OR_RETURN(ParsedUrl u, ParseUrl(url));
  std::string path = u.path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".git") == 0)
    path.resize(path.size() - 4);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  std::string port;
  if (!u.port.empty() && u.PortOrDefault() != DefaultPort(u.scheme)) port = ":" + u.port;
  return u.scheme + "://" + u.host + port + path;
}

StatusOr<std::string> RepoKey(std::string_view url) {
  ASSIGN_OR_RETURN(std::string normalized, NormalizeUrl(url));
  ASSIGN_OR_RETURN(ParsedUrl u, ParseUrl(normalized));
  return u.host + u.path;
}

bool IsCommitId(std::string_view s) {
  return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

std::string RemoteSpec::EffectiveBranch() const {
  return branch.empty() ? std::string(kDefaultBranch) : branch;
}

std::string Auth::Fingerprint() const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  auto add = [&](std::string_view field) {
    // Length-prefixed so that field boundaries cannot be shifted.
    uint64_t n = field.size();
    EVP_DigestUpdate(ctx, &n, sizeof n);
    EVP_DigestUpdate(ctx, field.data(), field.size());
  };
  add(username);
  add(password);
  add(ssh_private_key);
  add(known_hosts);
  add(ca_bundle);
  add(insecure_skip_tls_verify ? "1" : "0");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

}  // namespace flotilla::git
