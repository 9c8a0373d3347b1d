#include "controller/informer.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/log.h"

namespace flotilla::controller {
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
  if (ev.resource_version > resume_from_) resume_from_ = ev.resource_version;
  if (ev.type == store::WatchEventType::kBookmark) return;  // a position, not a change
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
  resume_from_ = list->resource_version;
  next_resync_ = std::chrono::steady_clock::now() + resync_;
  return OpenWatch(list->resource_version);
}

Status Informer::OpenWatch(int64_t from) {
  store::WatchOptions wo;
  wo.ns = ns_;
  wo.resource_version = from;
  // A list of a store never written to has resourceVersion 0, from which a watch starts "now":
  // an object created between the list and the watch would be missed, so such a watch begins
  // with every object as ADDED (harmless repeats of the list).
  wo.send_initial_events = from == 0;
  wo.allow_bookmarks = true;
  auto watcher = store_.Watch(type_, wo);
  if (!watcher.ok()) {
    if (watcher.status().code() == StatusCode::kGone) resume_from_ = 0;  // re-list next
    return watcher.status().WithContext("informer watch");
  }
  watcher_ = std::move(*watcher);
  return Status::Ok();
}

StatusOr<bool> Informer::Step(std::chrono::milliseconds timeout) {
  if (!watcher_) {
    if (resume_from_ > 0 && synced_) {
      RETURN_IF_ERROR(OpenWatch(resume_from_));
      return false;
    }
    RETURN_IF_ERROR(Relist());
    return true;
  }
  auto ev = watcher_->Next(timeout);
  if (ev) {
    Deliver(*ev);
    return true;
  }
  bool resync_due = resync_.count() > 0 && std::chrono::steady_clock::now() >= next_resync_;
  if (watcher_->stopped() || resync_due) {  // ended, fell behind, or periodic re-list
    Status why = watcher_->status();
    watcher_->Stop();
    watcher_.reset();
    // Lost its place or due for a resync: re-list; otherwise resume where it was.
    if (resync_due || why.code() == StatusCode::kGone) resume_from_ = 0;
    if (!why.ok())
      log::Debug("informer watch ended", {{"kind", type_.kind}, {"why", why.ToString()}});
  }
  return false;
}

Status Informer::Poll() {
  bool reopened = false;
  while (true) {
    if (!watcher_) {
      // A watch that ended is resumed or re-listed once per call; ending again is this call's
      // error.
      if (reopened) return Unavailable(fmt::format("informer for {}: watch ended", type_.kind));
      reopened = true;
      if (resume_from_ > 0 && synced_) {
        if (OpenWatch(resume_from_).ok()) continue;
        if (resume_from_ > 0) return Unavailable("informer watch could not be resumed");
      }
      RETURN_IF_ERROR(Relist());
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
  Json field;
  if (!status_field_.empty()) {
    auto st = ev.object.find("status");
    if (st != ev.object.end() && st->is_object() && st->contains(status_field_))
      field = (*st)[status_field_];
  }
  auto it = seen_.find(key);
  bool changed =
      it == seen_.end() || it->second.first != gen || it->second.second != field || deleting;
  seen_[key] = {gen, std::move(field)};
  return changed || ev.type == store::WatchEventType::kAdded;
}

void Informer::Loop() {
  int failures = 0;
  while (!stop_) {
    auto step = Step(std::chrono::milliseconds(200));
    if (step.ok()) {
      if (failures > 0 && watcher_) {
        log::Info("informer reconnected",
                  {{"kind", type_.kind}, {"failed_attempts", std::to_string(failures)}});
        failures = 0;
      }
      continue;
    }
    if (++failures == 1)
      log::Warn("informer list/watch failed; retrying with backoff",
                {{"kind", type_.kind}, {"error", step.status().ToString()}});
    else
      log::Debug("informer list/watch failed",
                 {{"kind", type_.kind}, {"error", step.status().ToString()}});
    const auto pause = std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(250) * (1 << std::min(failures - 1, 5)), std::chrono::seconds(5));
    for (auto slept = std::chrono::milliseconds(0); slept < pause && !stop_;
         slept += std::chrono::milliseconds(50))  // interruptible
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (watcher_) watcher_->Stop();
}

}  // namespace flotilla::controller
