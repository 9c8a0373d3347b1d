#include <git2.h>

#include <algorithm>

#include "git/lg2.h"
#include "git/refs.h"
#include "git/remote.h"
#include "git/url.h"

namespace flotilla::git {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool ValidRefName(const std::string& name) {
  lg2::EnsureInit();
  int valid = 0;
  return git_reference_name_is_valid(&valid, name.c_str()) == 0 && valid;
}

}  // namespace

StatusOr<std::vector<std::string>> WantedRefs(const RemoteSpec& spec) {
  if (!spec.revision.empty()) {
    std::string name =
        spec.revision.rfind("refs/", 0) == 0 ? spec.revision : "refs/tags/" + spec.revision;
    if (!ValidRefName(name)) {
      return InvalidArgument("invalid revision \"" + spec.revision + "\"");
    }
    return std::vector<std::string>{name};
  }
  std::string branch = spec.EffectiveBranch();
  if (!ValidRefName("refs/heads/" + branch)) {
    return InvalidArgument("invalid branch name \"" + branch + "\"");
  }
  return std::vector<std::string>{"refs/heads/" + branch};
}

StatusOr<std::string> SelectCommit(const RemoteSpec& spec, const std::vector<RemoteRef>& refs) {
  ASSIGN_OR_RETURN(std::vector<std::string> wanted, WantedRefs(spec));
  const std::string& name = wanted.front();
  std::string found;
  for (const RemoteRef& ref : refs) {
    if (ref.name == name + "^{}") return ref.oid;  // v0: the peeled line of an annotated tag
    if (ref.name == name) {
      if (!ref.peeled.empty()) return ref.peeled;
      found = ref.oid;
    }
  }
  if (!found.empty()) return found;
  std::string url = RedactUrl(spec.url);
  if (!spec.revision.empty()) {
    return NotFound("revision \"" + spec.revision + "\" not found on " + url +
                    " (expected a commit id, a tag, or a full ref name)");
  }
  return NotFound("branch \"" + spec.EffectiveBranch() + "\" not found on " + url);
}

StatusOr<std::vector<RemoteRef>> ListRefsLibgit2(const RemoteSpec& spec,
                                                 const std::vector<std::string>& wanted) {
  lg2::EnsureInit();
  lg2::NetScope scope(spec.timeouts);
  lg2::CallbackState state(spec);
  git_remote* raw = nullptr;
  git_remote_create_options create = GIT_REMOTE_CREATE_OPTIONS_INIT;
  create.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  int rc = git_remote_create_with_opts(&raw, spec.url.c_str(), &create);
  lg2::RemotePtr remote(raw);
  if (rc < 0) return InvalidArgument("invalid git URL \"" + RedactUrl(spec.url) + "\"");
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  lg2::SetCallbacks(&callbacks, &state);
  rc = git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr);
  if (rc < 0) return lg2::ErrorStatus(rc, state, "cannot list refs of");
  const git_remote_head** heads = nullptr;
  size_t n = 0;
  rc = git_remote_ls(&heads, &n, remote.get());
  if (rc < 0) return lg2::ErrorStatus(rc, state, "cannot list refs of");
  std::vector<RemoteRef> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back({heads[i]->name, lg2::OidHex(&heads[i]->oid), ""});
  }
  git_remote_disconnect(remote.get());
  return out;
}

StatusOr<std::string> ResolveCommit(const RemoteSpec& spec) {
  ASSIGN_OR_RETURN(ParsedUrl url, ParseUrl(spec.url));
  if (!spec.revision.empty() && IsCommitId(spec.revision)) return Lower(spec.revision);
  ASSIGN_OR_RETURN(std::vector<std::string> wanted, WantedRefs(spec));
  std::vector<RemoteRef> refs;
  if (url.scheme == "http" || url.scheme == "https") {
    ASSIGN_OR_RETURN(refs, ListRefsHttp(spec, wanted));
  } else {
    ASSIGN_OR_RETURN(refs, ListRefsLibgit2(spec, wanted));
  }
  return SelectCommit(spec, refs);
}

}  // namespace flotilla::git
