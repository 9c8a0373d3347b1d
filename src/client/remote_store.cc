#include "client/remote_store.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "core/json_limits.h"
#include "http/client.h"

namespace flotilla::client {
namespace {

using store::WatchEvent;
using store::WatchEventType;

// A watch line or a response body larger than this is refused (the API's own object limit is
// far below; this only bounds a misbehaving peer).
constexpr size_t kMaxBodyBytes = 256u << 20;

std::string Escape(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string CollectionPath(const model::ResourceType& t, const std::string& ns) {
  std::string path = t.group.empty() ? "/api/" + t.version : "/apis/" + t.group + "/" + t.version;
  if (t.namespaced && !ns.empty()) path += "/namespaces/" + Escape(ns);
  return path + "/" + t.plural;
}

std::string ObjectPath(const model::ResourceType& t, const std::string& ns,
                       const std::string& name) {
  return CollectionPath(t, ns) + "/" + Escape(name);
}

std::string FieldSelectorString(const store::FieldSelector& f) {
  std::string out;
  for (const auto& t : f.terms) {
    if (!out.empty()) out += ",";
    out += t.path + (t.negate ? "!=" : "=") + t.value;
  }
  return out;
}

// "?a=b&c=d" from the non-empty pairs.
std::string Query(std::initializer_list<std::pair<const char*, std::string>> params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    out += out.empty() ? "?" : "&";
    out += std::string(k) + "=" + Escape(v);
  }
  return out;
}

// Appends a chunk of an error answer; false (ending the transfer) past the limit.
bool AppendBody(std::string_view chunk, std::string* body) {
  if (body->size() + chunk.size() > kMaxBodyBytes) return false;
  body->append(chunk);
  return true;
}

int64_t RvOf(const Json& obj) {
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object()) return 0;
  const Json& rv = obj["metadata"].value("resourceVersion", Json());
  if (!rv.is_string()) return 0;
  try {
    return std::stoll(rv.get<std::string>());
  } catch (...) {
    return 0;
  }
}

// What every request carries: JSON both ways, the bearer token, no Expect: 100-continue, the
// server's CA, no redirects.
http::ClientRequest BaseRequest(const RemoteOptions& o, const char* method,
                                const std::string& url) {
  http::ClientRequest r;
  r.method = method;
  r.url = url;
  r.headers = {"Accept: application/json", "Content-Type: application/json", "Expect:"};
  if (!o.token.empty()) r.headers.push_back("Authorization: Bearer " + o.token);
  r.user_agent = o.user_agent;
  r.timeouts.connect = o.connect_timeout;
  r.tls.ca_file = o.ca_file;
  r.max_body_bytes = kMaxBodyBytes;
  return r;
}

class RemoteWatcher;

// The live watchers of a store, stopped when the store closes.
struct WatchRegistry {
  std::mutex mu;
  std::set<RemoteWatcher*> watchers;  // GUARDED_BY(mu)
  bool closed = false;                // GUARDED_BY(mu)
};

// One ?watch=1 stream, read by its own thread into a queue of events.
class RemoteWatcher : public store::Watcher {
 public:
  RemoteWatcher(http::Client& client, const RemoteOptions& options, const std::string& url,
                std::shared_ptr<WatchRegistry> registry)
      : client_(client), registry_(std::move(registry)) {
    request_ = BaseRequest(options, "GET", url);
    request_.timeouts.total = std::chrono::milliseconds(0);
    // A dead peer (a cut without a FIN) is noticed by keepalive; a stream silent for longer than
    // the server's own watch timeout is dead too.
    request_.timeouts.stall = options.watch_timeout + std::chrono::seconds(60);
    request_.on_headers = [this](long code) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        code_ = code;
        headers_done_ = true;
      }
      cv_.notify_all();
    };
    request_.on_data = [this](std::string_view chunk) { return OnData(chunk); };
  }

  ~RemoteWatcher() override {
    {
      std::lock_guard<std::mutex> lock(registry_->mu);
      registry_->watchers.erase(this);
    }
    Stop();
  }

  // Starts the stream and waits for the server's answer: OK once it answered 200, else the
  // error it answered (or the transport's).
  Status Start() {
    {
      std::lock_guard<std::mutex> lock(registry_->mu);
      if (registry_->closed) return Unavailable("store closed");
      registry_->watchers.insert(this);
    }
    thread_ = std::thread([this] { Run(); });
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return headers_done_ || ended_; });
    if (ended_ || code_ != 200) {
      cv_.wait(lock, [&] { return ended_; });
      Status s = end_status_.ok() ? Unavailable("watch ended before it started") : end_status_;
      lock.unlock();
      if (thread_.joinable()) thread_.join();
      return s;
    }
    return Status::Ok();
  }

  std::optional<WatchEvent> Next(std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return stop_ || ended_ || !events_.empty(); });
    if (stop_ || events_.empty()) return std::nullopt;
    WatchEvent ev = std::move(events_.front());
    events_.pop_front();
    return ev;
  }

  void Stop() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    cancel_.Cancel();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

  bool stopped() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return stop_ || (ended_ && events_.empty());
  }

  Status status() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return ended_ ? end_status_ : Status::Ok();
  }

  bool SetWakeup(std::function<void()> wakeup) override {
    std::lock_guard<std::mutex> lock(mu_);
    wakeup_ = std::move(wakeup);
    return true;
  }

 private:
  // A chunk of the body: event lines on a 200, the error otherwise. False ends the stream.
  bool OnData(std::string_view chunk) {
    if (code_ != 200) return AppendBody(chunk, &error_body_);
    line_.append(chunk);
    size_t start = 0, nl;
    bool delivered = false;
    while ((nl = line_.find('\n', start)) != std::string::npos) {
      std::string_view line(line_.data() + start, nl - start);
      start = nl + 1;
      if (line.empty()) continue;
      if (!Parse(line)) {
        line_.clear();
        if (delivered) Wake();
        return false;  // ends the stream with end_status_
      }
      delivered = true;
    }
    line_.erase(0, start);
    if (line_.size() > kMaxBodyBytes) {
      std::lock_guard<std::mutex> lock(mu_);
      end_status_ = ResourceExhausted("watch event larger than 256 MiB");
      return false;
    }
    if (delivered) Wake();
    return true;
  }

  // Queues one event line; false (with end_status_ set) when the stream must end.
  bool Parse(std::string_view line) {
    auto parsed = ParseJson(line, "a watch event");
    std::lock_guard<std::mutex> lock(mu_);
    if (!parsed.ok() || !parsed->is_object()) {
      end_status_ = Unavailable("watch: malformed event from the server");
      return false;
    }
    const std::string type = parsed->value("type", "");
    Json object = parsed->value("object", Json());
    if (type == "ERROR") {
      long code = object.is_object() ? object.value("code", 500L) : 500L;
      end_status_ = StatusFromHttp(code, object.dump());
      if (end_status_.ok()) end_status_ = Unavailable("watch: ERROR event");
      return false;
    }
    WatchEvent ev;
    if (type == "ADDED")
      ev.type = WatchEventType::kAdded;
    else if (type == "MODIFIED")
      ev.type = WatchEventType::kModified;
    else if (type == "DELETED")
      ev.type = WatchEventType::kDeleted;
    else if (type == "BOOKMARK")
      ev.type = WatchEventType::kBookmark;
    else
      return true;  // an event type of a newer server: skipped
    ev.resource_version = RvOf(object);
    ev.object = std::move(object);
    events_.push_back(std::move(ev));
    return true;
  }

  void Wake() {
    cv_.notify_all();
    std::function<void()> w;
    {
      std::lock_guard<std::mutex> lock(mu_);
      w = wakeup_;
    }
    if (w) w();
  }

  void Run() {
    http::TransportError te;
    auto r = client_.Do(request_, cancel_, &te);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ended_ = true;
      if (!end_status_.ok() || stop_) {
        // set by an ERROR event or a parse failure; or stopped by the caller (OK)
      } else if (code_ != 200 && code_ != 0 &&
                 (r.ok() || te.kind == http::TransportError::Kind::kAborted)) {
        end_status_ = StatusFromHttp(code_, error_body_);
      } else if (!r.ok()) {
        end_status_ = Unavailable(
            fmt::format("watch: {}", te.curl_text.empty() ? r.status().message() : te.curl_text));
      }
      // else: the server ended the stream cleanly (its watch timeout): OK, resume from here.
    }
    Wake();
  }

  http::Client& client_;
  std::shared_ptr<WatchRegistry> registry_;
  http::ClientRequest request_;
  http::Cancellation cancel_;
  std::thread thread_;
  // Touched only by the transfer thread.
  std::string line_, error_body_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  long code_ = 0;  // GUARDED_BY(mu_) (read unlocked by OnData, on the only writer's thread)
  bool headers_done_ = false, ended_ = false, stop_ = false;  // GUARDED_BY(mu_)
  Status end_status_;                                         // GUARDED_BY(mu_)
  std::deque<WatchEvent> events_;                             // GUARDED_BY(mu_)
  std::function<void()> wakeup_;                              // GUARDED_BY(mu_)
};

