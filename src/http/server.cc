#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http.hpp>

#include "core/log.h"
#include "http/tls_socket.h"
#include "http/worker_pool.h"

namespace flotilla::http {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using TlsStream = TlsSocket;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kStreamChunkBytes = 64 << 10;

bool IsHealthProbe(std::string_view path) {
  return path == "/healthz" || path == "/livez" || path == "/readyz";
}

// {"kind":"Status",...} as kube-apiserver sends for errors raised below the handlers.
std::string StatusBody(int code, std::string_view reason, std::string_view message) {
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  return fmt::format(
      R"({{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":"{}","reason":"{}","code":{}}})",
      escaped, reason, code);
}

Response StatusResponse(int code, std::string_view reason, std::string_view message) {
  Response r;
  r.status = code;
  r.body = StatusBody(code, reason, message);
  return r;
}

}  // namespace

bool IsLoopbackAddress(const std::string& host) {
  boost::system::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec) return host == "localhost";
  if (addr.is_v6() && addr.to_v6().is_v4_mapped())
    addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
  return addr.is_loopback();
}

// What the server holds of a connection, whatever its stream.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Posted from any thread.
  virtual void PostClose() = 0;
};

struct Server::Impl {
  Impl(Options o, Handler h, Classifier c)
      : options(std::move(o)), handler(std::move(h)), long_running(std::move(c)) {}

  const Options options;
  const Handler handler;
  const Classifier long_running;

  std::atomic<uint64_t> connections{0}, inflight{0}, streams{0}, rejected_429{0},
      rejected_connections{0}, timeouts{0};
  std::atomic<bool> stopping{false};
  bool started = false;
  int port = 0;
  std::chrono::steady_clock::time_point last_accept_error{};

  std::mutex mu;
  std::unordered_map<ConnectionBase*, std::weak_ptr<ConnectionBase>> live;  // GUARDED_BY(mu)

  std::optional<net::ssl::context> tls;  // set when serving TLS; read-only once started
  WorkerPool pool;
  std::vector<std::thread> io_threads;
  // Declared last: destroyed first, so handlers it still holds see the members above alive.
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_retry;

  void Accept();
  Status LoadTls();
  Response SafeHandle(const Request& req);
  void Log(const Request& req, int status, Clock::time_point start);
};

