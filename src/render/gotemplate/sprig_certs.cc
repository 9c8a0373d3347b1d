#include "render/gotemplate/funcs.h"
namespace flotilla::gotemplate {
void RegisterSprigCerts(FuncMap*) {}
}  // namespace flotilla::gotemplate
