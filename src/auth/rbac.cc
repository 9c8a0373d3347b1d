#include "auth/rbac.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "auth/roles.h"
#include "core/log.h"
#include "model/resource_type.h"

namespace flotilla::auth {
namespace {

enum Kind { kRole = 0, kClusterRole = 1, kRoleBinding = 2, kClusterRoleBinding = 3 };

const model::ResourceType& TypeOf(int kind) {
  switch (kind) {
    case kRole:
      return model::RoleType();
    case kClusterRole:
      return model::ClusterRoleType();
    case kRoleBinding:
      return model::RoleBindingType();
    default:
      return model::ClusterRoleBindingType();
  }
}

std::string Str(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<PolicyRule> RulesOf(const Json& role) {
  std::vector<PolicyRule> rules;
  auto it = role.find("rules");
  if (it == role.end() || !it->is_array()) return rules;
  for (const Json& r : *it) rules.push_back(PolicyRule::FromJson(r));
  return rules;
}

struct Binding {
  bool cluster_binding = false;
  std::string ns;  // a RoleBinding's namespace
  bool to_cluster_role = false;
  std::string role;                       // roleRef.name
  std::vector<std::string> subject_keys;  // "u:NAME" / "g:NAME"
};

// Subjects as index keys: users (ServiceAccounts are the user system:serviceaccount:NS:NAME,
// NS defaulting to a RoleBinding's own) and groups. Unknown kinds match nobody.
std::vector<std::string> SubjectKeys(const Json& binding, const std::string& binding_ns) {
  std::vector<std::string> keys;
  auto it = binding.find("subjects");
  if (it == binding.end() || !it->is_array()) return keys;
  for (const Json& s : *it) {
    if (!s.is_object()) continue;
    std::string kind = Str(s, "kind"), name = Str(s, "name");
    if (name.empty()) continue;
    if (kind == "User") {
      keys.push_back("u:" + name);
    } else if (kind == "Group") {
      keys.push_back("g:" + name);
    } else if (kind == "ServiceAccount") {
      std::string ns = Str(s, "namespace");
      if (ns.empty()) ns = binding_ns;
      if (!ns.empty())
        keys.push_back("u:" + std::string(kServiceAccountUserPrefix) + ns + ":" + name);
    }
  }
  return keys;
}

}  // namespace

struct RbacAuthorizer::Index {
  std::unordered_map<std::string, std::vector<PolicyRule>> roles;          // "ns/name"
  std::unordered_map<std::string, std::vector<PolicyRule>> cluster_roles;  // name
  std::unordered_map<std::string, Binding> bindings;  // "rb:ns/name" or "crb:name"
  std::unordered_map<std::string, std::unordered_set<std::string>> by_subject;

  void Apply(int kind, store::WatchEventType type, const Json& object) {
    if (type == store::WatchEventType::kBookmark) return;
    const bool del = type == store::WatchEventType::kDeleted;
    const std::string name = store::NameOf(object), ns = store::NamespaceOf(object);
    switch (kind) {
      case kRole:
        if (del)
          roles.erase(ns + "/" + name);
        else
          roles[ns + "/" + name] = RulesOf(object);
        return;
      case kClusterRole:
        if (del)
          cluster_roles.erase(name);
        else
          cluster_roles[name] = RulesOf(object);
        return;
      default: {
        const bool cluster = kind == kClusterRoleBinding;
        std::string key = cluster ? "crb:" + name : "rb:" + ns + "/" + name;
        RemoveBinding(key);
        if (!del) PutBinding(key, cluster, ns, object);
      }
    }
  }

  void RemoveBinding(const std::string& key) {
    auto it = bindings.find(key);
    if (it == bindings.end()) return;
    for (const std::string& s : it->second.subject_keys) {
      auto sub = by_subject.find(s);
      if (sub == by_subject.end()) continue;
      sub->second.erase(key);
      if (sub->second.empty()) by_subject.erase(sub);
    }
    bindings.erase(it);
  }