// One client connection over `Stream` (a TCP socket, or TLS over one). Every member is touched
// only on the connection's strand, except where noted. Owned by the asynchronous operations in
// flight (shared_from_this).
template <class Stream>
class Connection : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  template <class... StreamArgs>
  Connection(Server::Impl& server, StreamArgs&&... stream_args)
      : server_(server),
        socket_(std::forward<StreamArgs>(stream_args)...),
        deadline_(socket_.get_executor()),
        tick_(socket_.get_executor()) {}

  ~Connection() override { server_.connections--; }

  void Start(bool reject) {
    boost::system::error_code ec;
    auto ep = Tcp().remote_endpoint(ec);
    if (!ec) {
      remote_ = fmt::format("{}:{}", ep.address().to_string(), ep.port());
      loopback_ = IsLoopbackAddress(ep.address().to_string());
    }
    if constexpr (kTls) {
      SetDeadline(server_.options.header_timeout);
      return AwaitClientHello(reject);
    }
    Begin(reject);
  }

  void PostClose() override {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

 private:
  using Shared = std::enable_shared_from_this<Connection<Stream>>;
  std::shared_ptr<Connection> shared_from_this() { return Shared::shared_from_this(); }
  std::weak_ptr<Connection> weak_from_this() { return Shared::weak_from_this(); }
  tcp::socket& Tcp() { return boost::beast::get_lowest_layer(socket_); }

  void Begin(bool reject) {
    if (reject) {
      Respond(StatusResponse(503, "ServiceUnavailable", "too many open connections"), false);
      return;
    }
    ReadHeader();
  }

  void AwaitClientHello(bool reject) {
    Tcp().async_wait(tcp::socket::wait_read,
                     [self = shared_from_this(), reject](boost::system::error_code ec) {
                       if (self->closed_) return;
                       if (ec) return self->Close();
                       self->Handshake(reject);
                     });
  }

  // TLS: the client has sent its first bytes; peeked at, they stay for the handshake. A TLS
  // record starts with 0x16 (handshake); anything else is a client speaking plain HTTP, told so
  // as Go's servers tell it.
  void Handshake(bool reject) {
    if constexpr (kTls) {
      unsigned char first = 0;
      boost::system::error_code ec;
      size_t n = Tcp().receive(net::buffer(&first, 1), tcp::socket::message_peek, ec);
      if (ec == net::error::would_block) return AwaitClientHello(reject);  // woken, no data
      if (ec || n == 0) return Close();
      if (first != 0x16) {
        // Read what the client sent (bounded, without waiting) so that closing after the answer
        // is an orderly close, not a reset that could discard the answer at the client.
        char discard[4096];
        Tcp().receive(net::buffer(discard), 0, ec);
        static constexpr std::string_view kPlain =
            "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Connection: close\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";
        net::async_write(
            Tcp(), net::buffer(kPlain.data(), kPlain.size()),
            [self = shared_from_this()](boost::system::error_code, size_t) { self->Close(); });
        return;
      }
      socket_.async_handshake([self = shared_from_this(), reject](boost::system::error_code ec) {
        if (self->closed_) return;
        if (ec) return self->Close();
        self->Begin(reject);
      });
    }
  }

  void SetDeadline(std::chrono::milliseconds after) {
    deadline_.expires_after(after);
    deadline_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->closed_) return;
      self->server_.timeouts++;
      self->Close();
    });
  }
  void ClearDeadline() { deadline_.cancel(); }

  void ReadHeader() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
    SetDeadline(requests_ == 0 ? server_.options.header_timeout : server_.options.idle_timeout);
    bhttp::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](boost::system::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(boost::system::error_code ec) {
    if (closed_) return;
    if (ec == bhttp::error::body_limit) return RefuseTooLarge();
    if (ec == bhttp::error::header_limit) {
      return Respond(
          StatusResponse(431, "RequestHeaderFieldsTooLarge", "the request header is too large"),
          false);
    }
    if (ec) return Close();
    requests_++;
    start_ = Clock::now();
    request_ = ToRequest(parser_->get());
    SetDeadline(server_.options.body_timeout);
    // A client that asks (curl does for bodies over 1 MiB) is told to go on at once instead of
    // waiting a second for permission; a body over the limit was refused above.
    if (!parser_->is_done() && request_.Header("expect") == "100-continue") {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = shared_from_this()](boost::system::error_code ec, size_t) {
                         if (ec || self->closed_) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](boost::system::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(boost::system::error_code ec) {
    if (closed_) return;
    if (ec == bhttp::error::body_limit) return RefuseTooLarge();
    if (ec) return Close();
    ClearDeadline();
    request_.body = std::move(parser_->get().body());
    keep_alive_ = parser_->get().keep_alive();
    version_ = parser_->get().version();
    parser_.reset();
    bool probe = IsHealthProbe(request_.path);
    bool streaming = server_.long_running && server_.long_running(request_);
    if (!Admit(probe, streaming)) {
      server_.rejected_429++;
      Response r =
          StatusResponse(429, "TooManyRequests", "too many requests, please try again later");
      r.headers.emplace_back("Retry-After", "1");
      log::Warn("HTTP request refused: in-flight budget exhausted",
                {{"path", request_.path}, {"remote", remote_}});
      return Respond(std::move(r), keep_alive_);
    }
    server_.pool.Submit(
        [self = shared_from_this()] {
          Response resp = self->server_.SafeHandle(self->request_);
          net::post(self->socket_.get_executor(), [self, resp = std::move(resp)]() mutable {
            self->OnResponse(std::move(resp));
          });
        },
        probe);
  }

  // Takes a slot from the budget the request draws from; false when it is exhausted.
  bool Admit(bool probe, bool streaming) {
    if (probe) return true;
    auto take = [](std::atomic<uint64_t>& n, size_t max) {
      uint64_t cur = n.load();
      while (cur < max)
        if (n.compare_exchange_weak(cur, cur + 1)) return true;
      return false;
    };
    if (streaming) {
      if (!take(server_.streams, server_.options.max_long_running)) return false;
      holds_stream_ = true;
    } else {
      if (!take(server_.inflight, server_.options.max_requests_inflight)) return false;
      holds_inflight_ = true;
    }
    return true;
  }

  void Release() {
    if (holds_inflight_) server_.inflight--;
    if (holds_stream_) server_.streams--;
    holds_inflight_ = holds_stream_ = false;
  }

  void OnResponse(Response resp) {
    if (closed_) {
      if (resp.source) resp.source->Close();
      return;
    }
    if (resp.source) return StartStream(std::move(resp));
    Respond(std::move(resp), keep_alive_);
  }

  void RefuseTooLarge() {
    Respond(StatusResponse(413, "RequestEntityTooLarge",
                           fmt::format("Request entity too large: limit is {}",
                                       server_.options.max_body_bytes)),
            false);
  }

  void Respond(Response resp, bool keep_alive) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(resp.status), version_);
    res->set(bhttp::field::content_type, resp.content_type);
    for (const auto& [k, v] : resp.headers) res->set(k, v);
    res->keep_alive(keep_alive && !server_.stopping.load());
    if (request_.method != "HEAD") res->body() = std::move(resp.body);
    res->prepare_payload();
    int status = resp.status;
    SetDeadline(server_.options.write_timeout);
    bhttp::async_write(
        socket_, *res,
        [self = shared_from_this(), res, status](boost::system::error_code ec, size_t) {
          self->ClearDeadline();
          self->Release();
          if (self->requests_ > 0) self->server_.Log(self->request_, status, self->start_);
          if (ec || !res->keep_alive()) return self->Close();
          self->ReadHeader();
        });
  }

  // ---- streamed responses ----

  void StartStream(Response resp) {
    source_ = std::move(resp.source);
    if (holds_inflight_) {  // a handler streamed what the classifier did not predict
      server_.inflight--;
      holds_inflight_ = false;
      server_.streams++;
      holds_stream_ = true;
    }
    auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(
        static_cast<bhttp::status>(resp.status), version_);
    res->set(bhttp::field::content_type, resp.content_type);
    for (const auto& [k, v] : resp.headers) res->set(k, v);
    res->chunked(true);
    res->keep_alive(keep_alive_ && !server_.stopping.load());
    auto sr = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*res);
    SetDeadline(server_.options.write_timeout);
    bhttp::async_write_header(
        socket_, *sr, [self = shared_from_this(), res, sr](boost::system::error_code ec, size_t) {
          self->ClearDeadline();
          if (ec || self->closed_) return self->Close();
          self->server_.Log(self->request_, res->result_int(), self->start_);
          std::weak_ptr<Connection> weak = self;
          auto exec = self->socket_.get_executor();
          self->source_->SetWakeup([weak, exec] {
            net::post(exec, [weak] {
              if (auto s = weak.lock()) s->Pump();
            });
          });
          self->WatchPeer();
          self->Tick();
          self->Pump();
        });
  }

  // Notices a client that goes away while the stream is idle: the read fails on close/reset.
  // Whatever the client sends meanwhile (its next request) is kept for the parser.
  void WatchPeer() {
    if (buffer_.size() > server_.options.max_header_bytes) return Close();
    peer_read_pending_ = true;
    socket_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                              self->peer_read_pending_ = false;
                              if (self->closed_) return;
                              if (!ec) self->buffer_.commit(n);
                              if (self->stream_over_) {
                                if (ec && ec != net::error::operation_aborted) return self->Close();
                                return self->AfterStream();
                              }
                              if (ec) return self->Close();
                              self->WatchPeer();
                            });
  }

  void Tick() {
    auto next = Clock::now() + server_.options.stream_tick;
    tick_.expires_at(std::min(next, source_->deadline()));
    tick_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->closed_ || !self->source_) return;
      self->Pump();
      if (!self->closed_ && self->source_ && !self->ending_) self->Tick();
    });
  }

  void Pump() {
    if (closed_ || !source_ || ending_) return;
    if (writing_) return;  // the write's completion pumps again
    out_.clear();
    bool more = source_->Poll(out_, kStreamChunkBytes) && Clock::now() < source_->deadline();
    if (out_.empty()) {
      if (!more) EndStream();
      return;
    }
    writing_ = true;
    SetDeadline(server_.options.write_timeout);
    net::async_write(socket_, bhttp::make_chunk(net::buffer(out_)),
                     [self = shared_from_this(), more](boost::system::error_code ec, size_t) {
                       self->writing_ = false;
                       self->ClearDeadline();
                       if (ec || self->closed_) return self->Close();
                       if (!more) return self->EndStream();
                       self->Pump();
                     });
  }

  void EndStream() {
    if (ending_) return;
    ending_ = true;
    source_->Close();
    SetDeadline(server_.options.write_timeout);
    net::async_write(socket_, bhttp::make_chunk_last(),
                     [self = shared_from_this()](boost::system::error_code ec, size_t) {
                       self->ClearDeadline();
                       if (ec || self->closed_ || !self->keep_alive_) return self->Close();
                       self->stream_over_ = true;
                       // The peer watch ends first (cancelled), then the connection goes on.
                       if (self->peer_read_pending_) {
                         boost::system::error_code ignored;
                         self->Tcp().cancel(ignored);
                       } else {
                         self->AfterStream();
                       }
                     });
  }

  // The stream is over and the connection stays open: back to reading requests.
  void AfterStream() {
    tick_.cancel();
    source_.reset();
    Release();
    stream_over_ = ending_ = writing_ = false;
    ReadHeader();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    Release();
    if (source_) source_->Close();
    boost::system::error_code ec;
    deadline_.cancel();
    tick_.cancel();
    Tcp().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().close(ec);
    std::lock_guard lk(server_.mu);
    server_.live.erase(this);
  }

  Request ToRequest(const bhttp::request<bhttp::string_body>& msg) {
    Request req;
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
    req.remote_address = remote_;
    req.loopback = loopback_;
    return req;
  }

  Server::Impl& server_;
  Stream socket_;
  net::steady_timer deadline_;
  net::steady_timer tick_;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_;
  bool loopback_ = false;
  Request request_;  // the request being served; read by the worker while it runs
  Clock::time_point start_{};
  unsigned version_ = 11;
  bool keep_alive_ = false;
  uint64_t requests_ = 0;
  bool holds_inflight_ = false, holds_stream_ = false;
  bool closed_ = false;
  // Streaming.
  std::shared_ptr<StreamSource> source_;
  bool writing_ = false, ending_ = false, stream_over_ = false, peer_read_pending_ = false;
  std::string out_;
  char peer_byte_[1] = {0};
};

