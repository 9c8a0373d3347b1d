// The build driver (api/internal/target/kusttarget.go): load a kustomization, accumulate its
// resources (files and nested kustomizations), generators and components, run the built-in
// transformers in kustomize's order; at the top add hash suffixes, fix name references, drop
// local-config objects and sort.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/yaml.h"
#include "render/kustomize/internal.h"
#include "render/kustomize/kyaml.h"
#ifdef FLOTILLA_KUSTOMIZE_PATCHES
#include "render/kustomize/patches.h"
#endif
#include "render/kustomize/helm_charts.h"

namespace flotilla::kustomize {
namespace {

constexpr const char* kKustomizationNames[] = {"kustomization.yaml", "kustomization.yml",
                                               "Kustomization"};

std::string Join(const std::string& dir, const std::string& rel) {
  return dir.empty() ? rel : dir + "/" + rel;
}

bool IsRemote(const std::string& p) {
  return p.find("://") != std::string::npos || p.rfind("github.com/", 0) == 0 ||
         p.rfind("git@", 0) == 0 || p.rfind("gitlab.com/", 0) == 0 ||
         p.rfind("bitbucket.org/", 0) == 0;
}

// `rel` resolved against `dir`, both relative to the tree root; "" is the root.
StatusOr<std::string> Resolve(const std::string& dir, const std::string& rel) {
  if (!rel.empty() && rel[0] == '/')
    return InvalidArgument(fmt::format("absolute path \"{}\" is not allowed", rel));
  std::string out;
  if (!render::NormalizeTreePath(dir.empty() ? rel : dir + "/" + rel, &out))
    return InvalidArgument(fmt::format("path \"{}\" escapes the repository root", rel));
  return out;
}

bool Within(const std::string& path, const std::string& dir) {
  return dir.empty() || path == dir || path.rfind(dir + "/", 0) == 0;
}

const std::set<std::string>& SupportedFields() {
  static const std::set<std::string> f = {"apiVersion",
                                          "kind",
                                          "metadata",
                                          "resources",
                                          "bases",
                                          "components",
                                          "crds",
                                          "namespace",
                                          "namePrefix",
                                          "nameSuffix",
                                          "commonLabels",
                                          "labels",
                                          "commonAnnotations",
                                          "images",
                                          "replicas",
                                          "configMapGenerator",
                                          "secretGenerator",
                                          "generatorOptions",
                                          "patches",
                                          "patchesStrategicMerge",
                                          "patchesJson6902",
                                          "helmCharts",
                                          "helmGlobals",
                                          "sortOptions"};
  return f;
}

const std::set<std::string>& UnsupportedFields() {
  static const std::set<std::string> f = {
      "replacements",  "vars",       "configurations", "generators",
      "transformers",  "validators", "openapi",        "helmChartInflationGenerator",
      "buildMetadata", "imageTags"};
  return f;
}

// Go's encoding/json matches field names case-insensitively.
std::string Canonical(const std::string& key) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string l = lower(key);
  for (const auto* set : {&SupportedFields(), &UnsupportedFields()})
    for (const std::string& f : *set)
      if (lower(f) == l) return f;
  return key;
}

struct Kustomization {
  std::string dir;   // relative to the tree root
  std::string file;  // "dir/kustomization.yaml"
  Json k;
};

class Builder {
 public:
  Builder(const Tree& tree, const BuildLimits& limits) : tree_(tree), limits_(limits) {}

  StatusOr<std::string> Read(const std::string& path) {
    auto text = tree_.ReadFile(path);
    if (!text.ok()) return text.status();
    if (text->size() > limits_.max_file_bytes)
      return ResourceExhausted(
          fmt::format("{}: file is larger than {} bytes", path, limits_.max_file_bytes));
    total_ += text->size();
    if (total_ > limits_.max_total_bytes)
      return ResourceExhausted(
          fmt::format("{}: the build read more than {} bytes", path, limits_.max_total_bytes));
    return text;
  }

