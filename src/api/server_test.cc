// The server over real sockets: concurrency with long-lived watches, keep-alive, limits, and
// a clean Stop() while watches are open.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "api/protobuf.h"
#include "api/server.h"
#include "core/log.h"

namespace flotilla::api {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// A raw HTTP/1.1 client connection: writes requests as text, reads whatever arrives.
class Client {
 public:
  explicit Client(int port) : socket_(ioc_) {
    socket_.connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  }
  void Send(const std::string& method, const std::string& target, const std::string& body = "",
            const std::string& extra_headers = "") {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + extra_headers;
    if (!body.empty() || method == "POST")
      req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n";
    req += "\r\n" + body;
    net::write(socket_, net::buffer(req));
  }
  // Reads until `text` has been received (or EOF/timeout); returns everything read so far.
  std::string ReadUntil(const std::string& text,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.find(text) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      if (!ReadSome(deadline)) break;
    }
    return received_;
  }
  // True once the server closed the connection (within `timeout`).
  bool WaitClosed(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline)
      if (!ReadSome(deadline)) return eof_;
    return false;
  }
  void Clear() { received_.clear(); }

 private:
  bool ReadSome(std::chrono::steady_clock::time_point deadline) {
    pollfd p{socket_.native_handle(), POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) return false;
    char buf[4096];
    boost::system::error_code ec;
    size_t n = socket_.read_some(net::buffer(buf), ec);
    if (ec) {
      eof_ = true;
      return false;
    }
    received_.append(buf, n);
    return true;
  }

  net::io_context ioc_;
  tcp::socket socket_;
  std::string received_;
  bool eof_ = false;
};

constexpr const char* kGitRepos = "/apis/fleet.cattle.io/v1alpha1/namespaces/ns/gitrepos";
constexpr const char* kGitRepo =
    R"({"metadata":{"name":"NAME"},"spec":{"repo":"https://example.com/r"}})";

std::string Named(const std::string& name) {
  std::string s = kGitRepo;
  return s.replace(s.find("NAME"), 4, name);
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::Init(log::Format::kText, log::Level::kWarn);
    auto s = store::OpenStore(":memory:");
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
  }
  void StartServer(ApiServer::Options opts = {}) {
    server_ = std::make_unique<ApiServer>(*store_, opts);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
  }
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(ServerTest, KeepAliveServesSeveralRequests) {
  StartServer();
  Client c(server_->port());
  c.Send("GET", "/healthz");
  EXPECT_NE(c.ReadUntil("ok").find("HTTP/1.1 200"), std::string::npos);
  c.Clear();
  c.Send("POST", kGitRepos, Named("a"));
  EXPECT_NE(c.ReadUntil("\"uid\"").find("HTTP/1.1 201"), std::string::npos);
  c.Clear();
  c.Send("GET", std::string(kGitRepos) + "/missing");
  std::string nf = c.ReadUntil("}");
  EXPECT_NE(nf.find("HTTP/1.1 404"), std::string::npos);
  EXPECT_NE(nf.find("\"reason\":\"NotFound\""), std::string::npos);
}

TEST_F(ServerTest, WatchesDoNotStarveOtherRequestsAndStopEndsThem) {
  StartServer();
  std::vector<std::unique_ptr<Client>> watchers;
  for (int i = 0; i < 8; i++) {
    watchers.push_back(std::make_unique<Client>(server_->port()));
    watchers.back()->Send("GET", std::string(kGitRepos) + "?watch=1");
    EXPECT_NE(watchers.back()->ReadUntil("\r\n\r\n").find("Transfer-Encoding: chunked"),
              std::string::npos);
  }
  // Plenty of ordinary requests still go through while the watches are open.
  for (int i = 0; i < 20; i++) {
    Client c(server_->port());
    c.Send("POST", kGitRepos, Named("r" + std::to_string(i)));
    ASSERT_NE(c.ReadUntil("\"uid\"").find("HTTP/1.1 201"), std::string::npos) << i;
  }
  for (auto& w : watchers) {
    std::string got = w->ReadUntil("\"name\":\"r19\"");
    EXPECT_NE(got.find("\"type\":\"ADDED\""), std::string::npos);
    EXPECT_NE(got.find("\"name\":\"r19\""), std::string::npos);
  }
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  for (auto& w : watchers) EXPECT_TRUE(w->WaitClosed(std::chrono::seconds(2)));
  server_->Stop();  // idempotent
}

TEST_F(ServerTest, WatchTimeoutEndsTheStream) {
  StartServer();
  Client c(server_->port());
  c.Send("GET", std::string(kGitRepos) + "?watch=1&timeoutSeconds=1");
  std::string got = c.ReadUntil("0\r\n\r\n", std::chrono::seconds(5));
  EXPECT_NE(got.find("0\r\n\r\n"), std::string::npos);
  // The connection stays usable after a finished watch.
  c.Clear();
  c.Send("GET", "/livez");
  EXPECT_NE(c.ReadUntil("ok").find("200"), std::string::npos);
}

