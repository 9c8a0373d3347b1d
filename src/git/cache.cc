#include "git/cache.h"

#include <git2.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <utime.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>

#include "core/log.h"
#include "git/compact.h"
#include "git/lg2.h"
#include "git/refs.h"
#include "git/snapshot_impl.h"
#include "git/url.h"

namespace flotilla::git {
namespace fs = std::filesystem;

namespace {

// Packs a cached repository may hold before they are merged into one.
constexpr size_t kMaxPacks = 16;

std::string Sha256Hex(std::string_view s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

// "github.com-org-repo-0123456789abcdef": readable, and unique by the hash.
std::string DirName(const std::string& normalized) {
  std::string slug;
  size_t start = normalized.find("://");
  for (char c : normalized.substr(start == std::string::npos ? 0 : start + 3)) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_';
    if (ok) {
      slug.push_back(c);
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
    if (slug.size() >= 48) break;
  }
  return slug + "-" + Sha256Hex(normalized).substr(0, 16);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t DiskUsage(const std::string& dir) {
  std::error_code ec;
  uint64_t total = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    if (it->is_regular_file(ec2)) total += it->file_size(ec2);
  }
  return total;
}

std::string RandomSuffix() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  return std::to_string(rd()) + "-" + std::to_string(counter++);
}

// Deletes `dir` so that a crash midway never leaves something that looks like a repository.
void RemoveDir(const std::string& dir) {
  std::error_code ec;
  std::string trash = dir + ".trash-" + RandomSuffix();
  fs::rename(dir, trash, ec);
  fs::remove_all(ec ? dir : trash, ec);
}

}  // namespace

struct RepoEntry {
  std::string dir;
  std::mutex mu;         // serialises open/fetch/evict of this repository
  bool evicted = false;  // guarded by mu
  std::atomic<int> live{0};
  std::atomic<int64_t> last_used{0};
  std::atomic<uint64_t> size{0};
};

struct Cache::Impl {
  std::string dir;
  CacheOptions options;
  std::mutex mu;                                              // guards `entries`
  std::map<std::string, std::shared_ptr<RepoEntry>> entries;  // by directory name

  std::shared_ptr<RepoEntry> Entry(const std::string& name) {
    std::lock_guard lock(mu);
    auto& e = entries[name];
    if (!e) {
      e = std::make_shared<RepoEntry>();
      e->dir = dir + "/" + name;
    }
    return e;
  }

  void Scan();
  void Evict();
};

void Cache::Impl::Scan() {
  std::error_code ec;
  fs::create_directories(dir, ec);
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.find(".trash-") != std::string::npos || name.find(".tmp-") != std::string::npos) {
      RemoveDir(it->path().string());  // left over by a crash
      continue;
    }
    if (!it->is_directory()) continue;
    auto e = Entry(name);
    e->size = DiskUsage(e->dir);
    struct stat st {};
    if (stat(e->dir.c_str(), &st) == 0) e->last_used = int64_t{st.st_mtime} * 1000;
  }
}

void Cache::Impl::Evict() {
  if (options.max_bytes == 0) return;
  std::vector<std::shared_ptr<RepoEntry>> victims;
  {
    std::lock_guard lock(mu);
    uint64_t total = 0;
    std::vector<std::pair<std::string, std::shared_ptr<RepoEntry>>> all(entries.begin(),
                                                                        entries.end());
    for (auto& [name, e] : all) total += e->size;
    if (total <= options.max_bytes) return;
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.second->last_used < b.second->last_used;
    });
    for (auto& [name, e] : all) {
      if (total <= options.max_bytes) break;
      if (e->live > 0 || !e->mu.try_lock()) continue;
      e->evicted = true;
      total -= std::min<uint64_t>(total, e->size);
      entries.erase(name);
      victims.push_back(e);
    }
  }
  for (auto& e : victims) {
    log::Info("git cache: evicting least recently used repository",
              {{"dir", e->dir}, {"bytes", std::to_string(e->size.load())}});
    RemoveDir(e->dir);
    e->mu.unlock();
  }
}

namespace {

// Opens the bare repository at `dir`, creating it (atomically) if missing or unusable.
StatusOr<lg2::RepoPtr> OpenOrInit(const std::string& dir, const std::string& url) {
  git_repository* raw = nullptr;
  if (git_repository_open_bare(&raw, dir.c_str()) == 0) return lg2::RepoPtr(raw);
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    log::Warn("git cache: discarding unusable cached repository",
              {{"url", url}, {"dir", dir}, {"error", lg2::LastErrorMessage()}});
    RemoveDir(dir);
  }
  std::string tmp = dir + ".tmp-" + RandomSuffix();
  if (git_repository_init(&raw, tmp.c_str(), /*is_bare=*/1) < 0) {
    return Internal("cannot create cache repository " + dir + ": " + lg2::LastErrorMessage());
  }
  git_repository_free(raw);
  fs::rename(tmp, dir, ec);
  if (ec) {
    RemoveDir(tmp);
    return Internal("cannot create cache repository " + dir + ": " + ec.message());
  }
  if (git_repository_open_bare(&raw, dir.c_str()) < 0) {
    return Internal("cannot open cache repository " + dir + ": " + lg2::LastErrorMessage());
  }
  return lg2::RepoPtr(raw);
}

