#include "render/patch/patch.h"

#include <iterator>
#include <random>

#include <gtest/gtest.h>

#include "core/yaml.h"

namespace flotilla::patch {
namespace {

Json Y(std::string_view yaml) {
  auto v = ParseYaml(yaml);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : Json();
}

// The struct apimachinery's own tests patch (strategicpatch/testing: mergeItem): merge lists by
// "name", merging and non-merging int lists, a replace-strategy map, retainKeys maps.
const SchemaType* MergeItem() {
  static SchemaType* t = [] {
    auto* item = new SchemaType();
    SchemaField merging;
    merging.type = item;
    merging.merge = true;
    merging.merge_key = "name";
    item->fields["mergingList"] = merging;
    item->fields["mergeItemPtr"] = merging;
    item->fields["retainKeysMergingList"] = merging;
    SchemaField ints;
    ints.merge = true;
    item->fields["mergingIntList"] = ints;
    SchemaField replacing;
    replacing.replace = true;
    item->fields["replacingItem"] = replacing;
    SchemaField nested;
    nested.type = item;
    item->fields["retainKeysMap"] = nested;
    item->fields["simpleMap"] = SchemaField();
    return item;
  }();
  return t;
}

Json Smp(std::string_view original, std::string_view patch) {
  auto out = StrategicMergePatch(Y(original), Y(patch), PatchSchema(MergeItem()));
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : Json("<error>");
}

Status SmpError(std::string_view original, std::string_view patch) {
  return StrategicMergePatch(Y(original), Y(patch), PatchSchema(MergeItem())).status();
}

// Cases from apimachinery's pkg/util/strategicpatch/patch_test.go (original + patch -> result).
TEST(StrategicMergeTest, ApimachineryCases) {
  // "nested patch merge with empty list": a delete directive for a missing item is dropped.
  EXPECT_EQ(Smp("name: hi", "mergingList: [{name: hello}, {$patch: delete, name: doesntexist}]"),
            Y("{name: hi, mergingList: [{name: hello}]}"));
  EXPECT_EQ(Smp("{name: hi, mergingList: [{name: hello2}]}",
                "{$setElementOrder/mergingList: [{name: hello}, {name: doesntexist}], "
                "mergingList: [{name: hello}]}"),
            Y("{name: hi, mergingList: [{name: hello}, {name: hello2}]}"));
  // "delete items in lists of scalars".
  EXPECT_EQ(Smp("mergingIntList: [1, 2, 3]",
                "{$setElementOrder/mergingIntList: [1, 2], "
                "$deleteFromPrimitiveList/mergingIntList: [3]}"),
            Y("mergingIntList: [1, 2]"));
  EXPECT_EQ(Smp("mergingIntList: [1, 2, 3]",
                "{$setElementOrder/mergingIntList: [2, 1], "
                "$deleteFromPrimitiveList/mergingIntList: [3]}"),
            Y("mergingIntList: [2, 1]"));
  // "add an item in a list and preserve order".
  EXPECT_EQ(Smp("mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]",
                "{$setElementOrder/mergingList: [{name: 3}, {name: 1}, {name: 2}], "
                "mergingList: [{name: 3, value: 3}]}"),
            Y("mergingList: [{name: 3, value: 3}, {name: 1, other: a}, "
              "{name: 2, value: 2, other: b}]"));
  // "add map and delete map from merging list with conflict". apimachinery answers
  // [4, 2, 3]: its in-place delete and append alias the slice it later orders the server-only
  // items by. We order by the original list as given, so 4 (unknown to the patch) comes last.
  EXPECT_EQ(Smp("mergingList: [{name: 1, other: a}, {name: 4, other: c}]",
                "{$setElementOrder/mergingList: [{name: 2}, {name: 3}], "
                "mergingList: [{name: 2}, {name: 3}, {name: 1, $patch: delete}]}"),
            Y("mergingList: [{name: 2}, {name: 3}, {name: 4, other: c}]"));
  // "delete and reorder in one list, reorder in another".
  EXPECT_EQ(Smp("{mergingList: [{name: a, value: a}, {name: b, value: b}], "
                "mergeItemPtr: [{name: c, value: c}, {name: d, value: d}]}",
                "{$setElementOrder/mergingList: [{name: b}], "
                "$setElementOrder/mergeItemPtr: [{name: d}, {name: c}], "
                "mergingList: [{$patch: delete, name: a}]}"),
            Y("{mergingList: [{name: b, value: b}], "
              "mergeItemPtr: [{name: d, value: d}, {name: c, value: c}]}"));
  // "$setElementOrder contains item that is not present in the list to be merged".
  EXPECT_EQ(Smp("mergingList: [{name: 1}, {name: 3}]",
                "{$setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}], "
                "mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}"),
            Y("mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]"));
  EXPECT_EQ(Smp("mergingIntList: [1, 3]", "$setElementOrder/mergingIntList: [3, 2, 1]"),
            Y("mergingIntList: [3, 1]"));
  // "behavior of set element order for a merging list with duplicate".
  EXPECT_EQ(Smp("mergingList: [{name: 1}, {name: 2, value: dup1}, {name: 3}, "
                "{name: 2, value: dup2}, {name: 4}]",
                "$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}, "
                "{name: 2}]"),
            Y("mergingList: [{name: 2, value: dup1}, {name: 2, value: dup2}, {name: 1}, "
              "{name: 4}, {name: 3}]"));
  // "preserve the order from the patch in a merging int list".
  EXPECT_EQ(Smp("mergingIntList: [1, 2, 3]", "mergingIntList: [3, 1]"),
            Y("mergingIntList: [2, 3, 1]"));
  // "retainKeys map with no change in nested merging list".
  EXPECT_EQ(Smp("retainKeysMap: {name: foo, mergingList: [{name: a}, {name: b}, {name: c}]}",
                "retainKeysMap: {$retainKeys: [mergingList, name, value], "
                "$setElementOrder/mergingList: [{name: a}, {name: b}], value: bar}"),
            Y("retainKeysMap: {name: foo, value: bar, "
              "mergingList: [{name: a}, {name: b}, {name: c}]}"));
}

// The retainKeys cases of apimachinery's patch_test.go (Current + ThreeWay -> Result), inside
// retainKeysMap as there.
TEST(StrategicMergeTest, ApimachineryRetainKeysCases) {
  struct Case {
    const char *current, *patch, *result;
  } cases[] = {
      {"{name: foo, value: bar, simpleMap: {key1: new, key2: b, key3: c}}",
       "{$retainKeys: [name, simpleMap, value], simpleMap: {key1: modified}}",
       "{name: foo, value: bar, simpleMap: {key1: modified, key2: b, key3: c}}"},
      {"{name: foo, value: bar, nonMergingList: [{name: a}, {name: b}]}",
       "{$retainKeys: [name, nonMergingList, value], "
       "nonMergingList: [{name: a}, {name: c}, {name: b}]}",
       "{name: foo, value: bar, nonMergingList: [{name: a}, {name: c}, {name: b}]}"},
      {"{name: foo, nonMergingList: [{name: a}, {name: b}, {name: c}]}",
       "{$retainKeys: [name, value], value: bar, nonMergingList: null}", "{name: foo, value: bar}"},
      {"{name: foo, mergingIntList: [1, 2, 3]}",
       "{$retainKeys: [mergingIntList, name, value], $setElementOrder/mergingIntList: [1, 2], "
       "value: bar}",
       "{name: foo, value: bar, mergingIntList: [1, 2, 3]}"},
      {"{name: foo, mergingIntList: [1, 2, 3]}",
       "{$setElementOrder/mergingIntList: [1, 2, 4], $retainKeys: [mergingIntList, name], "
       "mergingIntList: [4]}",
       "{name: foo, mergingIntList: [1, 2, 4, 3]}"},
      {"{name: foo, mergingIntList: [1, 2, 3, 4]}",
       "{$retainKeys: [mergingIntList, name], $deleteFromPrimitiveList/mergingIntList: [2], "
       "$setElementOrder/mergingIntList: [1, 3]}",
       "{name: foo, mergingIntList: [1, 3, 4]}"},
      {"{name: foo, mergingIntList: [1, 2, 3, 4]}",
       "{$retainKeys: [mergingIntList, name], mergingIntList: [5], "
       "$deleteFromPrimitiveList/mergingIntList: [2], $setElementOrder/mergingIntList: [1, 3, 5]}",
       "{name: foo, mergingIntList: [1, 3, 5, 4]}"},
      {"{name: foo, mergingIntList: [1, 2, 3]}", "{$retainKeys: [name], mergingIntList: null}",
       "{name: foo}"},
      {"{name: foo, mergingList: [{name: a}, {name: b}, {name: x}]}",
       "{$retainKeys: [mergingList, name], "
       "$setElementOrder/mergingList: [{name: a}, {name: b}, {name: c}], "
       "mergingList: [{name: c}]}",
       "{name: foo, mergingList: [{name: a}, {name: b}, {name: c}, {name: x}]}"},
      {"{name: foo, mergingList: [{name: a}, {name: b, value: foo}, {name: x}]}",
       "{$retainKeys: [mergingList, name], $setElementOrder/mergingList: [{name: a}, {name: b}], "
       "mergingList: [{name: b, value: bar}]}",
       "{name: foo, mergingList: [{name: a}, {name: b, value: bar}, {name: x}]}"},
      {"{name: foo, mergingList: [{name: a}, {name: b}, {name: x}]}",
       "{$retainKeys: [mergingList, name], $setElementOrder/mergingList: [{name: a}], "
       "mergingList: [{name: b, $patch: delete}]}",
       "{name: foo, mergingList: [{name: a}, {name: x}]}"},
  };
  for (const Case& c : cases) {
    std::string current = std::string("retainKeysMap: ") + c.current;
    std::string patch = std::string("retainKeysMap: ") + c.patch;
    EXPECT_EQ(Smp(current, patch), Y(std::string("retainKeysMap: ") + c.result))
        << c.current << " + " << c.patch;
  }
}

TEST(StrategicMergeTest, Directives) {
  // null deletes a key; maps merge; lists without a merge strategy are replaced.
  EXPECT_EQ(Smp("{name: a, value: v, simpleMap: {k1: x, k2: y}, nonMergingList: [{name: 1}]}",
                "{value: null, simpleMap: {k2: z}, nonMergingList: [{name: 2}]}"),
            Y("{name: a, simpleMap: {k1: x, k2: z}, nonMergingList: [{name: 2}]}"));
  // $patch: replace on a map and on a list; $patch: delete on a map.
  EXPECT_EQ(Smp("simpleMap: {a: 1, b: 2}", "simpleMap: {$patch: replace, c: 3}"),
            Y("simpleMap: {c: 3}"));
  EXPECT_EQ(
      Smp("mergingList: [{name: 1}, {name: 2}]", "mergingList: [{name: 3}, {$patch: replace}]"),
      Y("mergingList: [{name: 3}]"));
  EXPECT_EQ(Smp("{simpleMap: {a: 1}, name: n}", "simpleMap: {$patch: delete}"), Y("{name: n}"));
  // A replace-strategy field is never merged.
  EXPECT_EQ(Smp("replacingItem: {a: 1, b: 2}", "replacingItem: {c: 3}"),
            Y("replacingItem: {c: 3}"));
  // Merge by key, new items first (before items only the original has).
  EXPECT_EQ(Smp("mergingList: [{name: a, value: 1}, {name: b, value: 2}]",
                "mergingList: [{name: b, value: 3}, {name: c}]"),
            Y("mergingList: [{name: a, value: 1}, {name: b, value: 3}, {name: c}]"));
  // $retainKeys clears unlisted keys; setting an unlisted key is an error.
  EXPECT_EQ(Smp("retainKeysMap: {name: a, value: b, other: c}",
                "retainKeysMap: {$retainKeys: [name, other], other: d}"),
            Y("retainKeysMap: {name: a, other: d}"));
  EXPECT_FALSE(
      SmpError("retainKeysMap: {name: a}", "retainKeysMap: {$retainKeys: [name], value: x}").ok());
}

TEST(StrategicMergeTest, Errors) {
  Status bad = SmpError("simpleMap: {a: 1}", "simpleMap: {$patch: bogus}");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("simpleMap"), std::string::npos) << bad.message();
  EXPECT_FALSE(SmpError("mergingList: [{name: 1}]", "mergingList: [{value: 1}]").ok());
  EXPECT_FALSE(SmpError("mergingList: [{name: 1}]", "mergingList: [{$patch: merge}]").ok());
  EXPECT_FALSE(SmpError("mergingList: [{name: 1}]", "mergingList: [1]").ok());
  EXPECT_FALSE(
      SmpError("mergingIntList: [1]", "{$setElementOrder/mergingIntList: [1], mergingIntList: [2]}")
          .ok());
  EXPECT_FALSE(StrategicMergePatch(Json::object(), Json::array(), PatchSchema()).ok());
}

const char* kDeployment = R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, finalizers: [a]}
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx
        ports: [{containerPort: 80}]
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
      - name: side
        image: busybox
      volumes: [{name: v, emptyDir: {}}]
)";

