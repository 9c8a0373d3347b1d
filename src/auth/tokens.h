// Bearer tokens: issued to a user or a ServiceAccount, stored hashed (never the token itself),
// with an expiry, revocable. The API's authenticator (api/auth.h) looks every request's token up
// here; `kubectl create token` (TokenRequest), the admin kubeconfig written at first start and
// cluster registration issue them.
//
// A token is "flt_<id>.<secret>": <id> (16 hex digits) names its record, the Secret
// "token-<id>" in namespace flotilla-system (type flotilla.io/token), which holds the SHA-256
// of the whole token, the user name, groups, expiry and, for a ServiceAccount's token, the
// account it is bound to. A token is valid while its record exists, has not expired, its hash
// matches (compared in constant time) and its bound ServiceAccount exists with the same uid —
// so deleting the record revokes one token, deleting the ServiceAccount revokes all of its
// tokens, as Kubernetes' bound service-account tokens are revoked.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "http/message.h"
#include "store/store.h"

namespace flotilla::auth {

inline constexpr const char* kSystemNamespace = "flotilla-system";
inline constexpr const char* kTokenSecretType = "flotilla.io/token";
inline constexpr const char* kTokenPrefix = "flt_";

struct TokenSpec {
  std::string user;  // e.g. "admin" or "system:serviceaccount:NS:NAME"
  std::vector<std::string> groups;
  // Zero: never expires.
  std::chrono::seconds ttl{0};
  // For a ServiceAccount's token: the account (the token dies with it).
  std::string sa_namespace, sa_name, sa_uid;
  std::string purpose;  // shown in the record's annotation, e.g. "admin kubeconfig"
};

struct IssuedToken {
  std::string token;  // the secret to hand out; never stored
  std::string id;     // names the record: Secret flotilla-system/token-<id>
  std::optional<Clock::time_point> expires;
};

// "system:serviceaccount:NS:NAME" and its groups ("system:serviceaccounts",
// "system:serviceaccounts:NS", "system:authenticated"), as Kubernetes names them.
TokenSpec ServiceAccountTokenSpec(const std::string& ns, const std::string& name,
                                  const std::string& uid, std::chrono::seconds ttl);

// Issues a token for `spec`: writes its record (creating namespace flotilla-system if needed).
StatusOr<IssuedToken> IssueToken(store::Store& store, const TokenSpec& spec);

// Who holds `token`: kUnauthenticated when it is malformed, unknown, revoked, expired or its
// ServiceAccount is gone; other codes for store errors (the caller answers 500/503, not 401).
StatusOr<http::UserInfo> LookupToken(store::Store& store, const std::string& token);

// Deletes token `id`'s record. OK when it was already gone.
Status RevokeToken(store::Store& store, const std::string& id);

// The id of a well-formed token ("" if malformed), for revocation by token.
std::string TokenId(const std::string& token);

}  // namespace flotilla::auth
