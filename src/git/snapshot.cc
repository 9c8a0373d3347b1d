#include <git2.h>

#include <algorithm>
#include <vector>

#include "git/cache.h"
#include "git/snapshot_impl.h"

namespace flotilla::git {
namespace {

constexpr int kMaxSymlinkHops = 16;

// Splits `path` into components, resolving "." and ".." lexically on top of `base`.
// InvalidArgument for absolute paths and for ".." above the root.
Status AppendPath(std::string_view path, std::vector<std::string>* comps, std::string_view what) {
  if (!path.empty() && path.front() == '/') {
    return InvalidArgument(std::string(what) + " \"" + std::string(path) +
                           "\" is absolute; paths are relative to the repository root");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view c = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (c == "..") {
      if (comps->empty()) {
        return InvalidArgument(std::string(what) + " \"" + std::string(path) +
                               "\" leads outside the repository");
      }
      comps->pop_back();
    } else if (!c.empty() && c != ".") {
      comps->emplace_back(c);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

std::string Join(const std::vector<std::string>& comps, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && i < comps.size(); ++i) {
    if (i) out += '/';
    out += comps[i];
  }
  return out;
}

EntryMode ModeOf(git_filemode_t m) {
  switch (m) {
    case GIT_FILEMODE_BLOB_EXECUTABLE:
      return EntryMode::kExecutable;
    case GIT_FILEMODE_LINK:
      return EntryMode::kSymlink;
    case GIT_FILEMODE_TREE:
      return EntryMode::kDirectory;
    case GIT_FILEMODE_COMMIT:
      return EntryMode::kSubmodule;
    default:
      return EntryMode::kRegular;
  }
}

// The object a path names: the root tree, or one tree entry.
struct Resolved {
  git_filemode_t mode = GIT_FILEMODE_TREE;
  git_oid oid{};
  std::string path;
};

class Resolver {
 public:
  explicit Resolver(const Snapshot::Impl& s) : s_(s) {}

  // REQUIRES: s_.mu held.
  StatusOr<Resolved> Resolve(std::string_view path, bool follow_last) {
    std::vector<std::string> comps;
    RETURN_IF_ERROR(AppendPath(path, &comps, "path"));
    int hops = 0;
    return Walk(std::move(comps), follow_last, &hops, path);
  }

 private:
  StatusOr<Resolved> Walk(std::vector<std::string> comps, bool follow_last, int* hops,
                          std::string_view original) {
    Resolved r;
    git_oid_cpy(&r.oid, git_tree_id(s_.root.get()));
    const git_tree* tree = s_.root.get();
    lg2::TreePtr owned;
    for (size_t i = 0; i < comps.size(); ++i) {
      bool last = i + 1 == comps.size();
      const git_tree_entry* e = git_tree_entry_byname(tree, comps[i].c_str());
      if (!e) {
        return NotFound("\"" + Join(comps, i + 1) + "\" not found in commit " + s_.commit);
      }
      git_filemode_t mode = git_tree_entry_filemode(e);
      if (mode == GIT_FILEMODE_LINK && (!last || follow_last)) {
        if (++*hops > kMaxSymlinkHops) {
          return InvalidArgument("too many levels of symbolic links resolving \"" +
                                 std::string(original) + "\"");
        }
        git_blob* raw = nullptr;
        if (git_blob_lookup(&raw, s_.repo.get(), git_tree_entry_id(e)) < 0) {
          return Internal("cannot read symlink \"" + Join(comps, i + 1) +
                          "\": " + lg2::LastErrorMessage());
        }
        lg2::BlobPtr blob(raw);
        std::string target(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                           static_cast<size_t>(git_blob_rawsize(blob.get())));
        std::vector<std::string> next(comps.begin(), comps.begin() + static_cast<long>(i));
        RETURN_IF_ERROR(AppendPath(target, &next, "symlink \"" + Join(comps, i + 1) + "\" target"));
        next.insert(next.end(), comps.begin() + static_cast<long>(i) + 1, comps.end());
        return Walk(std::move(next), follow_last, hops, original);
      }
      if (last) {
        r.mode = mode;
        git_oid_cpy(&r.oid, git_tree_entry_id(e));
        r.path = Join(comps, comps.size());
        return r;
      }
      if (mode != GIT_FILEMODE_TREE) {
        return NotFound("\"" + Join(comps, i + 1) + "\" is not a directory in commit " + s_.commit);
      }
      git_tree* sub = nullptr;
      if (git_tree_lookup(&sub, s_.repo.get(), git_tree_entry_id(e)) < 0) {
        return Internal("cannot read tree \"" + Join(comps, i + 1) +
                        "\": " + lg2::LastErrorMessage());
      }
      owned.reset(sub);
      tree = sub;
    }
    return r;  // the root
  }

  const Snapshot::Impl& s_;
};

uint64_t BlobSize(git_odb* odb, const git_oid* oid) {
  size_t len = 0;
  git_object_t type;
  if (git_odb_read_header(&len, &type, odb, oid) < 0) return 0;
  return len;
}

Status NotADirectory(const Resolved& r, std::string_view dir) {
  return FailedPrecondition("\"" + std::string(dir) + "\" is not a directory");
}

}  // namespace

Snapshot::Snapshot(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Snapshot::~Snapshot() = default;

const std::string& Snapshot::commit() const { return impl_->commit; }
const std::string& Snapshot::url() const { return impl_->url; }

StatusOr<std::vector<Entry>> Snapshot::List(std::string_view dir) const {
  std::lock_guard lock(impl_->mu);
  ASSIGN_OR_RETURN(Resolved r, Resolver(*impl_).Resolve(dir, true));
  if (r.mode != GIT_FILEMODE_TREE) return NotADirectory(r, dir);
  git_tree* raw = nullptr;
  if (git_tree_lookup(&raw, impl_->repo.get(), &r.oid) < 0) {
    return Internal("cannot read tree \"" + r.path + "\": " + lg2::LastErrorMessage());
  }
  lg2::TreePtr tree(raw);
  std::vector<Entry> out;
  size_t n = git_tree_entrycount(tree.get());
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(tree.get(), i);
    Entry entry;
    entry.name = git_tree_entry_name(e);
    entry.path = r.path.empty() ? entry.name : r.path + "/" + entry.name;
    entry.mode = ModeOf(git_tree_entry_filemode(e));
    entry.id = lg2::OidHex(git_tree_entry_id(e));
    if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
      entry.size = BlobSize(impl_->odb.get(), git_tree_entry_id(e));
    }
    out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return out;
}

namespace {
struct WalkState {
  std::string prefix;
  git_odb* odb;
  std::vector<Entry>* out;
};

int WalkCallback(const char* root, const git_tree_entry* e, void* payload) {
  auto* w = static_cast<WalkState*>(payload);
  Entry entry;
  entry.name = git_tree_entry_name(e);
  std::string rel = std::string(root) + entry.name;
  entry.path = w->prefix.empty() ? rel : w->prefix + "/" + rel;
  entry.mode = ModeOf(git_tree_entry_filemode(e));
  entry.id = lg2::OidHex(git_tree_entry_id(e));
  if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
    entry.size = BlobSize(w->odb, git_tree_entry_id(e));
  w->out->push_back(std::move(entry));
  return 0;
}
}  // namespace

StatusOr<std::vector<Entry>> Snapshot::Walk(std::string_view dir) const {
  std::lock_guard lock(impl_->mu);
  ASSIGN_OR_RETURN(Resolved r, Resolver(*impl_).Resolve(dir, true));
  if (r.mode != GIT_FILEMODE_TREE) return NotADirectory(r, dir);
  git_tree* raw = nullptr;
  if (git_tree_lookup(&raw, impl_->repo.get(), &r.oid) < 0) {
    return Internal("cannot read tree \"" + r.path + "\": " + lg2::LastErrorMessage());
  }
  lg2::TreePtr tree(raw);
  std::vector<Entry> out;
  WalkState state{r.path, impl_->odb.get(), &out};
  if (git_tree_walk(tree.get(), GIT_TREEWALK_PRE, WalkCallback, &state) < 0) {
    return Internal("cannot walk tree \"" + r.path + "\": " + lg2::LastErrorMessage());
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.path < b.path; });
  return out;
}

StatusOr<std::string> Snapshot::ReadFile(std::string_view path, uint64_t max_bytes) const {
  std::lock_guard lock(impl_->mu);
  ASSIGN_OR_RETURN(Resolved r, Resolver(*impl_).Resolve(path, true));
  if (r.mode == GIT_FILEMODE_TREE) {
    return FailedPrecondition("\"" + std::string(path) + "\" is a directory, not a file");
  }
  if (r.mode == GIT_FILEMODE_COMMIT) {
    return FailedPrecondition("\"" + std::string(path) + "\" is a submodule, not a file");
  }
  uint64_t size = BlobSize(impl_->odb.get(), &r.oid);
  if (size > max_bytes) {
    return ResourceExhausted("\"" + std::string(path) + "\" is " + std::to_string(size) +
                             " bytes, over the limit of " + std::to_string(max_bytes));
  }
  git_blob* raw = nullptr;
  if (git_blob_lookup(&raw, impl_->repo.get(), &r.oid) < 0) {
    return Internal("cannot read \"" + r.path + "\": " + lg2::LastErrorMessage());
  }
  lg2::BlobPtr blob(raw);
  return std::string(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                     static_cast<size_t>(git_blob_rawsize(blob.get())));
}

StatusOr<std::string> Snapshot::TreeId(std::string_view dir) const {
  std::lock_guard lock(impl_->mu);
  ASSIGN_OR_RETURN(Resolved r, Resolver(*impl_).Resolve(dir, true));
  if (r.mode != GIT_FILEMODE_TREE) return NotADirectory(r, dir);
  return lg2::OidHex(&r.oid);
}

StatusOr<std::shared_ptr<Snapshot>> MakeSnapshot(const std::string& repo_dir,
                                                 const std::string& commit, const std::string& url,
                                                 std::shared_ptr<void> pin) {
  lg2::EnsureInit();
  auto impl = std::make_unique<Snapshot::Impl>();
  impl->commit = commit;
  impl->url = url;
  impl->pin = std::move(pin);
  git_repository* repo = nullptr;
  if (git_repository_open_bare(&repo, repo_dir.c_str()) < 0) {
    return Internal("cannot open cached repository for " + url + ": " + lg2::LastErrorMessage());
  }
  impl->repo.reset(repo);
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo) < 0) {
    return Internal("cannot open object database for " + url + ": " + lg2::LastErrorMessage());
  }
  impl->odb.reset(odb);
  git_oid oid;
  if (git_oid_fromstr(&oid, commit.c_str()) < 0) {
    return InvalidArgument("invalid commit id \"" + commit + "\"");
  }
  git_object* obj = nullptr;
  int rc = git_object_lookup(&obj, repo, &oid, GIT_OBJECT_ANY);
  if (rc == GIT_ENOTFOUND) return NotFound("commit " + commit + " not found in " + url);
  if (rc < 0) return Internal("cannot read commit " + commit + ": " + lg2::LastErrorMessage());
  lg2::ObjectPtr object(obj);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
    return InvalidArgument(commit + " in " + url + " is not a commit");
  }
  lg2::ObjectPtr commit_obj(peeled);
  git_tree* tree = nullptr;
  if (git_commit_tree(&tree, reinterpret_cast<git_commit*>(peeled)) < 0) {
    return Internal("cannot read the tree of commit " + commit + ": " + lg2::LastErrorMessage());
  }
  impl->root.reset(tree);
  impl->commit = lg2::OidHex(git_object_id(peeled));
  return std::make_shared<Snapshot>(std::move(impl));
}

}  // namespace flotilla::git