TEST(StrategicMergeTest, DeploymentContainersMergeByName) {
  auto schema = PatchSchema::ForKind("apps/v1", "Deployment");
  ASSERT_TRUE(schema.known());
  auto out = StrategicMergePatch(Y(kDeployment), Y(R"(
metadata: {finalizers: [b]}
spec:
  template:
    spec:
      containers:
      - name: side
        image: busybox:2
      - name: app
        env: [{name: B, $patch: delete}, {name: C, value: "3"}]
        ports: [{containerPort: 80, name: http}]
      volumes: [{name: w, emptyDir: {}}]
)"),
                                 schema);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // New items come before the original's (apimachinery's mergeSortedSlice).
  EXPECT_EQ((*out)["metadata"]["finalizers"], Y("[b, a]"));
  const Json& spec = (*out)["spec"]["template"]["spec"];
  EXPECT_EQ(spec["containers"], Y(R"(
- name: side
  image: busybox:2
- name: app
  image: nginx
  ports: [{containerPort: 80, name: http}]
  env: [{name: C, value: "3"}, {name: A, value: "1"}]
)"));
  EXPECT_EQ(spec["volumes"], Y("[{name: w, emptyDir: {}}, {name: v, emptyDir: {}}]"));
  // Service ports merge by port; CRDs have no schema.
  auto svc = StrategicMergePatch(Y("spec: {ports: [{port: 80, name: a}, {port: 443}]}"),
                                 Y("spec: {ports: [{port: 80, targetPort: 8080}]}"),
                                 PatchSchema::ForKind("v1", "Service"));
  ASSERT_TRUE(svc.ok());
  EXPECT_EQ((*svc)["spec"]["ports"], Y("[{port: 80, name: a, targetPort: 8080}, {port: 443}]"));
  EXPECT_FALSE(PatchSchema::ForKind("example.com/v1", "Deployment").known());
  EXPECT_FALSE(PatchSchema::IsBuiltinKind("apiextensions.k8s.io/v1", "CustomResourceDefinition"));
  EXPECT_TRUE(PatchSchema::IsBuiltinKind("v1", "ConfigMap"));
}

// kustomize's flavour (expectations measured with kubectl kustomize, kustomize v5.5).
TEST(KustomizeMergeTest, ListOrderAndDirectives) {
  auto schema = PatchSchema::ForKind("apps/v1", "Deployment");
  auto out = KustomizeStrategicMerge(Y(R"(
metadata: {name: web, finalizers: [a, b, c]}
spec:
  template:
    metadata: {labels: {a: b}}
    spec:
      containers:
      - {name: A, image: a}
      - {name: B, image: b, env: [{name: A, value: "1"}, {name: B, value: "1"}]}
      - {name: C, image: c}
)"),
                                     Y(R"(
metadata: {finalizers: [c, d]}
spec:
  template:
    metadata: {labels: {$patch: delete}}
    spec:
      $setElementOrder/containers: [{name: C}]
      containers:
      - {name: C, image: c2}
      - {name: D, image: d}
      - name: B
        env: [{$patch: replace}, {name: Z, value: "9"}]
)"),
                                     schema);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, Y(R"(
metadata: {name: web, finalizers: [c, d, a, b]}
spec:
  template:
    metadata: {}
    spec:
      $setElementOrder/containers: [{name: C}]
      containers:
      - {name: C, image: c2}
      - {name: D, image: d}
      - {name: B, image: b, env: [{name: Z, value: "9"}]}
      - {name: A, image: a}
)"));
  // Ports pair by containerPort+protocol; new ones come first.
  auto ports = KustomizeStrategicMerge(
      Y("spec: {template: {spec: {containers: [{name: A, ports: [{containerPort: 80}, "
        "{containerPort: 81, protocol: TCP}, {containerPort: 82}]}]}}}"),
      Y("spec: {template: {spec: {containers: [{name: A, ports: [{containerPort: 80, name: p80}, "
        "{containerPort: 9, name: p9}, {containerPort: 81, protocol: TCP, name: p81}]}]}}}"),
      schema);
  ASSERT_TRUE(ports.ok());
  EXPECT_EQ((*ports)["spec"]["template"]["spec"]["containers"][0]["ports"],
            Y("[{containerPort: 9, name: p9}, {containerPort: 80, name: p80}, "
              "{containerPort: 81, name: p81, protocol: TCP}, {containerPort: 82}]"));
  // $patch: delete at the top deletes the object; CRD lists are replaced.
  auto gone = KustomizeStrategicMerge(Y("{kind: X}"), Y("{$patch: delete}"), schema);
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->is_null());
  auto crd = KustomizeStrategicMerge(Y("spec: {items: [{name: a}, {name: b}]}"),
                                     Y("spec: {items: [{name: b, v: 3}]}"), PatchSchema());
  ASSERT_TRUE(crd.ok());
  EXPECT_EQ(*crd, Y("spec: {items: [{name: b, v: 3}]}"));
  EXPECT_FALSE(KustomizeStrategicMerge(Y("{a: {}}"), Y("a: {$patch: bogus}"), schema).ok());
}

