#include "auth/tokens.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <fmt/format.h>

#include "core/base64.h"
#include "core/hash.h"
#include "model/resource_type.h"
#include "model/secret.h"

namespace flotilla::auth {
namespace {

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("RAND_bytes failed");  // no entropy: nothing safe to hand out
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Status Unauthenticated() { return Status(StatusCode::kUnauthenticated, "invalid bearer token"); }

Status EnsureSystemNamespace(store::Store& store) {
  auto got = store.Get(model::NamespaceType(), "", kSystemNamespace);
  if (got.ok()) return Status::Ok();
  if (got.status().code() != StatusCode::kNotFound) return got.status();
  auto c = store.Create(
      model::NamespaceType(),
      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kSystemNamespace}}}});
  if (!c.ok() && c.status().code() != StatusCode::kAlreadyExists) return c.status();
  return Status::Ok();
}

}  // namespace

TokenSpec ServiceAccountTokenSpec(const std::string& ns, const std::string& name,
                                  const std::string& uid, std::chrono::seconds ttl) {
  TokenSpec spec;
  spec.user = fmt::format("system:serviceaccount:{}:{}", ns, name);
  spec.groups = {"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"};
  spec.ttl = ttl;
  spec.sa_namespace = ns;
  spec.sa_name = name;
  spec.sa_uid = uid;
  return spec;
}

std::string TokenId(const std::string& token) {
  std::string_view t = token;
  if (!t.starts_with(kTokenPrefix)) return "";
  t.remove_prefix(std::string_view(kTokenPrefix).size());
  size_t dot = t.find('.');
  if (dot != 16 || t.size() != 16 + 1 + 64) return "";
  for (char c : t.substr(0, 16))
    if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
  return std::string(t.substr(0, 16));
}

StatusOr<IssuedToken> IssueToken(store::Store& store, const TokenSpec& spec) {
  if (spec.user.empty()) return Status(StatusCode::kInvalidArgument, "a token needs a user");
  RETURN_IF_ERROR(EnsureSystemNamespace(store));
  IssuedToken out;
  out.id = RandomHex(8);
  out.token = std::string(kTokenPrefix) + out.id + "." + RandomHex(32);
  Json data = {{"tokenHash", Base64Encode(Sha256Hex(out.token))},
               {"user", Base64Encode(spec.user)},
               {"groups", Base64Encode(Join(spec.groups))}};
  if (spec.ttl.count() > 0) {
    out.expires = Clock::now() + spec.ttl;
    data["expires"] = Base64Encode(FormatRfc3339(*out.expires));
  }
  Json labels = Json::object();
  if (!spec.sa_name.empty()) {
    data["serviceAccountNamespace"] = Base64Encode(spec.sa_namespace);
    data["serviceAccountName"] = Base64Encode(spec.sa_name);
    data["serviceAccountUID"] = Base64Encode(spec.sa_uid);
    labels["auth.flotilla.io/serviceaccount-namespace"] = spec.sa_namespace;
    labels["auth.flotilla.io/serviceaccount-name"] = spec.sa_name;
  }
  Json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"type", kTokenSecretType},
                 {"metadata",
                  {{"name", "token-" + out.id},
                   {"namespace", kSystemNamespace},
                   {"labels", labels},
                   {"annotations", {{"auth.flotilla.io/purpose", spec.purpose}}}}},
                 {"data", data}};
  auto c = store.Create(model::SecretType(), std::move(secret));
  if (!c.ok()) return c.status();
  return out;
}

StatusOr<http::UserInfo> LookupToken(store::Store& store, const std::string& token) {
  std::string id = TokenId(token);
  if (id.empty()) return Unauthenticated();
  auto rec = store.Get(model::SecretType(), kSystemNamespace, "token-" + id);
  if (!rec.ok())
    return rec.status().code() == StatusCode::kNotFound ? Unauthenticated() : rec.status();
  if (rec->value("type", "") != kTokenSecretType) return Unauthenticated();
  std::string want = model::SecretValueOrEmpty(*rec, "tokenHash");
  std::string got = Sha256Hex(token);
  if (want.size() != got.size() || CRYPTO_memcmp(want.data(), got.data(), got.size()) != 0)
    return Unauthenticated();
  std::string expires = model::SecretValueOrEmpty(*rec, "expires");
  if (!expires.empty()) {
    Clock::time_point at;
    if (!ParseRfc3339(expires, &at) || Clock::now() >= at) return Unauthenticated();
  }
  std::string sa_name = model::SecretValueOrEmpty(*rec, "serviceAccountName");
  if (!sa_name.empty()) {
    auto sa = store.Get(model::ServiceAccountType(),
                        model::SecretValueOrEmpty(*rec, "serviceAccountNamespace"), sa_name);
    if (!sa.ok())
      return sa.status().code() == StatusCode::kNotFound ? Unauthenticated() : sa.status();
    std::string uid = model::SecretValueOrEmpty(*rec, "serviceAccountUID");
    if (!uid.empty() && (*sa)["metadata"].value("uid", "") != uid) return Unauthenticated();
  }
  http::UserInfo user;
  user.name = model::SecretValueOrEmpty(*rec, "user");
  user.uid = id;
  user.groups = Split(model::SecretValueOrEmpty(*rec, "groups"));
  user.authenticated = !user.name.empty();
  if (!user.authenticated) return Unauthenticated();
  return user;
}

Status RevokeToken(store::Store& store, const std::string& id) {
  auto d = store.Delete(model::SecretType(), kSystemNamespace, "token-" + id);
  if (!d.ok() && d.status().code() != StatusCode::kNotFound) return d.status();
  return Status::Ok();
}

}  // namespace flotilla::auth