TEST_F(ServerTest, StopWithIdleKeepAliveConnections) {
  StartServer();
  Client c(server_->port());
  c.Send("GET", "/healthz");
  c.ReadUntil("ok");
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(2)));
}

TEST_F(ServerTest, BodyLimitAndConnectionLimit) {
  ApiServer::Options opts;
  opts.max_body_bytes = 64;
  opts.max_connections = 1;
  StartServer(opts);
  Client a(server_->port());
  a.Send("POST", kGitRepos, std::string(1000, ' '));
  EXPECT_NE(a.ReadUntil("}").find("HTTP/1.1 413"), std::string::npos);
  EXPECT_TRUE(a.WaitClosed(std::chrono::seconds(5)));
  // The client sees the close before the server has counted it: wait for the slot to be free.
  for (int i = 0; i < 500 && server_->stats().connections_open > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(server_->stats().connections_open, 0u);
  Client b(server_->port());
  b.Send("GET", "/healthz");
  b.ReadUntil("ok");
  Client c(server_->port());  // b still holds the only slot: answered 503 at once
  EXPECT_NE(c.ReadUntil("\r\n\r\n").find("503"), std::string::npos);
}

TEST_F(ServerTest, AccessLogNeverShowsBodies) {
  log::Init(log::Format::kText, log::Level::kInfo);
  StartServer();
  testing::internal::CaptureStderr();
  {
    Client c(server_->port());
    c.Send("POST", "/api/v1/namespaces/ns/secrets",
           R"({"metadata":{"name":"s"},"stringData":{"password":"TOPSECRETVALUE"}})");
    EXPECT_NE(c.ReadUntil("}").find("201"), std::string::npos);
    c.Clear();
    c.Send("POST", "/api/v1/namespaces/ns/secrets", R"({"stringData":TOPSECRETVALUE})");
    std::string bad = c.ReadUntil("}");
    EXPECT_NE(bad.find("400"), std::string::npos);
    EXPECT_EQ(bad.find("TOPSECRETVALUE"), std::string::npos);  // not even echoed back
  }
  server_->Stop();
  std::string logged = testing::internal::GetCapturedStderr();
  log::Init(log::Format::kText, log::Level::kWarn);
  EXPECT_NE(logged.find("method=POST"), std::string::npos) << logged;
  EXPECT_NE(logged.find("status=201"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("TOPSECRETVALUE"), std::string::npos) << logged;
}

TEST_F(ServerTest, StartFailsOnBusyPort) {
  StartServer();
  ApiServer::Options opts;
  opts.port = server_->port();
  ApiServer other(*store_, opts);
  EXPECT_EQ(other.Start().code(), StatusCode::kUnavailable);
}

// A Secret as kubectl's typed client encodes it (hand-assembled wire bytes).
TEST(ProtobufTest, DecodesSecret) {
  auto str = [](int field, const std::string& v) {
    return std::string(1, static_cast<char>(field << 3 | 2)) +
           std::string(1, static_cast<char>(v.size())) + v;
  };
  std::string meta =
      str(1, "creds") + str(2, "") + str(3, "ns") + str(11, str(1, "a") + str(2, "b"));
  std::string secret = str(1, meta) + str(2, str(1, "password") + str(2, "hunter2")) +
                       str(3, "Opaque") + str(4, str(1, "user") + str(2, "me"));
  std::string unknown = str(1, str(1, "v1") + str(2, "Secret")) + str(2, secret);
  std::string body = std::string("k8s\0", 4) + unknown;
  auto j = DecodeKubernetesProtobuf(model::SecretType(), body);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ((*j)["kind"], "Secret");
  EXPECT_EQ((*j)["metadata"]["name"], "creds");
  EXPECT_FALSE((*j)["metadata"].contains("generateName"));
  EXPECT_EQ((*j)["metadata"]["namespace"], "ns");
  EXPECT_EQ((*j)["metadata"]["labels"]["a"], "b");
  EXPECT_EQ((*j)["data"]["password"], "aHVudGVyMg==");
  EXPECT_EQ((*j)["stringData"]["user"], "me");
  EXPECT_EQ((*j)["type"], "Opaque");
  EXPECT_FALSE(DecodeKubernetesProtobuf(model::ConfigMapType(), body).ok());  // kind mismatch
  EXPECT_FALSE(DecodeKubernetesProtobuf(model::SecretType(), "k8s\0\x0a\xff").ok());
  EXPECT_EQ(DecodeKubernetesProtobuf(model::GitRepoType(), body).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace flotilla::api
