// Random Sprig outputs (keys, certificates, bcrypt, AES) cannot be compared with the oracle byte
// for byte; these tests check that what we generate is well formed and verifies: certificates
// parse and chain with OpenSSL, bcrypt hashes verify, and the Go oracle decrypts our encryptAES.
#include <crypt.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <gtest/gtest.h>

#include "render/gotemplate/oracle_client.h"
#include "render/gotemplate/template.h"

namespace flotilla::gotemplate {
namespace {

std::string Render(const std::string& text) {
  TemplateSet set;
  Status st = set.Parse("t", text);
  EXPECT_TRUE(st.ok()) << st.message();
  auto out = set.Execute("t", Value::NewMap(), {});
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? *out : "";
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Cert = std::unique_ptr<X509, X509Free>;

Cert ParseCert(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Cert c(PEM_read_bio_X509(b, nullptr, nullptr, nullptr));
  BIO_free(b);
  return c;
}

EVP_PKEY* ParseKey(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  return k;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); i++) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

TEST(CryptoTest, SignedCertificateChainsToItsCA) {
  std::string out = Render(
      "{{ $ca := genCA \"flotilla-ca\" 365 }}{{ $c := genSignedCert \"svc.ns\" (list \"10.1.2.3\") "
      "(list \"svc.ns.svc\" \"svc\") 30 $ca }}{{ $ca.Cert }}|{{ $c.Cert }}|{{ $c.Key }}");
  auto parts = Split(out, '|');
  ASSERT_EQ(parts.size(), 3u);
  Cert ca = ParseCert(parts[0]), leaf = ParseCert(parts[1]);
  ASSERT_TRUE(ca && leaf);
  EVP_PKEY* key = ParseKey(parts[2]);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(leaf.get(), key), 1);
  EVP_PKEY_free(key);

  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  EXPECT_EQ(X509_verify_cert(ctx), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);

  EXPECT_EQ(X509_check_host(leaf.get(), "svc.ns.svc", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "10.1.2.3", 0), 1);
  EXPECT_NE(X509_check_host(leaf.get(), "other", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  // 30 days of validity, as asked.
  int days = 0, secs = 0;
  ASSERT_EQ(
      ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(leaf.get()), X509_get0_notAfter(leaf.get())),
      1);
  EXPECT_EQ(days, 30);
}

TEST(CryptoTest, SelfSignedCertificateVerifiesWithItself) {
  for (const char* type : {"ecdsa", "ed25519"}) {
    std::string out =
        Render(std::string("{{ $c := genSelfSignedCertWithKey \"me\" nil (list \"me\") 1 "
                           "(genPrivateKey \"") +
               type + "\") }}{{ $c.Cert }}|{{ $c.Key }}");
    auto parts = Split(out, '|');
    ASSERT_EQ(parts.size(), 2u);
    Cert c = ParseCert(parts[0]);
    ASSERT_TRUE(c) << type;
    EVP_PKEY* key = ParseKey(parts[1]);
    ASSERT_NE(key, nullptr);
    EXPECT_EQ(X509_verify(c.get(), key), 1) << type;
    EVP_PKEY_free(key);
  }
}

// "rsa" (4096 bits, seconds of CPU) is left out to keep the suite fast; genCA covers RSA keys.
TEST(CryptoTest, PrivateKeysParse) {
  for (const char* type : {"ecdsa", "ed25519"}) {
    std::string pem = Render(std::string("{{ genPrivateKey \"") + type + "\" }}");
    EVP_PKEY* k = ParseKey(pem);
    ASSERT_NE(k, nullptr) << type << ": " << pem;
    EVP_PKEY_free(k);
  }
}

TEST(CryptoTest, BcryptAndHtpasswdVerify) {
  std::string out = Render("{{ bcrypt \"s3cret\" }}|{{ htpasswd \"admin\" \"pa:ss\" }}");
  auto parts = Split(out, '|');
  ASSERT_EQ(parts.size(), 2u);
  crypt_data data{};
  EXPECT_EQ(std::string(crypt_r("s3cret", parts[0].c_str(), &data)), parts[0]);
  EXPECT_NE(std::string(crypt_r("wrong", parts[0].c_str(), &data)), parts[0]);
  ASSERT_EQ(parts[1].substr(0, 6), "admin:");
  std::string hash = parts[1].substr(6);
  EXPECT_EQ(std::string(crypt_r("pa:ss", hash.c_str(), &data)), hash);
}

TEST(CryptoTest, OracleDecryptsOurEncryptAES) {
  if (std::string why = testing::OracleSkipReason(); !why.empty()) GTEST_SKIP() << why;
  const std::string secret = "multi-block secret, ünïcode and all: 0123456789";
  std::string ct = Render("{{ encryptAES \"the-key\" \"" + secret + "\" }}");
  std::string ct2 = Render("{{ encryptAES \"the-key\" \"" + secret + "\" }}");
  EXPECT_NE(ct, ct2);  // random IVs
  Json req;
  req["templates"] = {{"c/templates/t", "{{ decryptAES \"the-key\" \"" + ct + "\" }}"}};
  req["render"] = "c/templates/t";
  auto resp = testing::RunOracle({req});
  ASSERT_EQ(resp.size(), 1u);
  EXPECT_EQ(resp[0]["output"], secret) << resp[0].dump();
}

}  // namespace
}  // namespace flotilla::gotemplate
