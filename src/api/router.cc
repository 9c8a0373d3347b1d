#include "api/router.h"

#include <vector>

#include <fmt/format.h>

namespace flotilla::api {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

Status NotFoundPath(std::string_view path) {
  return NotFound(fmt::format("the server could not find the requested resource ({})", path));
}

}  // namespace

StatusOr<ResourcePath> ParseResourcePath(std::string_view path) {
  std::vector<std::string_view> seg = Split(path);
  std::string_view group, version;
  size_t i;
  if (seg.size() >= 2 && seg[0] == "api") {
    version = seg[1];
    i = 2;
  } else if (seg.size() >= 3 && seg[0] == "apis") {
    group = seg[1];
    version = seg[2];
    i = 3;
  } else {
    return NotFoundPath(path);
  }
  std::vector<std::string_view> rest(seg.begin() + static_cast<std::ptrdiff_t>(i), seg.end());
  if (rest.empty()) return NotFoundPath(path);

  ResourcePath out;
  // namespaces/{ns}/{plural}/... addresses a namespaced resource; namespaces[/{name}[/status]]
  // addresses Namespace objects.
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    const model::ResourceType* t = model::FindByPlural(group, version, rest[2]);
    if (t && t->namespaced) {
      out.type = t;
      out.ns = std::string(rest[1]);
      rest.erase(rest.begin(), rest.begin() + 2);
    }
  }
  if (!out.type) {
    out.type = model::FindByPlural(group, version, rest[0]);
    if (!out.type) return NotFoundPath(path);
    // A namespaced kind without /namespaces/{ns}/ is a list across all namespaces only.
    if (out.type->namespaced && rest.size() > 1) return NotFoundPath(path);
  }
  if (rest.size() > 3) return NotFoundPath(path);
  if (rest.size() >= 2) out.name = std::string(rest[1]);
  if (rest.size() == 3) {
    if (rest[2] == "status" && out.type->has_status) {
      out.subresource = "status";
    } else if (rest[2] == "token" && out.type == &model::ServiceAccountType()) {
      out.subresource = "token";  // TokenRequest (api/token_request.h)
    } else {
      return NotFoundPath(path);
    }
  }
  return out;
}

}  // namespace flotilla::api
