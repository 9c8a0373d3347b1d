#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "git/lg2.h"
#include "git/remote.h"
#include "git/trust.h"
#include "git/url.h"

namespace flotilla::git {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(UrlTest, Normalize) {
  EXPECT_EQ(*NormalizeUrl("https://GitHub.com/Org/Repo.git"), "https://github.com/Org/Repo");
  EXPECT_EQ(*NormalizeUrl("https://user:tok@github.com:443/org/repo/"),
            "https://github.com/org/repo");
  EXPECT_EQ(*NormalizeUrl("git@github.com:org/repo.git"), "ssh://github.com/org/repo");
  EXPECT_EQ(*NormalizeUrl("ssh://git@github.com:22/org/repo"), "ssh://github.com/org/repo");
  EXPECT_EQ(*NormalizeUrl("ssh://git@host:2222/org/repo"), "ssh://host:2222/org/repo");
  EXPECT_EQ(*NormalizeUrl("http://127.0.0.1:8080/x.git"), "http://127.0.0.1:8080/x");
  EXPECT_EQ(*NormalizeUrl("git://[::1]:9418/x.git"), "git://[::1]/x");
  for (const char* bad : {"", "ftp://h/x", "file:///tmp/x", "/tmp/x", "https://", "https://h",
                          "https://h:99999/x", "https://h /x", "relative/path"}) {
    EXPECT_EQ(NormalizeUrl(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(UrlTest, RepoKeyIgnoresTransport) {
  for (const char* url : {"https://GitHub.com/org/repo.git", "git@github.com:org/repo",
                          "ssh://git@github.com:22/org/repo/",
                          "http://u:p@github.com:8080/org/repo", "git://github.com/org/repo.git"}) {
    auto key = RepoKey(url);
    ASSERT_TRUE(key.ok()) << url;
    EXPECT_EQ(*key, "github.com/org/repo") << url;
  }
  EXPECT_EQ(*RepoKey("git@gitlab.example:group/sub/proj.git"), "gitlab.example/group/sub/proj");
  EXPECT_EQ(RepoKey("nonsense").status().code(), StatusCode::kInvalidArgument);
}

TEST(UrlTest, ParseKeepsCredentialsApart) {
  auto u = ParseUrl("https://al%40ice:p%3Ass@Host.example:8443/a/b.git?x#y");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->user, "al@ice");
  EXPECT_EQ(u->password, "p:ss");
  EXPECT_EQ(u->host, "host.example");
  EXPECT_EQ(u->port, "8443");
  EXPECT_EQ(u->path, "/a/b.git");
  EXPECT_EQ(u->WithoutUserinfo(), "https://host.example:8443/a/b.git");
}

TEST(UrlTest, RedactNeverShowsSecrets) {
  EXPECT_EQ(RedactUrl("https://user:secret@h/x.git"), "https://h/x.git");
  EXPECT_EQ(RedactUrl("https://ghp_token@h/x.git"), "https://h/x.git");
  EXPECT_EQ(RedactUrl("ssh://git:pw@h/x.git"), "ssh://git@h/x.git");
  EXPECT_EQ(RedactUrl("git@h:x.git"), "git@h:x.git");
  EXPECT_EQ(RedactUrl("https://h/x.git"), "https://h/x.git");
  auto bad = NormalizeUrl("ftp://user:secret@h/x");
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("secret")));
}

TEST(UrlTest, ScrubRemovesCredentialsFromLibraryMessages) {
  RemoteSpec spec;
  spec.url = "https://bob:hunter22@h/x.git";
  spec.auth.password = "tok-123456";
  std::string s =
      lg2::Scrub("failed https://bob:hunter22@h/x.git and tok-123456 and http://a:b@c/d", spec);
  EXPECT_THAT(s, Not(HasSubstr("hunter22")));
  EXPECT_THAT(s, Not(HasSubstr("tok-123456")));
  EXPECT_THAT(s, Not(HasSubstr("a:b@")));
  EXPECT_THAT(s, HasSubstr("https://h/x.git"));
}

TEST(UrlTest, CommitIds) {
  EXPECT_TRUE(IsCommitId("0123456789abcdef0123456789ABCDEF01234567"));
  EXPECT_FALSE(IsCommitId("0123456789abcdef"));
  EXPECT_FALSE(IsCommitId("g123456789abcdef0123456789abcdef01234567"));
}

std::string Base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string HashedHost(const std::string& salt, const std::string& host) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), salt.data(), static_cast<int>(salt.size()),
       reinterpret_cast<const unsigned char*>(host.data()), host.size(), md, &len);
  return "|1|" + Base64(salt) + "|" + Base64(std::string(reinterpret_cast<char*>(md), len));
}

TEST(KnownHostsTest, PlainHashedPortsAndMismatches) {
  std::string key("\x00\x00\x00\x0bssh-ed25519 key-bytes-1", 27);
  std::string other("\x00\x00\x00\x0bssh-ed25519 key-bytes-2", 27);
  std::string kh =
      "# comment\n"
      "github.com,gh ssh-ed25519 " +
      Base64(key) + "\n" + HashedHost("salt-0123456789ab", "hashed.example") + " ssh-ed25519 " +
      Base64(key) + "\n" + "[ported.example]:2222 ssh-ed25519 " + Base64(key) + "\n" +
      "*.wild.example ssh-ed25519 " + Base64(key) + "\n";
  EXPECT_TRUE(CheckHostKey(kh, "github.com", "git@github.com:o/r.git", key).ok());
  EXPECT_TRUE(CheckHostKey(kh, "hashed.example", "ssh://git@hashed.example/r", key).ok());
  EXPECT_TRUE(CheckHostKey(kh, "ported.example", "ssh://git@ported.example:2222/r", key).ok());
  EXPECT_TRUE(CheckHostKey(kh, "a.wild.example", "ssh://a.wild.example/r", key).ok());
  Status changed = CheckHostKey(kh, "github.com", "git@github.com:o/r.git", other);
  EXPECT_FALSE(changed.ok());
  EXPECT_THAT(changed.message(), HasSubstr("does not match known_hosts"));
  Status unknown = CheckHostKey(kh, "unknown.example", "ssh://unknown.example/r", key);
  EXPECT_THAT(unknown.message(), HasSubstr("not in known_hosts"));
  // Port 2222 entries do not vouch for port 22, and vice versa.
  EXPECT_FALSE(CheckHostKey(kh, "ported.example", "ssh://ported.example/r", key).ok());
  EXPECT_FALSE(CheckHostKey(kh, "github.com", "ssh://github.com:2222/r", key).ok());
  std::string revoked = kh + "@revoked github.com ssh-ed25519 " + Base64(key) + "\n";
  EXPECT_FALSE(CheckHostKey(revoked, "github.com", "git@github.com:o/r.git", key).ok());
}

TEST(TrustTest, GarbageCertificateIsRefused) {
  Status st = VerifyCertificate("not a pem", "example.com", "not der");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace flotilla::git
