// Kubernetes label selectors: the string form used by `?labelSelector=` and `kubectl -l`
// ("app=web,tier!=db,env in (a,b),!legacy,owner") and the metav1.LabelSelector JSON form
// (matchLabels / matchExpressions) used by Fleet targets and ClusterGroups.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace flotilla::model {

using Labels = std::map<std::string, std::string>;

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };

  // The empty selector matches everything.
  LabelSelector() = default;

  static StatusOr<LabelSelector> Parse(std::string_view text);
  // metav1.LabelSelector; null/absent matches everything.
  static StatusOr<LabelSelector> FromJson(const Json& selector);

  bool Matches(const Labels& labels) const;
  bool Matches(const Json& labels_object) const;  // metadata.labels (object or null)
  bool empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }
  std::string ToString() const;

 private:
  std::vector<Requirement> requirements_;
};

// Labels of an object (metadata.labels) as a map; non-string values are ignored.
Labels LabelsOf(const Json& object);

// Label keys/values must be valid Kubernetes labels; returns the first problem.
Status ValidateLabelKey(std::string_view key);
Status ValidateLabelValue(std::string_view value);

}  // namespace flotilla::model
