// Admission for every kind: defaulting and validation with field paths, applied by the API on
// create and update (internal writers produce valid objects by construction).
#pragma once

#include "core/json.h"
#include "core/status.h"
#include "model/resource_type.h"

namespace flotilla::model {

// Collects field problems; Finish() turns them into one InvalidArgument Status whose message
// reads like Kubernetes': `GitRepo.fleet.cattle.io "x" is invalid: spec.repo: Required value`.
class FieldErrors {
 public:
  void Add(std::string field, std::string message, std::string reason = "FieldValueInvalid") {
    causes_.push_back({std::move(field), std::move(message), std::move(reason)});
  }
  void Required(std::string field) {
    Add(std::move(field), "Required value", "FieldValueRequired");
  }
  bool empty() const { return causes_.empty(); }
  const std::vector<FieldCause>& causes() const { return causes_; }
  Status Finish(const std::string& what) const;

 private:
  std::vector<FieldCause> causes_;
};

// DNS-1123 subdomain (object names), DNS-1123 label (namespaces).
bool IsDns1123Subdomain(std::string_view s);
bool IsDns1123Label(std::string_view s);

// Fills defaults of `type` into `object` (also metadata.namespace "default" when missing for
// namespaced kinds is the API's job, not this).
void ApplyDefaults(const ResourceType& type, Json& object);

// Validates metadata (name, namespace, labels, annotations) and the kind-specific body.
Status Validate(const ResourceType& type, const Json& object);

}  // namespace flotilla::model