  void PutBinding(const std::string& key, bool cluster, const std::string& ns, const Json& obj) {
    Binding b;
    b.cluster_binding = cluster;
    b.ns = cluster ? "" : ns;
    const Json* ref = obj.contains("roleRef") ? &obj["roleRef"] : nullptr;
    if (!ref || !ref->is_object()) return;
    std::string kind = Str(*ref, "kind");
    if (kind == "ClusterRole")
      b.to_cluster_role = true;
    else if (kind != "Role" || cluster)
      return;  // a ClusterRoleBinding binds ClusterRoles only
    b.role = Str(*ref, "name");
    b.subject_keys = SubjectKeys(obj, b.ns);
    for (const std::string& s : b.subject_keys) by_subject[s].insert(key);
    bindings[key] = std::move(b);
  }

  // OK, or the denial's reason ("" or "RBAC: ..." for roles that could not be resolved).
  bool Allows(const std::string& user, const std::vector<std::string>& groups,
              const RequestAttributes& a, std::string* reason) const {
    std::vector<std::string> errors;
    auto check = [&](const std::string& subject) {
      auto sub = by_subject.find(subject);
      if (sub == by_subject.end()) return false;
      for (const std::string& key : sub->second) {
        const Binding& b = bindings.at(key);
        // A RoleBinding grants only within its namespace, never at the cluster scope.
        if (!b.cluster_binding && b.ns != a.ns) continue;
        const std::vector<PolicyRule>* rules = nullptr;
        if (b.to_cluster_role) {
          auto r = cluster_roles.find(b.role);
          if (r != cluster_roles.end()) rules = &r->second;
        } else {
          auto r = roles.find(b.ns + "/" + b.role);
          if (r != roles.end()) rules = &r->second;
        }
        if (!rules) {
          std::string e = fmt::format("{}.rbac.authorization.k8s.io \"{}\" not found",
                                      b.to_cluster_role ? "clusterrole" : "role", b.role);
          if (std::find(errors.begin(), errors.end(), e) == errors.end()) errors.push_back(e);
          continue;
        }
        for (const PolicyRule& rule : *rules)
          if (RuleAllows(a, rule)) return true;
      }
      return false;
    };
    if (check("u:" + user)) return true;
    for (const std::string& g : groups)
      if (check("g:" + g)) return true;
    if (errors.size() == 1) *reason = "RBAC: " + errors[0];
    if (errors.size() > 1) *reason = "RBAC: [" + fmt::format("{}", fmt::join(errors, ", ")) + "]";
    return false;
  }
};

struct RbacAuthorizer::State {
  State(store::Store& s, Options o) : store(s), options(o) {}

  store::Store& store;
  const Options options;
  // Bumped by the watches' wakeups (which may outlive this State, hence shared).
  std::shared_ptr<std::atomic<uint64_t>> signal = std::make_shared<std::atomic<uint64_t>>(0);
  std::atomic<uint64_t> applied{0};  // the signal count the index has caught up with
  std::atomic<bool> healthy{false};
  std::atomic<bool> poll_always{false};  // a watch cannot signal: catch up on every request

  std::shared_mutex mu;
  Index index;                                              // GUARDED_BY(mu)
  std::array<std::unique_ptr<store::Watcher>, 4> watchers;  // GUARDED_BY(mu), exclusive
  std::string error;                                        // GUARDED_BY(mu)
  std::chrono::steady_clock::time_point next_retry;         // GUARDED_BY(mu)

  void Fail(const Status& s) {  // REQUIRES: mu held exclusively
    if (healthy.load())
      log::Error("RBAC: authorization data unavailable, denying requests",
                 {{"error", s.message()}});
    healthy = false;
    error = s.message();
    index = Index{};
    for (auto& w : watchers) w.reset();
    next_retry = std::chrono::steady_clock::now() + options.retry_interval;
  }

