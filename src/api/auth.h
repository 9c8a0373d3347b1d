// The API's side of authentication and authorization: the interfaces live in auth/authorizer.h;
// here the request's attributes are derived as kube-apiserver's RequestInfoResolver does.
#pragma once

#include "auth/authorizer.h"
#include "http/message.h"

namespace flotilla::api {

using auth::AllowAllAuthenticator;
using auth::AllowAllAuthorizer;
using auth::Authenticator;
using auth::Authorizer;
using auth::RequestAttributes;

// Attributes of `request` as kube-apiserver's RequestInfoResolver derives them.
RequestAttributes AttributesFor(const http::Request& request);

}  // namespace flotilla::api