void Server::Impl::Accept() {
  acceptor->async_accept(
      net::make_strand(ioc), [this](boost::system::error_code ec, tcp::socket socket) {
        if (stopping.load()) return;
        if (ec) {
          // EMFILE/ENFILE/ENOMEM: refuse by not accepting for a moment; never exit.
          auto now = Clock::now();
          if (now - last_accept_error > std::chrono::seconds(10)) {
            log::Warn("HTTP server cannot accept a connection", {{"error", ec.message()}});
            last_accept_error = now;
          }
          accept_retry->expires_after(std::chrono::milliseconds(100));
          accept_retry->async_wait([this](boost::system::error_code e) {
            if (!e && !stopping.load()) Accept();
          });
          return;
        }
        bool reject = connections.load() >= options.max_connections;
        if (reject) rejected_connections++;
        connections++;
        try {
          auto start = [&](auto conn) {
            {
              std::lock_guard lk(mu);
              live.emplace(conn.get(), conn);
            }
            conn->Start(reject);
          };
          if (tls)
            start(std::make_shared<Connection<TlsStream>>(*this, std::move(socket),
                                                          tls->native_handle()));
          else
            start(std::make_shared<Connection<tcp::socket>>(*this, std::move(socket)));
        } catch (const std::exception& e) {
          log::Warn("HTTP server dropped a connection", {{"error", e.what()}});
        }
        Accept();
      });
}

