// A Helm-engine render of a set of templates, in the request/response JSON shape of the
// gotemplate oracle (oracle/README.md), so that both can be compared
// byte for byte. Also the building blocks Helm's engine uses around text/template: its template
// order, its top-level data (.Values/.Release/.Chart/.Capabilities/.Files/.Template) and its
// rewriting of parse and execution errors.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "render/gotemplate/template.h"

namespace flotilla::gotemplate {

// Helm's order: deeper paths first, then reverse lexicographic (sort.Reverse(byPathLen)).
std::vector<std::string> HelmTemplateOrder(std::vector<std::string> names);

// "parse error at (mychart/templates/x.yaml:3): unexpected ..." (engine.cleanupParseError).
std::string HelmParseError(const std::string& filename, const std::string& go_error);
// "execution error at (x.yaml:3:7): <message of required/fail>", else Go's message unchanged.
std::string HelmExecError(const std::string& filename, const std::string& go_error);

// .Template.BasePath for a template name.
std::string TemplateBasePath(const std::string& name);

// Renders one oracle request; returns the oracle's response object
// ({"output"|"outputs", "error", "error_kind"}).
Json RenderRequest(const Json& request);

}  // namespace flotilla::gotemplate