  // The kustomization of `dir`, or NotFound.
  StatusOr<Kustomization> Load(const std::string& dir) {
    std::vector<std::pair<std::string, std::string>> found;
    for (const char* name : kKustomizationNames) {
      auto text = Read(Join(dir, name));
      if (text.ok())
        found.emplace_back(Join(dir, name), std::move(*text));
      else if (text.status().code() != StatusCode::kNotFound)
        return text.status();
    }
    if (found.empty())
      return NotFound(fmt::format(
          "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' "
          "in directory '{}'",
          dir.empty() ? "." : dir));
    if (found.size() > 1)
      return InvalidArgument(
          fmt::format("found multiple kustomization files under: {}", dir.empty() ? "." : dir));
    Kustomization kz{dir, found[0].first, Json()};
    // The kustomization file is read as sigs.k8s.io/yaml does (YAML 1.1 typing, then Go's
    // encoding/json, whose field names match case-insensitively).
    YamlLimits yl;
    yl.max_nodes = limits_.max_yaml_nodes;
    ASSIGN_OR_RETURN(Json raw, ParseYaml(found[0].second, kz.file, yl));
    if (raw.is_null()) raw = Json::object();
    if (!raw.is_object()) return InvalidArgument(kz.file + ": expected a map");
    kz.k = Json::object();
    for (auto it = raw.begin(); it != raw.end(); ++it) {
      std::string key = Canonical(it.key());
      if (UnsupportedFields().count(key)) {
        if (it->is_null() || it->empty()) continue;
        return InvalidArgument(fmt::format(
            "{}: field \"{}\" is not supported yet by flotilla's kustomize", kz.file, key));
      }
      if (!SupportedFields().count(key))
        return InvalidArgument(fmt::format("{}: invalid Kustomization: json: unknown field \"{}\"",
                                           kz.file, it.key()));
      kz.k[key] = *it;
    }
    std::string kind = kz.k.value("kind", "");
    if (!kind.empty() && kind != "Kustomization" && kind != "Component")
      return InvalidArgument(
          fmt::format("{}: kind must be Kustomization or Component, not \"{}\"", kz.file, kind));
    for (const char* f : {"namespace", "namePrefix", "nameSuffix"})
      if (kz.k.contains(f) && !kz.k[f].is_null() && !kz.k[f].is_string())
        return InvalidArgument(fmt::format("{}: {} must be a string", kz.file, f));
    return kz;
  }

  StatusOr<std::vector<Resource>> ParseResources(const std::string& text, const std::string& path) {
    ASSIGN_OR_RETURN(auto docs, ParseKYamlStream(text, path, limits_.max_yaml_nodes));
    std::vector<Resource> out;
    for (size_t i = 0; i < docs.size(); i++) {
      std::vector<Json> objs;
      Json& d = docs[i];
      std::string kind = d.is_object() && d.contains("kind") && d["kind"].is_string()
                             ? d["kind"].get<std::string>()
                             : "";
      if (d.is_object() && kind.size() >= 4 && kind.compare(kind.size() - 4, 4, "List") == 0 &&
          d.contains("items") && d["items"].is_array()) {
        for (Json& item : d["items"]) objs.push_back(std::move(item));
      } else {
        objs.push_back(std::move(d));
      }
      for (Json& o : objs) {
        std::string where = docs.size() > 1 ? fmt::format("{} (document {})", path, i + 1) : path;
        if (!o.is_object())
          return InvalidArgument(fmt::format("{}: a resource must be a map", where));
        if (!o.contains("kind") || !o["kind"].is_string() || o["kind"] == "")
          return InvalidArgument(fmt::format("{}: missing kind in object", where));
        if (!o.contains("metadata") || !o["metadata"].is_object() ||
            !o["metadata"].contains("name") || !o["metadata"]["name"].is_string() ||
            o["metadata"]["name"] == "")
          return InvalidArgument(fmt::format("{}: missing metadata.name in object {}", where,
                                             o["kind"].get<std::string>()));
        Resource r;
        r.obj = std::move(o);
        out.push_back(std::move(r));
      }
    }
    return out;
  }

  // Appends r unless its id is already in `seen` (the ids of ra), as kustomize's resmap.Append.
  static Status Append(std::vector<Resource>& ra, std::set<std::string>& seen, Resource r,
                       const std::string& where) {
    ResId id = r.CurId();
    if (!seen.insert(IdKey(id)).second)
      return AlreadyExists(fmt::format("{}: may not add resource with an already registered id: {}",
                                       where, id.ToString()));
    ra.push_back(std::move(r));
    return Status::Ok();
  }

  static std::set<std::string> Ids(const std::vector<Resource>& ra) {
    std::set<std::string> seen;
    for (const Resource& r : ra) seen.insert(IdKey(r.CurId()));
    return seen;
  }

