#include "model/content.h"

#include <fmt/format.h>

#include "core/base64.h"
#include "core/gzip.h"
#include "core/hash.h"
#include "core/json_limits.h"
#include "model/deployment.h"
#include "model/json_get.h"

namespace flotilla::model {

std::string ContentId(const Json& resources) {
  return ("s-" + ResourcesHash(resources)).substr(0, 63);
}

std::string ContentName(const std::string& deployment_id) {
  return deployment_id.substr(0, deployment_id.find(':'));
}

StatusOr<Json> ContentFor(const Json& resources) {
  const std::string manifest = Json({{"resources", resources}}).dump();
  ASSIGN_OR_RETURN(std::string gz, Gzip(manifest));
  return Json{{"apiVersion", "fleet.cattle.io/v1alpha1"},
              {"kind", "Content"},
              {"metadata", {{"name", ContentId(resources)}}},
              {"content", Base64Encode(gz)},
              {"sha256sum", Sha256Hex(manifest)}};
}

StatusOr<Json> ContentResources(const Json& content) {
  const std::string name = GetString(content, "metadata.name");
  auto fail = [&](const std::string& why) {
    return InvalidArgument(fmt::format("content \"{}\": {}", name, why));
  };
  auto gz = Base64Decode(GetString(content, "content"));
  if (!gz.ok()) return fail("content is not base64");
  auto manifest = Gunzip(*gz, kMaxContentManifestBytes);
  if (!manifest.ok()) return fail(manifest.status().message());
  if (Sha256Hex(*manifest) != GetString(content, "sha256sum"))
    return fail("content does not match its sha256sum");
  auto parsed = ParseJson(*manifest, "the content manifest");
  if (!parsed.ok() || !parsed->is_object()) return fail("content is not a JSON manifest");
  Json resources = parsed->value("resources", Json::array());
  if (!resources.is_array()) return fail("resources is not a list");
  if (ContentId(resources) != name) return fail("resources do not match the content's ID");
  return resources;
}

}  // namespace flotilla::model
