// TLS over a TCP socket, with OpenSSL reading and writing the socket's descriptor itself
// (SSL_set_fd), for the server's connections. Why not Boost.Asio's ssl::stream: its engine keeps
// a memory BIO pair and two staging buffers per connection whether it is busy or idle, and an
// agent's watch is an idle TLS connection held for hours. Measured with bench/agents.sh, 10,000
// watches over TLS: 113 KiB each with ssl::stream, 45 KiB each with this. Here an idle connection
// costs OpenSSL's session state: the context sets SSL_MODE_RELEASE_BUFFERS, so the record
// buffers exist only while a record is in flight.
//
// OpenSSL writes with write(2), which raises SIGPIPE on a connection the peer has reset: the
// process that serves with this must ignore SIGPIPE (http::Server::Start does).
//
// It is an AsyncReadStream and AsyncWriteStream (Beast's HTTP reads and writes run over it) with
// the one discipline OpenSSL needs: an operation that wants the socket readable or writable waits
// for exactly that (async_wait) and is retried with the same arguments. Handlers complete through
// their associated executor, never inside the initiating call. The caller serialises operations
// on one strand (the server's connections do), so SSL_read and SSL_write never run at once.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>

namespace flotilla::http {

class TlsSocket {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using next_layer_type = boost::asio::ip::tcp::socket;

  // Takes the socket; `ctx` must outlive this object.
  TlsSocket(boost::asio::ip::tcp::socket socket, SSL_CTX* ctx)
      : socket_(std::move(socket)), ssl_(SSL_new(ctx)) {
    boost::system::error_code ec;
    socket_.native_non_blocking(true, ec);
    socket_.non_blocking(true, ec);  // synchronous calls on it (a peek) answer would_block
    if (ssl_ != nullptr) SSL_set_fd(ssl_, socket_.native_handle());
  }
  ~TlsSocket() { SSL_free(ssl_); }
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  executor_type get_executor() { return socket_.get_executor(); }
  next_layer_type& next_layer() { return socket_; }
  next_layer_type& lowest_layer() { return socket_; }

  // The server side of the handshake: Handler(error_code).
  template <class Handler>
  auto async_handshake(Handler&& handler) {
    return boost::asio::async_initiate<Handler, void(boost::system::error_code)>(
        [this](auto h) {
          Run(Kind::kHandshake, nullptr, 0,
              [h = std::move(h)](boost::system::error_code ec, size_t) mutable {
                std::move(h)(ec);
              });
        },
        handler);
  }

  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return boost::asio::async_initiate<Handler, void(boost::system::error_code, size_t)>(
        [this](auto h, const MutableBuffers& b) {
          boost::asio::mutable_buffer first = FirstNonEmpty(b);
          Run(Kind::kRead, first.data(), first.size(), std::move(h));
        },
        handler, buffers);
  }

  // Writes at most 64 KiB: the first buffer alone when it is large, else the leading buffers
  // gathered into one record-sized write (Beast's chunk framing is three small buffers).
  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return boost::asio::async_initiate<Handler, void(boost::system::error_code, size_t)>(
        [this](auto h, const ConstBuffers& b) {
          constexpr size_t kMax = 64 << 10;
          auto it = boost::asio::buffer_sequence_begin(b);
          auto end = boost::asio::buffer_sequence_end(b);
          while (it != end && boost::asio::buffer(*it).size() == 0) ++it;
          if (it == end) return Complete(std::move(h), {}, 0);
          boost::asio::const_buffer one = *it;
          if (one.size() >= 16 << 10 || std::next(it) == end) {
            return Run(Kind::kWrite, const_cast<void*>(one.data()), std::min(one.size(), kMax),
                       std::move(h));
          }
          std::vector<char> gathered;
          for (; it != end && gathered.size() < kMax; ++it) {
            boost::asio::const_buffer c = *it;
            size_t n = std::min(c.size(), kMax - gathered.size());
            const char* p = static_cast<const char*>(c.data());
            gathered.insert(gathered.end(), p, p + n);
          }
          // The gathered bytes live in the handler's state until the write completes.
          auto owned = std::make_shared<std::vector<char>>(std::move(gathered));
          Run(Kind::kWrite, owned->data(), owned->size(),
              [h = std::move(h), owned](boost::system::error_code ec, size_t n) mutable {
                std::move(h)(ec, n);
              });
        },
        handler, buffers);
  }

 private:
  enum class Kind { kHandshake, kRead, kWrite };

  template <class Buffers>
  static boost::asio::mutable_buffer FirstNonEmpty(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b = *it;
      if (b.size() > 0) return b;
    }
    return {};
  }

  template <class Handler>
  void Complete(Handler h, boost::system::error_code ec, size_t n) {
    auto ex = boost::asio::get_associated_executor(h, socket_.get_executor());
    boost::asio::post(ex, [h = std::move(h), ec, n]() mutable { std::move(h)(ec, n); });
  }

  // One attempt; on WANT_READ/WANT_WRITE waits for the socket and tries again with the same
  // arguments (as OpenSSL requires for a retried SSL_write).
  template <class Handler>
  void Run(Kind kind, void* data, size_t size, Handler h) {
    if (ssl_ == nullptr) return Complete(std::move(h), boost::asio::error::no_memory, 0);
    // Closed meanwhile (a wait that had already succeeded was still queued): the descriptor
    // number may belong to another connection by now, so OpenSSL must not touch it.
    if (!socket_.is_open()) return Complete(std::move(h), boost::asio::error::operation_aborted, 0);
    if (kind != Kind::kHandshake && size == 0) return Complete(std::move(h), {}, 0);
    ERR_clear_error();
    errno = 0;
    size_t done = 0;
    int rc = 0;
    const int len = static_cast<int>(std::min<size_t>(size, 1 << 30));
    switch (kind) {
      case Kind::kHandshake:
        rc = SSL_accept(ssl_);
        break;
      case Kind::kRead:
        rc = SSL_read_ex(ssl_, data, static_cast<size_t>(len), &done);
        break;
      case Kind::kWrite:
        rc = SSL_write_ex(ssl_, data, static_cast<size_t>(len), &done);
        break;
    }
    if (rc == 1) return Complete(std::move(h), {}, done);
    const int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      auto what =
          err == SSL_ERROR_WANT_READ ? next_layer_type::wait_read : next_layer_type::wait_write;
      socket_.async_wait(
          what, [this, kind, data, size, h = std::move(h)](boost::system::error_code ec) mutable {
            if (ec) return Complete(std::move(h), ec, 0);
            Run(kind, data, size, std::move(h));
          });
      return;
    }
    boost::system::error_code ec;
    if (err == SSL_ERROR_ZERO_RETURN) {
      ec = boost::asio::error::eof;  // the peer's close_notify
    } else if (err == SSL_ERROR_SSL &&
               ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
      ec = boost::asio::ssl::error::stream_truncated;  // EOF without close_notify (OpenSSL 3)
    } else if (err == SSL_ERROR_SSL) {
      ec = boost::system::error_code(static_cast<int>(ERR_get_error()),
                                     boost::asio::error::get_ssl_category());
    } else if (err == SSL_ERROR_SYSCALL && errno != 0) {
      ec = boost::system::error_code(errno, boost::system::system_category());
    } else {
      ec = boost::asio::ssl::error::stream_truncated;  // EOF without close_notify
    }
    Complete(std::move(h), ec, 0);
  }

  next_layer_type socket_;
  SSL* ssl_;
};

}  // namespace flotilla::http
