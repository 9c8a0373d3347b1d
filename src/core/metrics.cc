#include "core/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace flotilla::metrics {
namespace {

void AddAtomic(std::atomic<double>& a, double v) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "metrics: %s\n", msg.c_str());
  std::abort();
}

bool ValidName(std::string_view s, bool allow_colon) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void AppendEscaped(std::string* out, std::string_view s, bool escape_quote) {
  for (char c : s) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '"' && escape_quote) {
      *out += "\\\"";
    } else {
      *out += c;
    }
  }
}

// `name{k="v",...,extra_name="extra_value"} value\n`.
void AppendSample(std::string* out, std::string_view name, const Labels& labels,
                  std::string_view extra_name, std::string_view extra_value, double value) {
  *out += name;
  if (!labels.empty() || !extra_name.empty()) {
    *out += '{';
    bool first = true;
    auto add = [&](std::string_view k, std::string_view v) {
      if (!first) *out += ',';
      first = false;
      *out += k;
      *out += "=\"";
      AppendEscaped(out, v, true);
      *out += '"';
    };
    for (const auto& [k, v] : labels) add(k, v);
    if (!extra_name.empty()) add(extra_name, extra_value);
    *out += '}';
  }
  *out += ' ';
  *out += FormatValue(value);
  *out += '\n';
}

const char* TypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void AppendHeader(std::string* out, const FamilyBase& f) {
  *out += "# HELP ";
  *out += f.name();
  *out += ' ';
  AppendEscaped(out, f.help(), false);
  *out += "\n# TYPE ";
  *out += f.name();
  *out += ' ';
  *out += TypeName(f.type());
  *out += '\n';
}

}  // namespace

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // Shortest round-trip digits, then Go's 'g' layout: %e iff exp < -4 || exp >= 6 (for shortest).
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view sci(buf, res.ptr - buf);  // e.g. "-1.2345e+08"
  bool neg = sci.front() == '-';
  if (neg) sci.remove_prefix(1);
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 6) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    char ebuf[16];
    std::snprintf(ebuf, sizeof(ebuf), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += ebuf;
    return out;
  }
  int dp = exp + 1;  // digits before the decimal point
  if (dp <= 0) {
    out += "0.";
    out.append(-dp, '0');
    out += digits;
  } else if (static_cast<size_t>(dp) >= digits.size()) {
    out += digits;
    out.append(dp - digits.size(), '0');
  } else {
    out += digits.substr(0, dp);
    out += '.';
    out += digits.substr(dp);
  }
  return out;
}

void Counter::Inc(double v) {
  if (v < 0) return;
  AddAtomic(value_, v);
}

void Gauge::Inc(double v) { AddAtomic(value_, v); }

double Gauge::Value() const {
  if (callback_) return callback_();
  return value_.load(std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  if (!bounds_.empty() && std::isinf(bounds_.back()) && bounds_.back() > 0) {
    Die("histogram buckets must not include +Inf (it is implicit)");
  }
  for (size_t i = 1; i < bounds_.size(); ++i) {
    if (!(bounds_[i - 1] < bounds_[i])) Die("histogram buckets must be strictly increasing");
  }
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  AddAtomic(sum_, v);
}

Histogram::Snapshot Histogram::Collect() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(total);
  }
  s.count = total;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> DefaultBuckets() { return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}; }

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> b;
  for (int i = 0; i < count; ++i, start *= factor) b.push_back(start);
  return b;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  std::vector<double> b;
  for (int i = 0; i < count; ++i) b.push_back(start + width * i);
  return b;
}

template <typename T>
std::unique_ptr<T> Family<T>::MakeChild() const {
  if constexpr (std::is_same_v<T, Histogram>) {
    return std::make_unique<Histogram>(buckets_);
  } else {
    return std::make_unique<T>();
  }
}

template <typename T>
T& Family<T>::WithLabels(const Labels& labels) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = children_.find(labels);
  if (it != children_.end()) return *it->second;
  for (const auto& [k, v] : labels) {
    if (!ValidName(k, false) || k.starts_with("__") ||
        (std::is_same_v<T, Histogram> && k == "le")) {
      Die("invalid label name \"" + k + "\" for metric " + name());
    }
  }
  return *children_.emplace(labels, MakeChild()).first->second;
}

template <typename T>
void Family<T>::SetCallback(const Labels& labels, std::function<double()> fn) {
  if constexpr (std::is_same_v<T, Gauge>) {
    auto g = std::make_unique<Gauge>();
    g->callback_ = std::move(fn);
    WithLabels(labels);  // validates the label names
    std::lock_guard<std::mutex> l(mu_);
    children_[labels] = std::move(g);
  } else {
    Die("SetCallback on non-gauge metric " + name());
  }
}

template <typename T>
void Family<T>::Remove(const Labels& labels) {
  std::lock_guard<std::mutex> l(mu_);
  children_.erase(labels);
}

template <typename T>
void Family<T>::Serialize(std::string* out) const {
  std::lock_guard<std::mutex> l(mu_);
  if (children_.empty()) return;
  AppendHeader(out, *this);
  for (const auto& [labels, child] : children_) {
    if constexpr (std::is_same_v<T, Histogram>) {
      Histogram::Snapshot s = child->Collect();
      std::string bucket = name() + "_bucket";
      for (size_t i = 0; i < s.bounds.size(); ++i) {
        AppendSample(out, bucket, labels, "le", FormatValue(s.bounds[i]),
                     static_cast<double>(s.cumulative[i]));
      }
      AppendSample(out, bucket, labels, "le", "+Inf", static_cast<double>(s.count));
      AppendSample(out, name() + "_sum", labels, "", "", s.sum);
      AppendSample(out, name() + "_count", labels, "", "", static_cast<double>(s.count));
    } else {
      AppendSample(out, name(), labels, "", "", child->Value());
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

template <typename T>
Family<T>& Registry::Add(const std::string& name, const std::string& help, MetricType type,
                         std::vector<double> buckets) {
  if (!ValidName(name, true)) Die("invalid metric name \"" + name + "\"");
  std::lock_guard<std::mutex> l(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    if (it->second->type() != type) Die("metric " + name + " registered with two types");
    return static_cast<Family<T>&>(*it->second);
  }
  auto f = std::make_unique<Family<T>>(name, help, type, std::move(buckets));
  Family<T>& ref = *f;
  families_.emplace(name, std::move(f));
  return ref;
}

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help) {
  return Add<Counter>(name, help, MetricType::kCounter, {});
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help) {
  return Add<Gauge>(name, help, MetricType::kGauge, {});
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          std::vector<double> buckets) {
  if (buckets.empty()) buckets = DefaultBuckets();
  return Add<Histogram>(name, help, MetricType::kHistogram, std::move(buckets));
}

std::string Registry::Serialize() const {
  std::vector<const FamilyBase*> families;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [name, f] : families_) families.push_back(f.get());
  }
  // Families are never removed, so serialising them outside the registry lock is safe, and keeps
  // callbacks (which may take their owners' locks) from ever running under it.
  std::string out;
  for (const FamilyBase* f : families) f->Serialize(&out);
  return out;
}

Registry& DefaultRegistry() {
  static Registry* registry = new Registry();  // never destroyed: usable during static teardown
  return *registry;
}

}  // namespace flotilla::metrics
