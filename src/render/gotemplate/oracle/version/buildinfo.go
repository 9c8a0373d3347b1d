// Package version is named as Helm's internal/version so that `typeOf
// .Capabilities.HelmVersion` prints "version.BuildInfo".
package version

// BuildInfo is .Capabilities.HelmVersion, with Helm's JSON names.
type BuildInfo struct {
	Version      string `json:"version,omitempty"`
	GitCommit    string `json:"git_commit,omitempty"`
	GitTreeState string `json:"git_tree_state,omitempty"`
	GoVersion    string `json:"go_version,omitempty"`
}

// Default is the Helm version the oracle claims to be when a request names none. It is fixed
// (not this binary's Go version) so that answers do not depend on the machine that built it.
func Default() BuildInfo {
	return BuildInfo{Version: "v3.14.4", GitTreeState: "clean", GoVersion: "go1.19.8"}
}
