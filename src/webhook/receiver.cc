#include "webhook/receiver.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/base64.h"
#include "core/json_limits.h"
#include "core/log.h"
#include "core/metrics.h"
#include "git/remote.h"
#include "model/gitrepo.h"
#include "model/resource_type.h"

namespace flotilla::webhook {
namespace {

enum class Provider { kGitHub, kGitLab, kGitea, kGogs, kBitbucket, kBitbucketServer, kAzure };

const char* ProviderName(Provider p) {
  switch (p) {
    case Provider::kGitHub:
      return "github";
    case Provider::kGitLab:
      return "gitlab";
    case Provider::kGitea:
      return "gitea";
    case Provider::kGogs:
      return "gogs";
    case Provider::kBitbucket:
      return "bitbucket";
    case Provider::kBitbucketServer:
      return "bitbucket-server";
    case Provider::kAzure:
      return "azure-devops";
  }
  return "unknown";
}

void Count(std::string_view provider, std::string_view result) {
  static auto& family = metrics::DefaultRegistry().AddCounter(
      "flotilla_webhook_requests_total", "Webhook requests received, by provider and result.");
  family.WithLabels({{"provider", std::string(provider)}, {"result", std::string(result)}}).Inc();
}

http::Response JsonResponse(int status, const Json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

http::Response Error(int status, std::string_view message) {
  return JsonResponse(status, Json{{"error", std::string(message)}});
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Constant time for equal lengths; the length itself is not secret.
bool SecureEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; i++) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 0xf]);
  }
  return out;
}

std::string HmacHex(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return Hex(out, len);
}

// ---- events ----

struct RefUpdate {
  std::string branch;  // empty when the ref is not a branch
  std::string commit;  // empty (or all zeros) for a deletion
};

struct Event {
  Provider provider;
  std::string name;  // the provider's event name, e.g. "push", "Push Hook", "repo:refs_changed"
  enum Kind { kPush, kPing, kIgnored } kind = kIgnored;
  std::vector<std::string> repo_urls;
  std::vector<RefUpdate> updates;
};

std::optional<Provider> Detect(const http::Request& req) {
  // Gogs and Gitea also send X-GitHub-Event: look at theirs first (as Fleet does).
  if (!req.Header("x-gitea-event").empty()) return Provider::kGitea;
  if (!req.Header("x-gogs-event").empty()) return Provider::kGogs;
  if (!req.Header("x-github-event").empty()) return Provider::kGitHub;
  if (!req.Header("x-gitlab-event").empty()) return Provider::kGitLab;
  if (!req.Header("x-hook-uuid").empty()) return Provider::kBitbucket;
  std::string key = req.Header("x-event-key");
  if (key == "repo:push") return Provider::kBitbucket;
  if (!key.empty()) return Provider::kBitbucketServer;
  if (!req.Header("x-vss-activityid").empty() || !req.Header("x-vss-subscriptionid").empty())
    return Provider::kAzure;
  return std::nullopt;
}

std::string EventName(Provider p, const http::Request& req) {
  switch (p) {
    case Provider::kGitea:
      return req.Header("x-gitea-event");
    case Provider::kGogs:
      return req.Header("x-gogs-event");
    case Provider::kGitHub:
      return req.Header("x-github-event");
    case Provider::kGitLab:
      return req.Header("x-gitlab-event");
    case Provider::kBitbucket:
    case Provider::kBitbucketServer:
      return req.Header("x-event-key");
    case Provider::kAzure:
      return "";  // in the body
  }
  return "";
}

const Json& At(const Json& j, std::initializer_list<const char*> path) {
  static const Json null;
  const Json* cur = &j;
  for (const char* k : path) {
    if (!cur->is_object()) return null;
    auto it = cur->find(k);
    if (it == cur->end()) return null;
    cur = &*it;
  }
  return *cur;
}

std::string Str(const Json& j, std::initializer_list<const char*> path) {
  const Json& v = At(j, path);
  return v.is_string() ? v.get<std::string>() : "";
}

