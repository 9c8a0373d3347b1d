// The first two steps of the API's request pipeline, authenticate -> authorize -> admit ->
// handle, as interfaces chosen at start-up. Every request goes through them (reads, lists and
// watches too) except the few that are open by design, as in kube-apiserver and Fleet's gitjob:
// health probes and the webhook endpoint (which authenticates each delivery by its provider's
// signature instead). The API derives a request's attributes (api/auth.h AttributesFor).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "http/message.h"

namespace flotilla::auth {

// What an authorizer decides on (Kubernetes' authorizer.Attributes).
struct RequestAttributes {
  bool resource_request = false;
  // get, list, watch, create, update, patch, delete, deletecollection for resources; the
  // lower-cased HTTP method for other paths ("get" for GET and HEAD).
  std::string verb;
  std::string api_group;  // "" for the core group
  std::string api_version;
  std::string resource;     // plural, "gitrepos"
  std::string subresource;  // "status" or ""
  std::string ns;
  std::string name;
  std::string path;  // the request path
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Who sent `request`. kUnauthenticated (401) when credentials are missing, invalid or expired.
  virtual StatusOr<http::UserInfo> Authenticate(const http::Request& request) = 0;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // OK when `user` may do `attributes`; kPermissionDenied (403) with Kubernetes' message else.
  virtual Status Authorize(const http::UserInfo& user, const RequestAttributes& attributes) = 0;
};

// Accepts every request as an authenticated "system:admin" in "system:masters" (the server runs
// with authentication off; only allowed on loopback).
std::unique_ptr<Authenticator> AllowAllAuthenticator();
std::unique_ptr<Authorizer> AllowAllAuthorizer();

}  // namespace flotilla::auth