class RemoteStore : public store::Store {
 public:
  explicit RemoteStore(RemoteOptions options)
      : options_(std::move(options)), registry_(std::make_shared<WatchRegistry>()) {
    while (!options_.server.empty() && options_.server.back() == '/') options_.server.pop_back();
  }

  ~RemoteStore() override {
    {
      std::lock_guard<std::mutex> lock(registry_->mu);
      registry_->closed = true;
      for (RemoteWatcher* w : registry_->watchers) w->Stop();
    }
  }

  StatusOr<Json> Create(const model::ResourceType& type, Json object) override {
    const std::string ns = store::NamespaceOf(object);
    if (type.namespaced && ns.empty())
      return InvalidArgument(fmt::format("{}: metadata.namespace is required", type.plural));
    return Call("POST", CollectionPath(type, ns), object.dump());
  }

  StatusOr<Json> Get(const model::ResourceType& type, const std::string& ns,
                     const std::string& name) override {
    return Call("GET", ObjectPath(type, ns, name), std::nullopt);
  }

  StatusOr<store::ListResult> List(const model::ResourceType& type,
                                   const store::ListOptions& options) override {
    store::ListResult out;
    std::string cont = options.continue_token;
    bool first = true;
    do {
      const std::string path =
          CollectionPath(type, options.ns) +
          Query({{"labelSelector", options.labels.ToString()},
                 {"fieldSelector", FieldSelectorString(options.fields)},
                 {"limit", options.limit > 0 ? std::to_string(options.limit) : ""},
                 {"continue", cont}});
      ASSIGN_OR_RETURN(Json page, Call("GET", path, std::nullopt));
      const Json md = page.value("metadata", Json::object());
      // The first page's version: watching from it may repeat a change, never miss one.
      if (first) out.resource_version = RvOf(page);
      first = false;
      cont = md.is_object() ? md.value("continue", "") : "";
      Json items = page.value("items", Json::array());
      if (!items.is_array()) return Unavailable("list: items is not a list");
      for (Json& item : items) {
        // Items of a list carry no kind; the Store's callers expect whole objects.
        item["apiVersion"] = type.ApiVersion();
        item["kind"] = type.kind;
        out.items.push_back(std::move(item));
      }
    } while (!cont.empty() && options.limit <= 0);
    out.continue_token = cont;
    return out;
  }

