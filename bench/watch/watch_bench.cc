// watch_bench: holds N concurrent watches on a running `flotilla server`, as N agents would (one
// watch per cluster namespace), and measures what they cost the server and whether it still
// serves everyone else. Run by bench/watches.sh; never by ctest.
//
//   watch_bench --port PORT --pid SERVER_PID [--watches 10000] [--events 200]
//
// Prints, each measured in this run: the server's RSS and thread count before and with the
// watches open (RSS per watch; the ratio to the 1 GiB goal), the time to open them, /healthz and
// list latencies while they are held, and the latency from a write to its event arriving on the
// one watch it concerns (the server wakes only that watch), against the write's own latency.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "../proc_status.h"

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

using flotilla::bench::ProcStatus;
using flotilla::bench::ReadProcStatus;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// One blocking HTTP/1.1 request on a fresh connection; returns the status line's code.
int Request(int port, const std::string& method, const std::string& target,
            const std::string& body = "") {
  net::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  if (!body.empty())
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  net::write(s, net::buffer(req));
  std::string got;
  boost::system::error_code ec;
  char buf[8192];
  while (true) {
    size_t n = s.read_some(net::buffer(buf), ec);
    got.append(buf, n);
    if (ec) break;
  }
  if (got.size() < 12) return 0;
  return std::atoi(got.c_str() + 9);
}

struct Watch {
  explicit Watch(net::io_context& ioc) : socket(ioc) {}
  tcp::socket socket;
  std::string request;
  char buf[16384];
  std::string received;
  bool headers_done = false;
  std::atomic<size_t> events{0};
  std::atomic<int64_t> last_event_ns{0};  // Clock time of the newest event
  std::string name;
};

