// Chart rendering as helm/pkg/engine + pkg/action (renderResources) + pkg/releaseutil do it.
#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include "core/yaml.h"
#include "render/gotemplate/helm_objects.h"
#include "render/gotemplate/render_request.h"
#include "render/gotemplate/template.h"
#include "render/helm/chart.h"
#include "render/helm/schema.h"

namespace flotilla::helm {

using gotemplate::GoType;
using gotemplate::Map;

namespace {

struct Renderable {
  std::string text;
  Value data;  // the template's top-level data without .Template
  std::string base_path;
};

std::string JoinPath(const std::string& a, const std::string& b) {
  return a.empty() ? b : a + "/" + b;
}

std::string BaseName(const std::string& p) {
  size_t i = p.rfind('/');
  return i == std::string::npos ? p : p.substr(i + 1);
}

Value RecAllTemplates(const Chart& c, const std::string& parent_path, bool is_root,
                      const Value& parent_values, const Value& release, const Value& caps,
                      std::map<std::string, Renderable>* out) {
  Map subcharts;
  Value values = Value::NewMap({}, GoType::kValues);
  if (is_root) {
    values = parent_values;
  } else if (parent_values.is_map()) {
    auto it = parent_values.map().find(c.Name());
    if (it != parent_values.map().end() && it->second.is_map())
      values = it->second.WithType(GoType::kValues);
  }
  std::string full = is_root ? c.Name() : parent_path + "/charts/" + c.Name();
  Map next = {{"Chart", gotemplate::MakeChartMetadata(c.metadata)},
              {"Files", gotemplate::MakeFiles(c.files)},
              {"Release", release},
              {"Capabilities", caps},
              {"Values", values}};
  for (const Chart& child : c.dependencies) {
    subcharts[child.Name()] = RecAllTemplates(child, full, false, values, release, caps, out);
  }
  next["Subcharts"] = Value::NewMap(std::move(subcharts));
  Value data = Value::NewMap(std::move(next), GoType::kValues);
  for (const auto& [name, text] : c.templates) {
    if (c.IsLibrary() && BaseName(name).rfind('_', 0) != 0) continue;
    (*out)[JoinPath(full, name)] = Renderable{text, data, full + "/templates"};
  }
  return data;
}

const std::vector<std::string>& InstallOrder() {
  static const std::vector<std::string> kOrder = {"PriorityClass",
                                                  "Namespace",
                                                  "NetworkPolicy",
                                                  "ResourceQuota",
                                                  "LimitRange",
                                                  "PodSecurityPolicy",
                                                  "PodDisruptionBudget",
                                                  "ServiceAccount",
                                                  "Secret",
                                                  "SecretList",
                                                  "ConfigMap",
                                                  "StorageClass",
                                                  "PersistentVolume",
                                                  "PersistentVolumeClaim",
                                                  "CustomResourceDefinition",
                                                  "ClusterRole",
                                                  "ClusterRoleList",
                                                  "ClusterRoleBinding",
                                                  "ClusterRoleBindingList",
                                                  "Role",
                                                  "RoleList",
                                                  "RoleBinding",
                                                  "RoleBindingList",
                                                  "Service",
                                                  "DaemonSet",
                                                  "Pod",
                                                  "ReplicationController",
                                                  "ReplicaSet",
                                                  "Deployment",
                                                  "HorizontalPodAutoscaler",
                                                  "StatefulSet",
                                                  "Job",
                                                  "CronJob",
                                                  "IngressClass",
                                                  "Ingress",
                                                  "APIService"};
  return kOrder;
}

bool LessByKind(const std::string& a, const std::string& b) {
  const auto& o = InstallOrder();
  auto ia = std::find(o.begin(), o.end(), a), ib = std::find(o.begin(), o.end(), b);
  bool aok = ia != o.end(), bok = ib != o.end();
  if (!aok && !bok) return a != b && a < b;
  if (!aok) return false;
  if (!bok) return true;
  return ia < ib;
}

std::string TrimSpace(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n\v\f");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n\v\f");
  return s.substr(b, e - b + 1);
}

// releaseutil.SplitManifests, in document order.
std::vector<std::string> SplitManifests(const std::string& big) {
  static const std::regex kSep(R"((?:^|\s*\n)---\s*)");
  std::string s = TrimSpace(big);
  std::vector<std::string> out;
  std::sregex_token_iterator it(s.begin(), s.end(), kSep, -1), end;
  for (; it != end; ++it) {
    std::string d = *it;
    if (d.empty()) continue;
    out.push_back(TrimSpace(d));
  }
  return out;
}

}  // namespace

