// The remote store's own promises beyond the conformance suite: HTTP statuses map to StatusCodes
// exactly (transient ones are never NotFound), the bearer token is sent, a server that goes away
// ends a watch with kUnavailable (resume), not kGone (re-list), and a closed store stops its
// watchers.
#include "client/remote_store.h"

#include <gtest/gtest.h>

#include "api/server.h"
#include "core/log.h"
#include "model/resource_type.h"

namespace flotilla::client {
namespace {

using std::chrono::milliseconds;

TEST(StatusFromHttpTest, MapsEveryCodeExactly) {
  const std::string conflict =
      R"({"kind":"Status","reason":"Conflict","message":"the object has been modified"})";
  const std::string exists =
      R"({"kind":"Status","reason":"AlreadyExists","message":"gitrepos \"a\" already exists"})";
  struct Case {
    long code;
    std::string body;
    StatusCode want;
  } cases[] = {
      {200, "{}", StatusCode::kOk},
      {201, "{}", StatusCode::kOk},
      {400, "", StatusCode::kInvalidArgument},
      {422, "", StatusCode::kInvalidArgument},
      {401, "", StatusCode::kUnauthenticated},
      {403, "", StatusCode::kPermissionDenied},
      {404, R"({"kind":"Status","reason":"NotFound","message":"gitrepos \"x\" not found"})",
       StatusCode::kNotFound},
      // A 404 that is not the API server's Status (a proxy, an ingress default backend) is no
      // proof that anything is gone: agents delete on NotFound.
      {404, "<html>404 page not found</html>", StatusCode::kUnavailable},
      {404, R"({"kind":"Status","message":"no reason"})", StatusCode::kUnavailable},
      {409, conflict, StatusCode::kConflict},
      {409, exists, StatusCode::kAlreadyExists},
      {410, "", StatusCode::kGone},
      {429, "", StatusCode::kUnavailable},
      {500, "", StatusCode::kUnavailable},
      {502, "<html>bad gateway</html>", StatusCode::kUnavailable},
      {503, "", StatusCode::kUnavailable},
      {504, "", StatusCode::kUnavailable},
      {302, "", StatusCode::kUnavailable},
  };
  for (const Case& c : cases) {
    Status s = StatusFromHttp(c.code, c.body);
    EXPECT_EQ(s.code(), c.want) << c.code << " " << c.body << " -> " << s.ToString();
  }
  EXPECT_EQ(
      StatusFromHttp(
          404, R"({"kind":"Status","reason":"NotFound","message":"gitrepos \"x\" not found"})")
          .message(),
      "gitrepos \"x\" not found");
}

// Accepts only "Authorization: Bearer good".
class OneToken : public auth::Authenticator {
 public:
  StatusOr<http::UserInfo> Authenticate(const http::Request& r) override {
    if (r.Header("Authorization") != "Bearer good")
      return Status(StatusCode::kUnauthenticated, "Unauthorized");
    http::UserInfo u;
    u.name = "agent";
    u.authenticated = true;
    return u;
  }
};

class RemoteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::Init(log::Format::kText, log::Level::kOff);
    auto s = store::OpenStore("sqlite://:memory:");
    ASSERT_TRUE(s.ok());
    backing_ = std::move(*s);
    api::ApiServer::Options o;
    o.access_log = false;
    server_ = std::make_unique<api::ApiServer>(*backing_, o);
    server_->SetAuthenticator(std::make_unique<OneToken>());
    ASSERT_TRUE(server_->Start().ok());
  }
  std::unique_ptr<store::Store> Client(const std::string& token) {
    RemoteOptions ro;
    ro.server = server_->url();
    ro.token = token;
    auto c = OpenRemoteStore(ro);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  Json Cm(const std::string& name) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", "ns"}}},
            {"data", {{"k", "v"}}}};
  }
  std::unique_ptr<store::Store> backing_;
  std::unique_ptr<api::ApiServer> server_;
};

TEST_F(RemoteStoreTest, SendsTheBearerTokenAndA401IsUnauthenticated) {
  auto good = Client("good");
  ASSERT_TRUE(good->Create(model::ConfigMapType(), Cm("a")).ok());
  auto bad = Client("bad");
  EXPECT_EQ(bad->Get(model::ConfigMapType(), "ns", "a").status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(bad->List(model::ConfigMapType(), {}).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(bad->Watch(model::ConfigMapType(), {}).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(good->Get(model::ConfigMapType(), "ns", "nope").status().code(), StatusCode::kNotFound);
}

TEST_F(RemoteStoreTest, ListFollowsContinueUnlessLimited) {
  auto c = Client("good");
  for (int i = 0; i < 7; i++)
    ASSERT_TRUE(c->Create(model::ConfigMapType(), Cm("c" + std::to_string(i))).ok());
  store::ListOptions page;
  page.limit = 3;
  auto first = c->List(model::ConfigMapType(), page);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->items.size(), 3u);
  EXPECT_FALSE(first->continue_token.empty());
  EXPECT_EQ(first->items[0]["kind"], "ConfigMap");
  auto all = c->List(model::ConfigMapType(), {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 7u);
  EXPECT_GE(all->resource_version, 7);
}

TEST_F(RemoteStoreTest, AServerThatGoesAwayIsUnavailableNeverNotFound) {
  auto c = Client("good");
  ASSERT_TRUE(c->Create(model::ConfigMapType(), Cm("a")).ok());
  store::WatchOptions wo;
  wo.send_initial_events = false;
  auto w = c->Watch(model::ConfigMapType(), wo);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  server_->Stop();
  auto ev = (*w)->Next(milliseconds(10000));
  EXPECT_FALSE(ev.has_value());
  EXPECT_TRUE((*w)->stopped());
  EXPECT_NE((*w)->status().code(), StatusCode::kGone) << "resume, not re-list";
  for (auto code : {c->Get(model::ConfigMapType(), "ns", "a").status().code(),
                    c->List(model::ConfigMapType(), {}).status().code(),
                    c->Delete(model::ConfigMapType(), "ns", "a", {}).status().code(),
                    c->Watch(model::ConfigMapType(), {}).status().code()})
    EXPECT_EQ(code, StatusCode::kUnavailable);
}

TEST_F(RemoteStoreTest, ClosingTheClientStopsItsWatchers) {
  auto c = Client("good");
  auto w = c->Watch(model::ConfigMapType(), {});
  ASSERT_TRUE(w.ok());
  c.reset();
  EXPECT_FALSE((*w)->Next(milliseconds(10000)).has_value());
  EXPECT_TRUE((*w)->stopped());
}

TEST(OpenRemoteStoreTest, RefusesWhatItCannotUse) {
  RemoteOptions ftp;
  ftp.server = "ftp://x";
  EXPECT_EQ(OpenRemoteStore(ftp).status().code(), StatusCode::kInvalidArgument);
  RemoteOptions o;
  o.server = "https://127.0.0.1:1";
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(OpenRemoteStore(o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flotilla::client
