// The database holds Secrets: OpenStore keeps it, and the directory it creates, private.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "store/store.h"

namespace flotilla::store {
namespace {

unsigned Mode(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST(PermissionsTest, DatabaseAndItsDirectoryArePrivate) {
  auto root =
      std::filesystem::temp_directory_path() / ("flotilla-perm-" + std::to_string(getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  ::umask(022);
  auto db = root / "data" / "flotilla.db";
  {
    auto store = OpenStore(db.string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Json cm = {{"metadata", {{"name", "x"}, {"namespace", "default"}}}, {"data", {{"a", "b"}}}};
    ASSERT_TRUE((*store)->Create(model::ConfigMapType(), cm).ok());
    EXPECT_EQ(Mode(root / "data"), 0700u);
    EXPECT_EQ(Mode(db), 0600u);
    EXPECT_EQ(Mode(db.string() + "-wal"), 0600u);
    EXPECT_EQ(Mode(db.string() + "-shm"), 0600u);
  }
  // A database left readable by an earlier version is tightened on open.
  std::filesystem::permissions(db, std::filesystem::perms(0644));
  ASSERT_TRUE(OpenStore(db.string()).ok());
  EXPECT_EQ(Mode(db), 0600u);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace flotilla::store
