#include "cli/target.h"

#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "auth/kubeconfig.h"
#include "cli/api_client.h"
#include "core/base64.h"
#include "core/gzip.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/yaml.h"
#include "model/content.h"
#include "model/deployment.h"
#include "model/resource_type.h"
#include "render/bundles/bundles.h"
#include "store/store.h"
#include "target/bundle_controller.h"

namespace flotilla::cli {
namespace {

int Fail(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  return 1;
}

StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read {}", path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// GET `path` from the API, its body as JSON (a Kubernetes list).
StatusOr<Json> GetJson(const auth::Kubeconfig& config, const std::string& path) {
  auto reply = CallApi(config, "GET", path);
  if (!reply.ok()) return reply.status();
  std::string url = config.server + path;
  if (reply->code == 401)
    return Unavailable(
        fmt::format("GET {}: HTTP 401 Unauthorized (give --kubeconfig, e.g. "
                    "<data-dir>/admin.kubeconfig)",
                    url));
  if (reply->code != 200) return Unavailable(fmt::format("GET {}: HTTP {}", url, reply->code));
  Json j = Json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Unavailable(fmt::format("GET {}: not JSON", url));
  return j;
}

struct TargetFlags {
  std::string bundle_file;
  bool dump_input_list = false;
  std::string ns;
  std::string server;
  std::string kubeconfig;
};

// A Cluster or ClusterGroup as listed, reduced to what targeting reads (a fresh store refuses
// resourceVersions and uids it did not issue).
Json Reduced(const Json& o, const char* kind) {
  Json md = {{"name", o["metadata"].value("name", "")},
             {"namespace", o["metadata"].value("namespace", "")},
             {"labels", o["metadata"].value("labels", Json::object())}};
  Json out = {{"apiVersion", "fleet.cattle.io/v1alpha1"}, {"kind", kind}, {"metadata", md}};
  if (o.contains("spec")) out["spec"] = o["spec"];
  return out;
}

int RunTarget(TargetFlags& f) {
  if (f.bundle_file.empty()) return Fail("-b/--bundle-file is required (a Bundle's YAML)");
  auto text = ReadText(f.bundle_file);
  if (!text.ok()) return Fail(text.status().message());
  auto bundle = ParseYaml(*text, f.bundle_file);
  if (!bundle.ok()) return Fail(bundle.status().message());
  if (!bundle->is_object() || bundle->value("kind", "") != "Bundle" || !bundle->contains("spec"))
    return Fail(fmt::format("{}: failed to read bundle from file, bundle is empty", f.bundle_file));
  Json& b = *bundle;
  if (!f.ns.empty()) b["metadata"]["namespace"] = f.ns;
  if (b["metadata"].value("namespace", "").empty()) b["metadata"]["namespace"] = "fleet-local";
  if (b["metadata"].value("name", "").empty())
    return Fail(fmt::format("{}: metadata.name is required", f.bundle_file));
  const std::string ns = b["metadata"]["namespace"];
  const std::string name = b["metadata"]["name"];

  log::Init(log::Format::kText, log::Level::kError);
  auto store = store::OpenStore("sqlite://:memory:");
  if (!store.ok()) return Fail(store.status().message());
  auth::Kubeconfig config{f.server, "", ""};
  if (!f.kubeconfig.empty()) {
    auto read = auth::ReadKubeconfig(f.kubeconfig);
    if (!read.ok()) return Fail(read.status().message());
    config = *read;
  }
  std::vector<Json> clusters;
  for (const auto& [plural, kind, type] :
       {std::tuple{"clusters", "Cluster", &model::ClusterType()},
        std::tuple{"clustergroups", "ClusterGroup", &model::ClusterGroupType()}}) {
    auto list =
        GetJson(config, fmt::format("/apis/fleet.cattle.io/v1alpha1/namespaces/{}/{}", ns, plural));
    if (!list.ok()) return Fail(list.status().message());
    for (const Json& item : list->value("items", Json::array())) {
      auto c = (*store)->Create(*type, Reduced(item, kind));
      if (!c.ok())
        return Fail(fmt::format("{} {}: {}", kind, store::NameOf(item), c.status().message()));
      if (std::string(kind) == "Cluster") clusters.push_back(*c);
    }
  }

  const Json resources = b["spec"].value("resources", Json::array());
  auto content = model::ContentFor(resources);
  if (!content.ok()) return Fail(content.status().message());
  std::string out = "---\n" + ToYaml(*content);
  Json matched = Json::array();
  for (const Json& cluster : clusters) {
    auto targeted = target::ClusterOptions(**store, b, cluster);
    if (!targeted.ok()) return Fail(targeted.status().message());
    std::optional<Json> options = std::move(*targeted);
    if (!options) continue;
    const std::string cname = store::NameOf(cluster);
    matched.push_back(cluster);
    out += "---\n" + ToYaml(model::BundleDeploymentFor(b, cname, *options));
  }
  if (f.dump_input_list) std::cerr << ToYaml(matched);
  std::cout << out << std::flush;
  return std::cout ? 0 : Fail("writing to stdout failed");
}

struct DeployFlags {
  std::string input;
  bool dry_run = false;
  std::string ns;
  std::string kube_version;
  std::string agent_namespace;
};

int RunDeploy(DeployFlags& f) {
  if (f.input.empty()) return Fail("-i/--input-file is required (what `flotilla target` prints)");
  if (!f.dry_run)
    return Fail("only --dry-run is supported: agents deploy BundleDeployments themselves");
  auto text = ReadText(f.input);
  if (!text.ok()) return Fail(text.status().message());
  auto docs = ParseYamlStream(*text, f.input);
  if (!docs.ok()) return Fail(docs.status().message());
  Json content, bd;
  for (const Json& d : *docs) {
    if (!d.is_object()) continue;
    if (d.value("kind", "") == "Content") content = d;
    if (d.value("kind", "") == "BundleDeployment") bd = d;
  }
  if (content.is_null()) return Fail("failed to read content resource from file");
  if (bd.is_null()) return Fail("failed to read bundledeployment resource from file");
  auto raw = Base64Decode(content.value("content", ""));
  if (!raw.ok()) return Fail("Content.content: not base64");
  auto data = Gunzip(*raw, 256u << 20);
  if (!data.ok())
    return Fail(data.status().code() == StatusCode::kResourceExhausted
                    ? "Content.content: content is larger than the limit"
                    : "Content.content: content is not valid gzip");
  if (content.contains("sha256sum") && content["sha256sum"] != Sha256Hex(*data))
    return Fail("Content.content does not match its sha256sum");
  Json manifest = Json::parse(*data, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object())
    return Fail("Content.content: not a manifest (JSON with resources)");
  Json options = bd.contains("spec") ? bd["spec"].value("options", Json::object()) : Json::object();
  render::ManifestOptions mo = render::ManifestOptionsFrom(options);
  if (!f.ns.empty() && options.value("defaultNamespace", "").empty()) mo.default_namespace = f.ns;
  mo.release_name = bd["metadata"].value("name", "");
  auto objects = render::ParseManifests(manifest.value("resources", Json::array()), mo);
  if (!objects.ok()) return Fail(objects.status().message());
  const std::string out = ToYamlStream(*objects);
  std::cout << out << std::flush;
  return std::cout ? 0 : Fail("writing to stdout failed");
}

}  // namespace

std::function<int()> AddTargetCommand(CLI::App& app) {
  auto f = std::make_shared<TargetFlags>();
  const char* env = std::getenv("FLOTILLA_SERVER");
  f->server = env != nullptr && *env != 0 ? env : "http://127.0.0.1:8080";
  CLI::App* cmd = app.add_subcommand("target", "Print available targets for a bundle");
  cmd->add_option("-b,--bundle-file", f->bundle_file, "Location of the Bundle resource yaml");
  cmd->add_flag("-l,--dump-input-list", f->dump_input_list,
                "Dump the live resources, which impact targeting, like clusters, as YAML");
  cmd->add_option("-n,--namespace", f->ns,
                  "Override the namespace of the bundle. Targeting searches this namespace for "
                  "clusters.");
  cmd->add_option("--server", f->server, "flotilla API (env FLOTILLA_SERVER)")
      ->capture_default_str();
  cmd->add_option("--kubeconfig", f->kubeconfig,
                  "kubeconfig with the server, CA and token (e.g. <data-dir>/admin.kubeconfig); "
                  "overrides --server");
  return [f] { return RunTarget(*f); };
}

std::function<int()> AddDeployCommand(CLI::App& app) {
  auto f = std::make_shared<DeployFlags>();
  CLI::App* cmd = app.add_subcommand(
      "deploy", "Print the resources a bundledeployment/content file deploys (--dry-run)");
  cmd->add_option("-i,--input-file", f->input,
                  "Location of the YAML file containing the content and the bundledeployment "
                  "resource");
  cmd->add_flag("-d,--dry-run", f->dry_run,
                "Print the resources that would be deployed, but do not actually deploy them");
  cmd->add_option("-n,--namespace", f->ns, "Set the default namespace");
  cmd->add_option("--kube-version", f->kube_version, "Accepted for compatibility");
  cmd->add_option("-a,--agent-namespace", f->agent_namespace, "Accepted for compatibility");
  return [f] { return RunDeploy(*f); };
}

}  // namespace flotilla::cli