Response Server::Impl::SafeHandle(const Request& req) {
  try {
    return handler(req);
  } catch (const std::bad_alloc&) {
    log::Error("HTTP request ran out of memory", {{"path", req.path}});
    return StatusResponse(503, "ServiceUnavailable",
                          "the server ran out of memory for this request");
  } catch (const std::exception& e) {
    log::Error("HTTP request failed with an exception", {{"path", req.path}, {"error", e.what()}});
    return StatusResponse(500, "InternalError", "internal error");
  }
}

void Server::Impl::Log(const Request& req, int status, Clock::time_point start) {
  if (!options.access_log) return;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  log::Info("http", {{"method", req.method},
                     {"path", req.path},
                     {"status", std::to_string(status)},
                     {"duration", fmt::format("{}ms", ms)},
                     {"remote", req.remote_address}});
}

// TLS 1.2 and later with the server's certificate chain and key.
Status Server::Impl::LoadTls() {
  Impl& d = *this;
  if (d.options.tls_cert_file.empty() || d.options.tls_key_file.empty())
    return InvalidArgument("TLS needs both a certificate and a key file");
  net::ssl::context ctx(net::ssl::context::tls_server);
  boost::system::error_code ec;
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                      net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use,
                  ec);
  // Idle connections (watches) keep no read/write buffers.
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  ctx.use_certificate_chain_file(d.options.tls_cert_file, ec);
  if (ec)
    return InvalidArgument(
        fmt::format("cannot load TLS certificate {}: {}", d.options.tls_cert_file, ec.message()));
  ctx.use_private_key_file(d.options.tls_key_file, net::ssl::context::pem, ec);
  if (ec)
    return InvalidArgument(
        fmt::format("cannot load TLS key {}: {}", d.options.tls_key_file, ec.message()));
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
    return InvalidArgument(fmt::format("TLS key {} does not match certificate {}",
                                       d.options.tls_key_file, d.options.tls_cert_file));
  d.tls.emplace(std::move(ctx));
  return Status::Ok();
}