  Status AccumulateResources(const Kustomization& kz, std::vector<Resource>& ra) {
    std::vector<std::pair<std::string, std::string>> entries;  // field[i], path
    for (const char* field : {"resources", "bases"}) {
      if (!kz.k.contains(field) || kz.k[field].is_null()) continue;
      const Json& list = kz.k[field];
      if (!list.is_array())
        return InvalidArgument(fmt::format("{}: {} must be a list", kz.file, field));
      for (size_t i = 0; i < list.size(); i++) {
        std::string at = fmt::format("{}: {}[{}]", kz.file, field, i);
        if (!list[i].is_string()) return InvalidArgument(at + ": expected a string");
        entries.emplace_back(at, list[i].get<std::string>());
      }
    }
    std::set<std::string> seen = Ids(ra);
    for (const auto& [at, rel] : entries) {
      if (IsRemote(rel))
        return InvalidArgument(
            fmt::format("{}: remote resource \"{}\" is not supported (only paths in the "
                        "repository)",
                        at, rel));
      auto path = Resolve(kz.dir, rel);
      if (!path.ok()) return path.status().WithContext(at);
      ASSIGN_OR_RETURN(bool is_dir, IsKustomizationDir(*path));
      if (is_dir) {
        ASSIGN_OR_RETURN(std::vector<Resource> sub, Accumulate(*path, {}, false, at));
        for (Resource& r : sub) RETURN_IF_ERROR(Append(ra, seen, std::move(r), at));
        continue;
      }
      if (!Within(*path, kz.dir))
        return InvalidArgument(fmt::format("{}: security; file '{}' is not in or below '{}'", at,
                                           *path, kz.dir.empty() ? "." : kz.dir));
      auto text = Read(*path);
      if (!text.ok()) {
        if (text.status().code() == StatusCode::kNotFound)
          return NotFound(
              fmt::format("{}: \"{}\": no such file or kustomization directory", at, *path));
        return text.status().WithContext(at);
      }
      if (text->empty()) {
        auto walk = tree_.Walk(*path);
        if (walk.ok())
          return NotFound(
              fmt::format("{}: unable to find one of 'kustomization.yaml', 'kustomization.yml' or "
                          "'Kustomization' in directory '{}'",
                          at, *path));
      }
      auto rs = ParseResources(*text, *path);
      if (!rs.ok()) return rs.status().WithContext(at);
      for (Resource& r : *rs) RETURN_IF_ERROR(Append(ra, seen, std::move(r), at));
      if (ra.size() > limits_.max_resources)
        return ResourceExhausted(
            fmt::format("{}: more than {} resources", at, limits_.max_resources));
    }
    return Status::Ok();
  }

  StatusOr<bool> IsKustomizationDir(const std::string& path) {
    for (const char* name : kKustomizationNames) {
      auto st = tree_.ReadFile(Join(path, name));
      if (st.ok()) return true;
      if (st.status().code() != StatusCode::kNotFound &&
          st.status().code() != StatusCode::kInvalidArgument)
        return st.status();
    }
    return false;
  }

  // kustomize runs patchesStrategicMerge and patches before the namespace transformer and
  // patchesJson6902 after the annotations (render/kustomize/patches.h, engineer "patch").
  enum class PatchPhase { kBeforeNamespace, kAfterAnnotations };

