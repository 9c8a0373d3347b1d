// Kubernetes Events (core/v1) about objects, as `kubectl describe` shows them. Repeats of the same
// (object, type, reason, message) are folded into one Event whose count and lastTimestamp grow,
// like client-go's event correlator. Old Events are garbage-collected (Kubernetes keeps them one
// hour by default). Recording never fails the caller: errors are logged.
#pragma once

#include <chrono>
#include <string>

#include "core/json.h"
#include "store/store.h"

namespace flotilla::gitops {

class EventRecorder {
 public:
  explicit EventRecorder(store::Store& store, std::string component = "flotilla-controller")
      : store_(store), component_(std::move(component)) {}

  // `type` is "Normal" or "Warning".
  void Record(const Json& object, const std::string& type, const std::string& reason,
              const std::string& message);

  // Deletes Events whose lastTimestamp is older than `ttl`. Returns how many were deleted.
  int CollectGarbage(std::chrono::seconds ttl = std::chrono::hours(1));

 private:
  store::Store& store_;
  std::string component_;
};

}  // namespace flotilla::gitops
