#include "model/cluster_status.h"

#include <fmt/format.h>

#include "model/conditions.h"

namespace flotilla::model {
namespace {

constexpr const char* kOffline = "Offline";

Json& StatusOf(Json& cluster) {
  if (!cluster.contains("status") || !cluster["status"].is_object())
    cluster["status"] = Json::object();
  return cluster["status"];
}

bool SetOnline(Json& st) {
  bool changed = false;
  if (FindCondition(st, kOffline) != nullptr)
    changed |= SetCondition(st, kOffline, false, "CheckedIn", "");
  if (!st.contains("display") || !st["display"].is_object()) st["display"] = Json::object();
  if (st["display"].value("state", "") != "Ready") {
    st["display"]["state"] = "Ready";
    changed = true;
  }
  return changed;
}

}  // namespace

bool ClusterOffline(const Json& cluster, std::string* why) {
  if (!cluster.is_object() || !cluster.contains("status")) return false;
  const Json* c = FindCondition(cluster["status"], kOffline);
  if (c == nullptr || c->value("status", "") != "True") return false;
  if (why != nullptr) *why = c->value("message", "");
  return true;
}

bool UpdateOffline(Json& cluster, Clock::time_point now, std::chrono::milliseconds interval) {
  Json& st = StatusOf(cluster);
  const Json agent = st.value("agent", Json::object());
  const std::string seen = agent.is_object() ? agent.value("lastSeen", "") : "";
  Clock::time_point last;
  if (seen.empty() || !ParseRfc3339(seen, &last)) return false;
  const auto window = interval * kOfflineAfterCheckins;
  if (now - last <= window) return ClusterOffline(cluster) ? SetOnline(st) : false;
  if (ClusterOffline(cluster)) return false;
  SetCondition(st, kOffline, true, "AgentNotCheckingIn",
               fmt::format("agent last checked in at {}, more than {} check-in intervals ({}) ago",
                           seen, kOfflineAfterCheckins, FormatGoDuration(window)));
  st["display"]["state"] = "Offline";
  return true;
}

void CheckIn(Json& cluster, Clock::time_point now, const std::string& deployment_namespace) {
  Json& st = StatusOf(cluster);
  st["agent"]["lastSeen"] = FormatRfc3339(now);
  st["namespace"] = deployment_namespace;
  SetOnline(st);
}

}  // namespace flotilla::model