Json JP(std::string_view doc, std::string_view ops) {
  auto out = ApplyJsonPatch(Y(doc), Y(ops));
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : Json("<error>");
}

Status JPError(std::string_view doc, std::string_view ops) {
  return ApplyJsonPatch(Y(doc), Y(ops)).status();
}

// RFC 6902 appendix A.
TEST(JsonPatchTest, Rfc6902AppendixA) {
  EXPECT_EQ(JP(R"({"foo": "bar"})", R"([{"op": "add", "path": "/baz", "value": "qux"}])"),
            Y(R"({"baz": "qux", "foo": "bar"})"));  // A.1
  EXPECT_EQ(
      JP(R"({"foo": ["bar", "baz"]})", R"([{"op": "add", "path": "/foo/1", "value": "qux"}])"),
      Y(R"({"foo": ["bar", "qux", "baz"]})"));  // A.2
  EXPECT_EQ(JP(R"({"baz": "qux", "foo": "bar"})", R"([{"op": "remove", "path": "/baz"}])"),
            Y(R"({"foo": "bar"})"));  // A.3
  EXPECT_EQ(JP(R"({"foo": ["bar", "qux", "baz"]})", R"([{"op": "remove", "path": "/foo/1"}])"),
            Y(R"({"foo": ["bar", "baz"]})"));  // A.4
  EXPECT_EQ(JP(R"({"baz": "qux", "foo": "bar"})",
               R"([{"op": "replace", "path": "/baz", "value": "boo"}])"),
            Y(R"({"baz": "boo", "foo": "bar"})"));  // A.5
  EXPECT_EQ(JP(R"({"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}})",
               R"([{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}])"),
            Y(R"({"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}})"));  // A.6
  EXPECT_EQ(JP(R"({"foo": ["all", "grass", "cows", "eat"]})",
               R"([{"op": "move", "from": "/foo/1", "path": "/foo/3"}])"),
            Y(R"({"foo": ["all", "cows", "eat", "grass"]})"));  // A.7
  EXPECT_EQ(JP(R"({"baz": "qux", "foo": ["a", 2, "c"]})",
               R"([{"op": "test", "path": "/baz", "value": "qux"},
                   {"op": "test", "path": "/foo/1", "value": 2}])"),
            Y(R"({"baz": "qux", "foo": ["a", 2, "c"]})"));  // A.8
  EXPECT_FALSE(
      JPError(R"({"baz": "qux"})", R"([{"op": "test", "path": "/baz", "value": "bar"}])").ok());
  EXPECT_EQ(
      JP(R"({"foo": "bar"})", R"([{"op": "add", "path": "/child", "value": {"grandchild": {}}}])"),
      Y(R"({"foo": "bar", "child": {"grandchild": {}}})"));  // A.10
  EXPECT_EQ(
      JP(R"({"foo": "bar"})", R"([{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}])"),
      Y(R"({"foo": "bar", "baz": "qux"})"));  // A.11
  Status a12 =
      JPError(R"({"foo": "bar"})", R"([{"op": "add", "path": "/baz/bat", "value": "qux"}])");
  EXPECT_FALSE(a12.ok());  // A.12
  EXPECT_NE(a12.message().find("operation 0 (add /baz/bat)"), std::string::npos) << a12.message();
  EXPECT_EQ(JP(R"({"/": 9, "~1": 10})", R"([{"op": "test", "path": "/~01", "value": 10}])"),
            Y(R"({"/": 9, "~1": 10})"));  // A.14
  EXPECT_FALSE(JPError(R"({"/": 9, "~1": 10})",
                       R"([{"op": "test", "path": "/~01", "value": "10"}])")
                   .ok());  // A.15
  EXPECT_EQ(JP(R"({"foo": ["bar"]})", R"([{"op": "add", "path": "/foo/-", "value": ["abc"]}])"),
            Y(R"({"foo": ["bar", ["abc"]]})"));  // A.16
  EXPECT_EQ(JP(R"({"a": {"b": 1}})", R"([{"op": "copy", "from": "/a", "path": "/c"}])"),
            Y(R"({"a": {"b": 1}, "c": {"b": 1}})"));
  EXPECT_EQ(JP(R"({"a/b": 1})", R"([{"op": "replace", "path": "/a~1b", "value": 2}])"),
            Y(R"({"a/b": 2})"));
}