StatusOr<std::vector<RenderedManifest>> RenderChart(const Chart& input, const Value& user_values,
                                                    const ReleaseOptions& opts) {
  Chart chart = input;
  ASSIGN_OR_RETURN(Value values, CoalesceValues(&chart, user_values));
  if (!opts.skip_schema_validation) RETURN_IF_ERROR(ValidateChartValues(chart, values));
  Value release = Value::NewMap({{"Name", Value::String(opts.name)},
                                 {"Namespace", Value::String(opts.namespace_)},
                                 {"Revision", Value::Int(opts.revision)},
                                 {"IsInstall", Value::Bool(opts.is_install)},
                                 {"IsUpgrade", Value::Bool(opts.is_upgrade)},
                                 {"Service", Value::String("Helm")}});
  gotemplate::CapabilitiesInfo ci;
  ci.kube_version = opts.kube_version;
  ci.api_versions =
      opts.api_versions.empty() ? gotemplate::DefaultAPIVersions() : opts.api_versions;
  Value caps = gotemplate::MakeCapabilities(ci);
  std::map<std::string, Renderable> tpls;
  RecAllTemplates(chart, "", true, values, release, caps, &tpls);

  std::vector<std::string> names;
  for (const auto& [n, r] : tpls) names.push_back(n);
  names = gotemplate::HelmTemplateOrder(names);
  gotemplate::TemplateSet set;
  for (const auto& n : names) {
    Status st = set.Parse(n, tpls[n].text);
    if (!st.ok()) return InvalidArgument(gotemplate::HelmParseError(n, st.message()));
  }
  gotemplate::ExecOptions eo;
  eo.strict = opts.strict;
  std::map<std::string, std::string> rendered;
  for (const auto& n : names) {
    // Partials are parsed but not rendered on their own.
    if (BaseName(n).rfind('_', 0) == 0) continue;
    Map data = tpls[n].data.map();
    data["Template"] =
        Value::NewMap({{"Name", Value::String(n)}, {"BasePath", Value::String(tpls[n].base_path)}},
                      GoType::kValues);
    auto out = set.Execute(n, Value::NewMap(std::move(data), GoType::kValues), eo);
    if (!out.ok())
      return Status(out.status().code(), gotemplate::HelmExecError(n, out.status().message()));
    rendered[n] = std::move(*out);
  }

  std::vector<RenderedManifest> generic, hooks;
  for (const auto& [path, content] : rendered) {  // sorted by path, as sort.Strings
    if (path.size() >= 9 && path.compare(path.size() - 9, 9, "NOTES.txt") == 0) continue;
    if (TrimSpace(content).empty()) continue;
    for (const std::string& doc : SplitManifests(content)) {
      auto head = ParseYaml(doc, path);
      if (!head.ok())
        return InvalidArgument(
            fmt::format("YAML parse error on {}: {}", path, head.status().message()));
      RenderedManifest m{path, doc, "", false};
      if (head->is_object()) {
        m.kind = head->value("kind", Json("")).is_string() ? head->value("kind", "") : "";
        const Json* ann = nullptr;
        if (head->contains("metadata") && (*head)["metadata"].is_object() &&
            (*head)["metadata"].contains("annotations") &&
            (*head)["metadata"]["annotations"].is_object())
          ann = &(*head)["metadata"]["annotations"];
        m.hook = ann != nullptr && ann->contains("helm.sh/hook");
      }
      (m.hook ? hooks : generic).push_back(std::move(m));
    }
  }
  auto by_kind = [](const RenderedManifest& a, const RenderedManifest& b) {
    return LessByKind(a.kind, b.kind);
  };
  std::stable_sort(generic.begin(), generic.end(), by_kind);
  std::stable_sort(hooks.begin(), hooks.end(), by_kind);

  std::vector<RenderedManifest> result;
  if (opts.include_crds) {
    std::function<void(const Chart&, const std::string&)> add_crds = [&](const Chart& c,
                                                                         const std::string& p) {
      for (const auto& [name, text] : c.crds)
        result.push_back({JoinPath(p, name), text, "CustomResourceDefinition", false});
      for (const Chart& d : c.dependencies) add_crds(d, p + "/charts/" + d.Name());
    };
    add_crds(chart, chart.Name());
  }
  for (auto& m : generic) result.push_back(std::move(m));
  if (!opts.skip_hooks)
    for (auto& m : hooks) result.push_back(std::move(m));
  return result;
}

std::string FormatHelmTemplate(const std::vector<RenderedManifest>& manifests) {
  std::string out;
  for (const auto& m : manifests) out += "---\n# Source: " + m.source + "\n" + m.content + "\n";
  return out;
}

}  // namespace flotilla::helm
