#include "render/bundles/fleet_yaml.h"

#include <fmt/format.h>

#include "core/yaml.h"

namespace flotilla::render {
namespace {

enum class Kind {
  kString,
  kBool,
  kInt,
  kIntOrString,
  kStringMap,
  kStringList,
  kMap,      // any map (e.g. helm values)
  kAny,      // anything (fields Fleet accepts that flotilla only stores)
  kObject,   // a map with a known schema
  kObjects,  // a list of maps with a known schema
};

struct Field;
using Schema = std::vector<Field>;
struct Field {
  const char* name;
  Kind kind;
  const Schema* sub = nullptr;
};

const Schema kSelectorExpr = {
    {"key", Kind::kString}, {"operator", Kind::kString}, {"values", Kind::kStringList}};
const Schema kLabelSelector = {{"matchLabels", Kind::kStringMap},
                               {"matchExpressions", Kind::kObjects, &kSelectorExpr}};
const Schema kKeyRef = {
    {"name", Kind::kString}, {"namespace", Kind::kString}, {"key", Kind::kString}};
const Schema kValuesFrom = {{"configMapKeyRef", Kind::kObject, &kKeyRef},
                            {"secretKeyRef", Kind::kObject, &kKeyRef}};
const Schema kHelm = {
    {"chart", Kind::kString},
    {"repo", Kind::kString},
    {"releaseName", Kind::kString},
    {"version", Kind::kString},
    {"timeoutSeconds", Kind::kInt},
    {"values", Kind::kMap},
    {"valuesFrom", Kind::kObjects, &kValuesFrom},
    {"force", Kind::kBool},
    {"takeOwnership", Kind::kBool},
    {"maxHistory", Kind::kInt},
    {"valuesFiles", Kind::kStringList},
    {"waitForJobs", Kind::kBool},
    {"atomic", Kind::kBool},
    {"disablePreProcess", Kind::kBool},
    {"disableDNS", Kind::kBool},
    {"skipSchemaValidation", Kind::kBool},
    {"disableDependencyUpdate", Kind::kBool},
    {"templateValues", Kind::kStringMap},
};
const Schema kKustomize = {{"dir", Kind::kString}};
const Schema kYamlOptions = {{"overlays", Kind::kStringList}};
const Schema kOperation = {
    {"op", Kind::kString}, {"path", Kind::kString}, {"value", Kind::kString}};
const Schema kComparePatch = {{"kind", Kind::kString},
                              {"apiVersion", Kind::kString},
                              {"namespace", Kind::kString},
                              {"name", Kind::kString},
                              {"operations", Kind::kObjects, &kOperation},
                              {"jsonPointers", Kind::kStringList}};
const Schema kDiff = {{"comparePatches", Kind::kObjects, &kComparePatch}};
const Schema kCorrectDrift = {
    {"enabled", Kind::kBool}, {"force", Kind::kBool}, {"keepFailHistory", Kind::kBool}};
const Schema kIgnore = {{"conditions", Kind::kAny}};

#define FLOTILLA_OPTION_FIELDS                                                                \
  {"defaultNamespace", Kind::kString}, {"namespace", Kind::kString},                          \
      {"kustomize", Kind::kObject, &kKustomize}, {"helm", Kind::kObject, &kHelm},             \
      {"serviceAccount", Kind::kString}, {"forceSyncGeneration", Kind::kInt},                 \
      {"yaml", Kind::kObject, &kYamlOptions}, {"diff", Kind::kObject, &kDiff},                \
      {"keepResources", Kind::kBool}, {"ignore", Kind::kObject, &kIgnore},                    \
      {"correctDrift", Kind::kObject, &kCorrectDrift}, {"namespaceLabels", Kind::kStringMap}, \
      {"namespaceAnnotations", Kind::kStringMap}, {"deleteCRDResources", Kind::kBool},        \
      {"deleteNamespace", Kind::kBool}, {                                                     \
    "downstreamResources", Kind::kAny                                                         \
  }

const Schema kTarget = {
    FLOTILLA_OPTION_FIELDS,          {"name", Kind::kString},
    {"clusterName", Kind::kString},  {"clusterSelector", Kind::kObject, &kLabelSelector},
    {"clusterGroup", Kind::kString}, {"clusterGroupSelector", Kind::kObject, &kLabelSelector},
    {"doNotDeploy", Kind::kBool}};
const Schema kGitTarget = {{"name", Kind::kString},
                           {"clusterName", Kind::kString},
                           {"clusterSelector", Kind::kObject, &kLabelSelector},
                           {"clusterGroup", Kind::kString},
                           {"clusterGroupSelector", Kind::kObject, &kLabelSelector}};
const Schema kPartition = {
    {"name", Kind::kString},         {"maxUnavailable", Kind::kIntOrString},
    {"clusterName", Kind::kString},  {"clusterSelector", Kind::kObject, &kLabelSelector},
    {"clusterGroup", Kind::kString}, {"clusterGroupSelector", Kind::kObject, &kLabelSelector}};
const Schema kRollout = {{"maxUnavailable", Kind::kIntOrString},
                         {"maxUnavailablePartitions", Kind::kIntOrString},
                         {"autoPartitionSize", Kind::kIntOrString},
                         {"partitions", Kind::kObjects, &kPartition}};
const Schema kBundleRef = {{"name", Kind::kString},
                           {"selector", Kind::kObject, &kLabelSelector},
                           {"acceptedStates", Kind::kStringList}};
const Schema kFleetYaml = {FLOTILLA_OPTION_FIELDS,
                           {"name", Kind::kString},
                           {"labels", Kind::kStringMap},
                           {"paused", Kind::kBool},
                           {"rolloutStrategy", Kind::kObject, &kRollout},
                           {"targets", Kind::kObjects, &kTarget},
                           {"targetCustomizations", Kind::kObjects, &kTarget},
                           {"targetCustomizationMode", Kind::kString},
                           {"dependsOn", Kind::kObjects, &kBundleRef},
                           {"imageScans", Kind::kAny},
                           {"overrideTargets", Kind::kObjects, &kGitTarget}};

// The line of the first `key:` (or `- key:`) at or after `from`, 1-based; 0 if not found.
int FindKeyLine(std::string_view text, const std::string& key, int from) {
  int line = 1;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    if (line >= from) {
      std::string_view l = text.substr(pos, eol - pos);
      size_t i = l.find_first_not_of(" \t");
      if (i != std::string_view::npos && l.substr(i, 2) == "- ")
        i = l.find_first_not_of(" \t", i + 2);
      if (i != std::string_view::npos) {
        std::string_view rest = l.substr(i);
        const std::string quoted = "\"" + key + "\"";
        for (std::string_view k : {std::string_view(key), std::string_view(quoted)}) {
          if (rest.substr(0, k.size()) == k) {
            std::string_view after = rest.substr(k.size());
            size_t j = after.find_first_not_of(" \t");
            if (j != std::string_view::npos && after[j] == ':') return line;
          }
        }
      }
    }
    pos = eol + 1;
    line++;
  }
  return 0;
}

const char* TypeName(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "list";
  return "map";
}

class Validator {
 public:
  Validator(std::string_view text, const std::string& filename) : text_(text), file_(filename) {}