  Status RunPatches(const Kustomization& kz, std::vector<Resource>& ra, PatchPhase phase) {
    std::vector<const char*> fields =
        phase == PatchPhase::kBeforeNamespace
            ? std::vector<const char*>{"patchesStrategicMerge", "patches"}
            : std::vector<const char*>{"patchesJson6902"};
    bool any = false;
    for (const char* f : fields)
      if (kz.k.contains(f) && !kz.k[f].is_null() && !kz.k[f].empty()) any = true;
    if (!any) return Status::Ok();
#ifdef FLOTILLA_KUSTOMIZE_PATCHES
    static const char* kPrev[] = {"internal.config.kubernetes.io/previousKinds",
                                  "internal.config.kubernetes.io/previousNames",
                                  "internal.config.kubernetes.io/previousNamespaces"};
    std::vector<Json> objs;
    std::vector<bool> had_annotations;
    for (Resource& r : ra) {
      Json o = r.obj;
      Json& md = o["metadata"];
      had_annotations.push_back(md.contains("annotations"));
      if (!r.previous.empty()) {
        std::string kinds, names, nss;
        for (const ResId& id : r.previous) {
          kinds += (kinds.empty() ? "" : ",") + id.kind;
          names += (names.empty() ? "" : ",") + id.name;
          nss += (nss.empty() ? "" : ",") + id.ns;
        }
        md["annotations"][kPrev[0]] = kinds;
        md["annotations"][kPrev[1]] = names;
        md["annotations"][kPrev[2]] = nss;
      }
      objs.push_back(std::move(o));
    }
    auto read = [&](std::string_view p) -> StatusOr<std::string> {
      ASSIGN_OR_RETURN(std::string path, Resolve(kz.dir, std::string(p)));
      return Read(path);
    };
    if (phase == PatchPhase::kBeforeNamespace) {
      RETURN_IF_ERROR(ApplyPatchesStrategicMerge(kz.k, objs, read, kz.file));
      RETURN_IF_ERROR(ApplyPatches(kz.k, objs, read, kz.file));
    } else {
      RETURN_IF_ERROR(ApplyPatchesJson6902(kz.k, objs, read, kz.file));
    }
    auto strip = [&](Json& o, bool had) {
      if (!o.contains("metadata") || !o["metadata"].is_object()) return;
      Json& md = o["metadata"];
      if (!md.contains("annotations") || !md["annotations"].is_object()) return;
      for (const char* k : kPrev) md["annotations"].erase(k);
      if (md["annotations"].empty() && !had) md.erase("annotations");
    };
    if (objs.size() == ra.size()) {
      for (size_t i = 0; i < objs.size(); i++) {
        strip(objs[i], had_annotations[i]);
        ra[i].obj = std::move(objs[i]);
      }
    } else {
      // A patch deleted objects ($patch: delete): keep the history of those that remain.
      std::vector<Resource> next;
      for (Json& o : objs) {
        strip(o, true);
        Resource r;
        r.obj = std::move(o);
        for (const Resource& old : ra)
          if (old.Kind() == r.Kind() && old.Name() == r.Name() &&
              old.Namespace() == r.Namespace()) {
            r.previous = old.previous;
            r.needs_hash = old.needs_hash;
          }
        next.push_back(std::move(r));
      }
      ra = std::move(next);
    }
    return Status::Ok();
#else
    return InvalidArgument(
        fmt::format("{}: patches are not supported by this build of flotilla yet", kz.file));
#endif
  }

  // Wrong-typed input that slipped past the checks (a number where a string belongs deep in a
  // generator, a subject, ...) is an error naming the kustomization, never a crash.
  StatusOr<std::vector<Resource>> Accumulate(const std::string& dir, std::vector<Resource> ra,
                                             bool component, const std::string& from) {
    try {
      return AccumulateImpl(dir, std::move(ra), component, from);
    } catch (const std::exception& e) {
      return InvalidArgument(fmt::format("{}kustomization.yaml: invalid value: {}",
                                         dir.empty() ? "" : dir + "/", e.what()));
    }
  }

