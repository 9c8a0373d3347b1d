// Sprig v3 keys, certificates and secrets over OpenSSL 3 and libxcrypt: genPrivateKey, genCA*,
// genSelfSignedCert*, genSignedCert*, buildCustomCert, bcrypt, htpasswd, derivePassword,
// encryptAES and decryptAES. Keys, serial numbers, IVs and salts are random (OpenSSL's CSPRNG),
// so only their structure can be compared with Helm's; derivePassword and decryptAES are exact.
#include <arpa/inet.h>
#include <crypt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <memory>

#include <fmt/format.h>

#include "render/gotemplate/funcs.h"
#include "render/gotemplate/gofmt.h"
#include "render/gotemplate/helm_objects.h"
#include "render/gotemplate/strutil.h"

namespace flotilla::gotemplate {
namespace {

using P = Param;
using Args = std::vector<Value>;

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;

std::string BioString(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

// Go's pemBlockForKey: PKCS#1 for RSA, SEC 1 for ECDSA, DSA's own, PKCS#8 otherwise.
std::string KeyPem(EVP_PKEY* k) {
  Bio b(BIO_new(BIO_s_mem()));
  int id = EVP_PKEY_get_base_id(k);
  if (id == EVP_PKEY_RSA || id == EVP_PKEY_EC || id == EVP_PKEY_DSA)
    PEM_write_bio_PrivateKey_traditional(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
  else
    PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
  return BioString(b.get());
}

PKey GenKey(const std::string& type) {
  if (type == "" || type == "rsa") return PKey(EVP_RSA_gen(4096));
  if (type == "rsa2048") return PKey(EVP_RSA_gen(2048));
  if (type == "ecdsa") return PKey(EVP_EC_gen("P-256"));
  if (type == "ed25519") return PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (type == "dsa") {
    PKeyCtx pctx(EVP_PKEY_CTX_new_from_name(nullptr, "DSA", nullptr));
    EVP_PKEY* params = nullptr;
    if (!pctx || EVP_PKEY_paramgen_init(pctx.get()) <= 0 ||
        EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx.get(), 2048) <= 0 ||
        EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pctx.get(), 256) <= 0 ||
        EVP_PKEY_paramgen(pctx.get(), &params) <= 0)
      return nullptr;
    PKey p(params);
    PKeyCtx kctx(EVP_PKEY_CTX_new_from_pkey(nullptr, p.get(), nullptr));
    EVP_PKEY* key = nullptr;
    if (!kctx || EVP_PKEY_keygen_init(kctx.get()) <= 0 || EVP_PKEY_keygen(kctx.get(), &key) <= 0)
      return nullptr;
    return PKey(key);
  }
  return nullptr;
}

// Go's parsePrivateKeyPEM.
StatusOr<PKey> ParseKeyPem(const std::string& pem) {
  size_t begin = pem.find("-----BEGIN ");
  if (begin == std::string::npos) return InvalidArgument("no PEM data in input");
  size_t end = pem.find("-----", begin + 11);
  std::string type = end == std::string::npos ? "" : pem.substr(begin + 11, end - begin - 11);
  if (type != "PRIVATE KEY" &&
      (type.size() < 12 || type.substr(type.size() - 12) != " PRIVATE KEY"))
    return InvalidArgument("no private key data in PEM block of type " + type);
  std::string kind = type == "PRIVATE KEY" ? "" : type.substr(0, type.size() - 12);
  if (!kind.empty() && kind != "RSA" && kind != "EC" && kind != "DSA")
    return InvalidArgument("invalid private key type " + type);
  Bio b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PKey k(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
  if (!k) {
    if (kind.empty()) return InvalidArgument("decoding PEM as PKCS#8: asn1: structure error");
    return InvalidArgument("parsing " + kind + " private key from PEM: asn1: structure error");
  }
  return k;
}

// A sprig `certificate` struct {Cert, Key string}.
Value CertValue(const std::string& cert, const std::string& key) {
  Json j = {{"Cert", cert}, {"Key", key}};
  return Value::FromObject(std::make_shared<StructObject>(
      "sprig.certificate",
      std::vector<std::pair<std::string, Value>>{{"Cert", Value::String(cert)},
                                                 {"Key", Value::String(key)}},
      j, "struct"));
}

StatusOr<std::pair<std::string, std::string>> CertOf(const Value& v) {
  if (!v.is_object() || v.TypeName() != "sprig.certificate")
    return InvalidArgument("wrong type for value; expected sprig.certificate; got " +
                           (v.is_nil() ? std::string("<nil>") : v.TypeName()));
  Value c, k;
  v.object().Field("Cert", &c);
  v.object().Field("Key", &k);
  return std::make_pair(c.str(), k.str());
}

struct CertSpec {
  std::string cn;
  std::vector<std::string> ips, dns;
  int64_t days = 0;
  bool is_ca = false;
};

Status ReadStrings(const Value& list, const char* what, std::vector<std::string>* out) {
  std::vector<Value> items;
  if (list.is_nil() || !AsList(list, &items)) return Status::Ok();
  for (const Value& v : items) {
    if (!v.is_string()) {
      if (std::string(what) == "ip")
        return InvalidArgument("error parsing ip: " + FormatV(v) + " is not a string");
      return InvalidArgument("error processing alternate dns name: " + FormatV(v) +
                             " is not a string");
    }
    out->push_back(v.str());
  }
  return Status::Ok();
}

bool AddExt(X509* x, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  return true;
}

// Go's getBaseCertTemplate + x509.CreateCertificate: a v3 certificate for `key`, signed by
// `signer_key` as `issuer` (null for self-signed).
StatusOr<std::string> MakeCert(const CertSpec& spec, EVP_PKEY* key, X509* issuer,
                               EVP_PKEY* signer_key) {
  for (EVP_PKEY* k : {key, signer_key}) {
    int id = EVP_PKEY_get_base_id(k);
    if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC && id != EVP_PKEY_ED25519)
      return InvalidArgument(
          "error creating certificate: x509: only RSA, ECDSA and Ed25519 keys supported");
  }
  std::string san;
  for (const auto& d : spec.dns) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : spec.ips) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, ip.c_str(), buf) != 1 && inet_pton(AF_INET6, ip.c_str(), buf) != 1)
      return InvalidArgument("error parsing ip: " + ip);
    san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  }
  X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
  BN_free(bn);
  X509_NAME* name = X509_get_subject_name(x.get());
  if (!spec.cn.empty())
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.cn.data()),
                               static_cast<int>(spec.cn.size()), -1, 0);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_time_adj_ex(X509_getm_notAfter(x.get()), static_cast<int>(spec.days), 0, nullptr);
  X509_set_pubkey(x.get(), key);
  X509* parent = issuer ? issuer : x.get();
  bool ok = AddExt(x.get(), parent, NID_key_usage,
                   spec.is_ca ? "critical,digitalSignature,keyEncipherment,keyCertSign"
                              : "critical,digitalSignature,keyEncipherment") &&
            AddExt(x.get(), parent, NID_ext_key_usage, "serverAuth,clientAuth") &&
            AddExt(x.get(), parent, NID_basic_constraints,
                   spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (ok && spec.is_ca) ok = AddExt(x.get(), parent, NID_subject_key_identifier, "hash");
  if (ok && issuer != nullptr && X509_get0_subject_key_id(issuer) != nullptr)
    ok = AddExt(x.get(), parent, NID_authority_key_identifier, "keyid:always");
  if (ok && !san.empty()) ok = AddExt(x.get(), parent, NID_subject_alt_name, san);
  if (!ok) return InvalidArgument("error creating certificate: invalid extension");
  const EVP_MD* md = EVP_PKEY_get_base_id(signer_key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (X509_sign(x.get(), signer_key, md) <= 0)
    return InvalidArgument("error creating certificate: x509: signature failed");
  Bio b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(b.get(), x.get());
  return BioString(b.get());
}

StatusOr<X509Ptr> ParseCertPem(const std::string& pem) {
  Bio b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (pem.find("-----BEGIN ") == std::string::npos)
    return InvalidArgument("unable to decode certificate");
  X509Ptr x(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
  if (!x) return InvalidArgument("x509: malformed certificate");
  return x;
}

// The common path of every gen*Cert* function: the key (given or new RSA 2048), the issuer
// (given CA or self), the certificate.
StatusOr<Value> GenCert(const CertSpec& spec, const std::string* key_pem,
                        const std::pair<std::string, std::string>* ca) {
  PKey key;
  if (key_pem != nullptr) {
    auto k = ParseKeyPem(*key_pem);
    if (!k.ok())
      return InvalidArgument("parsing private key: " + std::string(k.status().message()));
    key = std::move(*k);
  } else {
    key = GenKey("rsa2048");
    if (!key) return InvalidArgument("error generating rsa key");
  }
  StatusOr<std::string> cert = std::string();
  if (ca != nullptr) {
    auto issuer = ParseCertPem(ca->first);
    if (!issuer.ok()) {
      if (issuer.status().message() == "unable to decode certificate") return issuer.status();
      return InvalidArgument("error parsing certificate: decodedSignerCert.Bytes: " +
                             std::string(issuer.status().message()));
    }
    auto signer = ParseKeyPem(ca->second);
    if (!signer.ok())
      return InvalidArgument("error parsing private key: " +
                             std::string(signer.status().message()));
    cert = MakeCert(spec, key.get(), issuer->get(), signer->get());
  } else {
    cert = MakeCert(spec, key.get(), nullptr, key.get());
  }
  if (!cert.ok()) return cert.status();
  return CertValue(*cert, KeyPem(key.get()));
}

std::string Bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2a$", 10, nullptr, 0, salt, sizeof salt) == nullptr)
    return "failed to encrypt string with bcrypt: no salt";
  crypt_data data{};
  // Go's bcrypt reads at most 72 bytes, as libxcrypt does; a NUL ends the C string earlier.
  const char* h = crypt_r(password.c_str(), salt, &data);
  if (h == nullptr || h[0] == '*') return "failed to encrypt string with bcrypt: crypt failed";
  return h;
}

const std::map<std::string, std::vector<std::string>>& PasswordTemplates() {
  static const auto* t = new std::map<std::string, std::vector<std::string>>{
      {"maximum", {"anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"}},
      {"long",
       {"CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
        "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
        "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
        "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
        "CvccCvcvCvccno"}},
      {"medium", {"CvcnoCvc", "CvcCvcno"}},
      {"short", {"Cvcn"}},
      {"basic", {"aaanaaan", "aannaaan", "aaannaaa"}},
      {"pin", {"nnnn"}}};
  return *t;
}

std::string CharsFor(char c) {
  switch (c) {
    case 'V':
      return "AEIOU";
    case 'C':
      return "BCDFGHJKLMNPQRSTVWXYZ";
    case 'v':
      return "aeiou";
    case 'c':
      return "bcdfghjklmnpqrstvwxyz";
    case 'A':
      return "AEIOUBCDFGHJKLMNPQRSTVWXYZ";
    case 'a':
      return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
    case 'n':
      return "0123456789";
    case 'o':
      return "@&%?,=[]_:-+*$#!'^~;()/.";
    default:
      return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()";
  }
}

void PutU32(std::string* b, uint32_t v) {
  for (int i = 3; i >= 0; i--) b->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Sprig's derivePassword (the Master Password algorithm, scrypt N=32768 r=8 p=2).
std::string DerivePassword(uint32_t counter, const std::string& type, const std::string& password,
                           const std::string& user, const std::string& site) {
  auto it = PasswordTemplates().find(type);
  if (it == PasswordTemplates().end()) return "cannot find password template " + type;
  const std::string seed_prefix = "com.lyndir.masterpassword";
  std::string salt = seed_prefix;
  PutU32(&salt, static_cast<uint32_t>(user.size()));
  salt += user;
  unsigned char key[64];
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), 32768, 8, 2,
                     256ULL << 20, key, sizeof key) != 1)
    return "failed to derive password: scrypt";
  std::string msg = seed_prefix;
  PutU32(&msg, static_cast<uint32_t>(site.size()));
  msg += site;
  PutU32(&msg, counter);
  unsigned char seed[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key, sizeof key, reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), seed, &n);
  const std::string& temp = it->second[seed[0] % it->second.size()];
  std::string out;
  for (size_t i = 0; i < temp.size(); i++) {
    std::string chars = CharsFor(temp[i]);
    out.push_back(chars[seed[i + 1] % chars.size()]);
  }
  return out;
}

