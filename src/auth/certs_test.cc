#include "auth/certs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace flotilla::auth {
namespace {

namespace fs = std::filesystem;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

X509* Parse(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return x;
}

// OpenSSL's own verdict: `leaf` chains to `ca` and is valid for host/IP `name`.
bool Verifies(const std::string& ca_pem, const std::string& leaf_pem, const std::string& ip) {
  X509* ca = Parse(ca_pem);
  X509* leaf = Parse(leaf_pem);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_VERIFY_PARAM_set1_ip_asc(X509_STORE_CTX_get0_param(ctx), ip.c_str());
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(leaf);
  X509_free(ca);
  return ok;
}

class CertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("certs_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CertsTest, FirstStartMakesACaAndAServingCertificateWithPrivateKeys) {
  auto made = EnsureServingCertificate((dir_ / "tls").string(),
                                       {"127.0.0.1", "::1", "localhost", "flotilla.example.com"});
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_TRUE(made->made_ca);
  EXPECT_TRUE(made->made_cert);
  for (const char* key : {"ca.key", "serving.key"}) {
    struct stat st;
    ASSERT_EQ(::stat((dir_ / "tls" / key).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << key;
  }
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "tls").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::string leaf = Read(made->cert_file);
  auto sans = CertificateSans(leaf);
  ASSERT_TRUE(sans.ok());
  EXPECT_EQ(*sans, (std::vector<std::string>{"DNS:flotilla.example.com", "DNS:localhost",
                                             "IP:127.0.0.1", "IP:::1"}));
  EXPECT_TRUE(Verifies(made->ca_pem, leaf, "127.0.0.1"));
  EXPECT_TRUE(Verifies(made->ca_pem, leaf, "::1"));
  EXPECT_FALSE(Verifies(made->ca_pem, leaf, "10.1.2.3"));
  // The CA is a CA with an ECDSA P-256 key valid ~10 years.
  X509* ca = Parse(made->ca_pem);
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(X509_check_ca(ca), 1);
  EVP_PKEY* pub = X509_get0_pubkey(ca);
  EXPECT_EQ(EVP_PKEY_get_base_id(pub), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(pub), 256);
  time_t nine_years = time(nullptr) + 9L * 365 * 24 * 3600;
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(ca), &nine_years), 0);
  X509_free(ca);
}

TEST_F(CertsTest, LaterStartsReuseThemAndNewNamesRemakeOnlyTheServingCertificate) {
  std::string tls = (dir_ / "tls").string();
  auto first = EnsureServingCertificate(tls, {"127.0.0.1", "localhost"});
  ASSERT_TRUE(first.ok());
  std::string ca = Read(first->ca_file), leaf = Read(first->cert_file);
  auto again = EnsureServingCertificate(tls, {"localhost", "127.0.0.1", "127.0.0.1"});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->made_ca);
  EXPECT_FALSE(again->made_cert);
  EXPECT_EQ(Read(again->cert_file), leaf);
  auto more = EnsureServingCertificate(tls, {"127.0.0.1", "localhost", "10.1.2.3"});
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(more->made_ca);
  EXPECT_TRUE(more->made_cert);
  EXPECT_EQ(Read(more->ca_file), ca);
  EXPECT_NE(Read(more->cert_file), leaf);
  EXPECT_TRUE(Verifies(ca, Read(more->cert_file), "10.1.2.3"));
}

TEST_F(CertsTest, AServingCertificateNotSignedByTheCaIsRemade) {
  std::string a = (dir_ / "a").string(), b = (dir_ / "b").string();
  ASSERT_TRUE(EnsureServingCertificate(a, {"127.0.0.1"}).ok());
  ASSERT_TRUE(EnsureServingCertificate(b, {"127.0.0.1"}).ok());
  fs::copy_file(fs::path(b) / "serving.crt", fs::path(a) / "serving.crt",
                fs::copy_options::overwrite_existing);
  fs::copy_file(fs::path(b) / "serving.key", fs::path(a) / "serving.key",
                fs::copy_options::overwrite_existing);
  auto fixed = EnsureServingCertificate(a, {"127.0.0.1"});
  ASSERT_TRUE(fixed.ok());
  EXPECT_TRUE(fixed->made_cert);
  EXPECT_TRUE(Verifies(fixed->ca_pem, Read(fixed->cert_file), "127.0.0.1"));
}

TEST_F(CertsTest, BadNamesAndABrokenCaAreClearErrors) {
  auto bad = EnsureServingCertificate((dir_ / "x").string(), {"not a name"});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("not a name"), std::string::npos);
  std::string tls = (dir_ / "tls").string();
  ASSERT_TRUE(EnsureServingCertificate(tls, {"127.0.0.1"}).ok());
  std::ofstream(fs::path(tls) / "ca.key") << "garbage";
  auto broken = EnsureServingCertificate(tls, {"127.0.0.1"});
  EXPECT_EQ(broken.status().code(), StatusCode::kInternal);
  EXPECT_EQ(Read((fs::path(tls) / "ca.key").string()), "garbage");  // never overwritten
}

}  // namespace
}  // namespace flotilla::auth
