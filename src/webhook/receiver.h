// The webhook receiver: turns a git provider's push event into "poll this GitRepo now".
//
// Mounted by `flotilla server` at /webhooks (any path below it works too). Providers are told
// apart by their headers, as Fleet's gitjob receiver does: Gogs/Gitea (X-Gogs-Event,
// X-Gitea-Event), GitHub (X-GitHub-Event), GitLab (X-Gitlab-Event), Bitbucket Cloud (X-Hook-UUID,
// or X-Event-Key: repo:push), Bitbucket Server (X-Event-Key), Azure DevOps (X-Vss-ActivityId /
// X-Vss-SubscriptionId, or a body with "eventType": "git.push").
//
// A push names a repository (several URL spellings) and one or more (branch, commit) updates. It
// matches every GitRepo whose spec.repo is the same repository (git::RepoKey, compared without
// case; Azure DevOps' https/ssh forms are unified) and whose branch (default "master") was
// updated; GitRepos with spec.revision set are never moved by pushes. For each match, after the
// event is verified against that GitRepo's secret, the receiver writes status.webhookCommit,
// erases status.lastPollingTriggered (the poll becomes due at once, also with disablePolling)
// and calls `enqueue("ns/name")`. It never writes status.commit or pollingCommit: the controller
// polls and syncs (docs/sync.md).
//
// Secrets, as in Fleet: a GitRepo's spec.webhookSecret names a Secret in the GitRepo's namespace
// (it must exist); otherwise the Secret "gitjob-webhook" in "cattle-fleet-system" is used when it
// exists. Keys: github, gitlab, gogs (Gitea too; "gitea" is accepted as well), bitbucket (the
// hook UUID, or the HMAC secret), bitbucket-server, azure-username + azure-password. When a
// Secret applies but has no key for the provider, the event is refused. When no Secret applies,
// events are accepted unverified (Fleet's behaviour). Comparisons are constant-time.
//
// Responses: 200 {"matched": ["ns/name", ...]}; 400 malformed or unrecognised; 401 credentials
// missing; 403 credentials wrong (or secret misconfigured); 405 non-POST; 413 body too large;
// 500 store errors. Secrets and bodies are never logged.
//
// Thread-safe: Handle() may run concurrently on several connections.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "http/message.h"
#include "store/store.h"

namespace flotilla::webhook {

inline constexpr const char* kDefaultSecretName = "gitjob-webhook";
inline constexpr const char* kDefaultSecretNamespace = "cattle-fleet-system";
inline constexpr size_t kDefaultMaxBodyBytes = 10 << 20;

class Receiver {
 public:
  struct Options {
    std::string secret_namespace = kDefaultSecretNamespace;
    std::string secret_name = kDefaultSecretName;
    size_t max_body_bytes = kDefaultMaxBodyBytes;
  };

  Receiver(store::Store& store, std::function<void(const std::string&)> enqueue);
  Receiver(store::Store& store, std::function<void(const std::string&)> enqueue, Options options);

  http::Response Handle(const http::Request& request);

 private:
  store::Store& store_;
  std::function<void(const std::string&)> enqueue_;
  Options options_;
};

// The repository identity used for matching: git::RepoKey lower-cased, with Azure DevOps'
// spellings (dev.azure.com/o/p/_git/r, ssh.dev.azure.com:v3/o/p/r, o.visualstudio.com/p/_git/r)
// unified. InvalidArgument for URLs that are not git remote URLs.
StatusOr<std::string> MatchKey(std::string_view url);

}  // namespace flotilla::webhook
