// Crash safety of the directory applier, SQLite style: every operation is interrupted at every
// mutation it makes (including between writing a temporary file and renaming it); after each
// "crash" the disk must hold only owned files, and a restarted applier must converge to exactly
// the expected tree, whatever it is asked to do next.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "agent/directory/directory_applier.h"
#include "agent/directory/test_util.h"
#include "core/yaml.h"

namespace flotilla::agent::directory {
namespace {

using namespace testutil;  // NOLINT
using Op = std::function<Status(DirectoryApplier&)>;

Op ApplyOp(std::string id, std::vector<Json> objs) {
  return [id, objs](DirectoryApplier& a) { return a.Apply(id, objs, {}).status(); };
}
Op RemoveOp(std::string id) {
  return [id](DirectoryApplier& a) { return a.Remove(id); };
}

std::map<std::string, std::string> Expected(const std::vector<Json>& objs) {
  std::map<std::string, std::string> out;
  for (const Json& o : objs) out[RefOf(o)->Path()] = ToYaml(o);
  return out;
}

std::unique_ptr<DirectoryApplier> OpenWith(const std::string& dir, FaultHook hook) {
  DirectoryApplierOptions o;
  o.apply_dir = dir;
  o.sync = false;
  o.fault_hook = std::move(hook);
  auto a = DirectoryApplier::Open(std::move(o));
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return a.ok() ? std::move(*a) : nullptr;
}

// Every object file on disk is listed by some inventory (nothing is leaked by a crash).
// Temporary files are not objects: the next Open sweeps them.
void ExpectEverythingOwned(const std::string& dir) {
  std::set<std::string> owned;
  for (const auto& [rel, text] : Snapshot(dir, /*objects_only=*/false)) {
    if (!rel.starts_with(".flotilla/inventory/") || !rel.ends_with(".json")) continue;
    auto inv = Inventory::FromJson(Json::parse(text));
    ASSERT_TRUE(inv.ok()) << rel;
    for (const auto& [path, ref] : inv->objects) owned.insert(path);
  }
  for (const auto& [rel, text] : Snapshot(dir)) {
    if (rel.ends_with(kTempSuffix)) continue;  // a crash between write and rename; swept on open
    EXPECT_TRUE(owned.count(rel)) << rel << " is on disk but owned by no inventory";
  }
}

// Runs `setup`, then `op` crashing at its n-th mutation for every n, then `recover` on a fresh
// applier, and checks the tree against `expected` each time.
void CrashEverywhere(const std::vector<Op>& setup, const Op& op, const std::vector<Op>& recover,
                     const std::map<std::string, std::string>& expected) {
  for (int crash_at = 0;; ++crash_at) {
    SCOPED_TRACE("crash at mutation " + std::to_string(crash_at));
    TempDir tmp;
    std::string dir = tmp.apply_dir();
    {
      auto a = OpenWith(dir, nullptr);
      for (const Op& s : setup) ASSERT_TRUE(s(*a).ok());
    }
    bool crashed = false;
    {
      int n = 0;
      auto a = OpenWith(dir, [&](std::string_view, std::string_view) {
        if (n++ == crash_at) {
          crashed = true;
          return Unavailable("injected crash");
        }
        return Status::Ok();
      });
      Status st = op(*a);
      EXPECT_EQ(st.ok(), !crashed) << st.ToString();
    }  // the process "dies": the applier and its lock go away
    ASSERT_NO_FATAL_FAILURE(ExpectEverythingOwned(dir));
    {
      auto a = OpenWith(dir, nullptr);
      for (const Op& r : recover) {
        Status st = r(*a);
        ASSERT_TRUE(st.ok()) << st.ToString();
      }
    }
    EXPECT_EQ(Snapshot(dir), expected);
    for (const auto& [rel, text] : Snapshot(dir, false)) {
      EXPECT_FALSE(rel.ends_with(".flotilla-tmp")) << rel;
    }
    if (!crashed) {
      EXPECT_GT(crash_at, 2) << "the operation should have several crash points";
      return;
    }
  }
}

const std::vector<Json> kOld = {ConfigMap("default", "a", "1"), ConfigMap("default", "b", "1"),
                                Deployment("apps", "web", 1)};
const std::vector<Json> kNew = {ConfigMap("default", "a", "2"), Deployment("apps", "web", 1),
                                ConfigMap("other", "c", "1"), Namespace("other")};

TEST(CrashTest, UpdateInterruptedThenRetried) {
  CrashEverywhere({ApplyOp("d", kOld)}, ApplyOp("d", kNew), {ApplyOp("d", kNew)}, Expected(kNew));
}

TEST(CrashTest, UpdateInterruptedThenRolledBack) {
  CrashEverywhere({ApplyOp("d", kOld)}, ApplyOp("d", kNew), {ApplyOp("d", kOld)}, Expected(kOld));
}

TEST(CrashTest, UpdateInterruptedThenRemoved) {
  CrashEverywhere({ApplyOp("d", kOld)}, ApplyOp("d", kNew), {RemoveOp("d")}, {});
}

TEST(CrashTest, UpdateInterruptedThenSomethingElseEntirely) {
  std::vector<Json> other = {ConfigMap("default", "z", "9")};
  CrashEverywhere({ApplyOp("d", kOld)}, ApplyOp("d", kNew), {ApplyOp("d", other)}, Expected(other));
}

TEST(CrashTest, FirstApplyInterrupted) {
  CrashEverywhere({}, ApplyOp("d", kNew), {ApplyOp("d", kNew)}, Expected(kNew));
}

TEST(CrashTest, RemoveInterruptedThenRetried) {
  std::vector<Json> keep = {ConfigMap("default", "k", "1")};
  CrashEverywhere({ApplyOp("d", kOld), ApplyOp("e", keep)}, RemoveOp("d"), {RemoveOp("d")},
                  Expected(keep));
}

TEST(CrashTest, InterruptedApplyStillBlocksOtherOwners) {
  // After a crash mid-apply, objects the deployment was about to own stay claimed by it.
  TempDir tmp;
  {
    int n = 0;
    auto a = OpenWith(tmp.apply_dir(), [&](std::string_view step, std::string_view) {
      return n++ == 2 ? Unavailable("injected crash") : Status::Ok();  // inventory written
    });
    EXPECT_FALSE(a->Apply("d", kNew, {}).ok());
  }
  auto a = OpenWith(tmp.apply_dir(), nullptr);
  auto r = a->Apply("e", {ConfigMap("other", "c", "x")}, {});
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists) << r.status().ToString();
}

}  // namespace
}  // namespace flotilla::agent::directory
