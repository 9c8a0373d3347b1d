#include "render/kustomize/helm_charts.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "core/yaml.h"
#include "render/helm/chart.h"
#include "render/kustomize/kyaml.h"

namespace flotilla::kustomize {

StatusOr<std::vector<Json>> InflateHelmCharts(const Json& k, const std::string& dir,
                                              const std::string& where, const Tree& tree,
                                              const ReadFn& read, size_t max_nodes) {
  std::vector<Json> out;
  const Json& charts = k["helmCharts"];
  if (!charts.is_array()) return InvalidArgument(where + ": helmCharts must be a list");
  std::string home = "charts";
  if (k.contains("helmGlobals") && k["helmGlobals"].is_object())
    home = k["helmGlobals"].value("chartHome", home);
  static const std::set<std::string> kFields = {"name",
                                                "version",
                                                "repo",
                                                "releaseName",
                                                "namespace",
                                                "valuesFile",
                                                "valuesInline",
                                                "valuesMerge",
                                                "includeCRDs",
                                                "skipHooks",
                                                "kubeVersion",
                                                "apiVersions",
                                                "additionalValuesFiles",
                                                "skipTests",
                                                "nameTemplate"};
  for (size_t i = 0; i < charts.size(); i++) {
    std::string at = fmt::format("{}: helmCharts[{}]", where, i);
    const Json& c = charts[i];
    if (!c.is_object()) return InvalidArgument(at + ": expected a map");
    for (auto it = c.begin(); it != c.end(); ++it)
      if (!kFields.count(it.key()))
        return InvalidArgument(fmt::format("{}: unknown field \"{}\"", at, it.key()));
    std::string name = c.value("name", "");
    if (name.empty()) return InvalidArgument(at + ": name is required");
    if (!c.value("repo", "").empty())
      return InvalidArgument(at +
                             ": charts from a repository (repo) are not supported; vendor "
                             "the chart under " +
                             home + "/" + name);
    std::string chart_dir = (dir.empty() ? "" : dir + "/") + home + "/" + name;
    auto entries = tree.Walk(chart_dir);
    if (!entries.ok())
      return NotFound(fmt::format("{}: chart directory \"{}\" not found", at, chart_dir));
    std::map<std::string, std::string> files;
    for (const auto& e : *entries) {
      if (e.is_dir) continue;
      ASSIGN_OR_RETURN(std::string text, read(e.path));
      files[e.path.substr(chart_dir.size() + 1)] = std::move(text);
    }
    auto chart = helm::LoadChartFiles(files);
    if (!chart.ok()) return chart.status().WithContext(at);
    helm::Value values;
    std::vector<std::string> value_files;
    if (!c.value("valuesFile", "").empty()) value_files.push_back(c["valuesFile"]);
    if (c.contains("additionalValuesFiles") && c["additionalValuesFiles"].is_array())
      for (const Json& f : c["additionalValuesFiles"])
        if (f.is_string()) value_files.push_back(f);
    for (const std::string& f : value_files) {
      std::string p = (dir.empty() ? "" : dir + "/") + f;
      ASSIGN_OR_RETURN(std::string text, read(p));
      auto v = helm::ParseValuesFile(text, p);
      if (!v.ok()) return v.status().WithContext(at);
      values = helm::MergeValues(values, *v);
    }
    if (c.contains("valuesInline") && c["valuesInline"].is_object()) {
      auto v = helm::ParseValuesFile(flotilla::ToYaml(c["valuesInline"]), at + ".valuesInline");
      if (!v.ok()) return v.status();
      std::string merge = c.value("valuesMerge", "override");
      values = merge == "replace" ? *v : helm::MergeValues(values, *v);
    }
    helm::ReleaseOptions ro;
    ro.name = c.value("releaseName", "");
    if (ro.name.empty()) ro.name = "release-name";
    if (!c.value("namespace", "").empty()) ro.namespace_ = c["namespace"];
    ro.include_crds = c.value("includeCRDs", false);
    ro.skip_hooks = c.value("skipHooks", false);
    if (!c.value("kubeVersion", "").empty()) ro.kube_version = c["kubeVersion"];
    if (c.contains("apiVersions") && c["apiVersions"].is_array())
      for (const Json& v : c["apiVersions"])
        if (v.is_string()) ro.api_versions.push_back(v);
    auto rendered = helm::RenderChart(*chart, values, ro);
    if (!rendered.ok()) return rendered.status().WithContext(at);
    for (const auto& m : *rendered) {
      if (m.hook && ro.skip_hooks) continue;
      ASSIGN_OR_RETURN(auto docs, ParseKYamlStream(m.content, m.source, max_nodes));
      for (Json& d : docs)
        if (d.is_object()) out.push_back(std::move(d));
    }
  }
  return out;
}

}  // namespace flotilla::kustomize
