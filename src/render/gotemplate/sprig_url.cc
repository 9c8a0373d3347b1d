// Sprig v3 urlParse and urlJoin over Go's net/url rules (Go 1.19): parsing into scheme, host,
// userinfo, path, query, opaque and fragment, and URL.String's escaping when joining.
#include <fmt/format.h>

#include "render/gotemplate/funcs.h"
#include "render/gotemplate/gofmt.h"

namespace flotilla::gotemplate {
namespace {

using P = Param;
using Args = std::vector<Value>;

enum class Mode { kPath, kHost, kUserPassword, kFragment };

bool Alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Go's shouldEscape.
bool ShouldEscape(unsigned char c, Mode mode) {
  if (Alnum(c)) return false;
  if (mode == Mode::kHost && strchr("!$&'()*+,;=:[]<>\"", c) != nullptr && c != 0) return false;
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '~':
      return false;
    case '$':
    case '&':
    case '+':
    case ',':
    case '/':
    case ':':
    case ';':
    case '=':
    case '?':
    case '@':
      switch (mode) {
        case Mode::kPath:
          return c == '?';
        case Mode::kUserPassword:
          return c == '@' || c == '/' || c == '?' || c == ':';
        case Mode::kFragment:
          return false;
        case Mode::kHost:
          return true;
      }
  }
  if (mode == Mode::kFragment && (c == '!' || c == '(' || c == ')' || c == '*')) return false;
  return true;
}

std::string Escape(const std::string& s, Mode mode) {
  std::string out;
  for (unsigned char c : s) {
    if (ShouldEscape(c, mode))
      out += fmt::format("%{:02X}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

int Unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's unescape (without the zone-identifier subtleties of IPv6 hosts).
StatusOr<std::string> Unescape(const std::string& s, Mode mode) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      if (i + 2 >= s.size() || Unhex(s[i + 1]) < 0 || Unhex(s[i + 2]) < 0 ||
          (mode == Mode::kHost && Unhex(s[i + 1]) < 8 && s.compare(i, 3, "%25") != 0)) {
        return InvalidArgument("invalid URL escape " +
                               GoSprintf("%q", {Value::String(s.substr(i, 3))}));
      }
      out += static_cast<char>(Unhex(s[i + 1]) * 16 + Unhex(s[i + 2]));
      i += 2;
      continue;
    }
    if (mode == Mode::kHost && c < 0x80 && ShouldEscape(c, mode))
      return InvalidArgument("invalid character " +
                             GoSprintf("%q", {Value::String(s.substr(i, 1))}) + " in host name");
    out += static_cast<char>(c);
  }
  return out;
}

bool ValidOptionalPort(const std::string& port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  for (size_t i = 1; i < port.size(); i++)
    if (port[i] < '0' || port[i] > '9') return false;
  return true;
}

StatusOr<std::string> ParseHost(const std::string& host) {
  if (!host.empty() && host[0] == '[') {
    size_t i = host.rfind(']');
    if (i == std::string::npos) return InvalidArgument("missing ']' in host");
    std::string colon_port = host.substr(i + 1);
    if (!ValidOptionalPort(colon_port))
      return InvalidArgument("invalid port " + GoSprintf("%q", {Value::String(colon_port)}) +
                             " after host");
  } else if (size_t i = host.rfind(':'); i != std::string::npos) {
    std::string colon_port = host.substr(i);
    if (!ValidOptionalPort(colon_port))
      return InvalidArgument("invalid port " + GoSprintf("%q", {Value::String(colon_port)}) +
                             " after host");
  }
  return Unescape(host, Mode::kHost);
}

struct Url {
  std::string scheme, opaque, host, path, raw_query, fragment;
  bool has_user = false, has_password = false;
  std::string username, password;
  std::string UserString() const {
    std::string s = Escape(username, Mode::kUserPassword);
    if (has_password) s += ":" + Escape(password, Mode::kUserPassword);
    return s;
  }
  std::string Hostname() const {
    std::string h = host;
    if (!h.empty() && h[0] == '[') {
      size_t i = h.find(']');
      return i == std::string::npos ? h.substr(1) : h.substr(1, i - 1);
    }
    size_t i = h.rfind(':');
    return i == std::string::npos ? h : h.substr(0, i);
  }
};

bool ValidUserinfo(const std::string& s) {
  for (unsigned char c : s) {
    if (Alnum(c)) continue;
    if (strchr("-._:~!$&'()*+,;=%@", c) == nullptr || c == 0) return false;
  }
  return true;
}

Status ParseAuthority(const std::string& authority, Url* u) {
  size_t at = authority.rfind('@');
  auto host = ParseHost(at == std::string::npos ? authority : authority.substr(at + 1));
  if (!host.ok()) return host.status();
  u->host = *host;
  if (at == std::string::npos) return Status::Ok();
  std::string userinfo = authority.substr(0, at);
  if (!ValidUserinfo(userinfo)) return InvalidArgument("net/url: invalid userinfo");
  u->has_user = true;
  size_t colon = userinfo.find(':');
  auto user = Unescape(userinfo.substr(0, colon), Mode::kUserPassword);
  if (!user.ok()) return user.status();
  u->username = *user;
  if (colon != std::string::npos) {
    auto pass = Unescape(userinfo.substr(colon + 1), Mode::kUserPassword);
    if (!pass.ok()) return pass.status();
    u->has_password = true;
    u->password = *pass;
  }
  return Status::Ok();
}

// Go's url.parse (viaRequest = false).
Status ParseRest(const std::string& raw, Url* u) {
  for (unsigned char c : raw)
    if (c < 0x20 || c == 0x7f) return InvalidArgument("net/url: invalid control character in URL");
  if (raw == "*") {
    u->path = "*";
    return Status::Ok();
  }
  std::string rest = raw;
  for (size_t i = 0; i < raw.size(); i++) {
    char c = raw[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return InvalidArgument("missing protocol scheme");
      u->scheme = raw.substr(0, i);
      for (char& ch : u->scheme) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
      rest = raw.substr(i + 1);
    }
    break;
  }
  size_t q = rest.find('?');
  if (q != std::string::npos) {
    if (q + 1 != rest.size() || rest.find('?') != rest.rfind('?'))
      u->raw_query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.empty() || rest[0] != '/') {
    if (!u->scheme.empty()) {
      u->opaque = rest;
      return Status::Ok();
    }
    std::string segment = rest.substr(0, rest.find('/'));
    if (segment.find(':') != std::string::npos)
      return InvalidArgument("first path segment in URL cannot contain colon");
  }
  if ((!u->scheme.empty() || rest.compare(0, 3, "///") != 0) && rest.compare(0, 2, "//") == 0) {
    std::string authority = rest.substr(2);
    rest.clear();
    size_t slash = authority.find('/');
    if (slash != std::string::npos) {
      rest = authority.substr(slash);
      authority = authority.substr(0, slash);
    }
    Status s = ParseAuthority(authority, u);
    if (!s.ok()) return s;
  }
  auto path = Unescape(rest, Mode::kPath);
  if (!path.ok()) return path.status();
  u->path = *path;
  return Status::Ok();
}

StatusOr<Url> ParseUrl(const std::string& raw) {
  Url u;
  size_t hash = raw.find('#');
  std::string base = raw.substr(0, hash);
  Status s = ParseRest(base, &u);
  if (!s.ok())
    return InvalidArgument("parse " + GoSprintf("%q", {Value::String(base)}) + ": " +
                           std::string(s.message()));
  if (hash != std::string::npos) {
    auto frag = Unescape(raw.substr(hash + 1), Mode::kFragment);
    if (!frag.ok())
      return InvalidArgument("parse " + GoSprintf("%q", {Value::String(raw)}) + ": " +
                             std::string(frag.status().message()));
    u.fragment = *frag;
  }
  return u;
}

// Go 1.19's URL.String.
std::string UrlString(const Url& u) {
  std::string buf;
  if (!u.scheme.empty()) buf += u.scheme + ":";
  if (!u.opaque.empty()) {
    buf += u.opaque;
  } else {
    if (!u.scheme.empty() || !u.host.empty() || u.has_user) {
      if (!u.host.empty() || !u.path.empty() || u.has_user) buf += "//";
      if (u.has_user) buf += u.UserString() + "@";
      if (!u.host.empty()) buf += Escape(u.host, Mode::kHost);
    }
    std::string path = Escape(u.path, Mode::kPath);
    if (!path.empty() && path[0] != '/' && !u.host.empty()) buf += "/";
    if (buf.empty() && path.substr(0, path.find('/')).find(':') != std::string::npos) buf += "./";
    buf += path;
  }
  if (!u.raw_query.empty()) buf += "?" + u.raw_query;
  if (!u.fragment.empty()) buf += "#" + Escape(u.fragment, Mode::kFragment);
  return buf;
}

}  // namespace

