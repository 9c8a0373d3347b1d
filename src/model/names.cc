#include "model/names.h"

#include "core/hash.h"

namespace flotilla::model {

std::string ClusterNamespace(const std::string& cluster_ns, const std::string& cluster_name) {
  std::string ns = "cluster-" + cluster_ns + "-" + cluster_name;
  if (ns.size() > 63) ns = ns.substr(0, 50) + "-" + Sha256Hex(ns).substr(0, 12);
  return ns;
}

}  // namespace flotilla::model
