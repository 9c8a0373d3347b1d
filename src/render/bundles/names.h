// Bundle names exactly as Fleet derives them (rancher/fleet internal/names/name.go), so a Fleet
// user moving to flotilla sees the same Bundle names.
#pragma once

#include <string>

namespace flotilla::render {

// The first `length` hex digits of md5(s) (Fleet's names.Hex).
std::string NameHex(const std::string& s, int length);

// Fleet's names.Limit: s unchanged if it has at most `count` bytes; otherwise its first
// count-6 bytes, "-" (dropped when that prefix already ends in "-") and NameHex(s, 5).
// Counts of 6 or less just truncate.
std::string LimitName(const std::string& s, int count);

// Fleet's names.HelmReleaseName: "/" becomes "-"; if the result has upper case or characters
// outside [a-zA-Z0-9-], "-" + NameHex(result, 8) is appended before cleaning; then lower case,
// runs of other characters become "-", dashes collapse and are trimmed at both ends, and the
// name is limited to 53 bytes (Helm's release-name limit). A name that is still not a valid
// DNS label becomes NameHex(input, 24).
std::string HelmReleaseName(const std::string& s);

// The name of the Bundle for directory `dir` (as walked, relative to the repository root; "" or
// "." for the root) of GitRepo `gitrepo`: HelmReleaseName(filepath.Join(gitrepo, dir)), as in
// Fleet's internal/cmd/cli/apply/apply.go (bundleFromDir).
std::string BundleName(const std::string& gitrepo, const std::string& dir);

}  // namespace flotilla::render
