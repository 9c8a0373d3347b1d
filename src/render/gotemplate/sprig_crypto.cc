// Sprig v3 hashing, encoding and random functions over OpenSSL. Random output (rand*, uuidv4,
// randBytes, shuffle) comes from OpenSSL's CSPRNG and cannot match Go byte for byte.
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fmt/format.h>

#include "render/gotemplate/funcs.h"
#include "render/gotemplate/strutil.h"

namespace flotilla::gotemplate {
namespace {

using P = Param;
using Args = std::vector<Value>;

std::string Hex(const unsigned char* d, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; i++) out += fmt::format("{:02x}", d[i]);
  return out;
}

std::string Digest(const EVP_MD* md, const std::string& s) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), out, &n, md, nullptr);
  return Hex(out, n);
}

uint32_t Adler32(const std::string& s) {
  uint32_t a = 1, b = 0;
  for (unsigned char c : s) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

uint64_t RandU64() {
  uint64_t v = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v;
}

std::string RandFrom(const std::string& alphabet, int64_t n) {
  std::string out;
  for (int64_t i = 0; i < n; i++) out.push_back(alphabet[RandU64() % alphabet.size()]);
  return out;
}

}  // namespace

void RegisterSprigCrypto(FuncMap* m) {
  RegisterSprigCerts(m);
  RegisterSprigUrl(m);
  auto& f = *m;
  f["sha1sum"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                    return Value::String(Digest(EVP_sha1(), a[0].str()));
                  }};
  f["sha256sum"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                      return Value::String(Digest(EVP_sha256(), a[0].str()));
                    }};
  f["adler32sum"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                       return Value::String(std::to_string(Adler32(a[0].str())));
                     }};
  auto rnd = [](std::string alphabet) {
    return Function{{P::kInt}, false, [alphabet](CallContext&, Args& a) -> StatusOr<Value> {
                      int64_t n = a[0].int_value();
                      if (n < 0)
                        return FuncError("Requested random string length -1 is less than 0.");
                      if (n > (16 << 20)) return ResourceExhausted("random string too long");
                      return Value::String(RandFrom(alphabet, n));
                    }};
  };
  const std::string alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  f["randAlphaNum"] = rnd(alpha + "0123456789");
  f["randAlpha"] = rnd(alpha);
  f["randNumeric"] = rnd("0123456789");
  std::string ascii;
  for (char c = 32; c < 127; c++) ascii.push_back(c);
  f["randAscii"] = rnd(ascii);
  f["randBytes"] = {{P::kInt}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                      int64_t n = a[0].int_value();
                      if (n < 0 || n > (16 << 20)) return FuncError("invalid randBytes length");
                      std::string b(n, '\0');
                      RAND_bytes(reinterpret_cast<unsigned char*>(b.data()), static_cast<int>(n));
                      return Value::String(Base64Encode(b));
                    }};
  f["uuidv4"] = {{}, false, [](CallContext&, Args&) -> StatusOr<Value> {
                   unsigned char u[16];
                   RAND_bytes(u, 16);
                   u[6] = (u[6] & 0x0f) | 0x40;
                   u[8] = (u[8] & 0x3f) | 0x80;
                   std::string h = Hex(u, 16);
                   return Value::String(h.substr(0, 8) + "-" + h.substr(8, 4) + "-" +
                                        h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
                                        h.substr(20));
                 }};
  f["shuffle"] = {{P::kString}, false, [](CallContext&, Args& a) -> StatusOr<Value> {
                    std::string s = a[0].str();
                    for (size_t i = s.size(); i > 1; i--) std::swap(s[i - 1], s[RandU64() % i]);
                    return Value::String(s);
                  }};
}

}  // namespace flotilla::gotemplate
