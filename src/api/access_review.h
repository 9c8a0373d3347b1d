// authorization.k8s.io/v1 SelfSubjectAccessReview ("may I?", what `kubectl auth can-i` asks) and
// SubjectAccessReview ("may this user?", for those allowed to create subjectaccessreviews),
// answered by the very authorizer that guards every request, so the answer always agrees with
// enforcement. Bodies in JSON or in Kubernetes protobuf (kubectl's typed client).
#pragma once

#include <string_view>

#include "api/http.h"
#include "auth/authorizer.h"

namespace flotilla::api {

inline constexpr const char* kAuthorizationGroup = "authorization.k8s.io";

// True for /apis/authorization.k8s.io/v1/{selfsubjectaccessreviews,subjectaccessreviews}.
bool IsAccessReviewPath(std::string_view path);

// Serves a POST to one of those paths for `req.user` (already authenticated and authorized to
// create the review): 201 with the review and its status {allowed, reason}.
HttpResponse ServeAccessReview(const HttpRequest& req, auth::Authorizer& authorizer);

}  // namespace flotilla::api