void RegisterSprigUrl(FuncMap* m) {
  auto& f = *m;
  f["urlParse"] = {
      {P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        auto u = ParseUrl(a[0].str());
        if (!u.ok()) return FuncError("unable to parse url: " + std::string(u.status().message()));
        Map d;
        d["scheme"] = Value::String(u->scheme);
        d["host"] = Value::String(u->host);
        d["hostname"] = Value::String(u->Hostname());
        d["path"] = Value::String(u->path);
        d["query"] = Value::String(u->raw_query);
        d["opaque"] = Value::String(u->opaque);
        d["fragment"] = Value::String(u->fragment);
        d["userinfo"] = Value::String(u->has_user ? u->UserString() : "");
        return Value::NewMap(std::move(d));
      }};
  f["urlJoin"] = {
      {P::kMap}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        const Map& d = a[0].map();
        std::string fields[7];
        const char* keys[7] = {"scheme", "host", "path", "query", "opaque", "fragment", "userinfo"};
        for (int i = 0; i < 7; i++) {
          auto it = d.find(keys[i]);
          if (it == d.end()) continue;
          if (!it->second.is_string())
            return FuncError(
                fmt::format("unable to parse {} key, must be of type string, but {} found", keys[i],
                            it->second.is_nil() ? "invalid" : it->second.KindName()));
          fields[i] = it->second.str();
        }
        Url u;
        u.scheme = fields[0];
        u.host = fields[1];
        u.path = fields[2];
        u.raw_query = fields[3];
        u.opaque = fields[4];
        u.fragment = fields[5];
        if (!fields[6].empty()) {
          auto tmp = ParseUrl("proto://" + fields[6] + "@host");
          if (!tmp.ok())
            return FuncError("unable to parse userinfo in dict: " +
                             std::string(tmp.status().message()));
          u.has_user = tmp->has_user;
          u.has_password = tmp->has_password;
          u.username = tmp->username;
          u.password = tmp->password;
        }
        return Value::String(UrlString(u));
      }};
}

}  // namespace flotilla::gotemplate
