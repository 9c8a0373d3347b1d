// The server's authenticator: "Authorization: Bearer <token>" looked up in the token records
// (tokens.h). Kubernetes' bearer-token authenticator, without anonymous fallback: a request
// without a valid token is refused (401), not served as "system:anonymous".
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/authorizer.h"
#include "store/store.h"

namespace flotilla::auth {

// kUnauthenticated when the header is missing, not a bearer token, or the token is invalid,
// revoked or expired; the store's own error (kUnavailable, kInternal...) when the lookup could
// not be made, so the caller answers 5xx rather than 401 (and never lets the request through).
// REQUIRES: `store` outlives the authenticator.
std::unique_ptr<Authenticator> TokenAuthenticator(store::Store& store);

// The token of an "Authorization: Bearer <token>" header value ("" when it is not one). The
// scheme is matched case-insensitively, as Kubernetes does.
std::string BearerToken(std::string_view authorization);

}  // namespace flotilla::auth