  Status Check(const Json& obj, const Schema& schema, const std::string& path, int line) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      const std::string& key = it.key();
      std::string fpath = path.empty() ? key : path + "." + key;
      int kline = FindKeyLine(text_, key, line);
      const Field* field = nullptr;
      for (const Field& f : schema)
        if (key == f.name) field = &f;
      if (field == nullptr) return Error(kline, fpath, "unknown field");
      RETURN_IF_ERROR(CheckValue(it.value(), *field, fpath, kline));
    }
    return Status::Ok();
  }

 private:
  Status Error(int line, const std::string& path, const std::string& what) {
    std::string where = line > 0 ? fmt::format("{}:{}", file_, line) : file_;
    return InvalidArgument(fmt::format("{}: {}: {}", where, path, what));
  }
  Status Expect(bool ok, const Json& v, const char* want, int line, const std::string& path) {
    if (ok || v.is_null()) return Status::Ok();  // null = unset, as in Go
    return Error(line, path, fmt::format("expected {}, got {}", want, TypeName(v)));
  }

  Status CheckValue(const Json& v, const Field& f, const std::string& path, int line) {
    switch (f.kind) {
      case Kind::kString:
        return Expect(v.is_string(), v, "a string", line, path);
      case Kind::kBool:
        return Expect(v.is_boolean(), v, "a boolean", line, path);
      case Kind::kInt:
        return Expect(v.is_number_integer(), v, "an integer", line, path);
      case Kind::kIntOrString:
        return Expect(v.is_number_integer() || v.is_string(), v, "an integer or a string", line,
                      path);
      case Kind::kMap:
        return Expect(v.is_object(), v, "a map", line, path);
      case Kind::kAny:
        return Status::Ok();
      case Kind::kStringMap:
        RETURN_IF_ERROR(Expect(v.is_object(), v, "a map of strings", line, path));
        if (v.is_object())
          for (auto it = v.begin(); it != v.end(); ++it)
            RETURN_IF_ERROR(Expect(it->is_string(), *it, "a string",
                                   FindKeyLine(text_, it.key(), line), path + "." + it.key()));
        return Status::Ok();
      case Kind::kStringList:
        RETURN_IF_ERROR(Expect(v.is_array(), v, "a list of strings", line, path));
        if (v.is_array())
          for (size_t i = 0; i < v.size(); i++)
            RETURN_IF_ERROR(
                Expect(v[i].is_string(), v[i], "a string", line, fmt::format("{}[{}]", path, i)));
        return Status::Ok();
      case Kind::kObject:
        RETURN_IF_ERROR(Expect(v.is_object(), v, "a map", line, path));
        if (v.is_object()) return Check(v, *f.sub, path, line);
        return Status::Ok();
      case Kind::kObjects:
        RETURN_IF_ERROR(Expect(v.is_array(), v, "a list", line, path));
        if (!v.is_array()) return Status::Ok();
        for (size_t i = 0; i < v.size(); i++) {
          std::string ipath = fmt::format("{}[{}]", path, i);
          RETURN_IF_ERROR(Expect(v[i].is_object(), v[i], "a map", line, ipath));
          if (v[i].is_object()) RETURN_IF_ERROR(Check(v[i], *f.sub, ipath, line));
        }
        return Status::Ok();
    }
    return Status::Ok();
  }

  std::string_view text_;
  std::string file_;
};

}  // namespace

