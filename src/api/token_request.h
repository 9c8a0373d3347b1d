// Token endpoints of the API:
// - TokenRequest (authentication.k8s.io/v1), POST .../namespaces/NS/serviceaccounts/NAME/token,
//   so `kubectl create token NAME -n NS [--duration D]` works: a bearer token bound to the
//   ServiceAccount (deleting the account revokes it), expiring after spec.expirationSeconds
//   (default 3600; at least 600, as kube-apiserver requires).
// - POST /flotilla/v1/tokens {"user", "groups", "expirationSeconds"}: a token for any user, for
//   operators (`flotilla token create`); revoke by deleting Secret flotilla-system/token-<id>.
// Tokens are answered once and never logged; only their ids are.
#pragma once

#include "api/http.h"
#include "api/router.h"
#include "store/store.h"

namespace flotilla::api {

inline constexpr const char* kTokensPath = "/flotilla/v1/tokens";

HttpResponse ServeTokenRequest(store::Store& store, const HttpRequest& request,
                               const ResourcePath& path);
HttpResponse ServeUserToken(store::Store& store, const HttpRequest& request);

}  // namespace flotilla::api
