// Helm charts: loading (a directory or a .tgz), values (files, --set, coalescing with chart
// defaults and subcharts, null deleting a key, globals, dependency conditions/tags/aliases) and
// rendering in `helm template`'s order with its "# Source:" headers.
//
//   ASSIGN_OR_RETURN(Chart chart, LoadChart("path/to/chart"));
//   ASSIGN_OR_RETURN(auto manifests, RenderChart(chart, user_values, {.name = "rel"}));
//   std::string out = FormatHelmTemplate(manifests);
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "render/gotemplate/value.h"

namespace flotilla::helm {

using gotemplate::Value;

struct Chart {
  Json metadata;  // Chart.yaml as JSON
  Value values;   // values.yaml (numbers are float64, as Helm reads them)
  std::vector<std::pair<std::string, std::string>> templates;  // "templates/x.yaml" -> text
  std::map<std::string, std::string> files;                    // other files, for .Files
  std::vector<std::pair<std::string, std::string>> crds;       // "crds/x.yaml" -> text
  std::vector<Chart> dependencies;                             // charts/ (dirs and .tgz)
  std::string schema;                                          // values.schema.json, if any

  std::string Name() const { return Field("name"); }
  bool IsLibrary() const { return Field("type") == "library"; }
  // A string field of Chart.yaml; "" when absent or not a string.
  std::string Field(const char* key) const {
    auto it = metadata.find(key);
    return it != metadata.end() && it->is_string() ? it->get<std::string>() : "";
  }
};

// Loads a chart directory or a .tgz archive. Paths inside are validated (no "..", no absolute
// paths); sizes are bounded.
StatusOr<Chart> LoadChart(const std::string& path);
// The files of a chart archive (.tgz bytes), paths relative to its top directory (stripped);
// `top_dir`, when given, receives that directory's name. Unsafe paths and oversize archives
// are errors.
StatusOr<std::map<std::string, std::string>> ReadChartArchive(const std::string& tgz,
                                                              std::string* top_dir = nullptr);
// Loads a chart from in-memory files (relative paths, "Chart.yaml" at the root).
StatusOr<Chart> LoadChartFiles(const std::map<std::string, std::string>& files);

struct ReleaseOptions {
  std::string name = "release-name";
  std::string namespace_ = "default";
  int revision = 1;
  bool is_install = true;
  bool is_upgrade = false;
  std::string kube_version = "v1.20.0";
  std::vector<std::string> api_versions;  // empty = Helm's defaults
  bool include_crds = false;
  bool skip_hooks = false;
  bool strict = false;
  bool skip_schema_validation = false;  // helm --skip-schema-validation
};

struct RenderedManifest {
  std::string source;   // "mychart/templates/deploy.yaml"
  std::string content;  // one YAML document, trimmed
  std::string kind;
  bool hook = false;
};

// User values: -f files merged in order, then --set / --set-string expressions.
StatusOr<Value> ParseValuesFile(const std::string& yaml, const std::string& filename);
Value MergeValues(const Value& base, const Value& override);
Status ApplySet(const std::string& expr, bool as_string, Value* values);

// chartutil.CoalesceValues + ProcessDependencies: the final .Values of the top chart.
StatusOr<Value> CoalesceValues(Chart* chart, const Value& user_values);

// Renders every template of the chart and its enabled subcharts; returns manifests in
// `helm template` order (CRDs when asked, then resources by install order, then hooks).
StatusOr<std::vector<RenderedManifest>> RenderChart(const Chart& chart, const Value& user_values,
                                                    const ReleaseOptions& options);

// "---\n# Source: <source>\n<content>\n" for each manifest, as `helm template` prints.
std::string FormatHelmTemplate(const std::vector<RenderedManifest>& manifests);

// `flotilla helm template [NAME] CHART [-f values.yaml]... [--set k=v]... [--set-string k=v]...
// [-n NS] [--include-crds] [--no-hooks] [--kube-version V] [--api-versions V]...`: writes the
// manifests to stdout, errors to stderr; returns the process exit code.
int RunHelmTemplate(int argc, char** argv);

}  // namespace flotilla::helm