StatusOr<Json> ParseFleetYaml(std::string_view text, const std::string& filename) {
  ASSIGN_OR_RETURN(Json doc, ParseYaml(text, filename));
  if (doc.is_null()) return Json::object();
  if (!doc.is_object())
    return InvalidArgument(fmt::format("{}: expected a map, got {}", filename, TypeName(doc)));
  Validator v(text, filename);
  RETURN_IF_ERROR(v.Check(doc, kFleetYaml, "", 1));
  if (doc.contains("targetCustomizationMode") && doc["targetCustomizationMode"].is_string()) {
    std::string m = doc["targetCustomizationMode"];
    if (m != "FirstMatch" && m != "AllMatches")
      return InvalidArgument(fmt::format(
          "{}:{}: targetCustomizationMode: must be FirstMatch or AllMatches, got \"{}\"", filename,
          FindKeyLine(text, "targetCustomizationMode", 1), m));
  }
  if (doc.contains("dependsOn") && doc["dependsOn"].is_array()) {
    // As Fleet's validateBundleRef (internal/bundlereader/validate_fleetyaml.go).
    for (size_t i = 0; i < doc["dependsOn"].size(); i++) {
      const Json& d = doc["dependsOn"][i];
      if (!d.contains("name") && !d.contains("selector"))
        return InvalidArgument(fmt::format(
            "{}: dependsOn[{}]: must specify either 'name' or 'selector'", filename, i));
    }
  }
  return doc;
}

}  // namespace flotilla::render
