// An HTTP/1.1 server for flotilla's handlers, built so that no client can lock out others:
//
// - I/O is asynchronous (Boost.Asio, a few I/O threads): an idle, slow or streaming connection
//   costs a socket and a few KiB, never a thread. Streamed responses (watches) are pumped from
//   their StreamSource by the I/O threads, so 10,000 concurrent watches need no threads at all.
// - Handlers are synchronous and run on a fixed pool of worker threads (with known stack size,
//   see kWorkerStackBytes). Ordinary requests draw from an in-flight budget (running + queued);
//   when it is exhausted the server answers 429 Too Many Requests with Retry-After, as
//   kube-apiserver's max-requests-inflight does. Long-running requests (Classify says which)
//   have a budget of their own. Health probes (/healthz, /livez, /readyz) bypass both budgets and
//   jump the worker queue, so probes keep answering while the server sheds load.
// - Every phase has a deadline: the request header (slowloris), the body, a response write, an
//   idle keep-alive connection. A connection past its deadline is closed.
// - Exhausted resources (file descriptors, threads, memory for a connection) refuse the request
//   or connection and are logged; they never terminate the process.
//
// - TLS (Options::tls_cert_file/tls_key_file) changes none of the above: the same deadlines,
//   budgets and streaming apply to both kinds of connection.
//
// Security: request bodies are never logged; the access log carries method, path, status,
// duration and remote address only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/message.h"

namespace flotilla::http {

// Worker threads run handlers with this much stack; recursion limits on untrusted input (JSON
// nesting, patches) are chosen to fit well within it.
inline constexpr size_t kWorkerStackBytes = 8u << 20;

class Server {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0 = an ephemeral port; see port()
    size_t io_threads = 2;
    size_t workers = 16;  // handler threads
    // Ordinary requests admitted at once (running + waiting for a worker); beyond: 429.
    size_t max_requests_inflight = 400;
    // Long-running requests (watches) open at once; beyond: 429.
    size_t max_long_running = 20000;
    // Open connections; beyond, new connections are answered 503 and closed.
    size_t max_connections = 25000;
    size_t max_header_bytes = 1u << 20;  // kube-apiserver's MaxHeaderBytes
    size_t max_body_bytes = 3u << 20;    // kube-apiserver's 3 MiB request limit; beyond: 413
    std::chrono::milliseconds header_timeout{std::chrono::seconds(30)};
    std::chrono::milliseconds body_timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds write_timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds idle_timeout{
        std::chrono::seconds(90)};                                   // between keep-alive requests
    std::chrono::milliseconds stream_tick{std::chrono::seconds(1)};  // see StreamSource
    bool access_log = true;
    // TLS (1.2 and later) when both are set: PEM files, the certificate chain and its key.
    // The handshake counts against header_timeout; a client speaking plain HTTP to the TLS
    // port is answered 400 and closed, as Go's servers do.
    std::string tls_cert_file, tls_key_file;
  };

  // True when `request` (headers read, body not yet) is long-running: its response streams
  // until the client leaves (watches). Decides which budget it draws from.
  using Classifier = std::function<bool(const Request&)>;

  // `handler` serves every request; `long_running` classifies them (nullptr: none is).
  Server(Options options, Handler handler, Classifier long_running);
  ~Server();  // Stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port and starts serving. kUnavailable when the address cannot be bound;
  // kInvalidArgument when the TLS files cannot be loaded.
  Status Start();
  int port() const;  // the bound port, after Start()
  // Idempotent. Closes the listener and every connection, ends streams, joins all threads.
  void Stop();

  struct Stats {
    uint64_t connections_open = 0;
    uint64_t requests_inflight = 0;  // ordinary requests admitted and not yet answered
    uint64_t long_running = 0;       // open streams
    uint64_t rejected_429 = 0;
    uint64_t rejected_connections = 0;
    uint64_t timeouts = 0;  // connections closed at a deadline
  };
  Stats stats() const;

 private:
  template <class Stream>
  friend class Connection;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// True for 127.0.0.0/8 and ::1 (and ::ffff:127.x.y.z).
bool IsLoopbackAddress(const std::string& host);

}  // namespace flotilla::http
