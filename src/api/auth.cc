#include "api/auth.h"

#include <cctype>
#include <vector>

#include "store/store.h"

namespace flotilla::api {
namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// The name a list or watch is narrowed to by fieldSelector=metadata.name=NAME, else "".
std::string ExactName(const std::string& selector) {
  if (selector.empty()) return "";
  auto parsed = store::FieldSelector::Parse(selector);
  if (!parsed.ok()) return "";
  for (const auto& term : parsed->terms)
    if (term.path == "metadata.name" && !term.negate) return term.value;
  return "";
}

}  // namespace

// As kube-apiserver's RequestInfoFactory: /api/VERSION/... and /apis/GROUP/VERSION/... are
// resource requests whether or not the resource exists (the handler answers 404 later);
// namespaces/NS/RESOURCE[/NAME[/SUBRESOURCE]] is namespaced, and a Namespace object is in its
// own namespace (so a RoleBinding there may grant "get namespaces"); everything else (/api,
// /apis/GROUP/VERSION, /version, /metrics, ...) is a non-resource request by path.
RequestAttributes AttributesFor(const http::Request& request) {
  RequestAttributes a;
  a.path = request.path;
  std::string method = request.method;
  for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (method == "head") method = "get";
  a.verb = method;
  std::vector<std::string> parts = Split(request.path);
  if (parts.size() < 3 || (parts[0] != "api" && parts[0] != "apis")) return a;
  size_t i = 1;
  if (parts[0] == "apis") {
    if (parts.size() < 4) return a;
    a.api_group = parts[i++];
  }
  a.resource_request = true;
  a.api_version = parts[i++];
  std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(i), parts.end());
  if (rest[0] == "namespaces" && rest.size() > 1) {
    a.ns = rest[1];
    if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize")
      rest.erase(rest.begin(), rest.begin() + 2);
  }
  a.resource = rest[0];
  if (rest.size() > 1) a.name = rest[1];
  if (rest.size() > 2) a.subresource = rest[2];

  bool watch = request.Query("watch") == "1" || request.Query("watch") == "true";
  if (method == "get") {
    a.verb = watch ? "watch" : a.name.empty() ? "list" : "get";
    if (a.name.empty()) a.name = ExactName(request.Query("fieldSelector"));
  } else if (method == "post") {
    a.verb = "create";
  } else if (method == "put") {
    a.verb = "update";
  } else if (method == "patch") {
    a.verb = "patch";
  } else if (method == "delete") {
    a.verb = a.name.empty() ? "deletecollection" : "delete";
  }
  return a;
}

}  // namespace flotilla::api
