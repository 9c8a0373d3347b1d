#include "git/refs.h"

namespace flotilla::git {

StatusOr<std::vector<RemoteRef>> ListRefsHttp(const RemoteSpec& spec,
                                              const std::vector<std::string>& wanted) {
  return ListRefsLibgit2(spec, wanted);
}

}  // namespace flotilla::git
