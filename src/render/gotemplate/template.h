// Go text/template with Sprig v3 and Helm's functions, behaving like Helm's engine: templates
// parsed into one set (defines visible to all), executed with missingkey=zero (or error in strict
// mode), `include`/`tpl`/`required`/`fail`, and bounded output, nesting and recursion.
//
// Typical use:
//   TemplateSet set;
//   RETURN_IF_ERROR(set.Parse("mychart/templates/x.yaml", text));
//   ASSIGN_OR_RETURN(std::string out, set.Execute("mychart/templates/x.yaml", data, {}));
//
// Errors carry Go's messages ("template: x.yaml:3:7: executing \"x.yaml\" at <.Values.a.b>:
// nil pointer evaluating interface {}.b"). Not thread-safe for Parse; Execute is const and may
// run concurrently on one set.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "render/gotemplate/ast.h"
#include "render/gotemplate/value.h"

namespace flotilla::gotemplate {

struct ExecOptions {
  bool strict = false;                 // missingkey=error (helm --strict)
  size_t max_output_bytes = 64 << 20;  // one Execute's output
  int max_template_depth = 10000;      // nested {{template}}/include/tpl calls
  int max_include_recursion = 1000;    // Helm's per-name include limit
  bool replace_no_value = true;        // Helm replaces "<no value>" with "" in outputs
};

// Runs `fn` on a thread with a 1 GiB (lazily committed) stack, or inline when already on one.
// Execute uses it so that deep but bounded recursion (include chains up to Helm's limit) cannot
// overflow the caller's stack; callers executing many templates can wrap the whole batch once.
void RunOnLargeStack(std::function<void()> fn);

class TemplateSet {
 public:
  TemplateSet();
  ~TemplateSet();
  TemplateSet(const TemplateSet&) = delete;
  TemplateSet& operator=(const TemplateSet&) = delete;

  // Parses `text` as template `name` (and its {{define}}s). Go's message on error.
  Status Parse(const std::string& name, std::string text);
  bool Has(const std::string& name) const;

  // Executes template `name` with `data` as dot (and $).
  StatusOr<std::string> Execute(const std::string& name, const Value& data,
                                const ExecOptions& options = {}) const;

 private:
  friend class Executor;
  std::map<std::string, Tree, std::less<>> trees_;
};

}  // namespace flotilla::gotemplate
