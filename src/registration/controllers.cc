#include "model/resource_type.h"
#include "registration/registration.h"

namespace flotilla::registration {

Controllers::Controllers(store::Store& store, Options options)
    : tokens_(store, options), requests_(store, options) {}

void Controllers::SetApiServerUrl(const std::string& url) { tokens_.set_api_server_url(url); }

void Controllers::Register(controller::Manager& manager) {
  controller::Queue& tokens = manager.AddController(
      {.name = "clusterregistrationtoken",
       .reconcile = [this](const std::string& key) { return tokens_.Reconcile(key); }});
  controller::Queue& requests = manager.AddController(
      {.name = "clusterregistration",
       .reconcile = [this](const std::string& key) { return requests_.Reconcile(key); }});
  controller::Queue& clusters = manager.AddController(
      {.name = "registered-cluster",
       .reconcile = [this](const std::string& key) { return requests_.ReconcileCluster(key); }});
  manager.Watch(model::ClusterType(), [&clusters](const store::WatchEvent& ev) {
    if (ev.type == store::WatchEventType::kDeleted) clusters.Add(store::ObjectKey(ev.object));
  });
  manager.Watch(model::ClusterRegistrationTokenType(), [&tokens](const store::WatchEvent& ev) {
    tokens.Add(store::ObjectKey(ev.object));
  });
  manager.Watch(model::ClusterRegistrationType(), [&requests](const store::WatchEvent& ev) {
    requests.Add(store::ObjectKey(ev.object));
  });
}

}  // namespace flotilla::registration
