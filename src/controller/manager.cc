#include "controller/manager.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "controller/informer.h"
#include "core/log.h"

namespace flotilla::controller {

void Queue::Add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ != nullptr) current_->Add(key);
}

void Queue::AddAfter(const std::string& key, std::chrono::nanoseconds d) {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ != nullptr) current_->AddAfter(key, d);
}

void Queue::Attach(queue::WorkQueue* q) {
  std::lock_guard<std::mutex> lock(mu_);
  current_ = q;
}

struct Manager::Controller {
  ControllerOptions options;
  std::unique_ptr<Queue> handle;
  // Set by Stop: the keys still queued are settled without a reconcile.
  std::atomic<bool> stopping{false};
  // Made by each Start, destroyed by Stop.
  std::unique_ptr<queue::WorkQueue> queue;
  std::unique_ptr<queue::WorkerPool> pool;

  queue::Result Reconcile(const std::string& key) {
    if (stopping) return queue::Result::Success();
    return options.reconcile(key);
  }
};

Manager::Manager(store::Store& store, Options options)
    : store_(store), options_(std::move(options)) {}

Manager::~Manager() { Stop(); }

Queue& Manager::AddController(ControllerOptions options) {
  if (ever_started_) throw std::logic_error("controller::Manager: AddController after Start");
  if (options.name.empty() || !options.reconcile)
    throw std::invalid_argument("controller::Manager: a controller needs a name and a reconcile");
  for (const auto& c : controllers_)
    if (c->options.name == options.name)
      throw std::invalid_argument(
          fmt::format("controller::Manager: two controllers named \"{}\"", options.name));
  auto c = std::make_unique<Controller>();
  c->handle.reset(new Queue(options.name));
  c->options = std::move(options);
  controllers_.push_back(std::move(c));
  return *controllers_.back()->handle;
}

void Manager::Watch(const store::ResourceType& type, EventHandler handler, WatchOptions options) {
  if (ever_started_) throw std::logic_error("controller::Manager: Watch after Start");
  watches_.push_back({&type, std::move(handler), std::move(options)});
}

void Manager::Every(std::string name, std::chrono::milliseconds period, std::function<void()> job,
                    std::optional<std::chrono::milliseconds> first) {
  if (ever_started_) throw std::logic_error("controller::Manager: Every after Start");
  if (period.count() <= 0) throw std::invalid_argument("controller::Manager: period must be > 0");
  jobs_.push_back({std::move(name), period, first.value_or(period), std::move(job)});
}

Status Manager::Start() {
  std::lock_guard<std::mutex> life(lifecycle_mu_);
  if (started_) return Status::Ok();
  ever_started_ = true;
  for (auto& c : controllers_) {
    queue::QueueOptions qo;
    qo.name = c->options.name;
    qo.clock = options_.clock;
    qo.registry = options_.registry;
    if (options_.rate_limiter)
      qo.rate_limiter = options_.rate_limiter();
    else if (c->options.rate_limiter)
      qo.rate_limiter = c->options.rate_limiter();
    c->queue = std::make_unique<queue::WorkQueue>(std::move(qo));
    c->stopping = false;
    c->handle->Attach(c->queue.get());
  }

  // One informer per kind and namespace; a namespaced watch rides on its kind's all-namespaces
  // informer when there is one.
  struct Group {
    const store::ResourceType* type;
    std::string ns;
    std::chrono::seconds resync{0};
    std::vector<std::pair<std::string, const EventHandler*>> handlers;  // (namespace filter, h)
  };
  std::map<std::pair<const store::ResourceType*, std::string>, Group> groups;
  std::vector<std::pair<const store::ResourceType*, std::string>> order;
  auto group_for = [&](const Registration& r, const std::string& ns) -> Group& {
    auto key = std::make_pair(r.type, ns);
    auto [it, added] = groups.try_emplace(key);
    if (added) {
      it->second.type = r.type;
      it->second.ns = ns;
      order.push_back(key);
    }
    return it->second;
  };
  for (int pass = 0; pass < 2; pass++) {
    for (const Registration& r : watches_) {
      if (r.options.ns.empty() != (pass == 0)) continue;  // every-namespace watches first
      const bool shared = !r.options.ns.empty() && groups.count({r.type, ""}) > 0;
      Group& g = group_for(r, shared ? "" : r.options.ns);
      g.handlers.emplace_back(r.options.ns, &r.handler);
      if (r.options.resync.count() > 0 && (g.resync.count() == 0 || r.options.resync < g.resync))
        g.resync = r.options.resync;
    }
  }
  std::vector<std::unique_ptr<Informer>> informers;
  for (const auto& key : order) {
    Group& g = groups[key];
    informers.push_back(std::make_unique<Informer>(
        store_, *g.type,
        [handlers = std::move(g.handlers)](const store::WatchEvent& ev) {
          for (const auto& [ns, handler] : handlers)
            if (ns.empty() || store::NamespaceOf(ev.object) == ns) (*handler)(ev);
        },
        g.resync, g.ns));
  }

  if (options_.threads) {
    for (auto& c : controllers_) {
      Controller* raw = c.get();
      c->pool = std::make_unique<queue::WorkerPool>(
          *c->queue, std::max(1, c->options.workers),
          [raw](const std::string& key) { return raw->Reconcile(key); });
    }
    for (auto& inf : informers) inf->Start();
    if (!jobs_.empty()) {
      {
        std::lock_guard<std::mutex> lock(jobs_mu_);
        jobs_stop_ = false;
      }
      jobs_thread_ = std::thread([this] { RunJobs(); });
    }
  }
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    informers_ = std::move(informers);
  }
  started_ = true;
  log::Info("controllers started", {{"controllers", std::to_string(controllers_.size())},
                                    {"informers", std::to_string(order.size())}});
  return Status::Ok();
}