  // Rebuilds the index from lists and reopens the watches. REQUIRES: mu held exclusively.
  Status Relist() {
    for (auto& w : watchers) w.reset();
    Index fresh;
    std::array<std::unique_ptr<store::Watcher>, 4> fresh_watchers;
    bool polls = false;
    for (int kind = 0; kind < 4; ++kind) {
      const model::ResourceType& type = TypeOf(kind);
      auto list = store.List(type, {});
      if (!list.ok()) return list.status();
      for (const Json& item : list->items) fresh.Apply(kind, store::WatchEventType::kAdded, item);
      store::WatchOptions wo;
      wo.resource_version = list->resource_version;
      wo.send_initial_events = false;
      auto w = store.Watch(type, wo);
      if (!w.ok()) return w.status();
      std::shared_ptr<std::atomic<uint64_t>> sig = signal;
      if (!(*w)->SetWakeup([sig] { sig->fetch_add(1); })) polls = true;
      fresh_watchers[kind] = std::move(w).value();
    }
    index = std::move(fresh);
    watchers = std::move(fresh_watchers);
    poll_always = polls;
    if (!healthy.load()) log::Info("RBAC: authorization data loaded");
    healthy = true;
    error.clear();
    // Changes between opening a watch and setting its wakeup signalled nobody: take them now.
    return Drain();
  }

  // Applies every change ready now. REQUIRES: mu held exclusively and healthy.
  Status Drain() {
    for (int kind = 0; kind < 4; ++kind) {
      store::Watcher& w = *watchers[kind];
      while (auto ev = w.Next(std::chrono::milliseconds(0)))
        index.Apply(kind, ev->type, ev->object);
      if (w.stopped()) {
        Status why = w.status().ok() ? Unavailable("the RBAC watch stopped") : w.status();
        log::Warn("RBAC: watch stopped, re-listing",
                  {{"kind", TypeOf(kind).kind}, {"error", why.message()}});
        return Relist();
      }
    }
    return Status::Ok();
  }

  void CatchUp() {
    uint64_t wanted = signal->load();
    if (healthy.load() && !poll_always.load() && applied.load() >= wanted) return;
    std::unique_lock lk(mu);
    if (healthy.load() && !poll_always.load() && applied.load() >= wanted) return;
    if (!healthy.load() && std::chrono::steady_clock::now() < next_retry) return;
    uint64_t seen = signal->load();
    Status s = healthy.load() ? Drain() : Relist();
    if (!s.ok()) return Fail(s);
    applied = seen;
  }
};

RbacAuthorizer::RbacAuthorizer(store::Store& store, Options options)
    : state_(std::make_unique<State>(store, options)) {}

RbacAuthorizer::~RbacAuthorizer() {
  std::unique_lock lk(state_->mu);
  for (auto& w : state_->watchers)
    if (w) w->Stop();
}

StatusOr<std::unique_ptr<RbacAuthorizer>> RbacAuthorizer::Create(store::Store& store,
                                                                 Options options) {
  std::unique_ptr<RbacAuthorizer> a(new RbacAuthorizer(store, options));
  std::unique_lock lk(a->state_->mu);
  if (Status s = a->state_->Relist(); !s.ok()) return s;
  lk.unlock();
  return a;
}

Status RbacAuthorizer::Authorize(const http::UserInfo& user, const RequestAttributes& attributes) {
  std::vector<std::string> groups = EffectiveGroups(user);
  for (const std::string& g : groups)
    if (g == kSystemMastersGroup) return Status::Ok();
  State& s = *state_;
  s.CatchUp();
  std::shared_lock lk(s.mu);
  std::string reason;
  if (!s.healthy.load()) {
    reason = "RBAC: authorization data unavailable: " + s.error;
  } else if (s.index.Allows(user.name, groups, attributes, &reason)) {
    return Status::Ok();
  }
  return {StatusCode::kPermissionDenied, ForbiddenMessage(user.name, attributes, reason)};
}

RbacAuthorizer::Stats RbacAuthorizer::stats() {
  state_->CatchUp();
  std::shared_lock lk(state_->mu);
  const Index& i = state_->index;
  Stats st;
  for (const auto& [key, b] : i.bindings)
    (b.cluster_binding ? st.cluster_role_bindings : st.role_bindings)++;
  st.roles = i.roles.size();
  st.cluster_roles = i.cluster_roles.size();
  st.subjects = i.by_subject.size();
  st.healthy = state_->healthy.load();
  return st;
}

}  // namespace flotilla::auth
