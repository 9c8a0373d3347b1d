#include "api/server.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "api/discovery.h"
#include "api/errors.h"
#include "api/router.h"
#include "core/log.h"

namespace flotilla::api {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

struct Connection {
  explicit Connection(net::io_context& ioc) : socket(ioc) {}
  tcp::socket socket;
  std::thread thread;
  std::atomic<bool> done{false};
};

// True while the peer has not closed or reset the connection (checked without blocking).
bool PeerConnected(int fd) {
  pollfd p{fd, static_cast<short>(POLLIN | POLLRDHUP), 0};
  if (::poll(&p, 1, 0) <= 0) return true;
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) return false;
  if (p.revents & POLLIN) {
    char c;
    return ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) != 0;
  }
  return true;
}

class SocketStream : public ResponseStream {
 public:
  SocketStream(tcp::socket& socket, const std::atomic<bool>& stopping)
      : socket_(socket), stopping_(stopping) {}
  bool Write(std::string_view data) override {
    if (failed_) return false;
    if (data.empty()) return true;  // an empty chunk would end the body
    boost::system::error_code ec;
    net::write(socket_, http::make_chunk(net::buffer(data.data(), data.size())), ec);
    if (ec) failed_ = true;
    return !failed_;
  }
  bool Alive() override {
    return !failed_ && !stopping_.load() && PeerConnected(socket_.native_handle());
  }
  bool failed() const { return failed_; }

 private:
  tcp::socket& socket_;
  const std::atomic<bool>& stopping_;
  bool failed_ = false;
};

bool PrefixMatches(std::string_view path, std::string_view prefix) {
  if (path.substr(0, prefix.size()) != prefix) return false;
  return prefix.empty() || prefix.back() == '/' || path.size() == prefix.size() ||
         path[prefix.size()] == '/';
}

