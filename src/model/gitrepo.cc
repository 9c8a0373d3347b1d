#include "model/gitrepo.h"

#include <set>

#include <fmt/format.h>

#include "core/time.h"
#include "model/labels.h"
#include "model/validation.h"

namespace flotilla::model {
namespace {

// Every field of Fleet's GitRepoSpec (v0.10–v0.12); known but unimplemented ones are stored and
// listed in the README, truly unknown ones are refused so a typo never silently does nothing.
const std::set<std::string>& KnownSpecFields() {
  static const std::set<std::string> k = {"repo",
                                          "branch",
                                          "revision",
                                          "targetNamespace",
                                          "paths",
                                          "bundles",
                                          "clientSecretName",
                                          "helmSecretName",
                                          "helmSecretNameForPaths",
                                          "helmRepoURLRegex",
                                          "caBundle",
                                          "insecureSkipTLSVerify",
                                          "serviceAccount",
                                          "keepResources",
                                          "deleteNamespace",
                                          "paused",
                                          "pollingInterval",
                                          "disablePolling",
                                          "forceSyncGeneration",
                                          "imageScanInterval",
                                          "imageScanCommit",
                                          "targets",
                                          "correctDrift",
                                          "webhookSecret",
                                          "ociRegistry",
                                          "ociRegistrySecret"};
  return k;
}

struct Reader {
  const Json& obj;
  std::string prefix;
  FieldErrors& errs;

  const Json* Get(const char* f) const {
    if (!obj.is_object() || !obj.contains(f) || obj[f].is_null()) return nullptr;
    return &obj[f];
  }
  std::string Path(const char* f) const { return prefix + "." + f; }

  void String(const char* f, std::string* out) const {
    const Json* v = Get(f);
    if (!v) return;
    if (!v->is_string()) {
      errs.Add(Path(f), fmt::format("Invalid value: {}: must be a string", v->dump()));
      return;
    }
    *out = v->get<std::string>();
  }
  void Bool(const char* f, bool* out) const {
    const Json* v = Get(f);
    if (!v) return;
    if (!v->is_boolean()) {
      errs.Add(Path(f), fmt::format("Invalid value: {}: must be a boolean", v->dump()));
      return;
    }
    *out = v->get<bool>();
  }
  void Int(const char* f, int64_t* out) const {
    const Json* v = Get(f);
    if (!v) return;
    if (!v->is_number_integer()) {
      errs.Add(Path(f), fmt::format("Invalid value: {}: must be an integer", v->dump()));
      return;
    }
    *out = v->get<int64_t>();
  }
  void Selector(const char* f, Json* out) const {
    const Json* v = Get(f);
    if (!v) return;
    auto sel = LabelSelector::FromJson(*v);
    if (!sel.ok()) {
      errs.Add(Path(f), sel.status().message());
      return;
    }
    *out = *v;
  }
};

bool LooksLikeGitUrl(const std::string& u) {
  for (const char* scheme : {"https://", "http://", "ssh://", "git://"})
    if (u.rfind(scheme, 0) == 0) return u.size() > std::string(scheme).size();
  // scp-like: user@host:path
  auto at = u.find('@');
  auto colon = u.find(':');
  return at != std::string::npos && colon != std::string::npos && at < colon &&
         colon + 1 < u.size();
}

bool EscapesRoot(const std::string& p) {
  if (!p.empty() && p[0] == '/') return true;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    std::string seg =
        p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg == "..") return true;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return false;
}

}  // namespace

