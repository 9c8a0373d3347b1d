// http::Client against the real http::Server on loopback, over plain HTTP and TLS: connections
// are reused, TLS trusts exactly what it is told, bodies are bounded, streams can be cancelled,
// timeouts and proxies are what the request says.
#include "http/client.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "auth/certs.h"
#include "core/log.h"
#include "http/server.h"

namespace flotilla::http {
namespace {

using Kind = TransportError::Kind;
using namespace std::chrono_literals;

const auth::ServingCertificate& TestCertificate() {
  static const auth::ServingCertificate* cert = [] {
    std::string dir = ::testing::TempDir() + "/http_client_test_tls_" + std::to_string(::getpid());
    auto made = auth::EnsureServingCertificate(dir, {"127.0.0.1", "localhost"});
    if (!made.ok()) throw std::runtime_error(made.status().ToString());
    return new auth::ServingCertificate(*made);
  }();
  return *cert;
}

// A stream that sends one line, then nothing until the client goes away.
class HeldStream : public StreamSource {
 public:
  bool SetWakeup(std::function<void()>) override { return false; }
  bool Poll(std::string& out, size_t) override {
    if (!sent_) out += "first\n";
    sent_ = true;
    return true;
  }
  std::chrono::steady_clock::time_point deadline() const override {
    return std::chrono::steady_clock::time_point::max();
  }
  void Close() override {}

 private:
  bool sent_ = false;
};

class ClientTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    log::Init(log::Format::kText, log::Level::kError);
    Server::Options o;
    o.access_log = false;
    if (tls()) {
      o.tls_cert_file = TestCertificate().cert_file;
      o.tls_key_file = TestCertificate().key_file;
    }
    server_ = std::make_unique<Server>(
        o, [this](const Request& r) { return Serve(r); },
        [](const Request& r) { return r.path == "/stream"; });
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      release_ = true;
    }
    cv_.notify_all();
    server_.reset();
  }

  bool tls() const { return GetParam(); }
  std::string Url(const std::string& path) const {
    return fmt::format("{}://127.0.0.1:{}{}", tls() ? "https" : "http", server_->port(), path);
  }
  // A request the server's certificate is trusted for.
  ClientRequest Get(const std::string& path) const {
    ClientRequest r;
    r.url = Url(path);
    if (tls()) r.tls.ca_file = TestCertificate().ca_file;
    r.proxy = "";  // whatever the environment says
    return r;
  }

  Response Serve(const Request& r) {
    Response out;
    out.content_type = "text/plain";
    if (r.path == "/echo") {
      out.body =
          r.method + " " + r.body + " " + r.Header("authorization") + " " + r.Header("x-test");
    } else if (r.path == "/big") {
      out.body = std::string(4096, 'x');
    } else if (r.path == "/slow") {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return release_; });
      out.body = "late";
    } else if (r.path == "/stream") {
      out.source = std::make_shared<HeldStream>();
    } else {
      out.status = 404;
      out.body = "no";
    }
    out.headers.push_back({"X-Answer", "42"});
    return out;
  }

  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool release_ = false;
};

INSTANTIATE_TEST_SUITE_P(PlainAndTls, ClientTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return i.param ? "Tls" : "Plain";
                         });

TEST_P(ClientTest, MethodsBodiesHeadersAndStatuses) {
  Client client;
  ClientRequest r = Get("/echo");
  r.method = "PUT";
  r.body = "payload";
  r.username = "user";
  r.password = "secret";
  r.headers = {"X-Test: yes"};
  auto got = client.Do(r);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "PUT payload Basic dXNlcjpzZWNyZXQ= yes");
  EXPECT_EQ(got->Header("x-answer"), "42");
  EXPECT_EQ(got->content_type, "text/plain");

  auto missing = client.Do(Get("/nothing"));
  ASSERT_TRUE(missing.ok());  // an HTTP error is an answer, for the caller to read
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, "no");
}

TEST_P(ClientTest, RequestsReuseOneConnection) {
  Client client;
  for (int i = 0; i < 5; i++) {
    auto got = client.Do(Get("/echo"));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
  }
  EXPECT_EQ(client.requests(), 5u);
  EXPECT_EQ(client.connections(), 1u);
  EXPECT_EQ(server_->stats().connections_open, 1u);
}

TEST_P(ClientTest, BodiesOverTheLimitAreRefused) {
  Client client;
  ClientRequest r = Get("/big");
  r.max_body_bytes = 1000;
  TransportError te;
  auto got = client.Do(r, &te);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(te.kind, Kind::kTooLarge);
}

TEST_P(ClientTest, TotalTimeoutEndsASlowAnswer) {
  Client client;
  ClientRequest r = Get("/slow");
  r.timeouts.total = 200ms;
  TransportError te;
  auto got = client.Do(r, &te);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(te.kind, Kind::kTimeout);
}

