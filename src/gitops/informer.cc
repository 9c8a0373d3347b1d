#include "gitops/informer.h"

#include "core/log.h"

namespace flotilla::gitops {

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

void Informer::Loop() {
  using Clock = std::chrono::steady_clock;
  while (!stop_) {
    // List, deliver everything as ADDED, then watch from the list's resourceVersion.
    store::ListOptions lo;
    lo.ns = ns_;
    auto list = store_.List(type_, lo);
    if (!list.ok()) {
      log::Warn("informer list failed",
                {{"kind", type_.kind}, {"error", list.status().ToString()}});
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    for (Json& obj : list->items)
      handler_({store::WatchEventType::kAdded, std::move(obj), list->resource_version});
    synced_ = true;
    store::WatchOptions wo;
    wo.ns = ns_;
    wo.resource_version = list->resource_version;
    wo.send_initial_events = false;
    auto watcher = store_.Watch(type_, wo);
    if (!watcher.ok()) {
      log::Warn("informer watch failed",
                {{"kind", type_.kind}, {"error", watcher.status().ToString()}});
      continue;  // re-list
    }
    auto next_resync = Clock::now() + resync_;
    while (!stop_) {
      auto ev = (*watcher)->Next(std::chrono::milliseconds(200));
      if (ev) {
        handler_(*ev);
        continue;
      }
      if ((*watcher)->stopped()) break;  // fell behind or store closed: re-list
      if (resync_.count() > 0 && Clock::now() >= next_resync) break;  // periodic re-list
    }
    (*watcher)->Stop();
  }
}

}  // namespace flotilla::gitops
