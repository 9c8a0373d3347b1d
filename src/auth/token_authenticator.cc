#include "auth/token_authenticator.h"

#include <cctype>
#include <string>

#include "auth/tokens.h"

namespace flotilla::auth {
namespace {

class BearerAuthenticator : public Authenticator {
 public:
  explicit BearerAuthenticator(store::Store& store) : store_(store) {}

  StatusOr<http::UserInfo> Authenticate(const http::Request& request) override {
    std::string token = BearerToken(request.Header("authorization"));
    if (token.empty()) return Status(StatusCode::kUnauthenticated, "no bearer token");
    return LookupToken(store_, token);
  }

 private:
  store::Store& store_;
};

}  // namespace

std::string BearerToken(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  constexpr std::string_view kScheme = "bearer";
  if (v.size() <= kScheme.size()) return "";
  for (size_t i = 0; i < kScheme.size(); i++)
    if (std::tolower(static_cast<unsigned char>(v[i])) != kScheme[i]) return "";
  v.remove_prefix(kScheme.size());
  if (v.front() != ' ' && v.front() != '\t') return "";
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  // A token is one word; "Bearer a b" is not a bearer token.
  if (v.find_first_of(" \t,") != std::string_view::npos) return "";
  return std::string(v);
}

std::unique_ptr<Authenticator> TokenAuthenticator(store::Store& store) {
  return std::make_unique<BearerAuthenticator>(store);
}

}  // namespace flotilla::auth
