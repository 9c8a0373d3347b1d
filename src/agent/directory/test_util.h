// Helpers for the directory applier's tests: temporary apply dirs, objects, and tree snapshots.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "core/json.h"

namespace flotilla::agent::directory::testutil {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "flotilla-applier-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string apply_dir() const { return (path_ / "apply").string(); }

 private:
  std::filesystem::path path_;
};

inline Json ConfigMap(const std::string& ns, const std::string& name, const std::string& value) {
  return Json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"data", {{"key", value}}}};
}

inline Json Deployment(const std::string& ns, const std::string& name, int replicas) {
  return Json{{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"spec", {{"replicas", replicas}}}};
}

inline Json Namespace(const std::string& name) {
  return Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
}

inline std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every regular file under `root` (relative path -> content). With `objects_only`, the state dir
// (.flotilla) is left out.
inline std::map<std::string, std::string> Snapshot(const std::filesystem::path& root,
                                                   bool objects_only = true) {
  std::map<std::string, std::string> out;
  if (!std::filesystem::exists(root)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::string rel = std::filesystem::relative(e.path(), root).string();
    if (objects_only && rel.starts_with(".flotilla/")) continue;
    out[rel] = ReadText(e.path());
  }
  return out;
}

}  // namespace flotilla::agent::directory::testutil
