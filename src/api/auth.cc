#include "api/auth.h"

#include <cctype>

#include "api/router.h"

namespace flotilla::api {

RequestAttributes AttributesFor(const http::Request& request) {
  RequestAttributes a;
  a.path = request.path;
  std::string method = request.method;
  for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (method == "head") method = "get";
  a.verb = method;
  auto rp = ParseResourcePath(request.path);
  if (!rp.ok()) return a;
  a.resource_request = true;
  a.api_group = rp->type->group;
  a.api_version = rp->type->version;
  a.resource = rp->type->plural;
  a.subresource = rp->subresource;
  a.ns = rp->ns;
  a.name = rp->name;
  bool watch = request.Query("watch") == "1" || request.Query("watch") == "true";
  if (method == "get") {
    a.verb = watch ? "watch" : rp->collection() ? "list" : "get";
  } else if (method == "post") {
    a.verb = "create";
  } else if (method == "put") {
    a.verb = "update";
  } else if (method == "patch") {
    a.verb = "patch";
  } else if (method == "delete") {
    a.verb = rp->collection() ? "deletecollection" : "delete";
  }
  return a;
}

}  // namespace flotilla::api
