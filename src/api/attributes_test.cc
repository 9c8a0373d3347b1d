// AttributesFor derives what the authorizer decides on exactly as kube-apiserver's
// RequestInfoFactory does.
#include <gtest/gtest.h>

#include "api/auth.h"
#include "api/http.h"

namespace flotilla::api {
namespace {

HttpRequest Req(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = target;
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = ParseQuery(target.substr(q + 1));
  return r;
}

TEST(AttributesFor, Table) {
  struct Row {
    const char* method;
    const char* target;
    bool resource;
    const char* verb;
    const char* group;
    const char* resource_name;
    const char* sub;
    const char* ns;
    const char* name;
  };
  const Row rows[] = {
      {"GET", "/apis/fleet.cattle.io/v1alpha1/namespaces/a/gitrepos", true, "list",
       "fleet.cattle.io", "gitrepos", "", "a", ""},
      {"GET", "/apis/fleet.cattle.io/v1alpha1/namespaces/a/gitrepos?watch=true", true, "watch",
       "fleet.cattle.io", "gitrepos", "", "a", ""},
      {"GET", "/apis/fleet.cattle.io/v1alpha1/gitrepos", true, "list", "fleet.cattle.io",
       "gitrepos", "", "", ""},
      {"HEAD", "/apis/fleet.cattle.io/v1alpha1/namespaces/a/gitrepos/x", true, "get",
       "fleet.cattle.io", "gitrepos", "", "a", "x"},
      {"PUT", "/apis/fleet.cattle.io/v1alpha1/namespaces/a/gitrepos/x/status", true, "update",
       "fleet.cattle.io", "gitrepos", "status", "a", "x"},
      {"PATCH", "/apis/fleet.cattle.io/v1alpha1/namespaces/a/bundledeployments/x/status", true,
       "patch", "fleet.cattle.io", "bundledeployments", "status", "a", "x"},
      {"POST", "/api/v1/namespaces/a/secrets", true, "create", "", "secrets", "", "a", ""},
      {"DELETE", "/api/v1/namespaces/a/secrets", true, "deletecollection", "", "secrets", "", "a",
       ""},
      {"DELETE", "/api/v1/namespaces/a/secrets/s", true, "delete", "", "secrets", "", "a", "s"},
      {"POST", "/api/v1/namespaces/a/serviceaccounts/sa/token", true, "create", "",
       "serviceaccounts", "token", "a", "sa"},
      // A Namespace is in its own namespace.
      {"GET", "/api/v1/namespaces/a", true, "get", "", "namespaces", "", "a", "a"},
      {"PUT", "/api/v1/namespaces/a/status", true, "update", "", "namespaces", "status", "a", "a"},
      {"GET", "/api/v1/namespaces", true, "list", "", "namespaces", "", "", ""},
      {"GET", "/apis/fleet.cattle.io/v1alpha1/contents/s-1", true, "get", "fleet.cattle.io",
       "contents", "", "", "s-1"},
      // A list narrowed to one name by its field selector is about that name.
      {"GET", "/api/v1/namespaces/a/secrets?fieldSelector=metadata.name%3Ds", true, "list", "",
       "secrets", "", "a", "s"},
      {"GET", "/api/v1/namespaces/a/secrets?fieldSelector=metadata.name!%3Ds", true, "list", "",
       "secrets", "", "a", ""},
      {"POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", true, "create",
       "authorization.k8s.io", "selfsubjectaccessreviews", "", "", ""},
      // Unknown resources are still resource requests (the handler answers 404 after).
      {"GET", "/apis/example.com/v1/widgets", true, "list", "example.com", "widgets", "", "", ""},
      // Discovery and other paths are non-resource requests.
      {"GET", "/api", false, "get", "", "", "", "", ""},
      {"GET", "/api/v1", false, "get", "", "", "", "", ""},
      {"GET", "/apis/fleet.cattle.io/v1alpha1", false, "get", "", "", "", "", ""},
      {"GET", "/metrics", false, "get", "", "", "", "", ""},
      {"POST", "/webhooks/github", false, "post", "", "", "", "", ""},
  };
  for (const Row& row : rows) {
    RequestAttributes a = AttributesFor(Req(row.method, row.target));
    SCOPED_TRACE(std::string(row.method) + " " + row.target);
    EXPECT_EQ(a.resource_request, row.resource);
    EXPECT_EQ(a.verb, row.verb);
    EXPECT_EQ(a.api_group, row.group);
    EXPECT_EQ(a.resource, row.resource_name);
    EXPECT_EQ(a.subresource, row.sub);
    EXPECT_EQ(a.ns, row.ns);
    EXPECT_EQ(a.name, row.name);
  }
}

}  // namespace
}  // namespace flotilla::api