  StatusOr<std::vector<Resource>> AccumulateImpl(const std::string& dir, std::vector<Resource> ra,
                                                 bool component, const std::string& from) {
    if (std::find(stack_.begin(), stack_.end(), dir) != stack_.end()) {
      std::string chain;
      for (const std::string& d : stack_) chain += (d.empty() ? "." : d) + " -> ";
      return InvalidArgument(
          fmt::format("{}: kustomization cycle: {}{}", from, chain, dir.empty() ? "." : dir));
    }
    if (stack_.size() >= limits_.max_depth)
      return ResourceExhausted(
          fmt::format("{}: kustomizations nested deeper than {}", from, limits_.max_depth));
    auto loaded = Load(dir);
    if (!loaded.ok()) return from.empty() ? loaded.status() : loaded.status().WithContext(from);
    Kustomization kz = std::move(*loaded);
    bool is_component = kz.k.value("kind", "") == "Component";
    if (component && !is_component)
      return InvalidArgument(fmt::format("{}: expected kind 'Component' for path '{}'", from,
                                         dir.empty() ? "." : dir));
    if (!component && is_component)
      return InvalidArgument(fmt::format("{}: expected kind != 'Component' for path '{}'",
                                         from.empty() ? kz.file : from, dir.empty() ? "." : dir));
    stack_.push_back(dir);
    RETURN_IF_ERROR(AccumulateResources(kz, ra));
    RETURN_IF_ERROR(CheckCrds(kz));
    auto read = [&](const std::string& p) -> StatusOr<std::string> {
      if (!Within(p, kz.dir))
        return InvalidArgument(fmt::format("security; file '{}' is not in or below '{}'", p,
                                           kz.dir.empty() ? "." : kz.dir));
      return Read(p);
    };
    ASSIGN_OR_RETURN(auto generated, RunGenerators(kz.k, kz.dir, kz.file, read));
    RETURN_IF_ERROR(AbsorbGenerated(ra, std::move(generated), kz.file));
    if (kz.k.contains("helmCharts") && !kz.k["helmCharts"].is_null()) {
      ASSIGN_OR_RETURN(auto charts, InflateHelmCharts(kz.k, kz.dir, kz.file, tree_, read,
                                                      limits_.max_yaml_nodes));
      std::set<std::string> seen = Ids(ra);
      for (Json& o : charts) {
        Resource r;
        r.obj = std::move(o);
        RETURN_IF_ERROR(Append(ra, seen, std::move(r), kz.file + ": helmCharts"));
      }
    }
    if (kz.k.contains("components") && !kz.k["components"].is_null()) {
      const Json& list = kz.k["components"];
      if (!list.is_array()) return InvalidArgument(kz.file + ": components must be a list");
      for (size_t i = 0; i < list.size(); i++) {
        std::string at = fmt::format("{}: components[{}]", kz.file, i);
        if (!list[i].is_string()) return InvalidArgument(at + ": expected a string");
        if (IsRemote(list[i])) return InvalidArgument(at + ": remote components are not supported");
        auto path = Resolve(kz.dir, list[i]);
        if (!path.ok()) return path.status().WithContext(at);
        ASSIGN_OR_RETURN(ra, Accumulate(*path, std::move(ra), true, at));
      }
    }
    RETURN_IF_ERROR(RunPatches(kz, ra, PatchPhase::kBeforeNamespace));
    RETURN_IF_ERROR(ApplyNamespace(
        ra, kz.k.value("namespace", Json("")).is_string() ? kz.k.value("namespace", "") : ""));
    RETURN_IF_ERROR(ApplyPrefixSuffix(
        ra, kz.k.value("namePrefix", Json("")).is_string() ? kz.k.value("namePrefix", "") : "",
        kz.k.value("nameSuffix", Json("")).is_string() ? kz.k.value("nameSuffix", "") : ""));
    RETURN_IF_ERROR(ApplyLabelsField(kz, ra));
    RETURN_IF_ERROR(ApplyLabels(ra, kz.k.value("commonLabels", Json()), CommonLabelSpecs(),
                                kz.file + ": commonLabels"));
    RETURN_IF_ERROR(ApplyAnnotations(ra, kz.k.value("commonAnnotations", Json()),
                                     kz.file + ": commonAnnotations"));
    RETURN_IF_ERROR(RunPatches(kz, ra, PatchPhase::kAfterAnnotations));
    RETURN_IF_ERROR(ApplyReplicas(ra, kz.k.value("replicas", Json()), kz.file));
    RETURN_IF_ERROR(ApplyImages(ra, kz.k.value("images", Json()), kz.file));
    stack_.pop_back();
    return ra;
  }

  // labels: [{pairs, includeSelectors, includeTemplates, fieldSpecs}]
  Status ApplyLabelsField(const Kustomization& kz, std::vector<Resource>& ra) {
    if (!kz.k.contains("labels") || kz.k["labels"].is_null()) return Status::Ok();
    const Json& list = kz.k["labels"];
    if (!list.is_array()) return InvalidArgument(kz.file + ": labels must be a list");
    for (size_t i = 0; i < list.size(); i++) {
      std::string at = fmt::format("{}: labels[{}]", kz.file, i);
      const Json& l = list[i];
      if (!l.is_object()) return InvalidArgument(at + ": expected a map");
      std::vector<FieldSpec> specs;
      for (auto it = l.begin(); it != l.end(); ++it) {
        const std::string& key = it.key();
        if (key == "fields") {
          if (!it->is_array()) return InvalidArgument(at + ".fields: expected a list");
          for (const Json& f : *it) {
            if (!f.is_object() || !f.contains("path") || !f["path"].is_string())
              return InvalidArgument(at + ".fields: each needs a path");
            auto [g, v] =
                std::pair<std::string, std::string>(f.value("group", ""), f.value("version", ""));
            specs.push_back({g, v, f.value("kind", ""), f["path"], f.value("create", false)});
          }
        } else if (key != "pairs" && key != "includeSelectors" && key != "includeTemplates") {
          return InvalidArgument(fmt::format("{}: unknown field \"{}\"", at, key));
        }
      }
      if (l.value("includeSelectors", false)) {
        for (const FieldSpec& f : CommonLabelSpecs()) specs.push_back(f);
      } else if (l.value("includeTemplates", false)) {
        for (const FieldSpec& f : TemplateLabelSpecs()) specs.push_back(f);
      } else {
        specs.push_back({"", "", "", "metadata/labels", true});
      }
      RETURN_IF_ERROR(ApplyLabels(ra, l.value("pairs", Json()), specs, at + ".pairs"));
    }
    return Status::Ok();
  }

