#include "cli/apply.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "core/yaml.h"
#include "render/bundles/bundles.h"

namespace flotilla::cli {
namespace {

struct ApplyFlags {
  std::string output;
  std::string ns = "fleet-local";
  std::vector<std::string> labels;
  std::string commit;
  std::string target_namespace;
  std::string service_account;
  std::string targets_file;
  std::string file;
  std::string bundle_file;
  bool paused = false;
  bool keep_resources = false;
  bool delete_namespace = false;
  bool compress = false;
  bool driven_scan = false;
  std::string driven_scan_sep = ":";
  int64_t sync_generation = 0;
  // Remote Helm charts (fleet apply's helm flags).
  std::string username;
  std::string password_file;
  std::string cacerts_file;
  std::string helm_repo_url_regex;
  bool helm_insecure_skip_tls = false;
  std::vector<std::string> args;  // BUNDLE_NAME PATH...
};

int Fail(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  return 1;
}

// Fleet's currentCommit: `git rev-parse HEAD` in the working directory, "" on any failure.
std::string CurrentCommit() {
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen("git rev-parse HEAD 2>/dev/null", "r"), pclose);
  if (!p) return "";
  char buf[128];
  std::string out;
  while (fgets(buf, sizeof buf, p.get()) != nullptr) out += buf;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

bool ReadWhole(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return true;
}

int Run(ApplyFlags& f) {
  if (!f.file.empty() || !f.bundle_file.empty())
    return Fail("-f/--file and -b/--bundle-file are not supported yet; pass directories");
  if (f.args.empty()) return Fail("at least one arguments is required BUNDLE_NAME");
  if (f.output.empty())
    return Fail(
        "applying to a cluster is not supported yet: use -o - (e.g. `flotilla apply -o - NAME DIR "
        "| kubectl apply -f -`)");
  render::BuildOptions bo;
  bo.gitrepo_name = f.args[0];
  if (f.driven_scan) {
    // Fleet's getPathAndFleetYaml: BASE or BASE<sep>OPTIONS, one bundle each.
    for (size_t i = 1; i < f.args.size(); i++) {
      const std::string& a = f.args[i];
      size_t at = f.driven_scan_sep.empty() ? std::string::npos : a.find(f.driven_scan_sep);
      if (at == std::string::npos) {
        bo.bundles.push_back({a, ""});
        continue;
      }
      std::string options = a.substr(at + f.driven_scan_sep.size());
      if (options.find(f.driven_scan_sep) != std::string::npos)
        return Fail("invalid bundle path: \"" + a + "\"");
      bo.bundles.push_back({a.substr(0, at), options});
    }
    if (bo.bundles.empty()) bo.bundles.push_back({".", ""});
  } else {
    bo.paths.assign(f.args.begin() + 1, f.args.end());
  }
  bo.ns = f.ns;
  bo.target_namespace = f.target_namespace;
  bo.service_account = f.service_account;
  bo.paused = f.paused;
  bo.keep_resources = f.keep_resources;
  bo.delete_namespace = f.delete_namespace;
  bo.sync_generation = f.sync_generation;
  for (const std::string& l : f.labels) {
    auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0) return Fail("--label \"" + l + "\": want KEY=VALUE");
    bo.labels[l.substr(0, eq)] = l.substr(eq + 1);
  }
  if (f.commit.empty()) {
    const char* env = std::getenv("COMMIT");
    f.commit = env != nullptr ? env : "";
  }
  if (f.commit.empty()) f.commit = CurrentCommit();
  bo.commit = f.commit;
  if (!f.targets_file.empty()) {
    std::ifstream in(f.targets_file, std::ios::binary);
    if (!in) return Fail("cannot read --targets-file " + f.targets_file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto spec = ParseYaml(text, f.targets_file);
    if (!spec.ok()) return Fail(spec.status().message());
    if (spec->is_object() && spec->contains("targets")) bo.targets = (*spec)["targets"];
  }

  auto charts = chartsource::NewHttpChartFetcher({});
  bo.chart_fetcher = charts.get();
  bo.chart_auth.username = f.username;
  bo.chart_auth.insecure_skip_tls_verify = f.helm_insecure_skip_tls;
  bo.helm_repo_url_regex = f.helm_repo_url_regex;
  if (!f.password_file.empty() && !ReadWhole(f.password_file, &bo.chart_auth.password))
    return Fail("cannot read --password-file " + f.password_file);
  while (!bo.chart_auth.password.empty() &&
         (bo.chart_auth.password.back() == '\n' || bo.chart_auth.password.back() == '\r'))
    bo.chart_auth.password.pop_back();
  if (!f.cacerts_file.empty() && !ReadWhole(f.cacerts_file, &bo.chart_auth.ca_bundle))
    return Fail("cannot read --cacerts-file " + f.cacerts_file);

  auto tree = render::OpenDiskTree(std::filesystem::current_path().string());
  auto bundles = render::BuildBundles(*tree, bo);
  if (!bundles.ok()) return Fail(bundles.status().message());
  const std::string out = ToYamlStream(*bundles);
  if (f.output == "-") {
    std::cout << out << std::flush;
    return std::cout ? 0 : Fail("writing to stdout failed");
  }
  std::filesystem::path p(f.output);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::ofstream file(p, std::ios::binary | std::ios::trunc);
  file << out;
  file.close();
  if (!file) return Fail("cannot write " + f.output);
  return 0;
}

}  // namespace

std::function<int()> AddApplyCommand(CLI::App& app) {
  auto f = std::make_shared<ApplyFlags>();
  if (const char* ns = std::getenv("NAMESPACE"); ns != nullptr && *ns != 0) f->ns = ns;
  CLI::App* cmd = app.add_subcommand(
      "apply",
      "Create bundles from directories, and output them (apply [flags] BUNDLE_NAME PATH...)");
  cmd->add_option("-o,--output", f->output, "Output contents to file or - for stdout");
  cmd->add_option("-n,--namespace", f->ns, "namespace (env NAMESPACE)")->capture_default_str();
  // One KEY=VALUE per -l, so that positional arguments after it stay positional.
  cmd->add_option("-l,--label", f->labels, "Labels to apply to created bundles (KEY=VALUE)")
      ->allow_extra_args(false);
  cmd->add_option("--commit", f->commit, "Commit to assign to the bundle (env COMMIT)");
  cmd->add_option("--target-namespace", f->target_namespace,
                  "Ensure this bundle goes to this target namespace");
  cmd->add_option("-a,--service-account", f->service_account,
                  "Service account to assign to bundle created");
  cmd->add_option("--targets-file", f->targets_file,
                  "Addition source of targets and restrictions to be append");
  cmd->add_option("--sync-generation", f->sync_generation,
                  "Generation number used to force sync the deployment");
  cmd->add_flag("--paused", f->paused, "Create bundles in a paused state");
  cmd->add_option("-u,--username", f->username, "Basic auth username for Helm repositories");
  cmd->add_option("-p,--password-file", f->password_file,
                  "File holding the basic auth password for Helm repositories");
  cmd->add_option("--cacerts-file", f->cacerts_file, "PEM CA bundle for Helm repositories");
  cmd->add_option("--helm-repo-url-regex", f->helm_repo_url_regex,
                  "Send the Helm credentials only to repository URLs matching this regex");
  cmd->add_flag("--helm-insecure-skip-tls", f->helm_insecure_skip_tls,
                "Do not verify Helm repositories' TLS certificates");
  cmd->add_flag("--keep-resources", f->keep_resources,
                "Keep resources created after the GitRepo or Bundle is deleted");
  cmd->add_flag("--delete-namespace", f->delete_namespace,
                "Delete GitRepo target namespace after the GitRepo or Bundle is deleted");
  cmd->add_flag("-c,--compress", f->compress, "Accepted for compatibility; has no effect");
  cmd->add_flag("--driven-scan", f->driven_scan,
                "Use driven scan. Bundles are defined by the user (PATH is BASE[SEP]OPTIONS)");
  cmd->add_option("--driven-scan-sep", f->driven_scan_sep,
                  "Separator to use for bundle folder and options file")
      ->capture_default_str();
  cmd->add_option("-f,--file", f->file, "Location of the fleet.yaml (not supported yet)");
  cmd->add_option("-b,--bundle-file", f->bundle_file,
                  "Location of the raw Bundle resource yaml (not supported yet)");
  cmd->add_option("args", f->args, "BUNDLE_NAME PATH...");
  return [f] { return Run(*f); };
}

}  // namespace flotilla::cli