std::string BranchOf(std::string_view ref) {
  constexpr std::string_view kHeads = "refs/heads/";
  return StartsWith(ref, kHeads) ? std::string(ref.substr(kHeads.size())) : "";
}

void AddUrl(Event& e, std::string url) {
  if (!url.empty()) e.repo_urls.push_back(std::move(url));
}

// Fills repo_urls and updates from a push payload. InvalidArgument when required parts are missing.
Status ParsePush(const Json& body, Event& e) {
  if (!body.is_object()) return InvalidArgument("payload is not a JSON object");
  switch (e.provider) {
    case Provider::kGitHub:
    case Provider::kGitea:
    case Provider::kGogs:
      for (const char* k : {"html_url", "clone_url", "ssh_url", "git_url"})
        AddUrl(e, Str(body, {"repository", k}));
      e.updates.push_back({BranchOf(Str(body, {"ref"})), Str(body, {"after"})});
      break;
    case Provider::kGitLab:
      for (const char* k : {"web_url", "git_http_url", "git_ssh_url", "http_url", "ssh_url"})
        AddUrl(e, Str(body, {"project", k}));
      for (const char* k : {"homepage", "git_http_url", "git_ssh_url"})
        AddUrl(e, Str(body, {"repository", k}));
      // checkout_sha is null when the branch was deleted.
      e.updates.push_back({BranchOf(Str(body, {"ref"})), Str(body, {"checkout_sha"})});
      break;
    case Provider::kBitbucket: {
      AddUrl(e, Str(body, {"repository", "links", "html", "href"}));
      std::string full = Str(body, {"repository", "full_name"});
      if (!full.empty()) AddUrl(e, "https://bitbucket.org/" + full);
      const Json& changes = At(body, {"push", "changes"});
      if (!changes.is_array()) return InvalidArgument("push.changes is missing");
      for (const Json& c : changes) {
        const Json& n = At(c, {"new"});
        if (!n.is_object()) continue;  // a deleted branch
        e.updates.push_back(
            {Str(n, {"type"}) == "branch" ? Str(n, {"name"}) : "", Str(n, {"target", "hash"})});
      }
      break;
    }
    case Provider::kBitbucketServer: {
      const Json& clone = At(body, {"repository", "links", "clone"});
      if (clone.is_array())
        for (const Json& l : clone) AddUrl(e, Str(l, {"href"}));
      const Json& changes = At(body, {"changes"});
      if (!changes.is_array()) return InvalidArgument("changes is missing");
      for (const Json& c : changes) {
        if (Str(c, {"type"}) == "DELETE") continue;
        std::string ref = Str(c, {"refId"});
        if (ref.empty()) ref = Str(c, {"ref", "id"});
        e.updates.push_back({BranchOf(ref), Str(c, {"toHash"})});
      }
      break;
    }
    case Provider::kAzure: {
      for (const char* k : {"remoteUrl", "sshUrl", "webUrl"})
        AddUrl(e, Str(body, {"resource", "repository", k}));
      const Json& updates = At(body, {"resource", "refUpdates"});
      if (!updates.is_array()) return InvalidArgument("resource.refUpdates is missing");
      for (const Json& u : updates)
        e.updates.push_back({BranchOf(Str(u, {"name"})), Str(u, {"newObjectId"})});
      break;
    }
  }
  if (e.repo_urls.empty()) return InvalidArgument("payload names no repository URL");
  return Status::Ok();
}

bool IsDeletion(const std::string& commit) {
  return commit.empty() ||
         std::all_of(commit.begin(), commit.end(), [](char c) { return c == '0'; });
}

// ---- verification ----

enum class Verdict { kOk, kMissing, kBad, kMisconfigured };

using SecretData = std::map<std::string, std::string>;

// The value of `key`, or nullopt when the Secret has no such key.
std::optional<std::string> Value(const SecretData& s, const std::string& key) {
  auto it = s.find(key);
  if (it == s.end()) return std::nullopt;
  return it->second;
}

