#include "store/watch_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include "store/object_rules.h"

namespace flotilla::store {

class WatchLog::LogWatcher : public Watcher {
 public:
  LogWatcher(std::shared_ptr<WatchLog> log, Filter filter, int64_t from, uint64_t next_seq,
             std::vector<WatchEvent> initial)
      : log_(std::move(log)),
        filter_(std::move(filter)),
        filtered_(!filter_.labels.empty() || !filter_.fields.empty()),
        from_(from),
        next_seq_(next_seq),
        initial_(std::make_move_iterator(initial.begin()), std::make_move_iterator(initial.end())) {
  }
  ~LogWatcher() override { Stop(); }

  bool SetWakeup(std::function<void()> wakeup) override {
    std::lock_guard lk(log_->mu_);
    wakeup_ = std::make_shared<const std::function<void()>>(std::move(wakeup));
    if (!registered_) log_->Register(this, filter_.kind_key, filter_.ns);
    registered_ = true;
    return true;
  }
  // The wakeup to call for a change in `ns` (nullptr when none). REQUIRES: log_->mu_ held.
  WakeupFn wakeup() const { return wakeup_; }

  std::optional<WatchEvent> Next(std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lk(log_->mu_);
    while (true) {
      if (stopped_) return std::nullopt;
      if (log_->closed_) {
        stopped_ = true;
        return std::nullopt;
      }
      if (!initial_.empty()) {
        WatchEvent ev = std::move(initial_.front());
        initial_.pop_front();
        return ev;
      }
      if (next_seq_ < log_->first_seq_) {
        status_ = Gone(fmt::format(
            "watch of {} fell behind the retained history (next change after {} was dropped)",
            filter_.kind_key, last_delivered_));
        stopped_ = true;
        return std::nullopt;
      }
      uint64_t end = log_->first_seq_ + log_->entries_.size();
      while (next_seq_ < end) {
        const Entry& e = log_->entries_[next_seq_ - log_->first_seq_];
        next_seq_++;
        scanned_rv_ = std::max(scanned_rv_, e.resource_version);
        // Entries up to `from_` may still be appended after the watch started (a snapshot can
        // see a commit before the writer logs it); they are already reflected, skip them.
        if (e.kind_key != filter_.kind_key || e.resource_version <= from_) continue;
        Entry copy{e.resource_version, {}, e.type, e.object, e.prev, 0};
        lk.unlock();
        std::optional<WatchEvent> ev = Decide(copy);
        lk.lock();
        if (ev) {
          last_delivered_ = ev->resource_version;
          return ev;
        }
        if (stopped_) return std::nullopt;
        if (next_seq_ < log_->first_seq_) break;  // evicted while unlocked; report above
        end = log_->first_seq_ + log_->entries_.size();
      }
      if (next_seq_ < log_->first_seq_) continue;
      if (log_->cv_.wait_until(lk, deadline) == std::cv_status::timeout &&
          next_seq_ == log_->first_seq_ + log_->entries_.size() && initial_.empty() &&
          !log_->closed_ && !stopped_) {
        if (filter_.allow_bookmarks && scanned_rv_ > last_delivered_) {
          last_delivered_ = scanned_rv_;
          Json bookmark = {{"apiVersion", filter_.api_version},
                           {"kind", filter_.kind},
                           {"metadata", {{"resourceVersion", std::to_string(scanned_rv_)}}}};
          return WatchEvent{WatchEventType::kBookmark, std::move(bookmark), scanned_rv_};
        }
        return std::nullopt;
      }
    }
  }

  void Stop() override {
    std::lock_guard lk(log_->mu_);
    if (registered_) log_->Unregister(this, filter_.kind_key, filter_.ns);
    registered_ = false;
    stopped_ = true;
    log_->cv_.notify_all();
  }
  bool stopped() const override { return stopped_; }
  Status status() const override {
    std::lock_guard lk(log_->mu_);
    return status_;
  }

 private:
  bool Matches(const Json& obj) const {
    return MatchesFilters(obj, filter_.ns, filter_.labels, filter_.fields);
  }

  // The event this watcher sees for `e`, if any (filtered watches see selection changes as
  // ADDED/DELETED).
  std::optional<WatchEvent> Decide(const Entry& e) const {
    bool now = Matches(*e.object);
    WatchEventType type = e.type;
    if (e.type == WatchEventType::kModified && filtered_ && e.prev) {
      bool before = Matches(*e.prev);
      if (now && !before) type = WatchEventType::kAdded;
      if (!now && before) {
        Json last = *e.prev;
        SetResourceVersion(last, e.resource_version);
        return WatchEvent{WatchEventType::kDeleted, std::move(last), e.resource_version};
      }
    }
    if (!now) return std::nullopt;
    return WatchEvent{type, *e.object, e.resource_version};
  }

