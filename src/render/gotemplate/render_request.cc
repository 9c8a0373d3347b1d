#include "render/gotemplate/render_request.h"

#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include "core/yaml.h"
#include "render/gotemplate/helm_objects.h"

namespace flotilla::gotemplate {

std::vector<std::string> HelmTemplateOrder(std::vector<std::string> names) {
  // Deepest path first, then reverse lexical order (Helm's sortTemplates); depths counted once.
  std::vector<std::pair<std::ptrdiff_t, std::string>> keyed;
  keyed.reserve(names.size());
  for (auto& n : names) keyed.emplace_back(std::count(n.begin(), n.end(), '/'), std::move(n));
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second > b.second;
  });
  for (size_t i = 0; i < keyed.size(); i++) names[i] = std::move(keyed[i].second);
  return names;
}

namespace {

std::vector<std::string> SplitOn(const std::string& s, const std::string& sep, int n = -1) {
  std::vector<std::string> out;
  size_t last = 0;
  for (;;) {
    if (n > 0 && static_cast<int>(out.size()) == n - 1) break;
    size_t p = s.find(sep, last);
    if (p == std::string::npos) break;
    out.push_back(s.substr(last, p - last));
    last = p + sep.size();
  }
  out.push_back(s.substr(last));
  return out;
}

}  // namespace

std::string HelmParseError(const std::string& filename, const std::string& err) {
  auto tokens = SplitOn(err, ": ");
  if (tokens.size() == 1) return fmt::format("parse error in ({}): {}", filename, err);
  return fmt::format("parse error at ({}): {}", tokens[1], tokens.back());
}

std::string HelmExecError(const std::string& filename, const std::string& err) {
  if (err.rfind("template: ", 0) != 0 || err.find(": executing ") == std::string::npos) return err;
  auto tokens = SplitOn(err, ": ", 3);
  if (tokens.size() != 3) return fmt::format("execution error in ({}): {}", filename, err);
  size_t s = tokens[2].find("HELM_ERR_START");
  if (s != std::string::npos) {
    size_t e = tokens[2].rfind("HELM_ERR_END");
    if (e != std::string::npos && e >= s + 14)
      return fmt::format("execution error at ({}): {}", tokens[1],
                         tokens[2].substr(s + 14, e - s - 14));
  }
  return err;
}

std::string TemplateBasePath(const std::string& name) {
  size_t i = name.rfind("/templates/");
  if (i != std::string::npos) return name.substr(0, i + 10);
  size_t slash = name.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : name.substr(0, slash);
}

namespace {

Json Error(const std::string& kind, const std::string& msg, const std::string& raw = "") {
  Json r = {{"error", msg}, {"error_kind", kind}};
  if (!raw.empty() && raw != msg) r["raw_error"] = raw;
  return r;
}

StatusOr<Value> BuildTop(const Json& req) {
  Value vals = Value::NewMap();
  if (req.contains("valuesYaml") && req["valuesYaml"].is_string()) {
    auto v = ParseYaml(req["valuesYaml"].get<std::string>());
    if (!v.ok()) return InvalidArgument("valuesYaml: " + v.status().message());
    if (v->is_object()) vals = Value::FromJson(*v, false);
  } else if (req.contains("values") && req["values"].is_object()) {
    vals = Value::FromJson(req["values"], false);
  }
  Map rel = {{"Name", Value::String("release-name")},
             {"Namespace", Value::String("default")},
             {"IsUpgrade", Value::Bool(false)},
             {"IsInstall", Value::Bool(true)},
             {"Revision", Value::Int(1)},
             {"Service", Value::String("Helm")}};
  if (req.contains("release") && req["release"].is_object()) {
    const Json& r = req["release"];
    for (const char* k : {"name", "namespace", "service"})
      if (r.contains(k) && r[k].is_string()) {
        std::string key = k;
        key[0] = static_cast<char>(toupper(key[0]));
        rel[key] = Value::String(r[k].get<std::string>());
      }
    if (r.contains("revision") && r["revision"].is_number())
      rel["Revision"] = Value::Int(r["revision"].get<int64_t>());
    if (r.contains("isInstall") && r["isInstall"].is_boolean())
      rel["IsInstall"] = Value::Bool(r["isInstall"].get<bool>());
    if (r.contains("isUpgrade") && r["isUpgrade"].is_boolean())
      rel["IsUpgrade"] = Value::Bool(r["isUpgrade"].get<bool>());
  }
  Json chart = {{"name", "mychart"},
                {"version", "0.1.0"},
                {"apiVersion", "v2"},
                {"appVersion", "1.16.0"},
                {"type", "application"}};
  if (req.contains("chart") && req["chart"].is_object()) chart = req["chart"];
  CapabilitiesInfo caps;
  caps.api_versions = DefaultAPIVersions();
  if (req.contains("capabilities") && req["capabilities"].is_object()) {
    const Json& c = req["capabilities"];
    if (c.contains("kubeVersion")) {
      if (c["kubeVersion"].is_string()) {
        caps.kube_version = c["kubeVersion"].get<std::string>();
      } else if (c["kubeVersion"].is_object()) {
        caps.kube_version = c["kubeVersion"].value("version", "");
        caps.kube_major = c["kubeVersion"].value("major", "");
        caps.kube_minor = c["kubeVersion"].value("minor", "");
      }
    }
    if (c.contains("apiVersions") && c["apiVersions"].is_array()) {
      caps.api_versions.clear();
      for (const auto& a : c["apiVersions"])
        if (a.is_string()) caps.api_versions.push_back(a.get<std::string>());
    }
    if (c.contains("helmVersion") && c["helmVersion"].is_object()) {
      const Json& h = c["helmVersion"];
      caps.helm_version = h.value("version", "");
      caps.helm_git_commit = h.value("git_commit", "");
      caps.helm_git_tree_state = h.value("git_tree_state", "");
      caps.helm_go_version = h.value("go_version", "");
    }
  }
  std::map<std::string, std::string> files;
  if (req.contains("files") && req["files"].is_object())
    for (auto& [k, v] : req["files"].items())
      if (v.is_string()) files[k] = v.get<std::string>();
  Map top = {{"Values", vals.WithType(GoType::kValues)},
             {"Release", Value::NewMap(std::move(rel))},
             {"Chart", MakeChartMetadata(chart)},
             {"Capabilities", MakeCapabilities(caps)},
             {"Files", MakeFiles(std::move(files))}};
  return Value::NewMap(std::move(top), GoType::kValues);
}

}  // namespace

