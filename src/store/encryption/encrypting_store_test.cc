#include "store/encryption/encrypting_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/base64.h"
#include "model/resource_type.h"
#include "store/sqlite/sqlite_store.h"
#include "store/testing/conformance.h"

namespace flotilla::store {
namespace {

using model::ConfigMapType;
using model::SecretType;

const std::string kKey1 = Base64Encode(std::string(32, '\x01'));
const std::string kKey2 = Base64Encode(std::string(32, '\x02'));

std::string Config(const std::string& providers) {
  return "apiVersion: apiserver.config.k8s.io/v1\n"
         "kind: EncryptionConfiguration\n"
         "resources:\n"
         "  - resources: [secrets]\n"
         "    providers:\n" +
         providers;
}
std::string AesGcm(const std::vector<std::pair<std::string, std::string>>& keys) {
  std::string out = "      - aesgcm:\n          keys:\n";
  for (const auto& [name, secret] : keys)
    out += "            - name: " + name + "\n              secret: " + secret + "\n";
  return out;
}
const std::string kIdentity = "      - identity: {}\n";

Json SecretObj(const std::string& name, const std::string& password) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"type", "Opaque"},
          {"metadata", {{"name", name}, {"namespace", "apps"}}},
          {"data", {{"password", Base64Encode(password)}}}};
}

class EncryptingStoreTest : public ::testing::Test {
 protected:
  // Opens the database under dir_ wrapped with `config_text` (empty: unwrapped).
  std::unique_ptr<Store> Open(const std::string& config_text) {
    sqlite::SqliteOptions options;
    options.path = dir_.path() + "/store.db";
    auto s = sqlite::SqliteStore::Open(options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    std::unique_ptr<Store> inner(std::move(*s));
    if (config_text.empty()) return inner;
    auto config = ParseEncryptionConfig(config_text);
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    return EncryptSecrets(std::move(inner), *config);
  }
  std::string DatabaseBytes() {
    std::string all;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      all += ss.str();
    }
    return all;
  }
  testing::TempDir dir_;
};

TEST_F(EncryptingStoreTest, SecretDataIsSealedOnDiskAndPlainToCallers) {
  const std::string password = "hunter2-correct-horse";
  {
    auto store = Open(Config(AesGcm({{"key1", kKey1}})));
    auto created = store->Create(SecretType(), SecretObj("db", password));
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    EXPECT_EQ((*created)["data"]["password"], Base64Encode(password));
    auto got = store->Get(SecretType(), "apps", "db");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ((*got)["data"]["password"], Base64Encode(password));
    EXPECT_FALSE(got->contains("encryptedData"));
    // ConfigMaps pass through untouched.
    ASSERT_TRUE(store
                    ->Create(ConfigMapType(), {{"metadata", {{"name", "c"}, {"namespace", "apps"}}},
                                               {"data", {{"k", "visible-config"}}}})
                    .ok());
  }
  std::string bytes = DatabaseBytes();
  EXPECT_EQ(bytes.find(Base64Encode(password)), std::string::npos);
  EXPECT_EQ(bytes.find(password), std::string::npos);
  EXPECT_NE(bytes.find("k8s:enc:aesgcm:v1:key1:"), std::string::npos);
  EXPECT_NE(bytes.find("visible-config"), std::string::npos);

  auto raw = Open("");
  auto stored = raw->Get(SecretType(), "apps", "db");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->contains("data"));
  EXPECT_TRUE(stored->value("encryptedData", "").starts_with("k8s:enc:aesgcm:v1:key1:"));
}

TEST_F(EncryptingStoreTest, UnchangedUpdateKeepsTheSealAndTheResourceVersion) {
  auto store = Open(Config(AesGcm({{"key1", kKey1}})));
  auto created = store->Create(SecretType(), SecretObj("db", "p"));
  ASSERT_TRUE(created.ok());
  auto again = store->Update(SecretType(), *created);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)["metadata"]["resourceVersion"], (*created)["metadata"]["resourceVersion"]);
  Json changed = *again;
  changed["data"]["password"] = Base64Encode("new");
  auto updated = store->Update(SecretType(), changed);
  ASSERT_TRUE(updated.ok());
  EXPECT_NE((*updated)["metadata"]["resourceVersion"], (*created)["metadata"]["resourceVersion"]);
  EXPECT_EQ((*store->Get(SecretType(), "apps", "db"))["data"]["password"], Base64Encode("new"));
}