std::string AesKey(const std::string& password) {
  std::string key(32, '\0');
  std::copy_n(password.begin(), std::min<size_t>(password.size(), 32), key.begin());
  return key;
}

bool AesCbc(bool encrypt, const std::string& key, const unsigned char* iv, const std::string& in,
            std::string* out) {
  std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>> ctx(
      EVP_CIPHER_CTX_new());
  out->assign(in.size() + 32, '\0');
  int n1 = 0, n2 = 0;
  auto* o = reinterpret_cast<unsigned char*>(out->data());
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr,
                        reinterpret_cast<const unsigned char*>(key.data()), iv,
                        encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), o, &n1, reinterpret_cast<const unsigned char*>(in.data()),
                       static_cast<int>(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), o + n1, &n2) != 1)
    return false;
  out->resize(n1 + n2);
  return true;
}

StatusOr<Value> EncryptAES(const std::string& password, const std::string& plain) {
  if (plain.empty()) return Value::String("");
  std::string content = plain;
  size_t pad = 16 - content.size() % 16;
  content.append(pad, static_cast<char>(pad));
  unsigned char iv[16];
  RAND_bytes(iv, 16);
  std::string enc;
  if (!AesCbc(true, AesKey(password), iv, content, &enc)) return FuncError("aes: encrypt failed");
  return Value::String(Base64Encode(std::string(reinterpret_cast<char*>(iv), 16) + enc));
}