HttpResponse Text(int code, std::string body) {
  HttpResponse r;
  r.status = code;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

HttpResponse JsonBody(const Json& j) {
  HttpResponse r;
  r.body = j.dump();
  return r;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

HttpRequest ToRequest(const http::request<http::string_body>& msg, const std::string& remote) {
  HttpRequest req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  std::string_view target = req.target;
  size_t q = target.find('?');
  req.path = PercentDecode(target.substr(0, q), false);
  if (q != std::string_view::npos) req.query = ParseQuery(target.substr(q + 1));
  for (const auto& field : msg) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto [it, inserted] = req.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  req.body = msg.body();
  req.remote_address = remote;
  return req;
}

}  // namespace

struct ApiServer::Impl {
  Impl(store::Store& s, Options o)
      : store(s), options(std::move(o)), resources(s, options.resources) {}

  store::Store& store;
  Options options;
  ResourceApi resources;
  std::vector<std::pair<std::string, HttpHandler>> handlers;  // longest prefix first

  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::thread accept_thread;
  std::atomic<bool> stopping{false};
  bool started = false;
  int port = 0;

  std::mutex mu;
  std::list<std::unique_ptr<Connection>> connections;  // GUARDED_BY(mu)

  void AcceptLoop();
  void Reap();
  void Serve(Connection& c);
  HttpResponse SafeDispatch(const HttpRequest& req);
  HttpResponse Dispatch(const HttpRequest& req);
  HttpResponse Builtin(const HttpRequest& req);
};

ApiServer::ApiServer(store::Store& store, Options options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::Handle(std::string prefix, HttpHandler handler) {
  auto& hs = impl_->handlers;
  hs.emplace_back(std::move(prefix), std::move(handler));
  std::stable_sort(hs.begin(), hs.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

void ApiServer::AddAdmissionHook(AdmissionHook hook) {
  impl_->resources.AddAdmissionHook(std::move(hook));
}

int ApiServer::port() const { return impl_->port; }

std::string ApiServer::url() const {
  return fmt::format("http://{}:{}", impl_->options.host, impl_->port);
}

HttpResponse ApiServer::Dispatch(const HttpRequest& request) {
  return impl_->SafeDispatch(request);
}

Status ApiServer::Start() {
  Impl& d = *impl_;
  if (d.started) return FailedPrecondition("the API server is already started");
  boost::system::error_code ec;
  auto addr = net::ip::make_address(d.options.host, ec);
  if (ec) return InvalidArgument(fmt::format("invalid listen host \"{}\"", d.options.host));
  tcp::endpoint ep(addr, static_cast<unsigned short>(d.options.port));
  d.acceptor.emplace(d.ioc);
  d.acceptor->open(ep.protocol(), ec);
  if (!ec) d.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) d.acceptor->bind(ep, ec);
  if (!ec) d.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    d.acceptor.reset();
    return Unavailable(
        fmt::format("cannot listen on {}:{}: {}", d.options.host, d.options.port, ec.message()));
  }
  d.port = d.acceptor->local_endpoint().port();
  d.started = true;
  d.stopping = false;
  d.accept_thread = std::thread([&d] { d.AcceptLoop(); });
  log::Info("API server listening", {{"address", fmt::format("{}:{}", d.options.host, d.port)}});
  return Status::Ok();
}

void ApiServer::Stop() {
  Impl& d = *impl_;
  if (!d.started) return;
  d.stopping = true;
  if (d.accept_thread.joinable()) d.accept_thread.join();
  boost::system::error_code ec;
  if (d.acceptor) d.acceptor->close(ec);
  std::list<std::unique_ptr<Connection>> conns;
  {
    std::lock_guard<std::mutex> lock(d.mu);
    // shutdown() wakes threads blocked reading or writing; the fds stay open until joined.
    for (auto& c : d.connections) ::shutdown(c->socket.native_handle(), SHUT_RDWR);
    conns.swap(d.connections);
  }
  for (auto& c : conns)
    if (c->thread.joinable()) c->thread.join();
  d.acceptor.reset();
  d.started = false;
}

void ApiServer::Impl::Reap() {
  std::list<std::unique_ptr<Connection>> finished;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = connections.begin(); it != connections.end();) {
      if ((*it)->done.load()) {
        finished.push_back(std::move(*it));
        it = connections.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : finished) c->thread.join();
}

void ApiServer::Impl::AcceptLoop() {
  while (!stopping.load()) {
    pollfd p{acceptor->native_handle(), POLLIN, 0};
    int ready = ::poll(&p, 1, 200);
    Reap();
    if (ready <= 0) continue;
    auto conn = std::make_unique<Connection>(ioc);
    boost::system::error_code ec;
    acceptor->accept(conn->socket, ec);
    if (ec) continue;
    std::lock_guard<std::mutex> lock(mu);
    if (stopping.load()) break;
    if (connections.size() >= options.max_connections) {
      static constexpr std::string_view kBusy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      net::write(conn->socket, net::buffer(kBusy.data(), kBusy.size()), ec);
      conn->socket.close(ec);
      log::Warn("API server at its connection limit; rejected a connection");
      continue;
    }
    Connection* c = conn.get();
    connections.push_back(std::move(conn));
    c->thread = std::thread([this, c] { Serve(*c); });
  }
}

void ApiServer::Impl::Serve(Connection& c) {
  boost::beast::flat_buffer buffer;
  boost::system::error_code ec;
  std::string remote;
  auto ep = c.socket.remote_endpoint(ec);
  if (!ec) remote = fmt::format("{}:{}", ep.address().to_string(), ep.port());
  while (!stopping.load()) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    http::read(c.socket, buffer, parser, ec);
    if (ec == http::error::body_limit) {
      http::response<http::string_body> res{http::status::payload_too_large, 11};
      res.set(http::field::content_type, "application/json");
      res.body() = StatusJson(413, "RequestEntityTooLarge", "the request body is too large").dump();
      res.keep_alive(false);
      res.prepare_payload();
      http::write(c.socket, res, ec);
      break;
    }
    if (ec) break;
    const auto& msg = parser.get();
    auto start = std::chrono::steady_clock::now();
    HttpRequest req = ToRequest(msg, remote);
    HttpResponse resp = SafeDispatch(req);
    bool keep_alive = msg.keep_alive();
    if (resp.stream) {
      http::response<http::empty_body> res{static_cast<http::status>(resp.status), msg.version()};
      res.set(http::field::content_type, resp.content_type);
      for (const auto& [k, v] : resp.headers) res.set(k, v);
      res.chunked(true);
      res.keep_alive(keep_alive);
      http::response_serializer<http::empty_body> sr{res};
      http::write_header(c.socket, sr, ec);
      SocketStream stream(c.socket, stopping);
      if (!ec) resp.stream(stream);
      if (ec || stream.failed()) keep_alive = false;
      if (keep_alive) net::write(c.socket, http::make_chunk_last(), ec);
      if (ec) keep_alive = false;
    } else {
      http::response<http::string_body> res{static_cast<http::status>(resp.status), msg.version()};
      res.set(http::field::content_type, resp.content_type);
      for (const auto& [k, v] : resp.headers) res.set(k, v);
      res.keep_alive(keep_alive);
      if (req.method != "HEAD") res.body() = std::move(resp.body);
      res.prepare_payload();
      http::write(c.socket, res, ec);
      if (ec) keep_alive = false;
    }
    if (options.access_log) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
      std::string status = std::to_string(resp.status), duration = fmt::format("{}ms", ms);
      log::Info("http", {{"method", req.method},
                         {"path", req.path},
                         {"status", status},
                         {"duration", duration},
                         {"remote", remote}});
    }
    if (!keep_alive) break;
  }
  // Done before the client can observe the close, so a client that reconnects at once is not
  // refused for a connection that is already over.
  c.done = true;
  c.socket.shutdown(tcp::socket::shutdown_both, ec);
}

