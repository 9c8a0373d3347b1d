#include "cli/token.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "auth/kubeconfig.h"
#include "auth/tokens.h"
#include "cli/api_client.h"
#include "core/json.h"
#include "core/time.h"

namespace flotilla::cli {
namespace {

struct TokenFlags {
  std::string kubeconfig;
  std::string user;
  std::vector<std::string> groups;
  std::string ttl = "0";
  std::string id;
};

int Fail(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  return 1;
}

// The API's error message (a Status body), or the HTTP code.
std::string ErrorOf(const ApiReply& r) {
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string())
    return fmt::format("{} ({})", j["message"].get<std::string>(), r.code);
  return fmt::format("HTTP {}", r.code);
}

int Create(const TokenFlags& f) {
  if (f.user.empty()) return Fail("--user is required");
  auto ttl = ParseGoDuration(f.ttl);
  if (!ttl.ok() || ttl->count() < 0)
    return Fail(
        fmt::format("--ttl {}: not a duration (e.g. 90s, 10m, 24h; 0 = never expires)", f.ttl));
  int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(*ttl).count();
  if (ttl->count() > 0 && seconds == 0) return Fail("--ttl must be at least 1s");
  auto config = auth::ReadKubeconfig(KubeconfigPath(f.kubeconfig));
  if (!config.ok()) return Fail(config.status().message());
  Json body = {{"user", f.user}, {"groups", f.groups}, {"expirationSeconds", seconds}};
  auto reply = CallApi(*config, "POST", "/flotilla/v1/tokens", body.dump());
  if (!reply.ok()) return Fail(reply.status().message());
  if (reply->code != 201) return Fail("creating the token: " + ErrorOf(*reply));
  Json out = Json::parse(reply->body, nullptr, false);
  if (!out.is_object() || !out["token"].is_string())
    return Fail("the server's answer has no token");
  std::cerr << fmt::format(
      "token id {} for user {} (expires: {}); revoke with: flotilla token "
      "revoke {}\n",
      out.value("id", ""), f.user, out.value("expirationTimestamp", "never"), out.value("id", ""));
  std::cout << out["token"].get<std::string>() << "\n" << std::flush;
  return std::cout ? 0 : Fail("writing to stdout failed");
}

int Revoke(const TokenFlags& f) {
  // Accept the token itself too, so a leaked token can be revoked without looking up its id.
  std::string id = auth::TokenId(f.id).empty() ? f.id : auth::TokenId(f.id);
  if (id.size() != 16 || id.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Fail(
        fmt::format("\"{}\" is not a token id (16 hex digits) or token", f.id.substr(0, 20)));
  auto config = auth::ReadKubeconfig(KubeconfigPath(f.kubeconfig));
  if (!config.ok()) return Fail(config.status().message());
  auto reply =
      CallApi(*config, "DELETE",
              fmt::format("/api/v1/namespaces/{}/secrets/token-{}", auth::kSystemNamespace, id));
  if (!reply.ok()) return Fail(reply.status().message());
  if (reply->code == 404) return Fail(fmt::format("token {} not found (already revoked?)", id));
  if (reply->code != 200) return Fail("revoking the token: " + ErrorOf(*reply));
  std::cerr << fmt::format("token {} revoked\n", id);
  return 0;
}

}  // namespace

std::function<int()> AddTokenCommand(CLI::App& app) {
  auto f = std::make_shared<TokenFlags>();
  CLI::App* token = app.add_subcommand("token", "Issue and revoke API bearer tokens");
  token->require_subcommand(1);
  token->add_option(
      "--kubeconfig", f->kubeconfig,
      "Admin kubeconfig (default $KUBECONFIG, else ./flotilla-data/admin.kubeconfig)");
  CLI::App* create = token->add_subcommand("create", "Issue a token; prints it on stdout");
  create->add_option("--user", f->user, "User name the token authenticates as")->required();
  create->add_option("--group", f->groups, "Group of the user (repeatable)");
  create->add_option("--ttl", f->ttl, "Lifetime (Go duration: 90s, 10m, 24h); 0 = never expires")
      ->capture_default_str();
  create->add_option("--kubeconfig", f->kubeconfig, "Admin kubeconfig");
  CLI::App* revoke = token->add_subcommand("revoke", "Revoke a token by its id (or the token)");
  revoke->add_option("ID", f->id, "Token id (16 hex digits) or the token itself")->required();
  revoke->add_option("--kubeconfig", f->kubeconfig, "Admin kubeconfig");
  return [f, create, revoke] {
    if (create->parsed()) return Create(*f);
    if (revoke->parsed()) return Revoke(*f);
    return 1;
  };
}

}  // namespace flotilla::cli
