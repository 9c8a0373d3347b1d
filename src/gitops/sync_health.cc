#include "gitops/sync_health.h"

#include <algorithm>

#include "core/time.h"
#include "git/remote.h"
#include "model/gitrepo.h"

namespace flotilla::gitops {

StatusOr<SyncHealth> ComputeSyncHealth(store::Store& store) {
  ASSIGN_OR_RETURN(store::ListResult list, store.List(model::GitRepoType(), {}));
  SyncHealth h;
  const auto now = Clock::now();
  for (const Json& g : list.items) {
    h.gitrepos++;
    const Json st = g.value("status", Json::object());
    auto spec = model::ParseGitRepoSpec(g.value("spec", Json()));
    if (!spec.ok()) continue;
    Clock::time_point created{}, last_poll{};
    ParseRfc3339(g["metadata"].value("creationTimestamp", ""), &created);
    bool polled = ParseRfc3339(st.value("lastPollingTriggered", ""), &last_poll);
    const int64_t generation = g["metadata"].value("generation", int64_t{0});
    if (!spec->paused) {
      bool synced = st.value("commit", "") == st.value("pollingCommit", "") &&
                    !st.value("pollingCommit", "").empty() &&
                    st.value("observedGeneration", int64_t{0}) == generation;
      if (git::IsCommitId(spec->revision))
        synced = st.value("commit", "") == spec->revision &&
                 st.value("observedGeneration", int64_t{0}) == generation;
      if (!synced) {
        h.unsynced++;
        auto since = polled ? last_poll : created;
        h.oldest_unsynced_seconds =
            std::max(h.oldest_unsynced_seconds, std::chrono::duration<double>(now - since).count());
      }
    }
    if (!spec->disable_polling && !git::IsCommitId(spec->revision)) {
      auto due = (polled ? last_poll : created) +
                 std::chrono::duration_cast<Clock::duration>(spec->polling_interval * 1.1);
      h.most_overdue_poll_seconds =
          std::max(h.most_overdue_poll_seconds, std::chrono::duration<double>(now - due).count());
    }
  }
  return h;
}

}  // namespace flotilla::gitops