  StatusOr<Json> Update(const model::ResourceType& type, Json object) override {
    return Call("PUT", ObjectPath(type, store::NamespaceOf(object), store::NameOf(object)),
                object.dump());
  }

  StatusOr<Json> UpdateStatus(const model::ResourceType& type, Json object) override {
    return Call("PUT",
                ObjectPath(type, store::NamespaceOf(object), store::NameOf(object)) + "/status",
                object.dump());
  }

  StatusOr<Json> Delete(const model::ResourceType& type, const std::string& ns,
                        const std::string& name, const store::DeleteOptions& options) override {
    std::optional<std::string> body;
    if (!options.precondition_uid.empty() || !options.precondition_resource_version.empty()) {
      Json pre = Json::object();
      if (!options.precondition_uid.empty()) pre["uid"] = options.precondition_uid;
      if (!options.precondition_resource_version.empty())
        pre["resourceVersion"] = options.precondition_resource_version;
      body = Json({{"apiVersion", "v1"}, {"kind", "DeleteOptions"}, {"preconditions", pre}}).dump();
    }
    return Call("DELETE", ObjectPath(type, ns, name), body);
  }

  StatusOr<std::unique_ptr<store::Watcher>> Watch(const model::ResourceType& type,
                                                  const store::WatchOptions& options) override {
    int64_t rv = options.resource_version;
    if (rv == 0 && !options.send_initial_events) {
      // "From now": the API says that with the current resourceVersion.
      store::ListOptions lo;
      lo.ns = options.ns;
      lo.limit = 1;
      ASSIGN_OR_RETURN(store::ListResult now, List(type, lo));
      rv = now.resource_version;
    }
    const std::string url =
        options_.server + CollectionPath(type, options.ns) +
        Query({{"watch", "1"},
               {"resourceVersion", rv > 0 ? std::to_string(rv) : ""},
               {"allowWatchBookmarks", options.allow_bookmarks ? "true" : ""},
               {"labelSelector", options.labels.ToString()},
               {"fieldSelector", FieldSelectorString(options.fields)},
               {"timeoutSeconds", std::to_string(options_.watch_timeout.count())}});
    auto w = std::make_unique<RemoteWatcher>(client_, options_, url, registry_);
    RETURN_IF_ERROR(w->Start());
    return std::unique_ptr<store::Watcher>(std::move(w));
  }

