// Fleet's naming conventions for the objects it derives from others.
#pragma once

#include <string>

namespace flotilla::model {

// The namespace holding the BundleDeployments of cluster `cluster_ns/cluster_name`:
// "cluster-<ns>-<name>", as Fleet names it; over 63 characters (a DNS label) it is cut to 50
// and suffixed with "-" and 12 hex digits of the SHA-256 of the full name, so it stays unique.
std::string ClusterNamespace(const std::string& cluster_ns, const std::string& cluster_name);

}  // namespace flotilla::model
