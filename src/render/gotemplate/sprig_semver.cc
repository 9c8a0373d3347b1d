// Sprig v3 semver functions (Masterminds/semver v3).
#include "render/gotemplate/funcs.h"

namespace flotilla::gotemplate {

void RegisterSprigSemver(FuncMap* m) { (void)m; }

}  // namespace flotilla::gotemplate