// "sha256=<hex>" or "<hex>" against HMAC-SHA256(secret, body).
Verdict CheckSha256(std::string signature, std::string_view secret, std::string_view body) {
  if (signature.empty()) return Verdict::kMissing;
  if (StartsWith(signature, "sha256=")) signature.erase(0, 7);
  return SecureEqual(Lower(signature), HmacHex(EVP_sha256(), secret, body)) ? Verdict::kOk
                                                                            : Verdict::kBad;
}

Verdict Verify(Provider p, const http::Request& req, const SecretData& secret) {
  auto need = [&](const char* key) { return Value(secret, key); };
  switch (p) {
    case Provider::kGitHub: {
      auto s = need("github");
      if (!s) return Verdict::kMisconfigured;
      if (s->empty()) return Verdict::kOk;
      std::string sig256 = req.Header("x-hub-signature-256");
      if (!sig256.empty()) return CheckSha256(sig256, *s, req.body);
      // GitHub also sends the legacy HMAC-SHA1 header; older servers send only that one.
      std::string sig1 = req.Header("x-hub-signature");
      if (sig1.empty()) return Verdict::kMissing;
      if (!StartsWith(sig1, "sha1=")) return Verdict::kBad;
      return SecureEqual(Lower(sig1.substr(5)), HmacHex(EVP_sha1(), *s, req.body)) ? Verdict::kOk
                                                                                   : Verdict::kBad;
    }
    case Provider::kGitLab: {
      auto s = need("gitlab");
      if (!s) return Verdict::kMisconfigured;
      if (s->empty()) return Verdict::kOk;
      std::string token = req.Header("x-gitlab-token");
      if (token.empty()) return Verdict::kMissing;
      return SecureEqual(token, *s) ? Verdict::kOk : Verdict::kBad;
    }
    case Provider::kGitea:
    case Provider::kGogs: {
      auto s = need("gogs");
      if (!s && p == Provider::kGitea) s = need("gitea");
      if (!s) return Verdict::kMisconfigured;
      if (s->empty()) return Verdict::kOk;
      std::string sig =
          req.Header(p == Provider::kGitea ? "x-gitea-signature" : "x-gogs-signature");
      if (sig.empty()) sig = req.Header("x-gogs-signature");
      return CheckSha256(sig, *s, req.body);
    }
    case Provider::kBitbucket: {
      auto s = need("bitbucket");
      if (!s) return Verdict::kMisconfigured;
      if (s->empty()) return Verdict::kOk;
      // Fleet compares the hook's UUID; Bitbucket Cloud's newer secret signs the body instead.
      std::string uuid = req.Header("x-hook-uuid");
      std::string sig = req.Header("x-hub-signature");
      if (uuid.empty() && sig.empty()) return Verdict::kMissing;
      if (!uuid.empty() && SecureEqual(uuid, *s)) return Verdict::kOk;
      if (!sig.empty() && CheckSha256(sig, *s, req.body) == Verdict::kOk) return Verdict::kOk;
      return Verdict::kBad;
    }
    case Provider::kBitbucketServer: {
      auto s = need("bitbucket-server");
      if (!s) return Verdict::kMisconfigured;
      if (s->empty()) return Verdict::kOk;
      return CheckSha256(req.Header("x-hub-signature"), *s, req.body);
    }
    case Provider::kAzure: {
      auto user = need("azure-username");
      auto pass = need("azure-password");
      if (!user || !pass) return Verdict::kMisconfigured;
      if (user->empty() && pass->empty()) return Verdict::kOk;
      std::string auth = req.Header("authorization");
      if (auth.empty()) return Verdict::kMissing;
      if (Lower(auth.substr(0, 6)) != "basic ") return Verdict::kBad;
      auto decoded = Base64Decode(auth.substr(6));
      if (!decoded.ok()) return Verdict::kBad;
      // Compare the whole "user:password" so that neither part short-circuits.
      return SecureEqual(*decoded, *user + ":" + *pass) ? Verdict::kOk : Verdict::kBad;
    }
  }
  return Verdict::kBad;
}

