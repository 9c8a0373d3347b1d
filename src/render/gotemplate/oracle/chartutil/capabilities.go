package chartutil

import (
	"strconv"
	"strings"

	"github.com/Masterminds/semver"

	"flotilla/oracle/gotemplate/version"
)

// Capabilities is .Capabilities: what the target cluster and Helm support.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion version.BuildInfo
}

// KubeVersion is the cluster's Kubernetes version ("v1.28.3", "1", "28"). No JSON tags, as in
// Helm, so `toJson` shows the Go field names.
type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

// String is what `{{ .Capabilities.KubeVersion }}` prints (pointer receiver, as in Helm: fmt
// finds it because the field is addressable).
func (kv *KubeVersion) String() string { return kv.Version }

// GitVersion is the same version string, kept by Helm for compatibility.
func (kv *KubeVersion) GitVersion() string { return kv.Version }

// VersionSet is the list of API versions ("apps/v1", ...) the cluster serves.
type VersionSet []string

// Has reports whether apiVersion is in the set.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// DefaultAPIVersions is the fixed list used when a request gives none. Helm's own default is
// every version client-go knows; the engine under test uses this shorter list, and both sides
// must agree, so it is part of the request contract.
func DefaultAPIVersions() VersionSet {
	return VersionSet{
		"v1",
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
		"storage.k8s.io/v1",
	}
}

// DefaultCapabilities is `helm template` without --kube-version or a cluster.
func DefaultCapabilities() *Capabilities {
	return &Capabilities{
		KubeVersion: KubeVersion{Version: "v1.20.0", Major: "1", Minor: "20"},
		APIVersions: DefaultAPIVersions(),
		HelmVersion: version.Default(),
	}
}

// ParseKubeVersion reads a --kube-version argument as Helm does (semver; "1.28" is v1.28.0).
// Strings semver rejects are padded to three dot-separated parts instead of failing, so that the
// oracle answers every request the engine under test accepts.
func ParseKubeVersion(s string) KubeVersion {
	if sv, err := semver.NewVersion(s); err == nil {
		return KubeVersion{
			Version: "v" + sv.String(),
			Major:   strconv.FormatUint(sv.Major(), 10),
			Minor:   strconv.FormatUint(sv.Minor(), 10),
		}
	}
	bare := strings.TrimPrefix(s, "v")
	parts := strings.SplitN(bare, ".", 3)
	kv := KubeVersion{Version: "v" + bare, Major: parts[0], Minor: "0"}
	if len(parts) > 1 {
		kv.Minor = parts[1]
	}
	switch strings.Count(bare, ".") {
	case 0:
		kv.Version += ".0.0"
	case 1:
		kv.Version += ".0"
	}
	return kv
}
