// A standalone `kustomize build` for tests and benchmarks (the flotilla CLI wires the same).
#include <cstring>
#include <iostream>

#include "render/kustomize/kustomize.h"

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "build") != 0) {
    std::cerr << "Usage: flotilla-kustomize build [DIR]\n";
    return 1;
  }
  return flotilla::kustomize::RunKustomizeBuild(argc - 2, argv + 2);
}
