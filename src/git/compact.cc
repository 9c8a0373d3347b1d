#include "git/compact.h"

#include <filesystem>
#include <vector>

#include "git/lg2.h"

namespace flotilla::git {
namespace fs = std::filesystem;

namespace {

using RevwalkPtr = std::unique_ptr<git_revwalk, lg2::Deleter<git_revwalk, git_revwalk_free>>;
using PackbuilderPtr =
    std::unique_ptr<git_packbuilder, lg2::Deleter<git_packbuilder, git_packbuilder_free>>;
using RefIterPtr =
    std::unique_ptr<git_reference_iterator,
                    lg2::Deleter<git_reference_iterator, git_reference_iterator_free>>;
using RefPtr = std::unique_ptr<git_reference, lg2::Deleter<git_reference, git_reference_free>>;

Status Error(const std::string& dir, const char* what) {
  return Internal(std::string("cannot compact ") + dir + ": " + what + ": " +
                  lg2::LastErrorMessage());
}

}  // namespace

size_t PackCount(const std::string& dir) {
  std::error_code ec;
  size_t n = 0;
  for (fs::directory_iterator it(dir + "/objects/pack", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() == ".pack") ++n;
  }
  return n;
}

Status CompactPacks(git_repository* repo, const std::string& dir) {
  std::vector<fs::path> old_files;
  std::error_code ec;
  for (fs::directory_iterator it(dir + "/objects/pack", ec), end; !ec && it != end;
       it.increment(ec)) {
    old_files.push_back(it->path());
  }
  git_packbuilder* raw_pb = nullptr;
  if (git_packbuilder_new(&raw_pb, repo) < 0) return Error(dir, "packbuilder");
  PackbuilderPtr pb(raw_pb);
  git_revwalk* raw_walk = nullptr;
  if (git_revwalk_new(&raw_walk, repo) < 0) return Error(dir, "revwalk");
  RevwalkPtr walk(raw_walk);
  // Commits (with their trees and blobs) reachable from any ref, plus annotated tag objects.
  git_reference_iterator* raw_iter = nullptr;
  if (git_reference_iterator_new(&raw_iter, repo) < 0) return Error(dir, "refs");
  RefIterPtr iter(raw_iter);
  git_reference* raw_ref = nullptr;
  while (git_reference_next(&raw_ref, iter.get()) == 0) {
    RefPtr ref(raw_ref);
    const git_oid* target = git_reference_target(ref.get());
    if (!target) continue;  // symbolic
    git_object* obj = nullptr;
    if (git_object_lookup(&obj, repo, target, GIT_OBJECT_ANY) < 0) continue;
    lg2::ObjectPtr object(obj);
    if (git_object_type(obj) == GIT_OBJECT_TAG) {
      if (git_packbuilder_insert(pb.get(), target, nullptr) < 0) return Error(dir, "insert tag");
    }
    git_object* peeled = nullptr;
    if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0) {
      lg2::ObjectPtr commit(peeled);
      if (git_revwalk_push(walk.get(), git_object_id(peeled)) < 0) return Error(dir, "walk");
    }
  }
  if (git_packbuilder_insert_walk(pb.get(), walk.get()) < 0) return Error(dir, "insert");
  if (git_packbuilder_write(pb.get(), nullptr, 0, nullptr, nullptr) < 0) {
    return Error(dir, "write");
  }
  std::string keep = std::string("pack-") + git_packbuilder_name(pb.get());
  for (const fs::path& p : old_files) {
    if (p.stem().string() != keep) fs::remove(p, ec);
  }
  // Loose objects are all in the new pack now (or unreachable).
  for (fs::directory_iterator it(dir + "/objects", ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() == 2 && it->is_directory()) fs::remove_all(it->path(), ec);
  }
  return Status::Ok();
}

}  // namespace flotilla::git
