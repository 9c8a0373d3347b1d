// A small Prometheus metrics registry: counters, gauges (set or computed at scrape time) and
// histograms, each grouped in a labelled Family, serialised in the text exposition format 0.0.4.
//
//   auto& syncs = metrics::DefaultRegistry().AddCounter("flotilla_syncs_total", "Syncs by
//   result."); metrics::Counter& ok = syncs.WithLabels({{"result", "success"}});  // look up
//   once... ok.Inc();                                                          // ...then lock-free
//
// Thread-safe. Families and their children live as long as the registry: references returned by
// Add*() and WithLabels() stay valid until then (children removed with Remove() excepted).
// Registering a name twice with the same type returns the existing family (so that, e.g., every
// workqueue shares "workqueue_depth"); with another type, or an invalid name, is a programming
// error and aborts.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace flotilla::metrics {

// Label name -> value. Sorted, so one label set has one spelling.
using Labels = std::map<std::string, std::string>;

enum class MetricType { kCounter, kGauge, kHistogram };

template <typename T>
class Family;

// A monotonically increasing value.
class Counter {
 public:
  // REQUIRES: v >= 0 (negative increments are ignored).
  void Inc(double v = 1);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down, or is computed by a callback at scrape time.
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Inc(double v = 1);
  void Dec(double v = 1) { Inc(-v); }
  // The callback's value, if one is set, else the last value set.
  double Value() const;

 private:
  friend class Family<Gauge>;
  std::atomic<double> value_{0};
  std::function<double()> callback_;  // set once, before the gauge is visible to scrapes
};

// Counts observations into cumulative buckets, plus their sum and count.
class Histogram {
 public:
  // `bounds` are the buckets' upper bounds, strictly increasing, without +Inf.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  struct Snapshot {
    std::vector<double> bounds;        // without +Inf
    std::vector<uint64_t> cumulative;  // bounds.size() + 1 entries; the last is +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Collect() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, non-cumulative; last = +Inf
  std::atomic<double> sum_{0};
};

// Bucket helpers (as client_golang's).
std::vector<double> DefaultBuckets();  // .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10
std::vector<double> ExponentialBuckets(double start, double factor, int count);
std::vector<double> LinearBuckets(double start, double width, int count);

// Formats a sample value as Go's strconv.FormatFloat(v, 'g', -1, 64), plus "+Inf", "-Inf", "NaN".
std::string FormatValue(double v);

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type)
      : name_(std::move(name)), help_(std::move(help)), type_(type) {}
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  // Appends this family's HELP, TYPE and sample lines (nothing if it has no children).
  virtual void Serialize(std::string* out) const = 0;

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
};

// All the children of one metric name, one per label set.
template <typename T>
class Family : public FamilyBase {
 public:
  Family(std::string name, std::string help, MetricType type, std::vector<double> buckets = {})
      : FamilyBase(std::move(name), std::move(help), type), buckets_(std::move(buckets)) {}

  // The child for `labels`, created on first use. Takes a lock: cache the reference on hot paths.
  // Label names must match [a-zA-Z_][a-zA-Z0-9_]* (and not be "le" for histograms).
  T& WithLabels(const Labels& labels = {});
  // A gauge whose value is `fn()` at scrape time. Replaces any child with the same labels. `fn`
  // runs under the family's lock: it must not call back into this registry. Only for gauges.
  void SetCallback(const Labels& labels, std::function<double()> fn);
  // Drops the child for `labels`. Once it returns, a callback of that child is no longer running
  // and will not be called again.
  void Remove(const Labels& labels);

  void Serialize(std::string* out) const override;

 private:
  std::unique_ptr<T> MakeChild() const;

  std::vector<double> buckets_;  // histograms only
  mutable std::mutex mu_;
  std::map<Labels, std::unique_ptr<T>> children_;  // GUARDED_BY(mu_)
};

class Registry {
 public:
  Family<Counter>& AddCounter(const std::string& name, const std::string& help);
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help);
  // `buckets`: upper bounds, strictly increasing; empty means DefaultBuckets().
  Family<Histogram>& AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<double> buckets = {});

  // Every family in the text exposition format 0.0.4, families sorted by name and samples by
  // label set. Serve with Content-Type `text/plain; version=0.0.4; charset=utf-8`.
  std::string Serialize() const;

 private:
  template <typename T>
  Family<T>& Add(const std::string& name, const std::string& help, MetricType type,
                 std::vector<double> buckets);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>> families_;  // GUARDED_BY(mu_)
};

// The process-wide registry that /metrics serves.
Registry& DefaultRegistry();

}  // namespace flotilla::metrics
