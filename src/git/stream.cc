// A replacement for libgit2's plain socket stream (git://, ssh://, and the TCP under https://)
// whose connect, reads and writes are bounded by the calling thread's lg2::NetScope, so that a
// dead or stalled server fails the call instead of blocking a worker forever.
#include <fcntl.h>
#include <git2/sys/stream.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "git/lg2.h"

namespace flotilla::git::lg2 {
namespace {

// Layout-compatible with libgit2's git_socket_stream: its SSH transport reads the socket out of
// the stream it gets (GIT_CONTAINER_OF(io, git_socket_stream, parent)->s).
struct TimeoutStream {
  git_stream parent;
  char* host_c;
  char* port_c;
  int fd;
};
static_assert(offsetof(TimeoutStream, fd) == sizeof(git_stream) + 2 * sizeof(char*));

// Shuts down sockets still open at their scope's deadline, so that code blocking on them outside
// our poll() (libssh2's handshake and reads) returns too.
class Watchdog {
 public:
  static Watchdog& Get() {
    static Watchdog* w = new Watchdog();  // never destroyed; its thread runs until exit
    return *w;
  }
  void Add(int fd, Clock::time_point deadline, std::shared_ptr<std::atomic<bool>> flag) {
    std::lock_guard lock(mu_);
    fds_[fd] = {deadline, std::move(flag)};
    cv_.notify_one();
  }
  // Must be called before `fd` is closed (so a reused descriptor is never shut down).
  void Remove(int fd) {
    std::lock_guard lock(mu_);
    fds_.erase(fd);
  }