StatusOr<GitRepoSpec> ParseGitRepoSpec(const Json& spec) {
  FieldErrors errs;
  GitRepoSpec out;
  if (spec.is_null()) {
    errs.Required("spec.repo");
    return errs.Finish("GitRepo");
  }
  if (!spec.is_object()) {
    errs.Add("spec", "must be an object");
    return errs.Finish("GitRepo");
  }
  for (auto& [k, v] : spec.items())
    if (!KnownSpecFields().count(k))
      errs.Add("spec." + k, "unknown field", "FieldValueNotSupported");

  Reader r{spec, "spec", errs};
  r.String("repo", &out.repo);
  if (out.repo.empty()) {
    if (!r.Get("repo")) errs.Required("spec.repo");
  } else if (!LooksLikeGitUrl(out.repo)) {
    errs.Add("spec.repo",
             fmt::format("Invalid value: \"{}\": must be a git URL (https://, http://, ssh://, "
                         "git:// or user@host:path)",
                         out.repo));
  }
  r.String("branch", &out.branch);
  r.String("revision", &out.revision);
  if (out.branch.empty() && out.revision.empty()) out.branch = kDefaultBranch;
  r.String("targetNamespace", &out.target_namespace);
  r.String("clientSecretName", &out.client_secret_name);
  r.String("helmSecretName", &out.helm_secret_name);
  r.String("helmSecretNameForPaths", &out.helm_secret_name_for_paths);
  r.String("caBundle", &out.ca_bundle);
  r.Bool("insecureSkipTLSVerify", &out.insecure_skip_tls_verify);
  r.String("serviceAccount", &out.service_account);
  r.Bool("keepResources", &out.keep_resources);
  r.Bool("deleteNamespace", &out.delete_namespace);
  r.Bool("paused", &out.paused);
  r.Bool("disablePolling", &out.disable_polling);
  r.Int("forceSyncGeneration", &out.force_sync_generation);
  r.String("webhookSecret", &out.webhook_secret);

  if (const Json* pi = r.Get("pollingInterval")) {
    if (!pi->is_string()) {
      errs.Add(
          "spec.pollingInterval",
          fmt::format("Invalid value: {}: must be a duration string like \"15s\"", pi->dump()));
    } else {
      auto d = ParseGoDuration(pi->get<std::string>());
      if (!d.ok()) {
        errs.Add("spec.pollingInterval", d.status().message());
      } else if (d->count() < 0) {
        errs.Add(
            "spec.pollingInterval",
            fmt::format("invalid duration \"{}\": must not be negative", pi->get<std::string>()));
      } else if (d->count() > 0) {
        out.polling_interval = *d;
      }
    }
  }

  if (const Json* paths = r.Get("paths")) {
    if (!paths->is_array()) {
      errs.Add("spec.paths", "must be a list of strings");
    } else {
      for (size_t i = 0; i < paths->size(); i++) {
        const Json& p = (*paths)[i];
        std::string field = fmt::format("spec.paths[{}]", i);
        if (!p.is_string()) {
          errs.Add(field, "must be a string");
        } else if (EscapesRoot(p.get<std::string>())) {
          errs.Add(field, fmt::format("Invalid value: \"{}\": path must be relative and stay "
                                      "inside the repository",
                                      p.get<std::string>()));
        } else {
          out.paths.push_back(p.get<std::string>());
        }
      }
    }
  }

  if (const Json* cd = r.Get("correctDrift")) {
    if (!cd->is_object())
      errs.Add("spec.correctDrift", "must be an object");
    else
      Reader{*cd, "spec.correctDrift", errs}.Bool("enabled", &out.correct_drift);
  }

  if (const Json* targets = r.Get("targets")) {
    if (!targets->is_array()) {
      errs.Add("spec.targets", "must be a list");
    } else {
      for (size_t i = 0; i < targets->size(); i++) {
        const Json& t = (*targets)[i];
        std::string prefix = fmt::format("spec.targets[{}]", i);
        if (!t.is_object()) {
          errs.Add(prefix, "must be an object");
          continue;
        }
        GitTarget gt;
        Reader tr{t, prefix, errs};
        tr.String("name", &gt.name);
        tr.String("clusterGroup", &gt.cluster_group);
        tr.String("clusterName", &gt.cluster_name);
        tr.Selector("clusterSelector", &gt.cluster_selector);
        tr.Selector("clusterGroupSelector", &gt.cluster_group_selector);
        out.targets.push_back(std::move(gt));
      }
    }
  }

  if (!errs.empty()) return errs.Finish("GitRepo");
  return out;
}

void DefaultGitRepo(Json& object) {
  if (!object.contains("spec") || !object["spec"].is_object()) return;
  Json& spec = object["spec"];
  auto empty = [&](const char* f) {
    return !spec.contains(f) || spec[f].is_null() ||
           (spec[f].is_string() && spec[f].get<std::string>().empty());
  };
  if (empty("branch") && empty("revision")) spec["branch"] = kDefaultBranch;
  if (empty("pollingInterval")) spec["pollingInterval"] = "15s";
}

}  // namespace flotilla::model