SecretData ReadSecret(const Json& secret) {
  SecretData out;
  const Json& data = At(secret, {"data"});
  if (data.is_object())
    for (auto it = data.begin(); it != data.end(); ++it) {
      if (!it.value().is_string()) continue;
      auto v = Base64Decode(it.value().get<std::string>());
      if (v.ok()) out[it.key()] = *v;
    }
  // Objects written straight to the store (not through the API) may still carry stringData.
  const Json& sd = At(secret, {"stringData"});
  if (sd.is_object())
    for (auto it = sd.begin(); it != sd.end(); ++it)
      if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

StatusOr<std::string> MatchKey(std::string_view url) {
  ASSIGN_OR_RETURN(std::string key, git::RepoKey(url));
  key = Lower(key);
  auto slash = key.find('/');
  if (slash == std::string::npos) return key;
  std::string host = key.substr(0, slash);
  std::string path = key.substr(slash + 1);
  bool azure = false;
  if (host == "ssh.dev.azure.com" || host == "vs-ssh.visualstudio.com") {
    if (StartsWith(path, "v3/")) path.erase(0, 3);
    azure = true;
  } else if (host == "dev.azure.com") {
    azure = true;
  } else if (host.size() > 17 && host.ends_with(".visualstudio.com")) {
    path = host.substr(0, host.size() - 17) + "/" + path;
    azure = true;
  }
  if (!azure) return key;
  // org/[DefaultCollection/]project/_git/repo -> org/project/repo
  auto git = path.find("/_git/");
  if (git != std::string::npos) path.erase(git, 5);
  auto dc = path.find("/defaultcollection/");
  if (dc != std::string::npos) path.erase(dc, 18);
  return "dev.azure.com/" + path;
}

Receiver::Receiver(store::Store& store, std::function<void(const std::string&)> enqueue)
    : Receiver(store, std::move(enqueue), Options{}) {}

Receiver::Receiver(store::Store& store, std::function<void(const std::string&)> enqueue,
                   Options options)
    : store_(store), enqueue_(std::move(enqueue)), options_(std::move(options)) {}

namespace {

// The payload with bounded nesting (core/json_limits.h); a discarded value when it is not JSON
// or nests too deep (a payload from an unauthenticated sender must not exhaust the stack).
Json ParsePayload(std::string_view text) {
  auto v = ParseJson(text, "the webhook payload");
  return v.ok() ? std::move(v).value() : Json(Json::value_t::discarded);
}

}  // namespace

http::Response Receiver::Handle(const http::Request& req) {
  auto provider = Detect(req);
  // Azure DevOps can be configured without its headers being forwarded: look at the body.
  std::optional<Json> body;
  auto parse_body = [&]() -> bool {
    if (body) return !body->is_discarded();
    // GitHub's (and Gitea's) other content type: the JSON in a form field named "payload".
    // Signatures still cover the raw body.
    if (StartsWith(Lower(req.Header("content-type")), "application/x-www-form-urlencoded")) {
      auto form = http::ParseQuery(req.body);
      body = ParsePayload(form["payload"]);
    } else {
      body = ParsePayload(req.body);
    }
    return !body->is_discarded();
  };
  if (req.method != "POST") {
    Count(provider ? ProviderName(*provider) : "unknown", "method_not_allowed");
    auto r = Error(405, "webhooks must be POSTed");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  if (req.body.size() > options_.max_body_bytes) {
    Count(provider ? ProviderName(*provider) : "unknown", "too_large");
    return Error(413, fmt::format("payload larger than {} bytes", options_.max_body_bytes));
  }
  if (!provider && req.body.size() < (1 << 20) && parse_body() &&
      Str(*body, {"eventType"}) == "git.push")
    provider = Provider::kAzure;
  if (!provider) {
    Count("unknown", "bad_request");
    return Error(400, "unrecognised webhook: no provider event header");
  }
  const char* pname = ProviderName(*provider);

  Event ev;
  ev.provider = *provider;
  ev.name = EventName(*provider, req);
  switch (*provider) {
    case Provider::kGitHub:
    case Provider::kGitea:
    case Provider::kGogs:
      ev.kind = ev.name == "push"   ? Event::kPush
                : ev.name == "ping" ? Event::kPing
                                    : Event::kIgnored;
      break;
    case Provider::kGitLab:
      // Tag pushes move no branch; they are acknowledged and ignored.
      ev.kind = ev.name == "Push Hook" || ev.name == "System Hook" ? Event::kPush : Event::kIgnored;
      break;
    case Provider::kBitbucket:
      ev.kind = ev.name == "repo:push" ? Event::kPush : Event::kIgnored;
      break;
    case Provider::kBitbucketServer:
      ev.kind = ev.name == "repo:refs_changed"  ? Event::kPush
                : ev.name == "diagnostics:ping" ? Event::kPing
                                                : Event::kIgnored;
      break;
    case Provider::kAzure:
      if (!parse_body()) {
        Count(pname, "bad_request");
        return Error(400, "payload is not valid JSON");
      }
      ev.name = Str(*body, {"eventType"});
      ev.kind = ev.name == "git.push" ? Event::kPush : Event::kIgnored;
      break;
  }
  if (ev.kind == Event::kPing) {
    Count(pname, "ping");
    return JsonResponse(200, Json{{"matched", Json::array()}, {"event", ev.name}});
  }
  if (ev.kind == Event::kIgnored) {
    Count(pname, "ignored");
    log::Debug("webhook event ignored", {{"provider", pname}, {"event", ev.name}});
    return JsonResponse(200, Json{{"matched", Json::array()}, {"ignored", ev.name}});
  }
  if (!parse_body()) {
    Count(pname, "bad_request");
    return Error(400, "payload is not valid JSON");
  }
  if (*provider == Provider::kGitLab && Str(*body, {"object_kind"}) != "push") {
    Count(pname, "ignored");
    return JsonResponse(200, Json{{"matched", Json::array()}, {"ignored", ev.name}});
  }
  if (Status s = ParsePush(*body, ev); !s.ok()) {
    Count(pname, "bad_request");
    return Error(400, s.message());
  }

  std::set<std::string> keys;
  for (const auto& u : ev.repo_urls)
    if (auto k = MatchKey(u); k.ok()) keys.insert(*k);
  if (keys.empty()) {
    Count(pname, "bad_request");
    return Error(400, "payload names no valid repository URL");
  }
  std::map<std::string, std::string> branch_commit;  // branch -> pushed commit
  for (const auto& u : ev.updates)
    if (!u.branch.empty() && !IsDeletion(u.commit)) branch_commit[u.branch] = u.commit;
  const std::string repo = git::RedactUrl(ev.repo_urls.front());

  // Candidates: GitRepos of this repository following an updated branch.
  struct Candidate {
    std::string ns, name, commit, branch, secret_name;
  };
  std::vector<Candidate> candidates;
  if (!branch_commit.empty()) {
    auto list = store_.List(model::GitRepoType(), {});
    if (!list.ok()) {
      Count(pname, "error");
      log::Error("webhook: cannot list GitRepos", {{"error", list.status().message()}});
      return Error(500, "cannot list GitRepos");
    }
    for (const Json& g : list->items) {
      auto spec = model::ParseGitRepoSpec(At(g, {"spec"}));
      if (!spec.ok() || !spec->revision.empty()) continue;
      auto key = MatchKey(spec->repo);
      if (!key.ok() || !keys.count(*key)) continue;
      std::string branch = spec->branch.empty() ? model::kDefaultBranch : spec->branch;
      auto it = branch_commit.find(branch);
      if (it == branch_commit.end()) continue;
      candidates.push_back(
          {store::NamespaceOf(g), store::NameOf(g), it->second, branch, spec->webhook_secret});
    }
  }

  // Verify against each candidate's secret (read once per request).
  std::map<std::pair<std::string, std::string>, std::optional<SecretData>> secrets;
  auto secret_for = [&](const std::string& ns, const std::string& name,
                        bool must_exist) -> StatusOr<std::optional<SecretData>> {
    auto key = std::make_pair(ns, name);
    if (auto it = secrets.find(key); it != secrets.end()) return it->second;
    auto s = store_.Get(model::SecretType(), ns, name);
    std::optional<SecretData> data;
    if (s.ok()) {
      data = ReadSecret(*s);
    } else if (s.status().code() != StatusCode::kNotFound) {
      return s.status();
    } else if (must_exist) {
      return NotFound(fmt::format("webhookSecret: secret \"{}\" not found in \"{}\"", name, ns));
    }
    secrets[key] = data;
    return data;
  };
  std::vector<Candidate> accepted;
  int missing = 0, bad = 0;
  for (const Candidate& c : candidates) {
    const std::string key = c.ns + "/" + c.name;
    const bool own = !c.secret_name.empty();
    auto secret = own ? secret_for(c.ns, c.secret_name, true)
                      : secret_for(options_.secret_namespace, options_.secret_name, false);
    Verdict v;
    if (!secret.ok()) {
      if (secret.status().code() != StatusCode::kNotFound) {
        Count(pname, "error");
        log::Error("webhook: cannot read secret",
                   {{"gitrepo", key}, {"error", secret.status().message()}});
        return Error(500, "cannot read webhook secret");
      }
      log::Warn("webhook refused: GitRepo's webhook secret does not exist",
                {{"provider", pname}, {"gitrepo", key}, {"error", secret.status().message()}});
      v = Verdict::kMisconfigured;
    } else {
      v = secret->has_value() ? Verify(ev.provider, req, **secret) : Verdict::kOk;
      if (v == Verdict::kMisconfigured)
        log::Warn("webhook refused: secret has no key for this provider",
                  {{"provider", pname},
                   {"gitrepo", key},
                   {"secret", own ? c.ns + "/" + c.secret_name
                                  : options_.secret_namespace + "/" + options_.secret_name}});
    }
    if (v == Verdict::kOk) {
      accepted.push_back(c);
      continue;
    }
    (v == Verdict::kMissing ? missing : bad)++;
    if (v != Verdict::kMisconfigured)
      log::Warn(v == Verdict::kMissing ? "webhook refused: not signed"
                                       : "webhook refused: signature or token does not match",
                {{"provider", pname}, {"repo", repo}, {"gitrepo", key}});
  }
  if (!candidates.empty() && accepted.empty()) {
    if (bad > 0) {
      Count(pname, "forbidden");
      return Error(403, "webhook signature or token does not match the webhook secret");
    }
    Count(pname, "unauthorized");
    return Error(401, "webhook is not signed but a webhook secret is configured");
  }

  Json matched = Json::array();
  std::vector<std::string> matched_keys;
  for (const Candidate& c : accepted) {
    auto r =
        store::Mutate(store_, model::GitRepoType(), c.ns, c.name, /*status=*/true, [&](Json& o) {
          Json& st = o["status"];
          if (!st.is_object()) st = Json::object();
          st["webhookCommit"] = c.commit;
          st.erase("lastPollingTriggered");
          return true;
        });
    const std::string key = c.ns + "/" + c.name;
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kNotFound) continue;  // deleted meanwhile
      Count(pname, "error");
      log::Error("webhook: cannot update GitRepo",
                 {{"gitrepo", key}, {"error", r.status().message()}});
      return Error(500, "cannot update GitRepo " + key);
    }
    if (enqueue_) enqueue_(key);
    log::Info("webhook push accepted", {{"provider", pname},
                                        {"repo", repo},
                                        {"gitrepo", key},
                                        {"branch", c.branch},
                                        {"commit", c.commit}});
    matched.push_back(key);
    matched_keys.push_back(key);
  }
  std::string branches;
  for (const auto& [b, commit] : branch_commit) branches += (branches.empty() ? "" : ",") + b;
  log::Info("webhook push",
            {{"provider", pname},
             {"repo", repo},
             {"branch", branches},
             {"commit", branch_commit.size() == 1 ? branch_commit.begin()->second : std::string()},
             {"matched", Join(matched_keys)}});
  Count(pname, matched.empty() ? "unmatched" : "matched");
  Json out{{"matched", matched}};
  if (missing + bad > 0) out["refused"] = missing + bad;
  return JsonResponse(200, out);
}

}  // namespace flotilla::webhook