// Sprig's decryptAES, with Go's runtime panics (bad lengths, bad padding) as errors.
StatusOr<Value> DecryptAES(const std::string& password, const std::string& b64) {
  if (b64.empty()) return Value::String("");
  auto decoded = Base64DecodeStrict(b64);
  if (!decoded.ok()) return FuncError(decoded.status().message());
  const std::string& crypt = *decoded;
  if (crypt.size() < 16)
    return FuncError(fmt::format("runtime error: slice bounds out of range [:16] with capacity {}",
                                 crypt.size()));
  std::string body = crypt.substr(16);
  if (body.size() % 16 != 0) return FuncError("crypto/cipher: input not full blocks");
  if (body.empty()) return FuncError("runtime error: index out of range [-1]");
  std::string dec;
  if (!AesCbc(false, AesKey(password), reinterpret_cast<const unsigned char*>(crypt.data()), body,
              &dec))
    return FuncError("aes: decrypt failed");
  size_t pad = static_cast<unsigned char>(dec.back());
  if (pad > dec.size())
    return FuncError(fmt::format("runtime error: slice bounds out of range [:{}]",
                                 static_cast<int64_t>(dec.size()) - static_cast<int64_t>(pad)));
  return Value::String(dec.substr(0, dec.size() - pad));
}

}  // namespace