 private:
  struct Watch {
    Clock::time_point deadline;
    std::shared_ptr<std::atomic<bool>> flag;
  };
  Watchdog() {
    std::thread([this] { Run(); }).detach();
  }
  void Run() {
    std::unique_lock lock(mu_);
    for (;;) {
      auto next = Clock::time_point::max();
      auto now = Clock::now();
      for (auto& [fd, w] : fds_) {
        if (w.deadline <= now) {
          shutdown(fd, SHUT_RDWR);
          *w.flag = true;
          w.deadline = Clock::time_point::max();  // once
        }
        next = std::min(next, w.deadline);
      }
      if (next == Clock::time_point::max()) {
        cv_.wait(lock);
      } else {
        cv_.wait_until(lock, next);
      }
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int, Watch> fds_;
};

// Milliseconds to wait for the next socket event: min(per-event limit, time left overall).
// 0 means "out of time".
int WaitBudget(std::chrono::milliseconds event_limit) {
  NetScope* scope = NetScope::Current();
  Timeouts defaults;
  auto limit = event_limit.count() > 0 ? event_limit : defaults.idle;
  if (!scope) return static_cast<int>(limit.count());
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(scope->deadline() - Clock::now());
  if (left.count() <= 0) return 0;
  return static_cast<int>(std::min(limit, left).count());
}

std::chrono::milliseconds ConnectLimit() {
  NetScope* scope = NetScope::Current();
  return scope ? scope->timeouts().connect : Timeouts().connect;
}

std::chrono::milliseconds IdleLimit() {
  NetScope* scope = NetScope::Current();
  return scope ? scope->timeouts().idle : Timeouts().idle;
}

void MarkTimedOut() {
  if (NetScope* scope = NetScope::Current()) scope->MarkTimedOut();
}

// Waits for `events` on fd; 1 ready, 0 timed out, -1 error (errno set).
int WaitFor(int fd, short events, std::chrono::milliseconds limit) {
  for (;;) {
    int budget = WaitBudget(limit);
    if (budget <= 0) return 0;
    pollfd p{fd, events, 0};
    int rc = poll(&p, 1, budget);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return -1;
    return rc == 0 ? 0 : 1;
  }
}

int Connect(git_stream* stream) {
  auto* s = reinterpret_cast<TimeoutStream*>(stream);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addrs = nullptr;
  int rc = getaddrinfo(s->host_c, s->port_c, &hints, &addrs);
  if (rc != 0) {
    git_error_set(GIT_ERROR_NET, "cannot resolve host %s: %s", s->host_c, gai_strerror(rc));
    return -1;
  }
  std::string last_error = "no address";
  bool timed_out = false;
  for (addrinfo* a = addrs; a; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int err = 0;
    if (connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
      if (errno != EINPROGRESS) {
        err = errno;
      } else {
        int ready = WaitFor(fd, POLLOUT, ConnectLimit());
        if (ready == 0) {
          timed_out = true;
          err = ETIMEDOUT;
        } else if (ready < 0) {
          err = errno;
        } else {
          socklen_t len = sizeof err;
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        }
      }
    }
    if (err == 0) {
      s->fd = fd;
      if (NetScope* scope = NetScope::Current()) {
        Watchdog::Get().Add(fd, scope->deadline(), scope->timed_out_flag());
      }
      freeaddrinfo(addrs);
      return 0;
    }
    last_error = err == ETIMEDOUT ? "connection timed out" : std::strerror(err);
    close(fd);
  }
  freeaddrinfo(addrs);
  if (timed_out) MarkTimedOut();
  git_error_set(GIT_ERROR_NET, "cannot connect to %s port %s: %s", s->host_c, s->port_c,
                last_error.c_str());
  return -1;
}

ssize_t Read(git_stream* stream, void* data, size_t len) {
  auto* s = reinterpret_cast<TimeoutStream*>(stream);
  for (;;) {
    ssize_t n = recv(s->fd, data, len, 0);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      git_error_set(GIT_ERROR_NET, "read from %s failed: %s", s->host_c, std::strerror(errno));
      return -1;
    }
    int ready = WaitFor(s->fd, POLLIN, IdleLimit());
    if (ready <= 0) {
      if (ready == 0) MarkTimedOut();
      git_error_set(GIT_ERROR_NET, "%s sent nothing in time (read timed out)", s->host_c);
      return -1;
    }
  }
}

ssize_t Write(git_stream* stream, const char* data, size_t len, int) {
  auto* s = reinterpret_cast<TimeoutStream*>(stream);
  size_t done = 0;
  while (done < len) {
    ssize_t n = send(s->fd, data + done, len - done, MSG_NOSIGNAL);
    if (n >= 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      git_error_set(GIT_ERROR_NET, "write to %s failed: %s", s->host_c, std::strerror(errno));
      return -1;
    }
    int ready = WaitFor(s->fd, POLLOUT, IdleLimit());
    if (ready <= 0) {
      if (ready == 0) MarkTimedOut();
      git_error_set(GIT_ERROR_NET, "write to %s timed out", s->host_c);
      return -1;
    }
  }
  return static_cast<ssize_t>(done);
}

int Close(git_stream* stream) {
  auto* s = reinterpret_cast<TimeoutStream*>(stream);
  if (s->fd >= 0) {
    Watchdog::Get().Remove(s->fd);
    close(s->fd);
  }
  s->fd = -1;
  return 0;
}

void Free(git_stream* stream) {
  auto* s = reinterpret_cast<TimeoutStream*>(stream);
  Close(stream);
  free(s->host_c);
  free(s->port_c);
  delete s;
}

int New(git_stream** out, const char* host, const char* port) {
  auto* s = new TimeoutStream();
  s->fd = -1;
  s->parent.version = GIT_STREAM_VERSION;
  s->parent.encrypted = 0;
  s->parent.proxy_support = 0;
  s->parent.connect = Connect;
  s->parent.read = Read;
  s->parent.write = Write;
  s->parent.close = Close;
  s->parent.free = Free;
  s->host_c = strdup(host);
  s->port_c = strdup(port);
  *out = &s->parent;
  return 0;
}

}  // namespace

int RegisterTimeoutStream() {
  static git_stream_registration registration = {GIT_STREAM_VERSION, New, nullptr};
  return git_stream_register(GIT_STREAM_STANDARD, &registration);
}

}  // namespace flotilla::git::lg2
