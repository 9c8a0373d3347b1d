// Internal to render/patch: where a merge is in the document, as a chain of stack-allocated
// segments ("spec.template" is {{{nullptr, ""}, "spec"}, "template"}), rendered only when an
// error message needs it. Building the path string at every level instead costs O(depth²)
// memory, which a deeply nested patch turns into gigabytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace flotilla::patch {

struct Path {
  const Path* parent = nullptr;
  std::string_view segment;  // a field name, or a list selector such as `[name="x"]`
  bool selector = false;     // appended without a dot
  size_t depth = 0;

  // REQUIRES: `name` outlives the returned Path.
  Path Field(std::string_view name) const { return Path{this, name, false, depth + 1}; }
  Path Selector(std::string_view text) const { return Path{this, text, true, depth + 1}; }

  std::string Str() const {
    std::vector<const Path*> chain;
    for (const Path* p = this; p != nullptr && p->parent != nullptr; p = p->parent)
      chain.push_back(p);
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if (!out.empty() && !(*it)->selector) out += '.';
      out += (*it)->segment;
    }
    return out;
  }
};

}  // namespace flotilla::patch
