// The "lost sync" alarms, computed from the store alone (so they also catch a controller that
// forgot a GitRepo): how long the oldest GitRepo has waited for a sync of a commit it already
// polled, and how far the most overdue poll is past its due time.
#pragma once

#include "store/store.h"

namespace flotilla::gitops {

struct SyncHealth {
  int gitrepos = 0;
  int unsynced = 0;                    // unpaused, desired != synced
  double oldest_unsynced_seconds = 0;  // since the poll that saw the unsynced commit
  double most_overdue_poll_seconds =
      0;  // past lastPollingTriggered + pollingInterval (+10 % jitter)
};

StatusOr<SyncHealth> ComputeSyncHealth(store::Store& store);

}  // namespace flotilla::gitops
