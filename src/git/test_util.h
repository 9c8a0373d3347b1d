// Test helpers for src/git: temporary directories, real git servers on loopback (the fixture
// scripts in tests/fixtures), and bare repositories with commits.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace flotilla::git::testing {

inline std::string FixturePath(const std::string& name) {
  return std::string(FLOTILLA_SOURCE_DIR) + "/tests/fixtures/" + name;
}

inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs `cmd` with sh; returns its stdout without the trailing newline. Fails the test on error.
inline std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    ADD_FAILURE() << "popen failed: " << cmd;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = pclose(p);
  EXPECT_EQ(rc, 0) << "command failed: " << cmd << "\n" << out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "flotilla-git-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A git server (git-daemon.sh, git-http.sh or git-ssh.sh) serving the bare repositories under
// `root`; stopped by the destructor, and killed by the fixture's watcher if this process dies.
// A fixture whose server software is not installed exits 3: available() is then false (tests
// GTEST_SKIP); any other failure fails the test.
class Server {
 public:
  Server(const std::string& script, const std::string& root, const std::string& env = "")
      : script_(FixturePath(script)), root_(root) {
    std::string cmd = "FIXTURE_OWNER_PID=" + std::to_string(getpid()) + " " + env + " " + script_ +
                      " start " + ShellQuote(root_);
    FILE* p = popen(cmd.c_str(), "r");
    std::array<char, 4096> buf;
    size_t n;
    while (p && (n = fread(buf.data(), 1, buf.size(), p)) > 0) url_.append(buf.data(), n);
    int rc = p ? pclose(p) : -1;
    while (!url_.empty() && url_.back() == '\n') url_.pop_back();
    available_ = rc == 0;
    if (!(WIFEXITED(rc) && (WEXITSTATUS(rc) == 0 || WEXITSTATUS(rc) == 3))) {
      ADD_FAILURE() << "cannot start " << script << ": " << cmd;
    }
  }
  bool available() const { return available_; }
  ~Server() { std::system((script_ + " stop " + ShellQuote(root_) + " >/dev/null 2>&1").c_str()); }
  // Base URL ending in "/"; append the repository's directory name.
  const std::string& url() const { return url_; }

 private:
  std::string script_, root_, url_;
  bool available_ = false;
};

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A bare repository under a server root, changed with tests/fixtures/git-repo.sh.
class Repo {
 public:
  Repo(const std::string& root, const std::string& name, const std::string& branch = "master")
      : bare_(root + "/" + name), work_(root + "/.work-" + name) {
    Run(FixturePath("git-repo.sh") + " init " + ShellQuote(bare_) + " " + branch);
  }
  // Commits exactly `files` (path -> content; a content starting with "symlink:" makes a symlink,
  // one starting with "exec:" an executable file)
  // as the tree of `branch`; returns the commit id.
  std::string Commit(const std::string& branch, const std::map<std::string, std::string>& files,
                     const std::string& message = "change") {
    std::filesystem::remove_all(work_);
    std::filesystem::create_directories(work_);
    for (const auto& [path, content] : files) {
      std::filesystem::path p = std::filesystem::path(work_) / path;
      std::filesystem::create_directories(p.parent_path());
      if (content.rfind("symlink:", 0) == 0) {
        std::filesystem::create_symlink(content.substr(8), p);
      } else if (content.rfind("exec:", 0) == 0) {
        std::ofstream(p, std::ios::binary) << content.substr(5);
        std::filesystem::permissions(p, std::filesystem::perms::owner_exec,
                                     std::filesystem::perm_options::add);
      } else {
        std::ofstream(p, std::ios::binary) << content;
      }
    }
    return Run(FixturePath("git-repo.sh") + " commit " + ShellQuote(bare_) + " " + branch + " " +
               ShellQuote(work_) + " " + ShellQuote(message));
  }
  void Tag(const std::string& name, const std::string& rev, const std::string& message = "") {
    Run(FixturePath("git-repo.sh") + " tag " + ShellQuote(bare_) + " " + name + " " + rev +
        (message.empty() ? "" : " " + ShellQuote(message)));
  }
  const std::string& bare() const { return bare_; }

 private:
  std::string bare_, work_;
};

// A loopback port on which nothing listens (bound then closed).
inline int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A server that accepts TCP connections (the kernel completes the handshake) and never answers.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace flotilla::git::testing
