#include "store/encryption/encrypting_store.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <atomic>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/base64.h"
#include "core/yaml.h"
#include "model/resource_type.h"

namespace flotilla::store {
namespace {

constexpr std::string_view kPrefix = "k8s:enc:aesgcm:v1:";
constexpr size_t kNonce = 12;
constexpr size_t kTag = 16;
constexpr const char* kSealedField = "encryptedData";

Status Invalid(const std::string& msg) {
  return Status(StatusCode::kInvalidArgument, "encryption configuration: " + msg);
}

const EVP_CIPHER* CipherFor(size_t key_size) {
  switch (key_size) {
    case 16:
      return EVP_aes_128_gcm();
    case 24:
      return EVP_aes_192_gcm();
    case 32:
      return EVP_aes_256_gcm();
  }
  return nullptr;
}

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

StatusOr<std::string> Seal(const EncryptionKey& key, const std::string& aad,
                           const std::string& plain) {
  std::string out(kNonce + plain.size() + kTag, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(bytes, kNonce) != 1) return Status(StatusCode::kInternal, "RAND_bytes failed");
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  const auto* k = reinterpret_cast<const unsigned char*>(key.secret.data());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), CipherFor(key.secret.size()), nullptr, k, bytes) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), bytes + kNonce, &len,
                        reinterpret_cast<const unsigned char*>(plain.data()),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), bytes + kNonce + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, bytes + kNonce + plain.size()) !=
          1)
    return Status(StatusCode::kInternal, "AES-GCM encryption failed");
  return std::string(kPrefix) + key.name + ":" + Base64Encode(out);
}

// Opens `sealed` (nonce|ciphertext|tag) with `key`; kInternal when it does not verify.
StatusOr<std::string> Open(const EncryptionKey& key, const std::string& aad,
                           const std::string& sealed) {
  if (sealed.size() < kNonce + kTag) return Status(StatusCode::kInternal, "sealed value too short");
  const auto* bytes = reinterpret_cast<const unsigned char*>(sealed.data());
  size_t ct = sealed.size() - kNonce - kTag;
  std::string plain(ct, '\0');
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  std::string tag = sealed.substr(kNonce + ct);
  const auto* k = reinterpret_cast<const unsigned char*>(key.secret.data());
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), CipherFor(key.secret.size()), nullptr, k, bytes) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                        bytes + kNonce, static_cast<int>(ct)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) !=
          1)
    return Status(StatusCode::kInternal, "the sealed value does not verify");
  return plain;
}

std::string AadFor(const Json& obj) {
  const Json& md = obj.value("metadata", Json::object());
  return fmt::format("/registry/secrets/{}/{}", md.value("namespace", ""), md.value("name", ""));
}

std::string SecretKey(const Json& obj) {
  const Json& md = obj.value("metadata", Json::object());
  return md.value("namespace", "") + "/" + md.value("name", "");
}

class EncryptingStore : public Store {
 public:
  EncryptingStore(std::unique_ptr<Store> inner, EncryptionConfig config)
      : inner_(std::move(inner)), config_(std::move(config)) {}

  StatusOr<Json> Create(const ResourceType& type, Json object) override {
    if (!IsSecret(type)) return inner_->Create(type, std::move(object));
    ASSIGN_OR_RETURN(Json sealed, SealObject(std::move(object), nullptr));
    ASSIGN_OR_RETURN(Json out, inner_->Create(type, std::move(sealed)));
    return OpenObject(std::move(out));
  }
  StatusOr<Json> Get(const ResourceType& type, const std::string& ns,
                     const std::string& name) override {
    ASSIGN_OR_RETURN(Json out, inner_->Get(type, ns, name));
    if (!IsSecret(type)) return out;
    return OpenObject(std::move(out));
  }
  StatusOr<ListResult> List(const ResourceType& type, const ListOptions& options) override {
    ASSIGN_OR_RETURN(ListResult out, inner_->List(type, options));
    if (!IsSecret(type)) return out;
    for (Json& item : out.items) {
      ASSIGN_OR_RETURN(item, OpenObject(std::move(item)));
    }
    return out;
  }
  StatusOr<Json> Update(const ResourceType& type, Json object) override {
    if (!IsSecret(type)) return inner_->Update(type, std::move(object));
    // An unchanged Secret keeps its seal (a fresh nonce would look like a change of the body)
    // unless it is sealed with a key other than the current one: rewriting it rotates it.
    auto current = inner_->Get(type, store::NamespaceOf(object), store::NameOf(object));
    ASSIGN_OR_RETURN(Json sealed,
                     SealObject(std::move(object), current.ok() ? &*current : nullptr));
    ASSIGN_OR_RETURN(Json out, inner_->Update(type, std::move(sealed)));
    return OpenObject(std::move(out));
  }
  StatusOr<Json> UpdateStatus(const ResourceType& type, Json object) override {
    if (!IsSecret(type)) return inner_->UpdateStatus(type, std::move(object));
    auto current = inner_->Get(type, store::NamespaceOf(object), store::NameOf(object));
    ASSIGN_OR_RETURN(Json sealed,
                     SealObject(std::move(object), current.ok() ? &*current : nullptr));
    ASSIGN_OR_RETURN(Json out, inner_->UpdateStatus(type, std::move(sealed)));
    return OpenObject(std::move(out));
  }
  StatusOr<Json> Delete(const ResourceType& type, const std::string& ns, const std::string& name,
                        const DeleteOptions& options) override {
    ASSIGN_OR_RETURN(Json out, inner_->Delete(type, ns, name, options));
    if (!IsSecret(type)) return out;
    return OpenObject(std::move(out));
  }
  StatusOr<std::unique_ptr<Watcher>> Watch(const ResourceType& type,
                                           const WatchOptions& options) override {
    ASSIGN_OR_RETURN(auto inner, inner_->Watch(type, options));
    if (!IsSecret(type)) return inner;
    return std::unique_ptr<Watcher>(std::make_unique<OpeningWatcher>(*this, std::move(inner)));
  }
  int64_t CurrentResourceVersion() override { return inner_->CurrentResourceVersion(); }
  Status CheckHealth() override { return inner_->CheckHealth(); }