  Status CheckCrds(const Kustomization& kz) {
    if (!kz.k.contains("crds") || kz.k["crds"].is_null()) return Status::Ok();
    if (!kz.k["crds"].is_array()) return InvalidArgument(kz.file + ": crds must be a list");
    for (size_t i = 0; i < kz.k["crds"].size(); i++) {
      std::string at = fmt::format("{}: crds[{}]", kz.file, i);
      const Json& c = kz.k["crds"][i];
      if (!c.is_string()) return InvalidArgument(at + ": expected a string");
      auto path = Resolve(kz.dir, c);
      if (!path.ok()) return path.status().WithContext(at);
      auto text = Read(*path);
      if (!text.ok()) return text.status().WithContext(at);
      // OpenAPI definitions ({"<group>/<version>.<Kind>": {"Schema": ...}}); flotilla does not
      // use their x-kubernetes annotations yet, but they must parse.
      auto docs = ParseKYamlStream(*text, *path, limits_.max_yaml_nodes);
      if (!docs.ok()) return docs.status().WithContext(at);
      for (const Json& d : *docs)
        if (!d.is_object())
          return InvalidArgument(
              fmt::format("{}: unable to parse open API definition from '{}'", at, *path));
    }
    return Status::Ok();
  }

 private:
  const Tree& tree_;
  const BuildLimits& limits_;
  size_t total_ = 0;
  std::vector<std::string> stack_;
};

}  // namespace

bool HasKustomization(const Tree& tree, std::string_view dir) {
  auto d = Resolve("", std::string(dir));
  if (!d.ok()) return false;
  for (const char* name : kKustomizationNames)
    if (tree.ReadFile(Join(*d, name)).ok()) return true;
  return false;
}

StatusOr<std::vector<Json>> BuildImpl(const Tree& tree, std::string_view dir,
                                      const BuildLimits& limits);

StatusOr<std::vector<Json>> Build(const Tree& tree, std::string_view dir,
                                  const BuildLimits& limits) {
  try {
    return BuildImpl(tree, dir, limits);
  } catch (const std::exception& e) {
    return InvalidArgument(fmt::format("kustomize build {}: invalid value: {}",
                                       dir.empty() ? "." : std::string(dir), e.what()));
  }
}

StatusOr<std::vector<Json>> BuildImpl(const Tree& tree, std::string_view dir,
                                      const BuildLimits& limits) {
  ASSIGN_OR_RETURN(std::string root, Resolve("", std::string(dir)));
  Builder b(tree, limits);
  ASSIGN_OR_RETURN(std::vector<Resource> res, b.Accumulate(root, {}, false, ""));
  RETURN_IF_ERROR(AddHashSuffixes(res));
  RETURN_IF_ERROR(FixNameReferences(res));
  std::vector<Resource> kept;
  for (Resource& r : res) {
    const Json& md = r.obj["metadata"];
    if (md.contains("annotations") && md["annotations"].is_object() &&
        md["annotations"].value("config.kubernetes.io/local-config", "") == "true")
      continue;
    kept.push_back(std::move(r));
  }
  // sortOptions of the top kustomization: legacy (the default) or fifo.
  auto top = b.Load(root);
  std::string order = "legacy";
  if (top.ok() && top->k.contains("sortOptions") && top->k["sortOptions"].is_object())
    order = top->k["sortOptions"].value("order", "legacy");
  if (order != "legacy" && order != "fifo")
    return InvalidArgument(
        fmt::format("{}: the field 'sortOptions.order' must be one of [fifo, legacy]", top->file));
  if (order == "legacy") LegacySort(kept);
  std::vector<Json> out;
  out.reserve(kept.size());
  for (Resource& r : kept) out.push_back(std::move(r.obj));
  return out;
}

std::string ToYaml(const std::vector<Json>& objects) { return ToYamlStream(objects); }

}  // namespace flotilla::kustomize
