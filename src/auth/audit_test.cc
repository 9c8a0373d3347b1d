#include "auth/audit.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json.h"

namespace flotilla::auth {
namespace {

namespace fs = std::filesystem;

AuditEvent Event(std::string verb, std::string name, int code) {
  AuditEvent e;
  e.time = Clock::time_point(std::chrono::microseconds(1767323045123456));
  e.user = http::UserInfo{"alice", "", {"devs", "system:authenticated"}, true};
  e.attributes.resource_request = true;
  e.attributes.verb = std::move(verb);
  e.attributes.api_group = "fleet.cattle.io";
  e.attributes.api_version = "v1alpha1";
  e.attributes.resource = "gitrepos";
  e.attributes.subresource = "status";
  e.attributes.ns = "fleet-default";
  e.attributes.name = std::move(name);
  e.attributes.path = "/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/gitrepos/x/status";
  e.code = code;
  return e;
}

std::vector<std::string> Lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("flotilla-audit-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(AuditLine, KubernetesAuditEventAtMetadataLevel) {
  Json j = Json::parse(AuditLine(Event("update", "x", 200)));
  EXPECT_EQ(j["apiVersion"], "audit.k8s.io/v1");
  EXPECT_EQ(j["kind"], "Event");
  EXPECT_EQ(j["level"], "Metadata");
  EXPECT_EQ(j["requestReceivedTimestamp"], "2026-01-02T03:04:05.123456Z");
  EXPECT_EQ(j["verb"], "update");
  EXPECT_EQ(j["user"]["username"], "alice");
  EXPECT_EQ(j["user"]["groups"], Json({"devs", "system:authenticated"}));
  EXPECT_EQ(j["objectRef"]["apiGroup"], "fleet.cattle.io");
  EXPECT_EQ(j["objectRef"]["resource"], "gitrepos");
  EXPECT_EQ(j["objectRef"]["subresource"], "status");
  EXPECT_EQ(j["objectRef"]["namespace"], "fleet-default");
  EXPECT_EQ(j["objectRef"]["name"], "x");
  EXPECT_EQ(j["responseStatus"]["code"], 200);
  EXPECT_FALSE(j.contains("requestObject"));
}

TEST(AuditLine, AuditedVerbs) {
  for (const char* v : {"create", "update", "patch", "delete", "deletecollection", "post", "put"})
    EXPECT_TRUE(IsAuditedVerb(v)) << v;
  for (const char* v : {"get", "list", "watch", ""}) EXPECT_FALSE(IsAuditedVerb(v)) << v;
}

TEST_F(AuditTest, AppendsOneLinePerWriteAndIsPrivate) {
  fs::path p = dir_ / "audit.log";
  {
    auto log = AuditLog::Open({p.string(), 1 << 20});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    (*log)->Write(Event("create", "a", 201));
    // Flushed per line: readable before the log is closed.
    EXPECT_EQ(Lines(p).size(), 1u);
    (*log)->Write(Event("delete", "b", 403));
  }
  auto log = AuditLog::Open({p.string(), 1 << 20});  // reopening appends
  ASSERT_TRUE(log.ok());
  (*log)->Write(Event("patch", "c", 200));
  auto lines = Lines(p);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(Json::parse(lines[1])["responseStatus"]["code"], 403);
  EXPECT_EQ(Json::parse(lines[2])["objectRef"]["name"], "c");
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AuditTest, RotatesAtTheSizeBound) {
  fs::path p = dir_ / "audit.log";
  const size_t line = AuditLine(Event("create", "n", 201)).size() + 1;
  auto log = AuditLog::Open({p.string(), 3 * line});
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 10; ++i) (*log)->Write(Event("create", "n", 201));
  // 10 lines: FILE.1 holds a full file of 3, FILE the last 1; never more than the bound each.
  EXPECT_LE(fs::file_size(p), 3 * line);
  EXPECT_EQ(fs::file_size(p.string() + ".1"), 3 * line);
  EXPECT_EQ(Lines(p).size(), 1u);
}

TEST_F(AuditTest, UnwritablePathIsAnError) {
  auto log = AuditLog::Open({(dir_ / "missing" / "audit.log").string(), 1024});
  EXPECT_EQ(log.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace flotilla::auth
