// Private to src/git: listing a remote's refs, and choosing the commit a RemoteSpec asks for.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "git/remote.h"

namespace flotilla::git {

struct RemoteRef {
  std::string name;    // "refs/heads/main", "refs/tags/v1", "HEAD"
  std::string oid;     // 40-hex
  std::string peeled;  // for annotated tags: the 40-hex object it points to; else ""
};

// The full ref names that decide `spec` (revision set and not a commit id: "refs/tags/<rev>", or
// <rev> itself when it starts with "refs/"; else "refs/heads/<branch>").
// InvalidArgument for names git would refuse.
StatusOr<std::vector<std::string>> WantedRefs(const RemoteSpec& spec);

// Picks the commit for `spec` out of `refs` (peeling annotated tags). NotFound if absent.
StatusOr<std::string> SelectCommit(const RemoteSpec& spec, const std::vector<RemoteRef>& refs);

// Lists the remote's refs with libgit2 (any scheme). `wanted` is a hint; more may be returned.
StatusOr<std::vector<RemoteRef>> ListRefsLibgit2(const RemoteSpec& spec,
                                                 const std::vector<std::string>& wanted);

// Lists refs over smart HTTP with libcurl (protocol v2 ls-refs with ref-prefix for each of
// `wanted`, falling back to the v0 advertisement). Only for http:// and https:// URLs.
StatusOr<std::vector<RemoteRef>> ListRefsHttp(const RemoteSpec& spec,
                                              const std::vector<std::string>& wanted);

// For tests: the protocol ListRefsHttp settled on for `url` (0 unknown, 1 v0/dumb, 2 v2).
int CachedHttpProtocol(const std::string& url);

}  // namespace flotilla::git