Server::Server(Options options, Handler handler, Classifier long_running)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler),
                                   std::move(long_running))) {}

Server::~Server() { Stop(); }

int Server::port() const { return impl_->port; }

Server::Stats Server::stats() const {
  const Impl& d = *impl_;
  return Stats{
      d.connections.load(),          d.inflight.load(), d.streams.load(), d.rejected_429.load(),
      d.rejected_connections.load(), d.timeouts.load()};
}

Status Server::Start() {
  Impl& d = *impl_;
  if (d.started) return FailedPrecondition("the HTTP server is already started");
  boost::system::error_code ec;
  auto addr = net::ip::make_address(d.options.host, ec);
  if (ec) return InvalidArgument(fmt::format("invalid listen host \"{}\"", d.options.host));
  tcp::endpoint ep(addr, static_cast<unsigned short>(d.options.port));
  if (!d.options.tls_cert_file.empty() || !d.options.tls_key_file.empty()) {
    RETURN_IF_ERROR(d.LoadTls());
    // OpenSSL writes TLS records with write(2) (http/tls_socket.h): a peer that reset its
    // connection must cost an EPIPE on that connection, not the process.
    std::signal(SIGPIPE, SIG_IGN);
  }
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
  RETURN_IF_ERROR(d.pool.Start(std::max<size_t>(1, d.options.workers), kWorkerStackBytes));
  d.stopping = false;
  d.accept_retry.emplace(d.ioc);
  d.work.emplace(d.ioc.get_executor());
  d.Accept();
  try {
    for (size_t i = 0; i < std::max<size_t>(1, d.options.io_threads); i++)
      d.io_threads.emplace_back([&d] { d.ioc.run(); });
  } catch (const std::system_error& e) {
    d.started = true;
    Stop();
    return ResourceExhausted(fmt::format("cannot start the HTTP server's threads: {}", e.what()));
  }
  d.started = true;
  log::Info("HTTP server listening", {{"address", fmt::format("{}:{}", d.options.host, d.port)},
                                      {"tls", d.tls ? "true" : "false"}});
  return Status::Ok();
}

void Server::Stop() {
  Impl& d = *impl_;
  if (!d.started) return;
  d.stopping = true;
  net::post(d.ioc, [&d] {
    boost::system::error_code ec;
    if (d.acceptor) d.acceptor->close(ec);
    if (d.accept_retry) d.accept_retry->cancel();
  });
  std::vector<std::shared_ptr<ConnectionBase>> conns;
  {
    std::lock_guard lk(d.mu);
    for (auto& [p, weak] : d.live)
      if (auto c = weak.lock()) conns.push_back(std::move(c));
  }
  for (auto& c : conns) c->PostClose();
  conns.clear();
  d.pool.Stop();
  d.work.reset();
  for (auto& t : d.io_threads) t.join();
  d.io_threads.clear();
  d.ioc.restart();
  d.acceptor.reset();
  d.started = false;
}

}  // namespace flotilla::http