bool HasObject(git_repository* repo, const git_oid* oid) {
  git_odb* raw = nullptr;
  if (git_repository_odb(&raw, repo) < 0) return false;
  lg2::OdbPtr odb(raw);
  git_odb_refresh(odb.get());  // see packs written by earlier fetches through other handles
  return git_odb_exists(odb.get(), oid) == 1;
}

Status Fetch(git_repository* repo, const RemoteSpec& spec, const std::vector<std::string>& specs) {
  lg2::NetScope scope(spec.timeouts);
  lg2::CallbackState state(spec);
  git_remote* raw = nullptr;
  git_remote_create_options create = GIT_REMOTE_CREATE_OPTIONS_INIT;
  create.repository = repo;
  // No url.insteadOf rewriting (also avoids a per-call leak in libgit2 1.5's config regexes).
  create.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  if (git_remote_create_with_opts(&raw, spec.url.c_str(), &create) < 0) {
    return InvalidArgument("invalid git URL \"" + RedactUrl(spec.url) + "\"");
  }
  lg2::RemotePtr remote(raw);
  git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
  lg2::SetCallbacks(&opts.callbacks, &state);
  opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  opts.prune = GIT_FETCH_NO_PRUNE;
  opts.update_fetchhead = 0;
  std::vector<char*> ptrs;
  for (const auto& s : specs) ptrs.push_back(const_cast<char*>(s.c_str()));
  git_strarray refspecs{ptrs.data(), ptrs.size()};
  int rc = git_remote_fetch(remote.get(), &refspecs, &opts, nullptr);
  if (rc < 0) return lg2::ErrorStatus(rc, state, "cannot fetch from");
  return Status::Ok();
}

}  // namespace

Cache::Cache(std::string dir, CacheOptions options) : impl_(std::make_unique<Impl>()) {
  lg2::EnsureInit();
  impl_->dir = std::move(dir);
  impl_->options = options;
  impl_->Scan();
}

Cache::~Cache() = default;

StatusOr<std::string> Cache::RepoDir(std::string_view url) const {
  ASSIGN_OR_RETURN(std::string normalized, NormalizeUrl(url));
  return impl_->dir + "/" + DirName(normalized);
}

uint64_t Cache::SizeBytes() const {
  std::lock_guard lock(impl_->mu);
  uint64_t total = 0;
  for (auto& [name, e] : impl_->entries) total += e->size;
  return total;
}

StatusOr<std::shared_ptr<Snapshot>> Cache::Open(const RemoteSpec& spec, const std::string& commit) {
  ASSIGN_OR_RETURN(std::string normalized, NormalizeUrl(spec.url));
  if (!IsCommitId(commit)) return InvalidArgument("invalid commit id \"" + commit + "\"");
  git_oid oid;
  git_oid_fromstr(&oid, commit.c_str());
  const std::string url = RedactUrl(spec.url);
  const std::string name = DirName(normalized);
  for (;;) {
    std::shared_ptr<RepoEntry> entry = impl_->Entry(name);
    std::unique_lock lock(entry->mu);
    if (entry->evicted) continue;  // raced with eviction: take the new entry
    ASSIGN_OR_RETURN(lg2::RepoPtr repo, OpenOrInit(entry->dir, url));
    bool fetched = false;
    if (!HasObject(repo.get(), &oid)) {
      // First the refs the spec names (cheap, usually enough), then every branch and tag.
      std::vector<std::string> specs;
      auto wanted = WantedRefs(spec);
      if (wanted.ok()) {
        for (const auto& ref : *wanted) specs.push_back("+" + ref + ":" + ref);
      }
      log::Info("git cache: fetching", {{"url", url}, {"commit", commit}});
      if (!specs.empty()) RETURN_IF_ERROR(Fetch(repo.get(), spec, specs));
      if (!HasObject(repo.get(), &oid)) {
        RETURN_IF_ERROR(
            Fetch(repo.get(), spec, {"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}));
      }
      fetched = true;
      if (!HasObject(repo.get(), &oid)) {
        return NotFound("commit " + commit + " not found on " + url +
                        " (not reachable from any branch or tag)");
      }
    }
    if (fetched && entry->live == 0 && PackCount(entry->dir) > kMaxPacks) {
      // One pack per fetch would slow every lookup down over time: merge them while no
      // snapshot reads this repository (a failure only costs speed).
      Status st = CompactPacks(repo.get(), entry->dir);
      if (!st.ok()) log::Warn("git cache: compaction failed", {{"error", st.message()}});
    }
    entry->last_used = NowMs();
    utime(entry->dir.c_str(), nullptr);  // persists LRU order across restarts
    if (fetched) entry->size = DiskUsage(entry->dir);
    // The pin keeps the entry from eviction while the snapshot lives.
    entry->live++;
    std::shared_ptr<void> pin(nullptr, [entry](void*) { entry->live--; });
    auto snapshot = MakeSnapshot(entry->dir, commit, url, std::move(pin));
    lock.unlock();
    if (fetched) impl_->Evict();
    return snapshot;
  }
}

}  // namespace flotilla::git
