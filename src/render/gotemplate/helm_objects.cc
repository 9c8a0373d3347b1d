#include "render/gotemplate/helm_objects.h"

#include <optional>

#include "render/gotemplate/gofmt.h"
#include "render/gotemplate/goyaml.h"
#include "render/gotemplate/strutil.h"

namespace flotilla::gotemplate {

bool StructObject::Field(std::string_view name, Value* out) const {
  for (const auto& [n, v] : fields_) {
    if (n == name) {
      *out = v;
      return true;
    }
  }
  return false;
}

const Object::Method* StructObject::FindMethod(std::string_view name) const {
  auto it = methods_.find(name);
  return it == methods_.end() ? nullptr : &it->second;
}

std::string StructObject::Format() const {
  if (stringer_) return *stringer_;
  std::string out = kind_ == "ptr" ? "&{" : "{";
  for (size_t i = 0; i < fields_.size(); i++) {
    if (i > 0) out += " ";
    const Value& v = fields_[i].second;
    if (v.is_object()) {
      out += v.object().Format();
    } else if (v.is_map() && v.map().empty()) {
      out += "map[]";
    } else {
      out += FormatV(v);
    }
  }
  return out + "}";
}

namespace {

Value Str(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return Value::String("");
  return Value::String(it->get<std::string>());
}

Value StrList(const Json& j, const char* key) {
  List l;
  auto it = j.find(key);
  if (it != j.end() && it->is_array())
    for (const auto& e : *it)
      if (e.is_string()) l.push_back(Value::String(e.get<std::string>()));
  return Value::NewList(std::move(l), GoType::kStringList);
}

Value ObjList(const Json& j, const char* key, const char* type_name,
              const std::vector<std::string>& fields) {
  List l;
  auto it = j.find(key);
  if (it != j.end() && it->is_array()) {
    for (const auto& e : *it) {
      std::vector<std::pair<std::string, Value>> fs;
      Json json = Json::object();
      for (const auto& f : fields) {
        std::string json_name = f;
        json_name[0] = static_cast<char>(tolower(json_name[0]));
        if (f == "URL") json_name = "url";
        auto v = e.find(json_name);
        if (v != e.end() && v->is_string()) {
          fs.emplace_back(f, Value::String(v->get<std::string>()));
          if (!v->get<std::string>().empty()) json[json_name] = *v;
        } else if (v != e.end() && v->is_boolean()) {
          fs.emplace_back(f, Value::Bool(v->get<bool>()));
          if (v->get<bool>()) json[json_name] = *v;
        } else if (v != e.end() && v->is_array()) {
          fs.emplace_back(f, StrList(e, json_name.c_str()));
          if (!v->empty()) json[json_name] = *v;
        } else {
          fs.emplace_back(f, Value::String(""));
        }
      }
      l.push_back(Value::FromObject(
          std::make_shared<StructObject>(type_name, std::move(fs), std::move(json))));
    }
  }
  return Value::NewList(std::move(l), GoType::kList);
}

}  // namespace

Value MakeChartMetadata(const Json& c) {
  Json json = Json::object();
  for (const char* k : {"name", "home", "version", "description", "icon", "apiVersion", "condition",
                        "tags", "appVersion", "kubeVersion", "type"}) {
    auto it = c.find(k);
    if (it != c.end() && it->is_string() && !it->get<std::string>().empty()) json[k] = *it;
  }
  for (const char* k : {"sources", "keywords", "maintainers", "dependencies"}) {
    auto it = c.find(k);
    if (it != c.end() && it->is_array() && !it->empty()) json[k] = *it;
  }
  if (c.contains("annotations") && c["annotations"].is_object() && !c["annotations"].empty())
    json["annotations"] = c["annotations"];
  if (c.contains("deprecated") && c["deprecated"].is_boolean() && c["deprecated"].get<bool>())
    json["deprecated"] = true;
  Map ann;
  if (c.contains("annotations") && c["annotations"].is_object())
    for (auto& [k, v] : c["annotations"].items())
      ann[k] = Value::String(v.is_string() ? v.get<std::string>() : v.dump());
  std::vector<std::pair<std::string, Value>> fields = {
      {"Name", Str(c, "name")},
      {"Home", Str(c, "home")},
      {"Sources", StrList(c, "sources")},
      {"Version", Str(c, "version")},
      {"Description", Str(c, "description")},
      {"Keywords", StrList(c, "keywords")},
      {"Maintainers", ObjList(c, "maintainers", "*chart.Maintainer", {"Name", "Email", "URL"})},
      {"Icon", Str(c, "icon")},
      {"APIVersion", Str(c, "apiVersion")},
      {"Condition", Str(c, "condition")},
      {"Tags", Str(c, "tags")},
      {"AppVersion", Str(c, "appVersion")},
      {"Deprecated", Value::Bool(c.value("deprecated", false))},
      {"Annotations", Value::NewMap(std::move(ann), GoType::kStringMap)},
      {"KubeVersion", Str(c, "kubeVersion")},
      {"Dependencies", ObjList(c, "dependencies", "*chart.Dependency",
                               {"Name", "Version", "Repository", "Condition", "Tags", "Enabled",
                                "ImportValues", "Alias"})},
      {"Type", Str(c, "type")},
  };
  return Value::FromObject(
      std::make_shared<StructObject>("*chart.Metadata", std::move(fields), std::move(json)));
}

std::vector<std::string> DefaultAPIVersions() {
  return {"v1",
          "admissionregistration.k8s.io/v1",
          "apiextensions.k8s.io/v1",
          "apps/v1",
          "authentication.k8s.io/v1",
          "authorization.k8s.io/v1",
          "autoscaling/v1",
          "autoscaling/v2",
          "batch/v1",
          "certificates.k8s.io/v1",
          "coordination.k8s.io/v1",
          "discovery.k8s.io/v1",
          "events.k8s.io/v1",
          "networking.k8s.io/v1",
          "node.k8s.io/v1",
          "policy/v1",
          "rbac.authorization.k8s.io/v1",
          "scheduling.k8s.io/v1",
          "storage.k8s.io/v1"};
}

Value MakeCapabilities(const CapabilitiesInfo& caps) {
  std::string v = caps.kube_version;
  if (!v.empty() && v[0] == 'v') v = v.substr(1);
  std::vector<std::string> parts;
  size_t i = 0;
  while (parts.size() < 2) {
    size_t j = v.find('.', i);
    if (j == std::string::npos) {
      parts.push_back(v.substr(i));
      break;
    }
    parts.push_back(v.substr(i, j - i));
    i = j + 1;
  }
  std::string version = "v" + v;
  int dots = 0;
  for (char c : v) dots += c == '.';
  if (dots == 0) version = "v" + v + ".0.0";
  if (dots == 1) version = "v" + v + ".0";
  std::string major = caps.kube_major.empty() ? (parts.empty() ? "" : parts[0]) : caps.kube_major;
  std::string minor =
      caps.kube_minor.empty() ? (parts.size() > 1 ? parts[1] : "0") : caps.kube_minor;
  Json kv_json = {{"Version", version}, {"Major", major}, {"Minor", minor}};
  auto kv = std::make_shared<StructObject>(
      "chartutil.KubeVersion",
      std::vector<std::pair<std::string, Value>>{{"Version", Value::String(version)},
                                                 {"Major", Value::String(major)},
                                                 {"Minor", Value::String(minor)}},
      kv_json, "struct");
  kv->SetStringer(version);  // String() has a pointer receiver; fmt finds it on the field
  kv->AddMethod("String", {{}, [version](const std::vector<Value>&) -> StatusOr<Value> {
                             return Value::String(version);
                           }});
  kv->AddMethod("GitVersion", {{}, [version](const std::vector<Value>&) -> StatusOr<Value> {
                                 return Value::String(version);
                               }});
  List apis;
  Json apis_json = Json::array();
  for (const auto& a : caps.api_versions) {
    apis.push_back(Value::String(a));
    apis_json.push_back(a);
  }
  std::string apis_fmt = FormatV(Value::NewList(apis, GoType::kStringList));
  auto api_set = std::make_shared<StructObject>(
      "chartutil.VersionSet", std::vector<std::pair<std::string, Value>>{}, apis_json, "slice");
  api_set->SetStringer(apis_fmt);
  std::vector<std::string> api_copy = caps.api_versions;
  api_set->AddMethod(
      "Has", {{GoType::kString}, [api_copy](const std::vector<Value>& a) -> StatusOr<Value> {
                for (const auto& s : api_copy)
                  if (s == a[0].str()) return Value::Bool(true);
                return Value::Bool(false);
              }});
  Json hv_json = Json::object();
  if (!caps.helm_version.empty()) hv_json["version"] = caps.helm_version;
  if (!caps.helm_git_commit.empty()) hv_json["git_commit"] = caps.helm_git_commit;
  if (!caps.helm_git_tree_state.empty()) hv_json["git_tree_state"] = caps.helm_git_tree_state;
  if (!caps.helm_go_version.empty()) hv_json["go_version"] = caps.helm_go_version;
  auto hv =
      std::make_shared<StructObject>("version.BuildInfo",
                                     std::vector<std::pair<std::string, Value>>{
                                         {"Version", Value::String(caps.helm_version)},
                                         {"GitCommit", Value::String(caps.helm_git_commit)},
                                         {"GitTreeState", Value::String(caps.helm_git_tree_state)},
                                         {"GoVersion", Value::String(caps.helm_go_version)}},
                                     hv_json, "struct");
  Json json = {{"KubeVersion", kv_json}, {"APIVersions", apis_json}, {"HelmVersion", hv_json}};
  return Value::FromObject(std::make_shared<StructObject>(
      "*chartutil.Capabilities",
      std::vector<std::pair<std::string, Value>>{{"KubeVersion", Value::FromObject(kv)},
                                                 {"APIVersions", Value::FromObject(api_set)},
                                                 {"HelmVersion", Value::FromObject(hv)}},
      json));
}

namespace {

// gobwas/glob subset: returns true when pattern[pi..] matches name[ni..].
bool GlobAt(const std::string& p, size_t pi, const std::string& n, size_t ni, int depth) {
  if (depth > 10000) return false;
  while (pi < p.size()) {
    char c = p[pi];
    if (c == '*') {
      bool super = pi + 1 < p.size() && p[pi + 1] == '*';
      size_t next = pi + (super ? 2 : 1);
      for (size_t k = ni; k <= n.size(); k++) {
        if (GlobAt(p, next, n, k, depth + 1)) return true;
        if (k < n.size() && !super && n[k] == '/') return false;
      }
      return false;
    }
    if (c == '{') {
      size_t close = p.find('}', pi);
      if (close == std::string::npos) return false;
      std::string alts = p.substr(pi + 1, close - pi - 1);
      std::string rest = p.substr(close + 1);
      size_t s = 0;
      for (;;) {
        size_t comma = alts.find(',', s);
        std::string alt =
            alts.substr(s, comma == std::string::npos ? std::string::npos : comma - s);
        if (GlobAt(alt + rest, 0, n, ni, depth + 1)) return true;
        if (comma == std::string::npos) break;
        s = comma + 1;
      }
      return false;
    }
    if (ni >= n.size()) return false;
    if (c == '?') {
      if (n[ni] == '/') return false;
      pi++;
      ni++;
      continue;
    }
    if (c == '[') {
      size_t close = p.find(']', pi + 1);
      if (close == std::string::npos) return false;
      std::string set = p.substr(pi + 1, close - pi - 1);
      bool neg = !set.empty() && set[0] == '!';
      if (neg) set = set.substr(1);
      bool hit = false;
      for (size_t k = 0; k < set.size(); k++) {
        if (k + 2 < set.size() && set[k + 1] == '-') {
          hit = hit || (n[ni] >= set[k] && n[ni] <= set[k + 2]);
          k += 2;
        } else {
          hit = hit || n[ni] == set[k];
        }
      }
      if (hit == neg || n[ni] == '/') return false;
      pi = close + 1;
      ni++;
      continue;
    }
    if (c == '\\' && pi + 1 < p.size()) {
      pi++;
      c = p[pi];
    }
    if (n[ni] != c) return false;
    pi++;
    ni++;
  }
  return ni == n.size();
}

std::string Base(const std::string& p) {
  size_t i = p.rfind('/');
  return i == std::string::npos ? p : p.substr(i + 1);
}

}  // namespace

bool GlobMatch(const std::string& pattern, const std::string& name) {
  return GlobAt(pattern, 0, name, 0, 0);
}

namespace {

class FilesObject : public Object {
 public:
  explicit FilesObject(std::shared_ptr<const std::map<std::string, std::string>> files)
      : files_(std::move(files)) {
    auto f = files_;
    methods_["GetBytes"] = {{GoType::kString}, [f](const std::vector<Value>& a) -> StatusOr<Value> {
                              auto it = f->find(a[0].str());
                              return Value::String(it == f->end() ? "" : it->second,
                                                   GoType::kBytes);
                            }};
    methods_["Get"] = {{GoType::kString}, [f](const std::vector<Value>& a) -> StatusOr<Value> {
                         auto it = f->find(a[0].str());
                         return Value::String(it == f->end() ? "" : it->second);
                       }};
    methods_["Glob"] = {{GoType::kString}, [f](const std::vector<Value>& a) -> StatusOr<Value> {
                          auto out = std::make_shared<std::map<std::string, std::string>>();
                          for (const auto& [k, v] : *f)
                            if (GlobMatch(a[0].str(), k)) (*out)[k] = v;
                          return Value::FromObject(std::make_shared<FilesObject>(out));
                        }};
    methods_["AsConfig"] = {{}, [f](const std::vector<Value>&) -> StatusOr<Value> {
                              Map m;
                              for (const auto& [k, v] : *f) m[Base(k)] = Value::String(v);
                              auto y = GoYamlMarshal(Value::NewMap(std::move(m)));
                              std::string s = y.ok() ? *y : "";
                              if (!s.empty() && s.back() == '\n') s.pop_back();
                              return Value::String(s);
                            }};
    methods_["AsSecrets"] = {{}, [f](const std::vector<Value>&) -> StatusOr<Value> {
                               Map m;
                               for (const auto& [k, v] : *f)
                                 m[Base(k)] = Value::String(Base64Encode(v));
                               auto y = GoYamlMarshal(Value::NewMap(std::move(m)));
                               std::string s = y.ok() ? *y : "";
                               if (!s.empty() && s.back() == '\n') s.pop_back();
                               return Value::String(s);
                             }};
    methods_["Lines"] = {{GoType::kString}, [f](const std::vector<Value>& a) -> StatusOr<Value> {
                           List l;
                           auto it = f->find(a[0].str());
                           if (it != f->end()) {
                             std::string s = it->second;
                             if (!s.empty() && s.back() == '\n') s.pop_back();
                             size_t i = 0;
                             for (;;) {
                               size_t j = s.find('\n', i);
                               l.push_back(Value::String(s.substr(
                                   i, j == std::string::npos ? std::string::npos : j - i)));
                               if (j == std::string::npos) break;
                               i = j + 1;
                             }
                           }
                           return Value::NewList(std::move(l), GoType::kStringList);
                         }};
  }
  std::string TypeName() const override { return "engine.files"; }
  bool Field(std::string_view name, Value* out) const override {
    auto it = files_->find(std::string(name));
    if (it == files_->end()) return false;
    *out = Value::String(it->second, GoType::kBytes);
    return true;
  }
  const Method* FindMethod(std::string_view name) const override {
    auto it = methods_.find(name);
    return it == methods_.end() ? nullptr : &it->second;
  }
  Json ToJson() const override {
    Json j = Json::object();
    for (const auto& [k, v] : *files_) j[k] = Base64Encode(v);
    return j;
  }
  std::string Format() const override {
    std::string out = "map[";
    bool first = true;
    for (const auto& [k, v] : *files_) {
      if (!first) out += " ";
      first = false;
      out += k + ":" + FormatV(Value::String(v, GoType::kBytes));
    }
    return out + "]";
  }
  std::string KindName() const override { return "map"; }
  bool MapEntries(Map* out) const override {
    for (const auto& [k, v] : *files_) (*out)[k] = Value::String(v, GoType::kBytes);
    return true;
  }

 private:
  std::shared_ptr<const std::map<std::string, std::string>> files_;
  std::map<std::string, Method, std::less<>> methods_;
};

}  // namespace

Value MakeFiles(std::map<std::string, std::string> files) {
  return Value::FromObject(std::make_shared<FilesObject>(
      std::make_shared<const std::map<std::string, std::string>>(std::move(files))));
}

}  // namespace flotilla::gotemplate
