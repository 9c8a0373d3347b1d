// `flotilla kustomize build DIR`: kustomize build over a directory on disk.
// GCC 12 reports a false -Wrestrict for std::string code inlined here (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#include <cstring>
#include <iostream>

#include "render/kustomize/kustomize.h"

namespace flotilla::kustomize {

int RunKustomizeBuild(int argc, char** argv) {
  std::string dir;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << "Usage: flotilla kustomize build [DIR]\n"
                   "Builds the kustomization in DIR (default \".\") as `kustomize build` does "
                   "and prints the objects as YAML.\n";
      return 0;
    }
    if (!a.empty() && a[0] == '-') {
      std::cerr << "Error: unknown flag: " << a << "\n";
      return 1;
    }
    if (!dir.empty()) {
      std::cerr << "Error: specify one path to a kustomization directory\n";
      return 1;
    }
    dir = a;
  }
  if (dir.empty()) dir = ".";
  auto tree = render::OpenDiskTree(dir);
  auto objects = Build(*tree, "", BuildLimits{});
  if (!objects.ok()) {
    std::cerr << "Error: " << objects.status().message() << "\n";
    return 1;
  }
  std::cout << ToYaml(*objects);
  return 0;
}

}  // namespace flotilla::kustomize