  const std::shared_ptr<WatchLog> log_;
  const Filter filter_;
  const bool filtered_;
  const int64_t from_;
  uint64_t next_seq_;               // GUARDED_BY(log_->mu_)
  std::deque<WatchEvent> initial_;  // GUARDED_BY(log_->mu_)
  int64_t scanned_rv_ = from_;      // newest change looked at; GUARDED_BY(log_->mu_)
  int64_t last_delivered_ = from_;  // newest event or bookmark returned; GUARDED_BY(log_->mu_)
  Status status_;                   // GUARDED_BY(log_->mu_)
  WakeupFn wakeup_;                 // GUARDED_BY(log_->mu_)
  bool registered_ = false;         // in log_->wakeups_; GUARDED_BY(log_->mu_)
  std::atomic<bool> stopped_ = false;
};

WatchLog::WatchLog(int64_t start_rv, Limits limits)
    : limits_(limits), horizon_(start_rv), last_rv_(start_rv) {}

std::shared_ptr<WatchLog> WatchLog::Create(int64_t start_rv, Limits limits) {
  return std::shared_ptr<WatchLog>(new WatchLog(start_rv, limits));
}

void WatchLog::Register(LogWatcher* w, const std::string& kind_key, const std::string& ns) {
  wakeups_[kind_key][ns].insert(w);
}

void WatchLog::Unregister(LogWatcher* w, const std::string& kind_key, const std::string& ns) {
  auto k = wakeups_.find(kind_key);
  if (k == wakeups_.end()) return;
  auto n = k->second.find(ns);
  if (n == k->second.end()) return;
  n->second.erase(w);
  if (n->second.empty()) k->second.erase(n);
  if (k->second.empty()) wakeups_.erase(k);
}

void WatchLog::Append(Entry entry) {
  std::vector<WakeupFn> wake;
  {
    std::lock_guard lk(mu_);
    if (auto k = wakeups_.find(entry.kind_key); k != wakeups_.end()) {
      auto collect = [&](const std::string& ns) {
        auto n = k->second.find(ns);
        if (n == k->second.end()) return;
        for (LogWatcher* w : n->second)
          if (WakeupFn f = w->wakeup()) wake.push_back(std::move(f));
      };
      collect("");
      std::string ns = NamespaceOf(*entry.object);
      if (!ns.empty()) collect(ns);
    }
    AppendLocked(std::move(entry));
  }
  for (const WakeupFn& f : wake) (*f)();
}

void WatchLog::AppendLocked(Entry entry) {
  last_rv_ = entry.resource_version;
  bytes_ += entry.bytes;
  entries_.push_back(std::move(entry));
  while (!entries_.empty() &&
         (entries_.size() > limits_.max_events || bytes_ > limits_.max_bytes)) {
    horizon_ = entries_.front().resource_version;
    bytes_ -= entries_.front().bytes;
    entries_.pop_front();
    first_seq_++;
  }
  cv_.notify_all();
}

StatusOr<std::unique_ptr<Watcher>> WatchLog::Watch(Filter filter, int64_t from,
                                                   std::vector<WatchEvent> initial) {
  std::lock_guard lk(mu_);
  if (closed_) return Unavailable("the store is closed");
  if (from < horizon_)
    return Gone(fmt::format("too old resource version: {} ({})", from, horizon_));
  auto it = std::upper_bound(entries_.begin(), entries_.end(), from,
                             [](int64_t rv, const Entry& e) { return rv < e.resource_version; });
  uint64_t seq = first_seq_ + static_cast<uint64_t>(it - entries_.begin());
  return std::unique_ptr<Watcher>(
      new LogWatcher(shared_from_this(), std::move(filter), from, seq, std::move(initial)));
}

void WatchLog::Restart(int64_t rv) {
  std::vector<WakeupFn> wake;
  {
    std::lock_guard lk(mu_);
    // One sequence number past the end: a watcher that had read everything is behind too.
    first_seq_ += entries_.size() + 1;
    entries_.clear();
    bytes_ = 0;
    horizon_ = rv;
    last_rv_ = rv;
    for (auto& [kind, by_ns] : wakeups_)
      for (auto& [ns, watchers] : by_ns)
        for (LogWatcher* w : watchers)
          if (WakeupFn f = w->wakeup()) wake.push_back(std::move(f));
    cv_.notify_all();
  }
  for (const WakeupFn& f : wake) (*f)();
}

void WatchLog::Close() {
  std::vector<WakeupFn> wake;
  {
    std::lock_guard lk(mu_);
    closed_ = true;
    for (auto& [kind, by_ns] : wakeups_)
      for (auto& [ns, watchers] : by_ns)
        for (LogWatcher* w : watchers)
          if (WakeupFn f = w->wakeup()) wake.push_back(std::move(f));
    cv_.notify_all();
  }
  for (const WakeupFn& f : wake) (*f)();
}

int64_t WatchLog::last_resource_version() const {
  std::lock_guard lk(mu_);
  return last_rv_;
}

int64_t WatchLog::horizon() const {
  std::lock_guard lk(mu_);
  return horizon_;
}

size_t WatchLog::size() const {
  std::lock_guard lk(mu_);
  return entries_.size();
}

}  // namespace flotilla::store