  int64_t CurrentResourceVersion() override { return max_rv_.load(); }

  Status CheckHealth() override {
    auto r = Perform("GET", "/healthz", std::nullopt);
    if (!r.ok()) return r.status();
    return StatusFromHttp(r->first, r->second);
  }

 private:
  // One request: the HTTP status and the body, or the transport's error (kUnavailable).
  StatusOr<std::pair<long, std::string>> Perform(const char* method, const std::string& path,
                                                 const std::optional<std::string>& body) {
    http::ClientRequest req = BaseRequest(options_, method, options_.server + path);
    req.timeouts.total = options_.request_timeout;
    req.body = body;
    http::TransportError te;
    auto r = client_.Do(req, &te);
    if (!r.ok())
      return Unavailable(fmt::format("{} {}{}: {}", method, options_.server, path,
                                     te.curl_text.empty() ? r.status().message() : te.curl_text));
    return std::make_pair(r->status, std::move(r->body));
  }

  StatusOr<Json> Call(const char* method, const std::string& path,
                      const std::optional<std::string>& body) {
    ASSIGN_OR_RETURN(auto answer, Perform(method, path, body));
    RETURN_IF_ERROR(StatusFromHttp(answer.first, answer.second));
    auto parsed = ParseJson(answer.second, "the server's answer");
    if (!parsed.ok() || !parsed->is_object())
      return Unavailable(
          fmt::format("{} {}: the server's answer is not a JSON object", method, path));
    int64_t rv = RvOf(*parsed);
    int64_t seen = max_rv_.load();
    while (rv > seen && !max_rv_.compare_exchange_weak(seen, rv)) {
    }
    return std::move(parsed).value();
  }

  RemoteOptions options_;
  http::Client client_;  // its connections are this store's
  std::shared_ptr<WatchRegistry> registry_;
  std::atomic<int64_t> max_rv_{0};
};

}  // namespace

Status StatusFromHttp(long code, const std::string& body) {
  if (code >= 200 && code < 300) return Status::Ok();
  std::string message, reason;
  std::vector<FieldCause> causes;
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.value("kind", "") == "Status") {
    if (j["message"].is_string()) message = j["message"];
    if (j["reason"].is_string()) reason = j["reason"];
    const Json details = j.value("details", Json::object());
    if (details.is_object() && details.contains("causes") && details["causes"].is_array())
      for (const Json& c : details["causes"])
        if (c.is_object())
          causes.push_back({c.value("field", ""), c.value("message", ""),
                            c.value("reason", "FieldValueInvalid")});
  }
  if (message.empty()) message = fmt::format("the server answered HTTP {}", code);
  Status s;
  switch (code) {
    case 400:
    case 405:
    case 406:
    case 415:
    case 422:
      s = InvalidArgument(message);
      break;
    case 401:
      s = Status(StatusCode::kUnauthenticated, message);
      break;
    case 403:
      s = Status(StatusCode::kPermissionDenied, message);
      break;
    case 404:
      // Only the API server's own word: a Status saying NotFound. A 404 from anything between
      // (a proxy, an ingress's default backend) is no proof that the object is gone, and
      // callers delete on NotFound.
      if (reason != "NotFound")
        return Unavailable(
            fmt::format("the server answered HTTP 404 without a NotFound Status: {}", message));
      s = NotFound(message);
      break;
    case 409:
      s = reason == "AlreadyExists" ? AlreadyExists(message) : Conflict(message);
      break;
    case 410:
      s = Gone(message);
      break;
    case 412:
      s = FailedPrecondition(message);
      break;
    case 413:
      s = ResourceExhausted(message);
      break;
    default:
      // 429, 5xx and anything unexpected: transient, retried; never taken for an answer.
      return Unavailable(fmt::format("the server answered HTTP {}: {}", code, message));
  }
  for (FieldCause& c : causes) s.AddCause(std::move(c));
  return s;
}

StatusOr<std::unique_ptr<store::Store>> OpenRemoteStore(RemoteOptions options) {
  if (!options.server.starts_with("https://") && !options.server.starts_with("http://"))
    return InvalidArgument(
        fmt::format("server \"{}\": must be an https:// (or http://) URL", options.server));
  if (!options.ca_file.empty()) {
    if (FILE* f = std::fopen(options.ca_file.c_str(), "r"))
      std::fclose(f);
    else
      return InvalidArgument(fmt::format("cannot read CA file {}", options.ca_file));
  }
  return std::unique_ptr<store::Store>(std::make_unique<RemoteStore>(std::move(options)));
}

}  // namespace flotilla::client
