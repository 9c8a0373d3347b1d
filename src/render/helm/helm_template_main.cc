// flotilla-helm-template NAME CHART [flags]: RunHelmTemplate as a standalone binary.
#include "render/helm/chart.h"

int main(int argc, char** argv) { return flotilla::helm::RunHelmTemplate(argc - 1, argv + 1); }