TEST(JsonPatchTest, ErrorsNameTheOperation) {
  Status st = JPError("{a: [1]}", R"([{"op": "add", "path": "/a/0", "value": 0},
                                      {"op": "remove", "path": "/a/5"}])");
  EXPECT_NE(st.message().find("operation 1 (remove /a/5)"), std::string::npos) << st.message();
  EXPECT_FALSE(JPError("{}", R"({"op": "add"})").ok());
  EXPECT_FALSE(JPError("{}", R"([{"op": "frobnicate", "path": "/a"}])").ok());
  EXPECT_FALSE(JPError("{}", R"([{"op": "add", "path": "a", "value": 1}])").ok());
  EXPECT_FALSE(JPError("{}", R"([{"op": "add", "path": "/a~2", "value": 1}])").ok());
  EXPECT_FALSE(JPError("{a: [1]}", R"([{"op": "add", "path": "/a/01", "value": 1}])").ok());
  EXPECT_FALSE(JPError("{a: {b: 1}}", R"([{"op": "move", "from": "/a", "path": "/a/b/c"}])").ok());
  EXPECT_FALSE(JPError("{}", R"([{"op": "replace", "path": "/x", "value": 1}])").ok());
  EXPECT_FALSE(JPError("{}", R"([{"op": 1, "path": 2}])").ok());
  EXPECT_FALSE(JPError("{}", R"([{"op": "add", "path": "/x"}])").ok());
}