HttpResponse ApiServer::Impl::SafeDispatch(const HttpRequest& req) {
  try {
    return Dispatch(req);
  } catch (const std::exception& e) {
    log::Error("API request failed with an exception", {{"path", req.path}, {"error", e.what()}});
    return ErrorResponse(500, "InternalError", "internal error");
  }
}

HttpResponse ApiServer::Impl::Dispatch(const HttpRequest& req) {
  for (const auto& [prefix, handler] : handlers)
    if (PrefixMatches(req.path, prefix)) return handler(req);
  HttpResponse builtin = Builtin(req);
  if (builtin.status != 0) return builtin;
  auto path = ParseResourcePath(req.path);
  if (!path.ok()) return ErrorResponse(path.status());
  return resources.Serve(req, *path);
}

// Health, version, discovery and OpenAPI; status 0 when `req` is not one of them.
HttpResponse ApiServer::Impl::Builtin(const HttpRequest& req) {
  const std::string& p = req.path;
  std::vector<std::string_view> seg = Segments(p);
  bool discovery = p == "/healthz" || p == "/livez" || p == "/readyz" || p == "/version" ||
                   p.rfind("/openapi/", 0) == 0 ||
                   (seg.size() <= 3 && !seg.empty() && (seg[0] == "api" || seg[0] == "apis"));
  if (seg.size() == 3 && seg[0] == "api") discovery = false;
  if (!discovery) return HttpResponse{0, "", {}, "", nullptr};
  if (req.method != "GET" && req.method != "HEAD")
    return ErrorResponse(405, "MethodNotAllowed",
                         "the server does not allow this method on the requested resource");
  if (p == "/healthz" || p == "/livez" || p == "/readyz") return Text(200, "ok");
  if (p == "/version") return JsonBody(VersionJson());
  if (p == "/openapi/v2") {
    // An empty OpenAPI document: kubectl's client-side validation and its strategic-merge
    // schema lookups find no schema for any kind and fall back to their built-in behaviour.
    HttpResponse r;
    if (req.Header("accept").find("protobuf") != std::string::npos) {
      r.content_type = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
    } else {
      r.body = Json{{"swagger", "2.0"},
                    {"info", {{"title", "flotilla"}, {"version", "v1alpha1"}}},
                    {"paths", Json::object()},
                    {"definitions", Json::object()}}
                   .dump();
    }
    return r;
  }
  if (seg.size() == 1 && seg[0] == "api")
    return JsonBody(ApiVersionsJson(fmt::format("{}:{}", options.host, port)));
  if (seg.size() == 1 && seg[0] == "apis") return JsonBody(ApiGroupListJson());
  std::optional<Json> doc;
  if (seg.size() == 2 && seg[0] == "api") doc = ApiResourceListJson("", seg[1]);
  if (seg.size() == 2 && seg[0] == "apis") {
    doc = ApiGroupJson(seg[1]);
    if (doc) {
      (*doc)["kind"] = "APIGroup";
      (*doc)["apiVersion"] = "v1";
    }
  }
  if (seg.size() == 3 && seg[0] == "apis") doc = ApiResourceListJson(seg[1], seg[2]);
  if (doc) return JsonBody(*doc);
  return ErrorResponse(404, "NotFound", "the server could not find the requested resource");
}

}  // namespace flotilla::api
