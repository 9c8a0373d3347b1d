// Private to src/git: parsing of git remote URLs.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace flotilla::git {

struct ParsedUrl {
  std::string scheme;    // "https", "http", "ssh", "git" (scp-like URLs parse as "ssh")
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded
  std::string host;      // lower-case; IPv6 literals keep their brackets
  std::string port;      // "" when absent
  std::string path;      // starts with "/" (scp-like "host:org/repo" gives "/org/repo")
  bool scp_like = false;

  // scheme://host[:port]/path, without userinfo.
  std::string WithoutUserinfo() const;
  // The port, or the scheme's default.
  int PortOrDefault() const;
};

// InvalidArgument (naming the redacted URL) for anything that is not an http(s)/ssh/git URL or an
// scp-like "[user@]host:path".
StatusOr<ParsedUrl> ParseUrl(std::string_view url);

}  // namespace flotilla::git