// RFC 7386 appendix A.
TEST(MergePatchTest, Rfc7386AppendixA) {
  struct Case {
    const char *target, *patch, *result;
  } cases[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", "null", "null"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(MergePatch(Json::parse(c.target), Json::parse(c.patch)), Json::parse(c.result))
        << c.target << " + " << c.patch;
  }
}

}  // namespace
}  // namespace flotilla::patch

namespace flotilla::patch {
namespace {

// Random documents and patches over a small vocabulary of keys, directives and value kinds:
// every function must return a value or an error, never throw or crash.
Json RandomValue(std::mt19937& rng, int depth) {
  static const char* kKeys[] = {"name",
                                "containers",
                                "env",
                                "ports",
                                "finalizers",
                                "spec",
                                "template",
                                "metadata",
                                "$patch",
                                "$retainKeys",
                                "$setElementOrder/containers",
                                "$deleteFromPrimitiveList/finalizers",
                                "containerPort",
                                "protocol",
                                "value"};
  static const char* kStrings[] = {"a", "b", "delete", "replace", "merge", "TCP", "x"};
  int kind = static_cast<int>(rng() % (depth > 3 ? 4 : 7));
  switch (kind) {
    case 0:
      return Json();
    case 1:
      return Json(static_cast<int>(rng() % 3));
    case 2:
      return Json(kStrings[rng() % std::size(kStrings)]);
    case 3:
      return Json(rng() % 2 == 0);
    case 4:
    case 5: {
      Json o = Json::object();
      int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) o[kKeys[rng() % std::size(kKeys)]] = RandomValue(rng, depth + 1);
      return o;
    }
    default: {
      Json a = Json::array();
      int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) a.push_back(RandomValue(rng, depth + 1));
      return a;
    }
  }
}

