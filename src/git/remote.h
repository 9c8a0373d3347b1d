// Remote git repositories: what a GitRepo points at, how to authenticate, and how to find out which
// commit it should sync without cloning anything.
//
// Thread-safe: every function here may be called concurrently from any thread.
// Network calls are bounded by RemoteSpec::timeouts, so a slow or dead server only ever delays the
// callers that point at it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace flotilla::git {

// Credentials and TLS/SSH trust settings, taken from a GitRepo's `clientSecretName` Secret and its
// `caBundle` / `insecureSkipTLSVerify` fields. Never logged and never copied into a Status message.
struct Auth {
  // Basic auth (Secret type kubernetes.io/basic-auth) or a token used as the password.
  std::string username, password;
  // SSH (Secret type kubernetes.io/ssh-auth, key `ssh-privatekey`): PEM/OpenSSH private key, and
  // `known_hosts` lines. With an empty known_hosts, host keys are NOT verified (Fleet's behaviour
  // when no known_hosts is given); with a non-empty one, the host key must match an entry.
  std::string ssh_private_key, known_hosts;
  // PEM CA certificates trusted (in addition to the system ones) for HTTPS.
  std::string ca_bundle;
  bool insecure_skip_tls_verify = false;

  bool empty() const {
    return username.empty() && password.empty() && ssh_private_key.empty() && known_hosts.empty() &&
           ca_bundle.empty() && !insecure_skip_tls_verify;
  }
  // A stable, non-reversible digest of every field (hex SHA-256), for use in cache/dedup keys.
  std::string Fingerprint() const;
};

// Bounds on one network operation. A server that accepts no connection within `connect`, or sends
// nothing for `idle`, or whose whole operation (lookup or fetch) exceeds `total`, fails the call
// with Unavailable ("... timed out"). For ssh:// (libssh2 does its own blocking reads) `idle` is
// not enforced, but `connect` and `total` are.
struct Timeouts {
  std::chrono::milliseconds connect{std::chrono::seconds(10)};
  std::chrono::milliseconds idle{std::chrono::seconds(60)};
  std::chrono::milliseconds total{std::chrono::minutes(10)};
};

// Fleet's default for an empty GitRepo `spec.branch` (fleet/pkg/git/fetch.go).
inline constexpr std::string_view kDefaultBranch = "master";

// What a GitRepo points at.
struct RemoteSpec {
  // https://, http://, git://, ssh://, or scp-like "user@host:path". Userinfo in the URL
  // ("https://user:token@host/...") is used for auth when `auth` has no username/password, and
  // never appears in messages or logs.
  std::string url;
  std::string branch;    // empty = kDefaultBranch; ignored when `revision` is set
  std::string revision;  // a 40-hex commit id, a tag name, or a full ref ("refs/..."); optional
  Auth auth;
  Timeouts timeouts;

  // The branch that is actually used: `branch`, or kDefaultBranch when empty.
  std::string EffectiveBranch() const;
};

// Returns the 40-hex commit a GitRepo should sync, without cloning:
//  - `revision` is a 40-hex commit id: returned as is, with no network call (as Fleet does; the
//    commit is checked when Cache::Open fetches it).
//  - `revision` is a tag: the commit it points to (annotated tags are peeled); a full ref name
//    ("refs/...") is looked up as is.
//  - otherwise: the head of refs/heads/<EffectiveBranch()>.
// Errors (messages name the URL without userinfo, never a credential):
//  - InvalidArgument: malformed URL or unsupported scheme, invalid branch name.
//  - Unavailable: connection refused/reset, DNS failure, TLS or host-key verification failure,
//    HTTP 5xx or other unexpected answers, timeouts. Retry with backoff.
//  - Unauthenticated: the server wants credentials and none were configured, or rejected them.
//  - PermissionDenied: HTTP 403.
//  - NotFound: the repository, branch or tag does not exist on the server.
// http(s):// lookups speak smart-HTTP protocol v2 `ls-refs` over a process-wide libcurl
// connection pool (keep-alive; v0 fallback); git:// and ssh:// use libgit2. To share lookups
// between GitRepos pointing at the same repository, use git::Resolver (resolver.h).
StatusOr<std::string> ResolveCommit(const RemoteSpec& spec);

// `url` with any userinfo ("user:pass@") removed; for log lines and messages. Never fails.
std::string RedactUrl(std::string_view url);

// A canonical form of a repository URL, so that the spellings of one repository compare equal:
// lower-case scheme and host, no userinfo, no default port, no trailing "/" or ".git",
// scp-like "git@host:org/repo" written as "ssh://git@host/org/repo" minus the user.
// Used for cache directories and for matching webhook events to GitRepos.
// InvalidArgument for URLs that are not git remote URLs.
StatusOr<std::string> NormalizeUrl(std::string_view url);

// Process-wide counters of the HTTP lookups made by ResolveCommit (for metrics and benchmarks).
struct RemoteStats {
  uint64_t http_requests = 0;     // HTTP requests sent
  uint64_t http_connections = 0;  // new TCP connections opened for them (the rest reused one)
};
RemoteStats GetRemoteStats();

// The identity of a repository across transports, for matching webhook events to GitRepos:
// lower-case host and the path without ".git" or trailing "/", no scheme, user or port, e.g.
// "https://GitHub.com/org/repo.git", "git@github.com:org/repo" and
// "ssh://git@github.com:22/org/repo/" all give "github.com/org/repo". Path case is kept (compare
// case-insensitively for providers that ignore it). InvalidArgument as for NormalizeUrl.
StatusOr<std::string> RepoKey(std::string_view url);

// True iff `s` is a full 40-hex (SHA-1) object id.
bool IsCommitId(std::string_view s);

}  // namespace flotilla::git