void Manager::Stop() {
  std::lock_guard<std::mutex> life(lifecycle_mu_);
  if (!started_) return;
  started_ = false;
  if (jobs_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(jobs_mu_);
      jobs_stop_ = true;
    }
    jobs_cv_.notify_all();
    jobs_thread_.join();
  }
  // No new events, then no new keys: in-flight reconciles may still add (dropped).
  std::vector<std::unique_ptr<Informer>> informers;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    informers.swap(informers_);
  }
  for (auto& inf : informers) inf->Stop();
  informers.clear();
  for (auto& c : controllers_) {
    c->handle->Attach(nullptr);
    c->stopping = true;
    c->queue->ShutDown();
  }
  for (auto& c : controllers_) {
    c->pool.reset();  // drains what is queued (without reconciling) and joins the workers
    c->queue->ShutDownWithDrain();
    c->queue.reset();
  }
  log::Info("controllers stopped", {{"controllers", std::to_string(controllers_.size())}});
}

bool Manager::Started() const { return started_; }

bool Manager::Synced() const {
  if (!started_) return false;
  std::lock_guard<std::mutex> lock(state_mu_);
  for (const auto& inf : informers_)
    if (!inf->Synced()) return false;
  return true;
}

Status Manager::Poll() {
  std::lock_guard<std::mutex> lock(state_mu_);
  Status first;
  for (auto& inf : informers_) {
    Status s = inf->Poll();
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

bool Manager::ProcessNextReady() {
  if (!started_) return false;
  bool any = false;
  for (auto& c : controllers_) {
    Controller* raw = c.get();
    any |= queue::ProcessNextReady(*c->queue,
                                   [raw](const std::string& key) { return raw->Reconcile(key); });
  }
  return any;
}

std::optional<queue::TimePoint> Manager::NextReadyAt() const {
  if (!started_) return std::nullopt;
  std::optional<queue::TimePoint> next;
  for (const auto& c : controllers_) {
    auto t = c->queue->NextReadyAt();
    if (t && (!next || *t < *next)) next = t;
  }
  return next;
}

void Manager::RunJobs() {
  using SteadyClock = std::chrono::steady_clock;
  std::vector<SteadyClock::time_point> due;
  for (const Job& j : jobs_) due.push_back(SteadyClock::now() + j.first);
  std::unique_lock<std::mutex> lock(jobs_mu_);
  while (!jobs_stop_) {
    auto next = *std::min_element(due.begin(), due.end());
    if (jobs_cv_.wait_until(lock, next, [this] { return jobs_stop_; })) break;
    for (size_t i = 0; i < jobs_.size(); i++) {
      if (SteadyClock::now() < due[i]) continue;
      lock.unlock();
      try {
        jobs_[i].run();
      } catch (const std::exception& e) {
        log::Error("periodic job failed", {{"job", jobs_[i].name}, {"error", e.what()}});
      }
      lock.lock();
      due[i] = SteadyClock::now() + jobs_[i].period;
      if (jobs_stop_) break;
    }
  }
}

}  // namespace flotilla::controller