TEST_F(EncryptingStoreTest, RotationNewKeyFirstRewriteThenDropTheOld) {
  {
    ASSERT_TRUE(
        Open(Config(AesGcm({{"key1", kKey1}})))->Create(SecretType(), SecretObj("a", "1")).ok());
  }
  {
    // key2 first, key1 still readable: old Secrets read; a rewrite seals with key2.
    auto store = Open(Config(AesGcm({{"key2", kKey2}, {"key1", kKey1}})));
    auto got = store->Get(SecretType(), "apps", "a");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(store->Update(SecretType(), *got).ok());
  }
  {
    auto raw = Open("");
    EXPECT_TRUE((*raw->Get(SecretType(), "apps", "a"))
                    .value("encryptedData", "")
                    .starts_with("k8s:enc:aesgcm:v1:key2:"));
  }
  auto store = Open(Config(AesGcm({{"key2", kKey2}})));
  auto got = store->Get(SecretType(), "apps", "a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ((*got)["data"]["password"], Base64Encode("1"));
}

TEST_F(EncryptingStoreTest, MissingKeyTamperingAndMovedSealsFailLoudly) {
  {
    ASSERT_TRUE(
        Open(Config(AesGcm({{"key1", kKey1}})))->Create(SecretType(), SecretObj("a", "1")).ok());
  }
  {
    auto got = Open(Config(AesGcm({{"key2", kKey2}})))->Get(SecretType(), "apps", "a");
    EXPECT_EQ(got.status().code(), StatusCode::kInternal);
    EXPECT_NE(got.status().message().find("key1"), std::string::npos) << got.status().message();
  }
  {
    // Copy a's seal into Secret b: the authenticated path no longer matches.
    auto raw = Open("");
    Json a = *raw->Get(SecretType(), "apps", "a");
    Json b = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", "b"}, {"namespace", "apps"}}},
              {"encryptedData", a["encryptedData"]}};
    ASSERT_TRUE(raw->Create(SecretType(), b).ok());
    // And flip one byte of a's ciphertext.
    std::string sealed = a["encryptedData"];
    sealed[sealed.size() - 3] = sealed[sealed.size() - 3] == 'A' ? 'B' : 'A';
    a["encryptedData"] = sealed;
    ASSERT_TRUE(raw->Update(SecretType(), a).ok());
  }
  auto store = Open(Config(AesGcm({{"key1", kKey1}})));
  EXPECT_EQ(store->Get(SecretType(), "apps", "b").status().code(), StatusCode::kInternal);
  EXPECT_EQ(store->Get(SecretType(), "apps", "a").status().code(), StatusCode::kInternal);
  EXPECT_EQ(store->List(SecretType(), {}).status().code(), StatusCode::kInternal);
}

TEST_F(EncryptingStoreTest, PlaintextSecretsReadOnlyWithIdentityListed) {
  { ASSERT_TRUE(Open("")->Create(SecretType(), SecretObj("old", "1")).ok()); }
  EXPECT_EQ(
      Open(Config(AesGcm({{"key1", kKey1}})))->Get(SecretType(), "apps", "old").status().code(),
      StatusCode::kInternal);
  auto store = Open(Config(AesGcm({{"key1", kKey1}}) + kIdentity));
  auto got = store->Get(SecretType(), "apps", "old");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(store->Update(SecretType(), *got).ok());  // migrating: now sealed
  EXPECT_TRUE((*Open("")->Get(SecretType(), "apps", "old")).contains("encryptedData"));
  // identity first: writes decrypt (the way back to plaintext).
  auto back = Open(Config(kIdentity + AesGcm({{"key1", kKey1}})));
  got = back->Get(SecretType(), "apps", "old");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(back->Update(SecretType(), *got).ok());
  EXPECT_FALSE((*Open("")->Get(SecretType(), "apps", "old")).contains("encryptedData"));
}

TEST_F(EncryptingStoreTest, WatchDeliversPlaintext) {
  auto store = Open(Config(AesGcm({{"key1", kKey1}})));
  WatchOptions opts;
  opts.resource_version = store->CurrentResourceVersion();
  opts.send_initial_events = false;
  auto w = store->Watch(SecretType(), opts);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(store->Create(SecretType(), SecretObj("w", "watched")).ok());
  auto ev = (*w)->Next(std::chrono::seconds(10));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->object["data"]["password"], Base64Encode("watched"));
  EXPECT_FALSE(ev->object.contains("encryptedData"));
}

TEST(EncryptionConfigTest, RefusesWhatItDoesNotSupport) {
  EXPECT_TRUE(ParseEncryptionConfig(Config(AesGcm({{"k", kKey1}}))).ok());
  EXPECT_TRUE(
      ParseEncryptionConfig(Config(AesGcm({{"k", Base64Encode(std::string(16, 'x'))}}))).ok());
  for (const std::string& bad :
       {Config(AesGcm({{"k", Base64Encode("short")}})),
        Config(AesGcm({{"k", kKey1}, {"k", kKey2}})),
        Config("      - aescbc:\n          keys: []\n"), Config(kIdentity).substr(0, 20),
        std::string("kind: Other\n"),
        std::string("kind: EncryptionConfiguration\nresources:\n  - resources: [configmaps]\n"
                    "    providers:\n      - identity: {}\n")}) {
    auto c = ParseEncryptionConfig(bad);
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(ParseEncryptionConfig(Config("      - kms:\n          name: x\n"))
                .status()
                .message()
                .find("\"kms\" is not supported"),
            std::string::npos);
}

}  // namespace
}  // namespace flotilla::store
