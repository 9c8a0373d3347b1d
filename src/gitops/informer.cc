#include "gitops/informer.h"

#include <set>

#include <fmt/format.h>

#include "core/log.h"

namespace flotilla::gitops {
namespace {

// What a synthetic DELETED carries: enough to route it (key and labels), not the whole object
// (Bundles are large; an informer may know ten thousand of them).
Json Trim(const Json& obj) {
  Json out = {{"apiVersion", obj.value("apiVersion", "")}, {"kind", obj.value("kind", "")}};
  const Json& md = obj.contains("metadata") ? obj["metadata"] : Json::object();
  Json meta = Json::object();
  for (const char* f : {"name", "namespace", "labels"})
    if (md.is_object() && md.contains(f)) meta[f] = md[f];
  out["metadata"] = std::move(meta);
  return out;
}

}  // namespace

Informer::Informer(store::Store& store, const store::ResourceType& type, Handler handler,
                   std::chrono::seconds resync, std::string ns)
    : store_(store),
      type_(type),
      handler_(std::move(handler)),
      resync_(resync),
      ns_(std::move(ns)) {}

Informer::~Informer() { Stop(); }

void Informer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Informer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Informer::Deliver(const store::WatchEvent& ev) {
  const std::string key = store::ObjectKey(ev.object);
  if (ev.type == store::WatchEventType::kDeleted)
    known_.erase(key);
  else if (ev.type != store::WatchEventType::kBookmark)
    known_[key] = Trim(ev.object);
  handler_(ev);
}

Status Informer::Relist() {
  store::ListOptions lo;
  lo.ns = ns_;
  auto list = store_.List(type_, lo);
  if (!list.ok()) return list.status().WithContext("informer list");
  std::set<std::string> listed;
  for (const Json& obj : list->items) listed.insert(store::ObjectKey(obj));
  // Deleted while no watch was open: the list cannot say so, the last known state can.
  std::vector<Json> gone;
  for (const auto& [key, last] : known_)
    if (!listed.count(key)) gone.push_back(last);
  for (Json& obj : gone)
    Deliver({store::WatchEventType::kDeleted, std::move(obj), list->resource_version});
  for (Json& obj : list->items)
    Deliver({store::WatchEventType::kAdded, std::move(obj), list->resource_version});
  synced_ = true;
  store::WatchOptions wo;
  wo.ns = ns_;
  wo.resource_version = list->resource_version;
  wo.send_initial_events = false;
  auto watcher = store_.Watch(type_, wo);
  if (!watcher.ok()) return watcher.status().WithContext("informer watch");
  watcher_ = std::move(*watcher);
  next_resync_ = std::chrono::steady_clock::now() + resync_;
  return Status::Ok();
}

StatusOr<bool> Informer::Step(std::chrono::milliseconds timeout) {
  if (!watcher_) {
    RETURN_IF_ERROR(Relist());
    return true;
  }
  auto ev = watcher_->Next(timeout);
  if (ev) {
    Deliver(*ev);
    return true;
  }
  bool resync_due = resync_.count() > 0 && std::chrono::steady_clock::now() >= next_resync_;
  if (watcher_->stopped() || resync_due) {  // fell behind, store closed, or periodic re-list
    Status why = watcher_->status();
    watcher_->Stop();
    watcher_.reset();
    if (!why.ok())
      log::Debug("informer watch ended", {{"kind", type_.kind}, {"why", why.ToString()}});
  }
  return false;
}

Status Informer::Poll() {
  bool relisted = false;
  while (true) {
    if (!watcher_) {
      // A watch that ended is re-listed once per call; ending again is this call's error.
      if (relisted) return Unavailable(fmt::format("informer for {}: watch ended", type_.kind));
      RETURN_IF_ERROR(Relist());
      relisted = true;
      continue;
    }
    ASSIGN_OR_RETURN(bool delivered, Step(std::chrono::milliseconds(0)));
    if (!delivered && watcher_) return Status::Ok();
  }
}

bool SpecChangeFilter::ShouldEnqueue(const store::WatchEvent& ev) {
  std::string key = store::ObjectKey(ev.object);
  std::lock_guard<std::mutex> lock(mu_);
  if (ev.type == store::WatchEventType::kDeleted) {
    seen_.erase(key);
    return true;
  }
  const Json& md = ev.object.contains("metadata") ? ev.object["metadata"] : Json::object();
  int64_t gen = md.is_object() ? md.value("generation", int64_t{0}) : 0;
  bool deleting = md.is_object() && md.contains("deletionTimestamp");
  auto it = seen_.find(key);
  bool changed = it == seen_.end() || it->second != gen || deleting;
  seen_[key] = gen;
  return changed || ev.type == store::WatchEventType::kAdded;
}

void Informer::Loop() {
  while (!stop_) {
    auto step = Step(std::chrono::milliseconds(200));
    if (step.ok()) continue;
    log::Warn("informer list/watch failed",
              {{"kind", type_.kind}, {"error", step.status().ToString()}});
    for (int i = 0; i < 20 && !stop_; i++)  // 1 s, interruptible
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (watcher_) watcher_->Stop();
}

}  // namespace flotilla::gitops
