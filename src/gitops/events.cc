#include "gitops/events.h"

#include <fmt/format.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/time.h"

namespace flotilla::gitops {

void EventRecorder::Record(const Json& object, const std::string& type, const std::string& reason,
                           const std::string& message) {
  const Json& md = object["metadata"];
  const std::string ns = md.value("namespace", "default");
  const std::string name = md.value("name", "");
  const std::string kind = object.value("kind", "");
  const std::string event_name = fmt::format(
      "{}.{}", name,
      Sha256Hex(fmt::format("{}/{}/{}/{}/{}", kind, ns, name, reason, message)).substr(0, 16));
  const std::string now = NowRfc3339();
  auto updated = store::Mutate(store_, model::EventType(), ns, event_name, false, [&](Json& ev) {
    ev["count"] = ev.value("count", 1) + 1;
    ev["lastTimestamp"] = now;
    return true;
  });
  if (updated.ok()) return;
  if (updated.status().code() != StatusCode::kNotFound) {
    log::Warn("cannot record event", {{"reason", reason}, {"error", updated.status().ToString()}});
    return;
  }
  Json ev = {{"apiVersion", "v1"},
             {"kind", "Event"},
             {"metadata", {{"name", event_name}, {"namespace", ns}}},
             {"involvedObject",
              {{"apiVersion", object.value("apiVersion", "")},
               {"kind", kind},
               {"name", name},
               {"namespace", ns},
               {"uid", md.value("uid", "")},
               {"resourceVersion", md.value("resourceVersion", "")}}},
             {"type", type},
             {"reason", reason},
             {"message", message},
             {"source", {{"component", component_}}},
             {"reportingComponent", component_},
             {"firstTimestamp", now},
             {"lastTimestamp", now},
             {"count", 1}};
  auto created = store_.Create(model::EventType(), ev);
  if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists)
    log::Warn("cannot record event", {{"reason", reason}, {"error", created.status().ToString()}});
}

int EventRecorder::CollectGarbage(std::chrono::seconds ttl) {
  auto list = store_.List(model::EventType(), {});
  if (!list.ok()) return 0;
  auto cutoff = Clock::now() - ttl;
  int deleted = 0;
  for (const Json& ev : list->items) {
    Clock::time_point last;
    if (!ParseRfc3339(ev.value("lastTimestamp", ""), &last) || last >= cutoff) continue;
    if (store_.Delete(model::EventType(), store::NamespaceOf(ev), store::NameOf(ev)).ok())
      deleted++;
  }
  return deleted;
}

}  // namespace flotilla::gitops
