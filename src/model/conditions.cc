#include "model/conditions.h"

#include "core/time.h"

namespace flotilla::model {

const Json* FindCondition(const Json& status, const std::string& type) {
  if (!status.is_object() || !status.contains("conditions") || !status["conditions"].is_array())
    return nullptr;
  for (const Json& c : status["conditions"])
    if (c.is_object() && c.value("type", "") == type) return &c;
  return nullptr;
}

bool ConditionIs(const Json& status, const std::string& type, bool value) {
  const Json* c = FindCondition(status, type);
  return c && c->value("status", "") == (value ? "True" : "False");
}

bool SetCondition(Json& status, const std::string& type, bool value, const std::string& reason,
                  const std::string& message) {
  if (!status.is_object()) status = Json::object();
  if (!status.contains("conditions") || !status["conditions"].is_array())
    status["conditions"] = Json::array();
  std::string s = value ? "True" : "False";
  std::string now = NowRfc3339();
  for (Json& c : status["conditions"]) {
    if (!c.is_object() || c.value("type", "") != type) continue;
    bool same = c.value("status", "") == s && c.value("reason", "") == reason &&
                c.value("message", "") == message;
    if (same) return false;
    if (c.value("status", "") != s || !c.contains("lastTransitionTime"))
      c["lastTransitionTime"] = now;
    c["status"] = s;
    if (reason.empty())
      c.erase("reason");
    else
      c["reason"] = reason;
    c["message"] = message;
    c["lastUpdateTime"] = now;
    return true;
  }
  Json c = {{"type", type}, {"status", s}};
  if (!reason.empty()) c["reason"] = reason;
  c["message"] = message;
  c["lastUpdateTime"] = now;
  c["lastTransitionTime"] = now;
  status["conditions"].push_back(std::move(c));
  return true;
}

}  // namespace flotilla::model
