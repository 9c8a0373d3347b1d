#include "agent/directory/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/directory/layout.h"

namespace flotilla::agent::directory {
namespace fs = std::filesystem;
namespace {

Status Errno(std::string_view op, const fs::path& p, int err) {
  return Unavailable(std::string(op) + " " + p.string() + ": " + std::strerror(err));
}

Status WriteAll(int fd, std::string_view data, const fs::path& p) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", p, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::optional<std::string>> Files::Read(const std::string& rel) const {
  fs::path p = root_ / rel;
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>();
    return Errno("open", p, errno);
  }
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Errno("read", p, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(out));
}

Status Files::SyncDir(const fs::path& dir) const {
  if (!sync_) return Status::Ok();
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("fsync", dir, err);
}

Status Files::EnsureDir(const fs::path& dir) {
  if (dir == root_ || fs::is_directory(dir)) return Status::Ok();
  RETURN_IF_ERROR(EnsureDir(dir.parent_path()));
  if (::mkdir(dir.c_str(), 0755) != 0) {
    if (errno == EEXIST) return Status::Ok();
    if (errno == ENOENT) return EnsureDir(dir);  // the parent was just removed: again
    return Errno("mkdir", dir, errno);
  }
  return SyncDir(dir.parent_path());  // make the new entry durable before files go in it
}

Status Files::WriteAtomic(const std::string& rel, std::string_view content) {
  RETURN_IF_ERROR(Hook("write", rel));
  fs::path target = root_ / rel;
  fs::path dir = target.parent_path();
  // One writer per path at a time (the applier serialises a deployment and owns each path once),
  // so a fixed temporary name is safe, and a leftover one is simply overwritten.
  fs::path tmp = dir / ("." + target.filename().string() + std::string(kTempSuffix));
  int fd = -1;
  // Another deployment's Remove may drop a directory the moment it is empty: create and retry.
  for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    RETURN_IF_ERROR(EnsureDir(dir));
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 && errno != ENOENT) return Errno("create", tmp, errno);
  }
  if (fd < 0) return Errno("create", tmp, ENOENT);
  Status st = WriteAll(fd, content, tmp);
  if (st.ok() && sync_ && ::fsync(fd) != 0) st = Errno("fsync", tmp, errno);
  if (::close(fd) != 0 && st.ok()) st = Errno("close", tmp, errno);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  RETURN_IF_ERROR(Hook("rename", rel));
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Errno("rename", target, err);
  }
  return SyncDir(dir);
}

Status Files::Remove(const std::string& rel) {
  RETURN_IF_ERROR(Hook("remove", rel));
  fs::path target = root_ / rel;
  if (::unlink(target.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
    return Errno("remove", target, errno);
  }
  fs::path dir = target.parent_path();
  RETURN_IF_ERROR(SyncDir(fs::is_directory(dir) ? dir : root_));
  // Tidy up: drop directories left empty (rmdir fails harmlessly on non-empty ones).
  while (dir != root_ && dir.string().size() > root_.string().size()) {
    if (::rmdir(dir.c_str()) != 0) break;
    dir = dir.parent_path();
  }
  return Status::Ok();
}

StatusOr<std::vector<std::string>> Files::List(const std::string& rel_dir) const {
  std::vector<std::string> out;
  std::error_code ec;
  fs::directory_iterator it(root_ / rel_dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return out;
    return Unavailable("list " + (root_ / rel_dir).string() + ": " + ec.message());
  }
  for (const auto& entry : it) {
    if (entry.is_regular_file(ec)) out.push_back(entry.path().filename().string());
  }
  return out;
}

Status Files::SweepTempFiles() {
  std::error_code ec;
  fs::recursive_directory_iterator it(root_, ec), end;
  if (ec) return Unavailable("scan " + root_.string() + ": " + ec.message());
  std::vector<fs::path> stale;
  for (; it != end; it.increment(ec)) {
    if (ec) return Unavailable("scan " + root_.string() + ": " + ec.message());
    std::string name = it->path().filename().string();
    if (name.size() > kTempSuffix.size() && name.front() == '.' && name.ends_with(kTempSuffix)) {
      stale.push_back(it->path());
    }
  }
  for (const auto& p : stale) ::unlink(p.c_str());
  return Status::Ok();
}

}  // namespace flotilla::agent::directory
