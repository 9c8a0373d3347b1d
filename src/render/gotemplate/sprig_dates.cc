// Sprig v3 date functions.
#include "render/gotemplate/funcs.h"

namespace flotilla::gotemplate {

void RegisterSprigDates(FuncMap* m) { (void)m; }

}  // namespace flotilla::gotemplate