TEST(PatchFuzzTest, NeverThrows) {
  std::mt19937 rng(12345);
  const PatchSchema schemas[] = {PatchSchema(), PatchSchema::ForKind("apps/v1", "Deployment"),
                                 PatchSchema::ForKind("v1", "Pod")};
  int ok = 0, errors = 0;
  for (int i = 0; i < 20000; ++i) {
    Json doc = RandomValue(rng, 0), patch = RandomValue(rng, 0);
    if (rng() % 2) {  // both inside a pod template, where lists merge by key
      auto wrap = [](Json list) {
        Json pod = Json::object(), tmpl = Json::object(), spec = Json::object(),
             top = Json::object();
        pod["containers"] = std::move(list);
        tmpl["spec"] = std::move(pod);
        spec["template"] = std::move(tmpl);
        top["spec"] = std::move(spec);
        return top;
      };
      doc = wrap(std::move(doc));
      patch = wrap(std::move(patch));
    }
    const PatchSchema& schema = schemas[i % 3];
    for (const auto& r : {StrategicMergePatch(doc, patch, schema),
                          KustomizeStrategicMerge(doc, patch, schema), ApplyJsonPatch(doc, patch)})
      (r.ok() ? ok : errors)++;
    (void)MergePatch(doc, patch);
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace flotilla::patch