std::string Percentiles(std::vector<double> v) {
  if (v.empty()) return "n/a";
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))]; };
  char out[128];
  std::snprintf(out, sizeof out, "p50 %.2f ms, p99 %.2f ms, max %.2f ms", at(0.5), at(0.99),
                v.back());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, pid = 0;
  size_t watches = 10000, events = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--port") port = std::atoi(argv[i + 1]);
    if (a == "--pid") pid = std::atoi(argv[i + 1]);
    if (a == "--watches") watches = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--events") events = std::strtoul(argv[i + 1], nullptr, 10);
  }
  if (port == 0 || pid == 0) {
    std::cerr << "usage: watch_bench --port PORT --pid SERVER_PID [--watches N] [--events N]\n";
    return 2;
  }
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < watches + 100) {
    std::cerr << "open-file limit " << rl.rlim_cur << " is below " << watches + 100 << "\n";
    return 2;
  }

  ProcStatus before = ReadProcStatus(pid);
  std::printf("server before: RSS %.1f MiB, %d threads\n", before.rss_mib, before.threads);

  net::io_context ioc;
  std::vector<std::unique_ptr<Watch>> ws;
  std::atomic<size_t> open{0};
  std::function<void(Watch*)> read_more = [&](Watch* w) {
    w->socket.async_read_some(net::buffer(w->buf), [&, w](boost::system::error_code ec, size_t n) {
      if (ec) {
        std::cerr << "watch " << w->name << " ended: " << ec.message() << "\n";
        return;
      }
      w->received.append(w->buf, n);
      if (!w->headers_done) {
        size_t end = w->received.find("\r\n\r\n");
        if (end != std::string::npos) {
          w->headers_done = true;
          if (w->received.find(" 200 ") == std::string::npos)
            std::cerr << "watch " << w->name << ": " << w->received.substr(0, 40) << "\n";
          w->received.erase(0, end + 4);
          open++;
        }
      }
      if (w->headers_done) {
        // Events are counted by their "type" key.
        size_t pos = 0, found = 0;
        while ((pos = w->received.find("\"type\":", pos)) != std::string::npos) {
          found++;
          pos++;
        }
        if (found > w->events.load()) {
          w->last_event_ns = Clock::now().time_since_epoch().count();
          w->events = found;
        }
      }
      read_more(w);
    });
  };

  auto t0 = Clock::now();
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  for (size_t i = 0; i < watches; i++) {
    auto w = std::make_unique<Watch>(ioc);
    w->name = "w-" + std::to_string(i);
    w->request = "GET /api/v1/namespaces/" + w->name +
                 "/configmaps?watch=1&timeoutSeconds=3600 HTTP/1.1\r\nHost: x\r\n\r\n";
    Watch* p = w.get();
    ws.push_back(std::move(w));
    p->socket.async_connect(ep, [&, p](boost::system::error_code ec) {
      if (ec) {
        std::cerr << "connect " << p->name << ": " << ec.message() << "\n";
        return;
      }
      net::async_write(p->socket, net::buffer(p->request),
                       [&, p](boost::system::error_code e, size_t) {
                         if (!e) read_more(p);
                       });
    });
  }
  std::thread io([&] { ioc.run(); });
  while (open.load() < watches && Clock::now() - t0 < std::chrono::seconds(300))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  double open_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let allocations settle
  ProcStatus held = ReadProcStatus(pid);
  std::printf("opened %zu of %zu watches in %.2f s\n", open.load(), watches, open_s);
  std::printf("server with watches: RSS %.1f MiB (peak %.1f), %d threads\n", held.rss_mib,
              held.hwm_mib, held.threads);
  double per_watch_kib = (held.rss_mib - before.rss_mib) * 1024 / std::max<size_t>(1, open.load());
  std::printf("RSS per watch: %.1f KiB; RSS / 1 GiB goal: %.3f; threads added: %d\n", per_watch_kib,
              held.rss_mib / 1024, held.threads - before.threads);

  // Everyone else while the watches are held.
  std::vector<double> health, list;
  for (int i = 0; i < 50; i++) {
    auto a = Clock::now();
    int c1 = Request(port, "GET", "/healthz");
    auto b = Clock::now();
    int c2 = Request(port, "GET", "/apis/fleet.cattle.io/v1alpha1/gitrepos?limit=500");
    auto c = Clock::now();
    if (c1 != 200 || c2 != 200) std::printf("request failed: %d %d\n", c1, c2);
    health.push_back(Ms(b - a));
    list.push_back(Ms(c - b));
  }
  std::printf("/healthz while held: %s\n", Percentiles(health).c_str());
  std::printf("list gitrepos while held: %s\n", Percentiles(list).c_str());

  // Event delivery: a write into one namespace reaches the one watch on it.
  std::mt19937 rng(42);
  std::vector<double> write_ms, deliver_ms;
  size_t delivered = 0;
  for (size_t i = 0; i < events && !ws.empty(); i++) {
    Watch* w = ws[rng() % ws.size()].get();
    size_t seen = w->events.load();
    std::string body = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"e)" +
                       std::to_string(i) + R"("},"data":{"k":"v"}})";
    auto a = Clock::now();
    int code = Request(port, "POST", "/api/v1/namespaces/" + w->name + "/configmaps", body);
    auto b = Clock::now();
    if (code != 201) std::printf("create failed: %d\n", code);
    write_ms.push_back(Ms(b - a));
    while (w->events <= seen && Clock::now() - a < std::chrono::seconds(10))
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    if (w->events > seen) {
      delivered++;
      deliver_ms.push_back(Ms(Clock::time_point(Clock::duration(w->last_event_ns.load())) - a));
    }
  }
  std::printf("events delivered: %zu of %zu\n", delivered, events);
  std::printf("create (write) latency: %s\n", Percentiles(write_ms).c_str());
  std::printf("write -> event on its watch: %s\n", Percentiles(deliver_ms).c_str());
  double ratio = deliver_ms.empty() ? 0
                                    : deliver_ms[deliver_ms.size() / 2] /
                                          std::max(0.001, write_ms[write_ms.size() / 2]);
  std::printf("delivery / write latency (p50): %.2f\n", ratio);
  ProcStatus after = ReadProcStatus(pid);
  std::printf("server after: RSS %.1f MiB (peak %.1f), %d threads\n", after.rss_mib, after.hwm_mib,
              after.threads);
  ioc.stop();
  io.join();
  return open.load() == watches && delivered == events ? 0 : 1;
}
