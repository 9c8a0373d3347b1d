// Helm's built-in objects as templates see them: .Chart (*chart.Metadata), .Capabilities
// (*chartutil.Capabilities), .Files (engine.files), .Release and .Template, with Helm's Go type
// names, fields and methods.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/json.h"
#include "render/gotemplate/value.h"

namespace flotilla::gotemplate {

// A Go struct pointer: named fields (in declaration order), methods, and its JSON form.
class StructObject : public Object {
 public:
  StructObject(std::string type_name, std::vector<std::pair<std::string, Value>> fields, Json json,
               std::string kind = "ptr")
      : type_name_(std::move(type_name)),
        fields_(std::move(fields)),
        json_(std::move(json)),
        kind_(std::move(kind)) {}
  std::string TypeName() const override { return type_name_; }
  bool Field(std::string_view name, Value* out) const override;
  const Method* FindMethod(std::string_view name) const override;
  Json ToJson() const override { return json_; }
  std::string Format() const override;
  std::string KindName() const override { return kind_; }
  void AddMethod(std::string name, Method m) { methods_[std::move(name)] = std::move(m); }
  // fmt's %v of the struct; `stringer` replaces it (types with a String() method).
  void SetStringer(std::string s) { stringer_ = std::move(s); }

 private:
  std::string type_name_;
  std::vector<std::pair<std::string, Value>> fields_;
  std::map<std::string, Method, std::less<>> methods_;
  Json json_;
  std::string kind_;
  std::optional<std::string> stringer_;
};

// .Chart from Chart.yaml fields (JSON names as in Chart.yaml).
Value MakeChartMetadata(const Json& chart_yaml);

struct CapabilitiesInfo {
  std::string kube_version = "v1.20.0";  // "v1.28.3"; major/minor derived
  std::string kube_major, kube_minor;    // optional overrides
  std::vector<std::string> api_versions;
  std::string helm_version = "v3.14.4";
  std::string helm_git_commit;
  std::string helm_git_tree_state = "clean";
  std::string helm_go_version = "go1.19.8";
};
Value MakeCapabilities(const CapabilitiesInfo& caps);
// Helm's default API versions list for `helm template` without a cluster (as the oracle uses).
std::vector<std::string> DefaultAPIVersions();

// .Files over path -> contents.
Value MakeFiles(std::map<std::string, std::string> files);

// gobwas/glob matching with '/' as separator (*, **, ?, [...], {a,b}).
bool GlobMatch(const std::string& pattern, const std::string& name);

}  // namespace flotilla::gotemplate