 private:
  class OpeningWatcher : public Watcher {
   public:
    OpeningWatcher(EncryptingStore& store, std::unique_ptr<Watcher> inner)
        : store_(store), inner_(std::move(inner)) {}
    std::optional<WatchEvent> Next(std::chrono::milliseconds timeout) override {
      auto ev = inner_->Next(timeout);
      if (!ev || ev->type == WatchEventType::kBookmark) return ev;
      auto opened = store_.OpenObject(std::move(ev->object));
      if (!opened.ok()) {
        // A Secret this server cannot open: the watcher stops with the reason (as a failed
        // read would), rather than delivering an object without its data.
        why_ = opened.status();
        failed_ = true;
        inner_->Stop();
        return std::nullopt;
      }
      ev->object = std::move(*opened);
      return ev;
    }
    void Stop() override { inner_->Stop(); }
    bool stopped() const override { return failed_ || inner_->stopped(); }
    Status status() const override { return failed_ ? why_ : inner_->status(); }
    bool SetWakeup(std::function<void()> wakeup) override {
      return inner_->SetWakeup(std::move(wakeup));
    }

   private:
    EncryptingStore& store_;
    std::unique_ptr<Watcher> inner_;
    std::atomic<bool> failed_{false};
    Status why_;  // written before failed_ is set, read after
  };

  static bool IsSecret(const ResourceType& type) { return &type == &model::SecretType(); }

  const EncryptionKey* KeyNamed(std::string_view name) const {
    for (const EncryptionKey& k : config_.keys)
      if (k.name == name) return &k;
    return nullptr;
  }

  // `current`: the stored (sealed) object, if any, whose seal is kept when the data is unchanged.
  StatusOr<Json> SealObject(Json object, const Json* current) {
    Json data = object.contains("data") ? object["data"] : Json(nullptr);
    object.erase("data");
    object.erase(kSealedField);  // never trust a client-supplied one
    if (config_.identity_first) {
      if (!data.is_null()) object["data"] = std::move(data);
      return object;
    }
    std::string plain = data.is_null() ? "null" : data.dump();
    if (current != nullptr && current->contains(kSealedField)) {
      std::string stored = current->value(kSealedField, "");
      std::string primary = std::string(kPrefix) + config_.keys.front().name + ":";
      if (stored.starts_with(primary)) {
        auto was = OpenString(stored, AadFor(*current));
        if (was.ok() && *was == plain) {
          object[kSealedField] = stored;
          return object;
        }
      }
    }
    ASSIGN_OR_RETURN(std::string sealed, Seal(config_.keys.front(), AadFor(object), plain));
    object[kSealedField] = std::move(sealed);
    return object;
  }

