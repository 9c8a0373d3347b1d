// A Cluster's agent liveness (Fleet #594): an agent checks in by writing status.agent.lastSeen
// every agentCheckinInterval; a Cluster whose agent has not checked in for kOfflineAfterCheckins
// intervals is offline — condition "Offline" true (with the last check-in in its message) and
// status.display.state "Offline" — and its BundleDeployments count as not ready wherever
// readiness is summed (Bundle and GitRepo status), with that reason. A check-in clears it.
#pragma once

#include <chrono>
#include <string>

#include "core/json.h"
#include "core/time.h"

namespace flotilla::model {

inline constexpr int kOfflineAfterCheckins = 3;

// Whether `cluster` is marked offline; `why` (optional) gets the condition's message.
bool ClusterOffline(const Json& cluster, std::string* why = nullptr);

// Marks or clears `cluster`'s offline state from its last check-in, as of `now`: offline when
// status.agent.lastSeen is older than kOfflineAfterCheckins × `interval` (a Cluster that never
// checked in is left alone). Returns true if the status changed.
bool UpdateOffline(Json& cluster, Clock::time_point now, std::chrono::milliseconds interval);

// What an agent's check-in writes into `cluster`: status.agent.lastSeen = `now`, its
// namespace, and the offline state cleared.
void CheckIn(Json& cluster, Clock::time_point now, const std::string& deployment_namespace);

}  // namespace flotilla::model
