// libFuzzer target: the webhook receiver's payload parsers, reached through Receiver::Handle as
// an unauthenticated sender would reach them. The first input byte picks the provider headers
// (GitHub, GitLab, Gitea, Bitbucket Cloud/Server, Azure DevOps, form-encoded GitHub, none); the
// rest is the body. A tiny in-memory store holds one GitRepo per provider's repository URL and no
// Secrets, so events are accepted unverified and the matching code runs too.
#include <cstdint>
#include <map>
#include <string>

#include "store/object_rules.h"
#include "store/store.h"
#include "webhook/receiver.h"

namespace {

using flotilla::Json;
using flotilla::Status;
using flotilla::StatusOr;
namespace store = flotilla::store;

class FakeStore : public store::Store {
 public:
  FakeStore() {
    for (const char* repo : {"https://github.com/o/r", "https://gitlab.com/o/r",
                             "https://bitbucket.org/o/r", "https://dev.azure.com/o/p/_git/r"}) {
      std::string name = "r" + std::to_string(repos_.size());
      repos_[name] = {{"apiVersion", "fleet.cattle.io/v1alpha1"},
                      {"kind", "GitRepo"},
                      {"metadata", {{"name", name}, {"namespace", "fleet-local"}}},
                      {"spec", {{"repo", repo}, {"branch", "main"}}}};
    }
  }
  StatusOr<Json> Create(const store::ResourceType&, Json o) override { return o; }
  StatusOr<Json> Get(const store::ResourceType& type, const std::string& ns,
                     const std::string& name) override {
    if (&type == &flotilla::model::GitRepoType() && repos_.count(name)) return repos_[name];
    return store::NotFoundError(type, name);
  }
  StatusOr<store::ListResult> List(const store::ResourceType& type,
                                   const store::ListOptions&) override {
    store::ListResult r;
    if (&type == &flotilla::model::GitRepoType())
      for (auto& [name, o] : repos_) r.items.push_back(o);
    return r;
  }
  StatusOr<Json> Update(const store::ResourceType&, Json o) override { return o; }
  StatusOr<Json> UpdateStatus(const store::ResourceType&, Json o) override { return o; }
  StatusOr<Json> Delete(const store::ResourceType& type, const std::string&,
                        const std::string& name, const store::DeleteOptions&) override {
    return store::NotFoundError(type, name);
  }
  StatusOr<std::unique_ptr<store::Watcher>> Watch(const store::ResourceType&,
                                                  const store::WatchOptions&) override {
    return flotilla::Unavailable("no watches here");
  }
  int64_t CurrentResourceVersion() override { return 1; }
  Status CheckHealth() override { return Status::Ok(); }

 private:
  std::map<std::string, Json> repos_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static FakeStore* fake = new FakeStore();
  static flotilla::webhook::Receiver* receiver =
      new flotilla::webhook::Receiver(*fake, [](const std::string&) {});
  flotilla::http::Request req;
  req.method = "POST";
  req.target = req.path = "/webhooks";
  req.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  req.headers["content-type"] = "application/json";
  switch (data[0] % 8) {
    case 0:
      req.headers["x-github-event"] = "push";
      break;
    case 1:
      req.headers["x-gitlab-event"] = "Push Hook";
      break;
    case 2:
      req.headers["x-gitea-event"] = "push";
      break;
    case 3:
      req.headers["x-hook-uuid"] = "u";
      req.headers["x-event-key"] = "repo:push";
      break;
    case 4:
      req.headers["x-event-key"] = "repo:refs_changed";
      break;
    case 5:
      req.headers["x-vss-activityid"] = "a";
      break;
    case 6:
      req.headers["x-github-event"] = "push";
      req.headers["content-type"] = "application/x-www-form-urlencoded";
      break;
    default:
      break;
  }
  (void)receiver->Handle(req);
  return 0;
}