  StatusOr<std::string> OpenString(const std::string& stored, const std::string& aad) const {
    if (!std::string_view(stored).starts_with(kPrefix))
      return Status(StatusCode::kInternal, "unknown encryption provider");
    std::string_view rest = std::string_view(stored).substr(kPrefix.size());
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos)
      return Status(StatusCode::kInternal, "malformed sealed value");
    std::string_view key_name = rest.substr(0, colon);
    const EncryptionKey* key = KeyNamed(key_name);
    if (key == nullptr)
      return Status(StatusCode::kInternal,
                    fmt::format("sealed with key \"{}\", which is not configured", key_name));
    ASSIGN_OR_RETURN(std::string raw, Base64Decode(rest.substr(colon + 1)));
    auto plain = Open(*key, aad, raw);
    if (!plain.ok())
      return Status(StatusCode::kInternal,
                    fmt::format("sealed with key \"{}\": {}", key_name, plain.status().message()));
    return plain;
  }

  StatusOr<Json> OpenObject(Json object) const {
    if (!object.contains(kSealedField)) {
      if (object.contains("data") && !config_.identity_readable && !config_.identity_first)
        return Status(StatusCode::kInternal,
                      fmt::format("Secret {} is stored unencrypted and the encryption "
                                  "configuration lists no identity provider",
                                  SecretKey(object)));
      return object;
    }
    auto plain = OpenString(object.value(kSealedField, ""), AadFor(object));
    if (!plain.ok())
      return Status(StatusCode::kInternal,
                    fmt::format("Secret {}: {}", SecretKey(object), plain.status().message()));
    object.erase(kSealedField);
    Json data = Json::parse(*plain, nullptr, false);
    if (data.is_discarded())
      return Status(StatusCode::kInternal, "Secret " + SecretKey(object) + ": corrupt data");
    if (!data.is_null()) object["data"] = std::move(data);
    return object;
  }

  std::unique_ptr<Store> inner_;
  const EncryptionConfig config_;
};

}  // namespace

StatusOr<EncryptionConfig> ParseEncryptionConfig(const std::string& text) {
  auto doc = ParseYaml(text, "encryption configuration");
  if (!doc.ok()) return Invalid(doc.status().message());
  if (!doc->is_object() || doc->value("kind", "") != "EncryptionConfiguration")
    return Invalid("kind must be EncryptionConfiguration");
  const Json& resources = doc->value("resources", Json::array());
  if (!resources.is_array() || resources.size() != 1)
    return Invalid("resources must hold exactly one entry, for secrets");
  const Json& entry = resources[0];
  const Json& names = entry.value("resources", Json::array());
  if (!names.is_array() || names.size() != 1 || names[0] != "secrets")
    return Invalid("resources[0].resources must be [secrets]: only Secrets are encrypted");
  const Json& providers = entry.value("providers", Json::array());
  if (!providers.is_array() || providers.empty()) return Invalid("resources[0].providers is empty");
  EncryptionConfig config;
  std::set<std::string> seen;
  for (size_t i = 0; i < providers.size(); ++i) {
    const Json& p = providers[i];
    std::string where = fmt::format("resources[0].providers[{}]", i);
    if (!p.is_object() || p.size() != 1) return Invalid(where + " must name one provider");
    if (p.contains("identity")) {
      if (i == 0) config.identity_first = true;
      config.identity_readable = true;
      continue;
    }
    if (!p.contains("aesgcm"))
      return Invalid(where + ": provider \"" + p.begin().key() +
                     "\" is not supported (aesgcm and identity are)");
    const Json& keys = p["aesgcm"].value("keys", Json::array());
    if (!keys.is_array() || keys.empty()) return Invalid(where + ".aesgcm.keys is empty");
    for (size_t k = 0; k < keys.size(); ++k) {
      std::string kw = fmt::format("{}.aesgcm.keys[{}]", where, k);
      std::string name = keys[k].value("name", "");
      if (name.empty() || name.find(':') != std::string::npos)
        return Invalid(kw + ".name must be set and hold no ':'");
      if (!seen.insert(name).second) return Invalid(kw + ": duplicate key name \"" + name + "\"");
      auto secret = Base64Decode(keys[k].value("secret", ""));
      if (!secret.ok() || CipherFor(secret->size()) == nullptr)
        return Invalid(kw + ".secret must be the base64 of 16, 24 or 32 bytes");
      config.keys.push_back({name, *secret});
    }
  }
  if (!config.identity_first && config.keys.empty()) return Invalid("no key to encrypt with");
  return config;
}

StatusOr<EncryptionConfig> LoadEncryptionConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(StatusCode::kNotFound, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto config = ParseEncryptionConfig(ss.str());
  if (!config.ok())
    return Status(config.status().code(), path + ": " + std::string(config.status().message()));
  return config;
}

std::unique_ptr<Store> EncryptSecrets(std::unique_ptr<Store> inner, EncryptionConfig config) {
  return std::make_unique<EncryptingStore>(std::move(inner), std::move(config));
}

}  // namespace flotilla::store
