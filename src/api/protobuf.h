// Decodes the Kubernetes protobuf wire format ("k8s\0" + runtime.Unknown envelope) for the core
// kinds that kubectl's typed clients send as protobuf: Secret (`kubectl create secret`),
// ConfigMap (`kubectl create configmap`), Namespace (`kubectl create namespace`), ServiceAccount
// (`kubectl create serviceaccount`) and TokenRequest (`kubectl create token`). Responses
// are always JSON, which those clients accept. Server-owned metadata and managedFields are not
// decoded (the API clears them on create anyway).
#pragma once

#include <string_view>

#include "core/json.h"
#include "core/status.h"
#include "model/resource_type.h"

namespace flotilla::api {

// True for "application/vnd.kubernetes.protobuf" (with or without parameters).
bool IsProtobufContentType(std::string_view content_type);

// Secret, ConfigMap, Namespace.
bool ProtobufSupported(const model::ResourceType& type);

// kInvalidArgument for a malformed body or a kind mismatch; kFailedPrecondition for a kind
// without ProtobufSupported().
StatusOr<Json> DecodeKubernetesProtobuf(const model::ResourceType& type, std::string_view body);

// A SelfSubjectAccessReview or SubjectAccessReview (authorization.k8s.io/v1), as `kubectl auth
// can-i` sends it: apiVersion, kind, metadata and spec (resourceAttributes without selectors,
// nonResourceAttributes, user, groups, uid), as the JSON form would have them.
StatusOr<Json> DecodeAccessReviewProtobuf(std::string_view body);

// A TokenRequest (authentication.k8s.io/v1) as `kubectl create token` sends it.
StatusOr<Json> DecodeTokenRequestProtobuf(std::string_view body);

}  // namespace flotilla::api
