// Private to src/git: libgit2 set-up, per-call network deadlines, remote callbacks (credentials,
// host/certificate checks) and the mapping of libgit2 errors to Status.
#pragma once

#include <git2.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "git/remote.h"

namespace flotilla::git::lg2 {

// Initialises libgit2 once per process (and installs the socket stream that enforces Timeouts).
void EnsureInit();

using Clock = std::chrono::steady_clock;

// While alive, bounds the network operations libgit2 makes on this thread: connects by
// timeouts.connect, each read/write by timeouts.idle, and everything by timeouts.total.
// Scopes nest (the inner one wins until it ends).
class NetScope {
 public:
  explicit NetScope(const Timeouts& timeouts);
  ~NetScope();
  NetScope(const NetScope&) = delete;
  NetScope& operator=(const NetScope&) = delete;

  const Timeouts& timeouts() const { return timeouts_; }
  Clock::time_point deadline() const { return deadline_; }
  bool Expired() const { return Clock::now() >= deadline_; }
  // Set when a connect/read/write ran out of time (by the stream, or by the watchdog that shuts
  // down sockets still open at the deadline).
  bool TimedOut() const { return timed_out_->load(); }
  void MarkTimedOut() { *timed_out_ = true; }
  const std::shared_ptr<std::atomic<bool>>& timed_out_flag() const { return timed_out_; }

  // The innermost scope of this thread, or nullptr.
  static NetScope* Current();

 private:
  Timeouts timeouts_;
  Clock::time_point deadline_;
  std::shared_ptr<std::atomic<bool>> timed_out_ = std::make_shared<std::atomic<bool>>(false);
  NetScope* outer_;
};

// What the remote callbacks need, and what they observed (for error mapping).
struct CallbackState {
  explicit CallbackState(const RemoteSpec& s);
  const RemoteSpec& spec;
  std::string redacted_url;
  int credential_calls = 0;
  bool no_credentials = false;    // the server asked, and we had none of the kind it wants
  bool auth_rejected = false;     // the server asked again after we answered
  std::string certificate_error;  // why a host key / certificate was refused
  bool cancelled_by_deadline = false;
};

// Fills credentials, certificate_check and transfer_progress callbacks; payload = `state`.
void SetCallbacks(git_remote_callbacks* callbacks, CallbackState* state);

// Turns a failed libgit2 call (rc < 0) into a Status whose message says what was being done
// (`what`, e.g. "cannot fetch"), names the redacted URL, and never contains a credential.
Status ErrorStatus(int rc, const CallbackState& state, std::string_view what);

// Removes credentials (the spec's password/username/key and any URL userinfo) from `text`.
std::string Scrub(std::string_view text, const RemoteSpec& spec);

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p) Free(p);
  }
};
using RepoPtr = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using RemotePtr = std::unique_ptr<git_remote, Deleter<git_remote, git_remote_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using CommitPtr = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using BlobPtr = std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, Deleter<git_tree_entry, git_tree_entry_free>>;
using OdbPtr = std::unique_ptr<git_odb, Deleter<git_odb, git_odb_free>>;

std::string OidHex(const git_oid* oid);
// The last libgit2 error message on this thread ("" if none).
std::string LastErrorMessage();

}  // namespace flotilla::git::lg2
