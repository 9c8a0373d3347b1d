// .helmignore rules as Helm's pkg/ignore applies them when loading a chart directory: one
// filepath.Match pattern per line, "#" comments, "!" negation, a trailing "/" for directories,
// patterns without "/" matched against the base name only, "**" refused, and the default rule
// "templates/.?*" (dotfiles in templates/).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace flotilla::helm {

class IgnoreRules {
 public:
  // Parses a .helmignore file's text; a bad line is an error naming its line number.
  static StatusOr<IgnoreRules> Parse(const std::string& text);
  // The rules of a chart without a .helmignore.
  static IgnoreRules Defaults();
  // True when `path` (relative, '/'-separated) is ignored; `is_dir` for directories.
  bool Ignore(const std::string& path, bool is_dir) const;

 private:
  struct Pattern {
    std::string rule;  // without "!", trailing "/" and leading "/"
    bool negate = false, must_dir = false, base_only = false;
  };
  Status Add(std::string line);
  std::vector<Pattern> patterns_;
};

// Go's filepath.Match with '/' as the separator; false with *error set on a bad pattern.
bool GoPathMatch(const std::string& pattern, const std::string& name, bool* error);

}  // namespace flotilla::helm