TEST_P(ClientTest, AStreamIsDeliveredAsItComesAndCanBeCancelled) {
  Client client;
  ClientRequest r = Get("/stream");
  r.timeouts.total = 0ms;
  std::mutex mu;
  std::condition_variable cv;
  std::string received;
  long status = 0;
  r.on_headers = [&](long s) { status = s; };
  r.on_data = [&](std::string_view chunk) {
    std::lock_guard<std::mutex> lock(mu);
    received.append(chunk);
    cv.notify_all();
    return true;
  };
  Cancellation cancel;
  TransportError te;
  StatusOr<ClientResponse> got = Internal("not run");
  std::thread t([&] { got = client.Do(r, cancel, &te); });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return received == "first\n"; });
  }
  cancel.Cancel();
  t.join();
  EXPECT_EQ(status, 200);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(te.kind, Kind::kAborted);
}

TEST_P(ClientTest, ACancelBeforeTheTransferEndsItAtOnce) {
  Client client;
  Cancellation cancel;
  cancel.Cancel();
  TransportError te;
  auto got = client.Do(Get("/stream"), cancel, &te);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(te.kind, Kind::kAborted);
}

TEST_P(ClientTest, AnExplicitProxyIsUsedAndAnEmptyOneIgnoresTheEnvironment) {
  Client client;
  // Nothing listens on port 1: a request through that proxy cannot connect.
  ClientRequest r = Get("/echo");
  r.proxy = "http://127.0.0.1:1";
  TransportError te;
  auto got = client.Do(r, &te);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(te.kind, Kind::kConnect) << got.status().ToString();

  // proxy "": the environment's proxy variables are not consulted.
  ::setenv("http_proxy", "http://127.0.0.1:1", 1);
  ::setenv("https_proxy", "http://127.0.0.1:1", 1);
  ::setenv("no_proxy", "", 1);
  auto direct = client.Do(Get("/echo"));
  ::unsetenv("http_proxy");
  ::unsetenv("https_proxy");
  ::unsetenv("no_proxy");
  EXPECT_TRUE(direct.ok()) << direct.status().ToString();
}

TEST_P(ClientTest, TlsTrustsExactlyWhatItIsTold) {
  if (!tls()) GTEST_SKIP() << "TLS only";
  Client client;
  std::ifstream in(TestCertificate().ca_file);
  std::stringstream pem;
  pem << in.rdbuf();

  ClientRequest system_only = Get("/echo");
  system_only.tls = {};  // the system CAs do not know the test CA
  TransportError te;
  auto untrusted = client.Do(system_only, &te);
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(te.kind, Kind::kTlsVerify) << untrusted.status().ToString();

  ClientRequest in_memory = Get("/echo");
  in_memory.tls = {};
  in_memory.tls.ca_pem = pem.str();
  EXPECT_TRUE(client.Do(in_memory).ok());

  ClientRequest extra = Get("/echo");
  extra.tls = {};
  extra.tls.extra_ca_pem = pem.str();
  EXPECT_TRUE(client.Do(extra).ok());

  ClientRequest insecure = Get("/echo");
  insecure.tls = {};
  insecure.tls.insecure_skip_verify = true;
  EXPECT_TRUE(client.Do(insecure).ok());

  // Plain HTTP spoken to the TLS port is not a TLS answer.
  ClientRequest plain = Get("/echo");
  plain.url = fmt::format("http://127.0.0.1:{}/echo", server_->port());
  auto p = client.Do(plain);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->status, 400);
}

TEST(ClientErrorsTest, RefusedConnectionsAndBadUrls) {
  Client client;
  ClientRequest r;
  r.url = "http://127.0.0.1:1/x";
  r.proxy = "";
  TransportError te;
  auto got = client.Do(r, &te);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(te.kind, Kind::kConnect);

  r.url = "http://user:pw@[::1/x";
  got = client.Do(r, &te);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(te.kind, Kind::kBadUrl);
  EXPECT_EQ(got.status().message().find("pw"), std::string::npos) << got.status().message();
}

TEST(RedactUrlTest, DropsUserinfo) {
  EXPECT_EQ(RedactUrl("https://u:p@host/x@y"), "https://host/x@y");
  EXPECT_EQ(RedactUrl("https://host/x"), "https://host/x");
  EXPECT_EQ(RedactUrl("not a url"), "not a url");
  // A password with an unencoded '/', '?' or '#' is still userinfo, and still dropped.
  EXPECT_EQ(RedactUrl("https://user:pa/ss@host/repo.git"), "https://host/repo.git");
  EXPECT_EQ(RedactUrl("https://user:p?w#d@host/repo.git"), "https://host/repo.git");
  EXPECT_EQ(RedactUrl("https://u:p@host:8443/x"), "https://host:8443/x");
}

}  // namespace
}  // namespace flotilla::http