void RegisterSprigCerts(FuncMap* m) {
  auto& f = *m;
  f["bcrypt"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                   return Value::String(Bcrypt(a[0].str()));
                 }};
  f["htpasswd"] = {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                     if (a[0].str().find(':') != std::string::npos)
                       return Value::String("invalid username: " + a[0].str());
                     return Value::String(a[0].str() + ":" + Bcrypt(a[1].str()));
                   }};
  f["derivePassword"] = {
      {P::kInt, P::kString, P::kString, P::kString, P::kString},
      false,
      [](CallContext&, Args& a) -> StatusOr<Value> {
        return Value::String(DerivePassword(static_cast<uint32_t>(a[0].int_value()), a[1].str(),
                                            a[2].str(), a[3].str(), a[4].str()));
      }};
  f["genPrivateKey"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                          const std::string& t = a[0].str();
                          if (t != "" && t != "rsa" && t != "dsa" && t != "ecdsa" && t != "ed25519")
                            return Value::String("Unknown type " + t);
                          PKey k = GenKey(t);
                          if (!k) return Value::String("failed to generate private key: openssl");
                          return Value::String(KeyPem(k.get()));
                        }};
  f["buildCustomCert"] = {
      {P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        auto cert = Base64DecodeStrict(a[0].str());
        if (!cert.ok()) return FuncError("unable to decode base64 certificate");
        auto key = Base64DecodeStrict(a[1].str());
        if (!key.ok()) return FuncError("unable to decode base64 private key");
        auto x = ParseCertPem(*cert);
        if (!x.ok()) {
          if (x.status().message() == "unable to decode certificate") return x.status();
          return FuncError("error parsing certificate: decodedCert.Bytes: " +
                           std::string(x.status().message()));
        }
        auto k = ParseKeyPem(*key);
        if (!k.ok())
          return FuncError("error parsing private key: " + std::string(k.status().message()));
        return CertValue(*cert, *key);
      }};
  f["genCA"] = {{P::kString, P::kInt}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                  CertSpec s{a[0].str(), {}, {}, a[1].int_value(), true};
                  return GenCert(s, nullptr, nullptr);
                }};
  f["genCAWithKey"] = {
      {P::kString, P::kInt, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
        CertSpec s{a[0].str(), {}, {}, a[1].int_value(), true};
        return GenCert(s, &a[2].str(), nullptr);
      }};
  auto spec = [](Args& a, CertSpec* s) -> Status {
    s->cn = a[0].str();
    s->days = a[3].int_value();
    Status st = ReadStrings(a[1], "ip", &s->ips);
    if (!st.ok()) return st;
    return ReadStrings(a[2], "dns", &s->dns);
  };
  f["genSelfSignedCert"] = {{P::kString, P::kList, P::kList, P::kInt},
                            false,
                            [spec](CallContext&, Args& a) -> StatusOr<Value> {
                              CertSpec s;
                              Status st = spec(a, &s);
                              if (!st.ok()) return st;
                              return GenCert(s, nullptr, nullptr);
                            }};
  f["genSelfSignedCertWithKey"] = {{P::kString, P::kList, P::kList, P::kInt, P::kString},
                                   false,
                                   [spec](CallContext&, Args& a) -> StatusOr<Value> {
                                     CertSpec s;
                                     Status st = spec(a, &s);
                                     if (!st.ok()) return st;
                                     return GenCert(s, &a[4].str(), nullptr);
                                   }};
  f["genSignedCert"] = {{P::kString, P::kList, P::kList, P::kInt, P::kAny},
                        false,
                        [spec](CallContext&, Args& a) -> StatusOr<Value> {
                          CertSpec s;
                          Status st = spec(a, &s);
                          if (!st.ok()) return st;
                          auto ca = CertOf(a[4]);
                          if (!ca.ok()) return ca.status();
                          return GenCert(s, nullptr, &*ca);
                        }};
  f["genSignedCertWithKey"] = {{P::kString, P::kList, P::kList, P::kInt, P::kAny, P::kString},
                               false,
                               [spec](CallContext&, Args& a) -> StatusOr<Value> {
                                 CertSpec s;
                                 Status st = spec(a, &s);
                                 if (!st.ok()) return st;
                                 auto ca = CertOf(a[4]);
                                 if (!ca.ok()) return ca.status();
                                 return GenCert(s, &a[5].str(), &*ca);
                               }};
  f["encryptAES"] = {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                       return EncryptAES(a[0].str(), a[1].str());
                     }};
  f["decryptAES"] = {{P::kString, P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                       return DecryptAES(a[0].str(), a[1].str());
                     }};
}

}  // namespace flotilla::gotemplate