namespace {
Json RenderRequestOnStack(const Json& req);
}  // namespace

Json RenderRequest(const Json& req) {
  Json result;
  RunOnLargeStack([&] { result = RenderRequestOnStack(req); });
  return result;
}

namespace {

Json RenderRequestOnStack(const Json& req) {
  if (!req.contains("templates") || !req["templates"].is_object() || req["templates"].empty())
    return Error("request", "bad request: no templates");
  std::vector<std::string> targets;
  bool single = false;
  if (req.contains("render") && !req["render"].is_null()) {
    if (req["render"].is_string()) {
      single = true;
      targets.push_back(req["render"].get<std::string>());
    } else if (req["render"].is_array()) {
      for (const auto& t : req["render"]) targets.push_back(t.get<std::string>());
    } else {
      return Error("request", "bad request: render must be a string or a list of strings");
    }
  }
  auto top = BuildTop(req);
  if (!top.ok()) return Error("request", "bad request: " + top.status().message());
  std::vector<std::string> names;
  for (auto& [k, v] : req["templates"].items()) names.push_back(k);
  names = HelmTemplateOrder(names);
  TemplateSet set;
  for (const auto& n : names) {
    Status st = set.Parse(n, req["templates"][n].get<std::string>());
    if (!st.ok()) return Error("parse", HelmParseError(n, st.message()), st.message());
  }
  bool all = req.value("render", Json()).is_null();
  if (all) {
    for (const auto& n : names) {
      std::string base = n.substr(n.rfind('/') == std::string::npos ? 0 : n.rfind('/') + 1);
      if (base.empty() || base[0] != '_') targets.push_back(n);
    }
  }
  ExecOptions opts;
  opts.strict = req.value("strict", false);
  Json outputs = Json::object();
  for (const auto& t : targets) {
    if (!req["templates"].contains(t))
      return Error("request", fmt::format("bad request: no template named \"{}\"", t));
    Map data = top->map();
    data["Template"] = Value::NewMap(
        {{"Name", Value::String(t)}, {"BasePath", Value::String(TemplateBasePath(t))}},
        GoType::kValues);
    auto out = set.Execute(t, Value::NewMap(std::move(data), GoType::kValues), opts);
    if (!out.ok()) {
      const std::string& msg = out.status().message();
      return Error("exec", HelmExecError(t, msg), msg);
    }
    outputs[t] = std::move(*out);
  }
  if (single) return Json{{"output", outputs[targets[0]]}, {"error", nullptr}};
  return Json{{"outputs", std::move(outputs)}, {"error", nullptr}};
}

}  // namespace

}  // namespace flotilla::gotemplate
