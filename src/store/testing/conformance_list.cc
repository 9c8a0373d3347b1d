// Part of the Store conformance suite (conformance.h): lists (namespace, label and field selectors,
// the label index as objects change, pagination) and the resourceVersion counter across deletes and
// reopening.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "store/testing/conformance.h"

namespace flotilla::store::testing {
namespace {

const ResourceType& kGitRepo = model::GitRepoType();
const ResourceType& kConfigMap = model::ConfigMapType();

}  // namespace

TEST_P(StoreListTest, ListFiltersByNamespaceLabelsAndFields) {
  for (int i = 0; i < 6; i++) {
    Json in = GitRepo(i % 2 ? "odd" : "even", "repo-" + std::to_string(i), "r");
    in["metadata"]["labels"] = {{"idx", std::to_string(i)}, {"tier", i < 3 ? "low" : "high"}};
    ASSERT_OK(store_->Create(kGitRepo, in));
  }
  ASSERT_OK(store_->Create(kConfigMap, ConfigMap("even", "other-kind", Json::object())));

  ASSERT_OK_AND_ASSIGN(ListResult all, store_->List(kGitRepo, {}));
  ASSERT_EQ(all.items.size(), 6u);
  EXPECT_EQ(all.resource_version, store_->CurrentResourceVersion());
  std::vector<std::string> keys;
  for (const Json& o : all.items) keys.push_back(ObjectKey(o));
  EXPECT_EQ(keys, (std::vector<std::string>{"even/repo-0", "even/repo-2", "even/repo-4",
                                            "odd/repo-1", "odd/repo-3", "odd/repo-5"}));

  ListOptions by_ns;
  by_ns.ns = "odd";
  ASSERT_OK_AND_ASSIGN(ListResult odd, store_->List(kGitRepo, by_ns));
  EXPECT_EQ(odd.items.size(), 3u);

  ListOptions by_label;
  ASSERT_OK_AND_ASSIGN(by_label.labels, model::LabelSelector::Parse("tier=high,idx!=4"));
  ASSERT_OK_AND_ASSIGN(ListResult high, store_->List(kGitRepo, by_label));
  ASSERT_EQ(high.items.size(), 2u);
  EXPECT_EQ(NameOf(high.items[0]), "repo-3");
  EXPECT_EQ(NameOf(high.items[1]), "repo-5");

  ListOptions by_field;
  ASSERT_OK_AND_ASSIGN(by_field.fields, FieldSelector::Parse("metadata.name=repo-2"));
  ASSERT_OK_AND_ASSIGN(ListResult one, store_->List(kGitRepo, by_field));
  ASSERT_EQ(one.items.size(), 1u);
  EXPECT_EQ(NameOf(one.items[0]), "repo-2");
}

TEST_P(StoreListTest, LabelIndexFollowsWrites) {
  auto names = [&](const std::string& selector, const std::string& ns = "") {
    ListOptions opts;
    opts.ns = ns;
    opts.labels = *model::LabelSelector::Parse(selector);
    auto l = store_->List(kGitRepo, opts);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    std::vector<std::string> out;
    for (const Json& o : l->items) out.push_back(ObjectKey(o));
    return out;
  };
  using V = std::vector<std::string>;
  Json in = GitRepo("a", "x", "r");
  in["metadata"]["labels"] = {{"team", "one"}, {"env", "prod"}};
  ASSERT_OK_AND_ASSIGN(Json x, store_->Create(kGitRepo, in));
  in = GitRepo("b", "y", "r");
  in["metadata"]["labels"] = {{"team", "one"}};
  ASSERT_OK(store_->Create(kGitRepo, in));
  ASSERT_OK(store_->Create(kConfigMap, ConfigMap("a", "cm", {})));
  EXPECT_EQ(names("team=one"), (V{"a/x", "b/y"}));
  EXPECT_EQ(names("team in (one)"), (V{"a/x", "b/y"}));
  EXPECT_EQ(names("team=one", "b"), (V{"b/y"}));
  EXPECT_EQ(names("team=one,env=prod"), (V{"a/x"}));
  EXPECT_EQ(names("team=one,!env"), (V{"b/y"}));

  x["metadata"]["labels"] = {{"team", "two"}};
  ASSERT_OK_AND_ASSIGN(x, store_->Update(kGitRepo, x));
  EXPECT_EQ(names("team=one"), (V{"b/y"}));
  EXPECT_EQ(names("team=two"), (V{"a/x"}));
  EXPECT_EQ(names("env=prod"), V{});
  x["status"] = {{"commit", "c"}};
  ASSERT_OK_AND_ASSIGN(x, store_->UpdateStatus(kGitRepo, x));
  EXPECT_EQ(names("team=two"), (V{"a/x"}));
  ASSERT_OK(store_->Delete(kGitRepo, "a", "x"));
  EXPECT_EQ(names("team=two"), V{});
  if (!GetParam().reopens) return;
  Reopen();  // cold caches
  EXPECT_EQ(names("team=one"), (V{"b/y"}));
}

TEST_P(StoreListTest, Pagination) {
  for (int i = 0; i < 25; i++) {
    char name[16];
    snprintf(name, sizeof name, "r%02d", i);
    Json in = GitRepo(i < 10 ? "a" : "b", name, "r");
    in["metadata"]["labels"] = {{"even", i % 2 ? "no" : "yes"}};
    ASSERT_OK(store_->Create(kGitRepo, in));
  }
  int64_t list_rv = store_->CurrentResourceVersion();
  int writes = 0;
  auto collect = [&](ListOptions opts, size_t* pages) {
    std::vector<std::string> names;
    *pages = 0;
    while (true) {
      auto page = store_->List(kGitRepo, opts);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      ++*pages;
      EXPECT_LE(static_cast<int64_t>(page->items.size()), opts.limit);
      EXPECT_EQ(page->resource_version, list_rv);
      for (const Json& o : page->items) names.push_back(NameOf(o));
      if (page->continue_token.empty()) break;
      opts.continue_token = page->continue_token;
      // A write between pages does not change the list's resourceVersion.
      EXPECT_TRUE(
          store_
              ->Create(model::ConfigMapType(), ConfigMap("x", "cm" + std::to_string(writes++), {}))
              .ok());
    }
    return names;
  };
  ListOptions opts;
  opts.limit = 10;
  size_t pages = 0;
  std::vector<std::string> names = collect(opts, &pages);
  EXPECT_EQ(names.size(), 25u);
  EXPECT_EQ(pages, 3u);
  EXPECT_EQ(names.front(), "r00");
  EXPECT_EQ(names.back(), "r24");

  list_rv = store_->CurrentResourceVersion();
  opts.limit = 5;
  ASSERT_OK_AND_ASSIGN(opts.labels, model::LabelSelector::Parse("even=yes"));
  names = collect(opts, &pages);
  EXPECT_EQ(names.size(), 13u);
  EXPECT_EQ(pages, 3u);  // exactly: no empty trailing page

  list_rv = store_->CurrentResourceVersion();
  ListOptions in_b;
  in_b.ns = "b";
  in_b.limit = 4;
  names = collect(in_b, &pages);
  EXPECT_EQ(names.size(), 15u);
  EXPECT_EQ(names.front(), "r10");

  ListOptions bad;
  bad.continue_token = "not-a-token!";
  EXPECT_EQ(store_->List(kGitRepo, bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreListTest, CounterSurvivesReopenAndDeletes) {
  if (!GetParam().reopens) GTEST_SKIP() << GetParam().name << " does not reopen";
  ASSERT_OK(store_->Create(kGitRepo, GitRepo("ns", "a", "r")));
  ASSERT_OK_AND_ASSIGN(Json del, store_->Delete(kGitRepo, "ns", "a"));
  Reopen();
  EXPECT_EQ(store_->CurrentResourceVersion(), ResourceVersionOf(del));
  ASSERT_OK_AND_ASSIGN(Json b, store_->Create(kGitRepo, GitRepo("ns", "b", "r")));
  EXPECT_EQ(ResourceVersionOf(b), ResourceVersionOf(del) + 1);
  ASSERT_OK(store_->CheckHealth());
  ASSERT_OK(CheckIntegrity(*store_));
}

}  // namespace flotilla::store::testing
