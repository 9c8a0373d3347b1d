// kustomize's patch transformers; see patches.h. Sources: kustomize api/internal/builtins
// (PatchTransformer.go, PatchStrategicMergeTransformer.go, PatchJson6902Transformer.go),
// api/resmap/reswrangler.go (Select, ApplySmPatch), api/types/selector.go.
#include "render/kustomize/patches.h"

#include <optional>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "render/kustomize/internal.h"
#include "render/kustomize/kyaml.h"
#include "render/patch/patch.h"

namespace flotilla::kustomize {
namespace {

constexpr size_t kMaxPatchNodes = 1'000'000;
constexpr const char* kPrevKinds = "internal.config.kubernetes.io/previousKinds";
constexpr const char* kPrevNames = "internal.config.kubernetes.io/previousNames";
constexpr const char* kPrevNamespaces = "internal.config.kubernetes.io/previousNamespaces";

std::string Str(const Json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}
const Json& Meta(const Json& obj) {
  static const Json kEmpty = Json::object();
  if (!obj.is_object()) return kEmpty;
  auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? *it : kEmpty;
}

struct Id {
  std::string group, version, kind, name, ns;
  // kustomize's ResId.String(): "Deployment.v1.apps/web.[noNs]".
  std::string ToString() const {
    return fmt::format("{}.{}.{}/{}.{}", kind.empty() ? "[noKind]" : kind,
                       version.empty() ? "[noVer]" : version, group.empty() ? "[noGrp]" : group,
                       name.empty() ? "[noName]" : name, ns.empty() ? "[noNs]" : ns);
  }
  bool Equals(const Id& o) const {
    return group == o.group && version == o.version && kind == o.kind && name == o.name &&
           SameNamespace(ns, o.ns);
  }
  std::string EffectiveNamespace() const {
    if (IsClusterScoped(kind)) return "_non_namespaceable_";
    return ns.empty() ? "default" : ns;
  }
};

Id CurrentId(const Json& obj) {
  auto [g, v] = SplitApiVersion(Str(obj, "apiVersion"));
  return Id{g, v, Str(obj, "kind"), Str(Meta(obj), "name"), Str(Meta(obj), "namespace")};
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t c = s.find(',', start);
    out.push_back(s.substr(start, c == std::string::npos ? std::string::npos : c - start));
    if (c == std::string::npos) break;
    start = c + 1;
  }
  return out;
}

// The ids a resource had, oldest first, then its current one.
std::vector<Id> AllIds(const Json& obj) {
  std::vector<Id> ids;
  Id cur = CurrentId(obj);
  const Json& ann = Meta(obj).contains("annotations") ? Meta(obj)["annotations"] : Json();
  std::string names = Str(ann, kPrevNames);
  if (!names.empty()) {
    auto n = SplitCommas(names), k = SplitCommas(Str(ann, kPrevKinds)),
         s = SplitCommas(Str(ann, kPrevNamespaces));
    for (size_t i = 0; i < n.size(); ++i) {
      Id prev = cur;
      prev.name = n[i];
      if (i < k.size()) prev.kind = k[i];
      if (i < s.size()) prev.ns = s[i];
      ids.push_back(prev);
    }
  }
  ids.push_back(cur);
  return ids;
}

Status CheckFields(const Json& obj, std::initializer_list<std::string_view> known,
                   const std::string& where) {
  if (!obj.is_object()) return InvalidArgument(fmt::format("{}: expected a map", where));
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || it.key() == k;
    if (!ok) return InvalidArgument(fmt::format("{}: unknown field \"{}\"", where, it.key()));
  }
  return Status::Ok();
}

// A target (types.Selector): anchored regular expressions and label/annotation selectors.
struct Selector {
  std::optional<std::regex> group, version, kind, name, ns;
  std::string label_selector, annotation_selector;

  StatusOr<bool> Selects(const Json& obj) const {
    std::vector<Id> ids = AllIds(obj);
    const Id& org = ids.front();
    const Id& cur = ids.back();
    // std::regex can throw on pathological patterns (error_complexity, error_stack).
    auto match = [](const std::optional<std::regex>& re, const std::string& s) {
      try {
        return !re || std::regex_match(s, *re);
      } catch (const std::regex_error&) {
        return false;
      }
    };
    if (!match(ns, org.EffectiveNamespace()) && !match(ns, cur.EffectiveNamespace())) return false;
    if (!match(name, org.name) && !match(name, cur.name)) return false;
    if (!match(group, cur.group) || !match(version, cur.version) || !match(kind, cur.kind))
      return false;
    const Json& meta = Meta(obj);
    if (!label_selector.empty()) {
      ASSIGN_OR_RETURN(bool ok, MatchLabelSelector(label_selector, meta.value("labels", Json())));
      if (!ok) return false;
    }
    if (!annotation_selector.empty()) {
      ASSIGN_OR_RETURN(bool ok,
                       MatchLabelSelector(annotation_selector, meta.value("annotations", Json())));
      if (!ok) return false;
    }
    return true;
  }
};

StatusOr<Selector> ParseSelector(const Json& target, const std::string& where) {
  RETURN_IF_ERROR(CheckFields(
      target,
      {"group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"},
      where));
  Selector s;
  for (auto& [field, re] :
       std::initializer_list<std::pair<const char*, std::optional<std::regex>*>>{
           {"group", &s.group},
           {"version", &s.version},
           {"kind", &s.kind},
           {"name", &s.name},
           {"namespace", &s.ns}}) {
    auto it = target.find(field);
    if (it == target.end() || it->is_null()) continue;
    if (!it->is_string())
      return InvalidArgument(fmt::format("{}.{}: expected a string", where, field));
    std::string pattern = it->get<std::string>();
    if (pattern.empty()) continue;
    try {
      *re = std::regex("^(?:" + pattern + ")$");
    } catch (const std::regex_error& e) {
      return InvalidArgument(fmt::format("{}.{}: invalid regular expression \"{}\": {}", where,
                                         field, pattern, e.what()));
    }
  }
  for (auto& [field, out] : std::initializer_list<std::pair<const char*, std::string*>>{
           {"labelSelector", &s.label_selector}, {"annotationSelector", &s.annotation_selector}}) {
    auto it = target.find(field);
    if (it == target.end() || it->is_null()) continue;
    if (!it->is_string())
      return InvalidArgument(fmt::format("{}.{}: expected a string", where, field));
    *out = it->get<std::string>();
    auto check = MatchLabelSelector(*out, Json::object());
    if (!check.ok()) return check.status().WithContext(fmt::format("{}.{}", where, field));
  }
  return s;
}

struct Options {
  bool allow_name_change = false;
  bool allow_kind_change = false;
};

// resource.ApplySmPatch: merge with kyaml's rules, then restore the kind and name (unless the
// options allow changing them) and the namespace. Returns false if the patch deleted the object.
StatusOr<bool> ApplySm(Json& res, const Json& patch, const Options& opts) {
  Json p = patch;
  if (res.contains("apiVersion")) p["apiVersion"] = res["apiVersion"];
  Id before = CurrentId(res);
  ASSIGN_OR_RETURN(Json merged,
                   patch::KustomizeStrategicMerge(
                       res, p, patch::PatchSchema::ForKind(Str(res, "apiVersion"), before.kind)));
  if (merged.is_null() || (merged.is_object() && merged.empty())) return false;
  if (!opts.allow_kind_change) merged["kind"] = before.kind;
  if (!merged.contains("metadata") || !merged["metadata"].is_object())
    merged["metadata"] = Json::object();
  if (!opts.allow_name_change) merged["metadata"]["name"] = before.name;
  if (before.ns.empty())
    merged["metadata"].erase("namespace");
  else
    merged["metadata"]["namespace"] = before.ns;
  res = std::move(merged);
  return true;
}

StatusOr<std::string> PatchText(const Json& entry, const ReadFileFn& read_file,
                                const std::string& where, std::string* name) {
  auto path = entry.find("path");
  auto inline_patch = entry.find("patch");
  bool has_path = path != entry.end() && !path->is_null() && !(path->is_string() && path->empty());
  bool has_patch = inline_patch != entry.end() && !inline_patch->is_null() &&
                   !(inline_patch->is_string() && inline_patch->empty());
  if (has_path && has_patch)
    return InvalidArgument(fmt::format("{}: patch and path can't be set at the same time", where));
  if (!has_path && !has_patch)
    return InvalidArgument(fmt::format("{}: must specify one of patch and path", where));
  if (has_patch) {
    if (!inline_patch->is_string())
      return InvalidArgument(fmt::format("{}.patch: expected a string", where));
    *name = where + ".patch";
    return inline_patch->get<std::string>();
  }
  if (!path->is_string()) return InvalidArgument(fmt::format("{}.path: expected a string", where));
  *name = path->get<std::string>();
  auto text = read_file(*name);
  if (!text.ok()) return text.status().WithContext(fmt::format("{}.path", where));
  return text;
}

// A strategic merge patch document must look like an object (kind and metadata.name).
Status CheckSmDoc(const Json& doc, const std::string& name) {
  if (!doc.is_object()) return InvalidArgument(fmt::format("{}: not a map", name));
  if (Str(doc, "kind").empty()) return InvalidArgument(fmt::format("{}: missing kind", name));
  if (Str(Meta(doc), "name").empty())
    return InvalidArgument(fmt::format("{}: missing metadata.name", name));
  return Status::Ok();
}

// Applies one strategic merge patch document to the one resource with its id.
Status ApplySmById(std::vector<Json>& resources, const Json& doc, bool from_patches) {
  auto [g, v] = SplitApiVersion(Str(doc, "apiVersion"));
  Id id{g, v, Str(doc, "kind"), Str(Meta(doc), "name"), Str(Meta(doc), "namespace")};
  std::vector<size_t> matches;
  for (size_t i = 0; i < resources.size(); ++i) {
    for (const Id& rid : AllIds(resources[i])) {
      if (rid.Equals(id)) {
        matches.push_back(i);
        break;
      }
    }
  }
  std::string ids = id.ToString();
  if (matches.size() != 1) {
    std::string msg = fmt::format("{} matches for Id {}; failed to find unique target for patch {}",
                                  matches.empty() ? "no" : "multiple", ids, ids);
    if (from_patches && matches.empty())
      msg = fmt::format("no resource matches strategic merge patch \"{}\": {}", ids, msg);
    return NotFound(msg);
  }
  ASSIGN_OR_RETURN(bool kept, ApplySm(resources[matches[0]], doc, Options()));
  if (!kept) resources.erase(resources.begin() + static_cast<std::ptrdiff_t>(matches[0]));
  return Status::Ok();
}

Status ApplyJson(std::vector<Json>& resources, const Json& ops, const Selector& target,
                 const std::string& where) {
  for (Json& res : resources) {
    ASSIGN_OR_RETURN(bool selected, target.Selects(res));
    if (!selected) continue;
    auto out = patch::ApplyJsonPatch(res, ops);
    if (!out.ok())
      return out.status().WithContext(fmt::format("{}: {}", where, CurrentId(res).ToString()));
    if (!out->is_object())
      return InvalidArgument(fmt::format("{}: the patch made {} something other than a map", where,
                                         CurrentId(res).ToString()));
    res = std::move(*out);
  }
  return Status::Ok();
}

// jsonPatchFromBytes: YAML or JSON operations.
StatusOr<Json> ParseOps(const std::string& text, const std::string& name) {
  ASSIGN_OR_RETURN(auto docs, ParseKYamlStream(text, name, kMaxPatchNodes));
  if (docs.size() != 1 || !docs[0].is_array())
    return InvalidArgument(fmt::format("{}: a JSON patch must be one list of operations", name));
  return docs[0];
}

Status ListOf(const Json& kustomization, const char* field, const Json** out) {
  *out = nullptr;
  auto it = kustomization.find(field);
  if (it == kustomization.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) return InvalidArgument(fmt::format("{}: expected a list", field));
  *out = &*it;
  return Status::Ok();
}

}  // namespace

Status ApplyPatchesStrategicMerge(const Json& kustomization, std::vector<Json>& resources,
                                  const ReadFileFn& read_file,
                                  std::string_view kustomization_path) {
  const Json* list;
  RETURN_IF_ERROR(ListOf(kustomization, "patchesStrategicMerge", &list)
                      .WithContext(std::string(kustomization_path)));
  if (list == nullptr) return Status::Ok();
  for (size_t i = 0; i < list->size(); ++i) {
    std::string where = fmt::format("{}: patchesStrategicMerge[{}]", kustomization_path, i);
    const Json& entry = (*list)[i];
    if (!entry.is_string()) return InvalidArgument(fmt::format("{}: expected a string", where));
    std::string s = entry.get<std::string>();
    // As kustomize: the entry is an inline patch if it parses as objects, else a file path.
    std::vector<Json> docs;
    auto inline_docs = ParseKYamlStream(s, where, kMaxPatchNodes);
    bool is_inline = inline_docs.ok() && !inline_docs->empty();
    for (const Json& d : is_inline ? *inline_docs : std::vector<Json>{})
      is_inline = is_inline && CheckSmDoc(d, where).ok();
    std::string name = where;
    if (is_inline) {
      docs = std::move(*inline_docs);
    } else {
      auto text = read_file(s);
      if (!text.ok()) return text.status().WithContext(where);
      name = s;
      ASSIGN_OR_RETURN(docs, ParseKYamlStream(*text, s, kMaxPatchNodes));
    }
    if (docs.empty()) return InvalidArgument(fmt::format("{}: patch appears to be empty", where));
    for (const Json& d : docs) {
      RETURN_IF_ERROR(CheckSmDoc(d, name).WithContext(where));
      RETURN_IF_ERROR(ApplySmById(resources, d, false).WithContext(where));
    }
  }
  return Status::Ok();
}

Status ApplyPatches(const Json& kustomization, std::vector<Json>& resources,
                    const ReadFileFn& read_file, std::string_view kustomization_path) {
  const Json* list;
  RETURN_IF_ERROR(
      ListOf(kustomization, "patches", &list).WithContext(std::string(kustomization_path)));
  if (list == nullptr) return Status::Ok();
  for (size_t i = 0; i < list->size(); ++i) {
    std::string where = fmt::format("{}: patches[{}]", kustomization_path, i);
    const Json& entry = (*list)[i];
    RETURN_IF_ERROR(CheckFields(entry, {"path", "patch", "target", "options"}, where));
    Options opts;
    if (auto o = entry.find("options"); o != entry.end() && !o->is_null()) {
      RETURN_IF_ERROR(CheckFields(*o, {"allowNameChange", "allowKindChange"}, where + ".options"));
      for (auto& [field, flag] : std::initializer_list<std::pair<const char*, bool*>>{
               {"allowNameChange", &opts.allow_name_change},
               {"allowKindChange", &opts.allow_kind_change}}) {
        auto f = o->find(field);
        if (f == o->end() || f->is_null()) continue;
        if (!f->is_boolean())
          return InvalidArgument(fmt::format("{}.options.{}: expected a boolean", where, field));
        *flag = f->get<bool>();
      }
    }
    std::optional<Selector> target;
    if (auto t = entry.find("target"); t != entry.end() && !t->is_null()) {
      ASSIGN_OR_RETURN(target, ParseSelector(*t, where + ".target"));
    }
    std::string name;
    ASSIGN_OR_RETURN(std::string text, PatchText(entry, read_file, where, &name));
    auto docs = ParseKYamlStream(text, name, kMaxPatchNodes);
    if (!docs.ok()) return docs.status().WithContext(where);
    if (docs->empty()) return InvalidArgument(fmt::format("{}: the patch is empty", where));
    if (docs->size() == 1 && (*docs)[0].is_array()) {
      if (!target)
        return InvalidArgument(fmt::format("{}: must specify a target for JSON patch", where));
      RETURN_IF_ERROR(ApplyJson(resources, (*docs)[0], *target, where));
      continue;
    }
    for (const Json& d : *docs) {
      Status st = CheckSmDoc(d, name);
      if (!st.ok())
        return InvalidArgument(
            fmt::format("{}: unable to parse SM or JSON patch: {}", where, st.message()));
    }
    for (const Json& d : *docs) {
      if (!target) {
        RETURN_IF_ERROR(ApplySmById(resources, d, true).WithContext(where));
        continue;
      }
      std::vector<Json> kept;
      for (Json& res : resources) {
        ASSIGN_OR_RETURN(bool selected, target->Selects(res));
        bool keep = true;
        if (selected) {
          auto r = ApplySm(res, d, opts);
          if (!r.ok())
            return r.status().WithContext(fmt::format("{}: {}", where, CurrentId(res).ToString()));
          keep = *r;
        }
        if (keep) kept.push_back(std::move(res));
      }
      resources = std::move(kept);
    }
  }
  return Status::Ok();
}

Status ApplyPatchesJson6902(const Json& kustomization, std::vector<Json>& resources,
                            const ReadFileFn& read_file, std::string_view kustomization_path) {
  const Json* list;
  RETURN_IF_ERROR(
      ListOf(kustomization, "patchesJson6902", &list).WithContext(std::string(kustomization_path)));
  if (list == nullptr) return Status::Ok();
  for (size_t i = 0; i < list->size(); ++i) {
    std::string where = fmt::format("{}: patchesJson6902[{}]", kustomization_path, i);
    const Json& entry = (*list)[i];
    RETURN_IF_ERROR(CheckFields(entry, {"path", "patch", "target", "options"}, where));
    auto t = entry.find("target");
    if (t == entry.end() || t->is_null())
      return InvalidArgument(
          fmt::format("{}: must specify the target field in patchesJson6902", where));
    ASSIGN_OR_RETURN(Selector target, ParseSelector(*t, where + ".target"));
    std::string name;
    ASSIGN_OR_RETURN(std::string text, PatchText(entry, read_file, where, &name));
    auto ops = ParseOps(text, name);
    if (!ops.ok()) return ops.status().WithContext(where);
    RETURN_IF_ERROR(ApplyJson(resources, *ops, target, where));
  }
  return Status::Ok();
}

Status ApplyKustomizePatches(const Json& kustomization, std::vector<Json>& resources,
                             const ReadFileFn& read_file, std::string_view kustomization_path) {
  if (!kustomization.is_object())
    return InvalidArgument(fmt::format("{}: not a map", kustomization_path));
  RETURN_IF_ERROR(
      ApplyPatchesStrategicMerge(kustomization, resources, read_file, kustomization_path));
  RETURN_IF_ERROR(ApplyPatches(kustomization, resources, read_file, kustomization_path));
  return ApplyPatchesJson6902(kustomization, resources, read_file, kustomization_path);
}

namespace {

bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '/' || c == '_' ||
         c == '-';
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

StatusOr<bool> MatchLabelSelector(std::string_view selector, const Json& labels) {
  auto value_of = [&](const std::string& key) -> std::optional<std::string> {
    if (!labels.is_object()) return std::nullopt;
    auto it = labels.find(key);
    if (it == labels.end()) return std::nullopt;
    return it->is_string() ? it->get<std::string>() : it->dump();
  };
  // Requirements are separated by commas outside parentheses.
  std::vector<std::string> reqs;
  int depth = 0;
  std::string cur;
  for (char c : selector) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      reqs.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  reqs.push_back(cur);
  if (depth != 0)
    return InvalidArgument(fmt::format("label selector \"{}\": unbalanced parentheses", selector));
  bool all = true;
  for (const std::string& raw : reqs) {
    std::string req = Trim(raw);
    if (req.empty()) {
      if (reqs.size() == 1) break;  // the empty selector selects everything
      return InvalidArgument(fmt::format("label selector \"{}\": empty requirement", selector));
    }
    auto bad = [&](std::string_view why) {
      return InvalidArgument(fmt::format("label selector \"{}\": {}: {}", selector, req, why));
    };
    bool negate = req[0] == '!';
    size_t i = negate ? 1 : 0;
    while (i < req.size() && std::isspace(static_cast<unsigned char>(req[i]))) ++i;
    size_t k = i;
    while (i < req.size() && IsKeyChar(req[i])) ++i;
    std::string key = req.substr(k, i - k);
    if (key.empty()) return bad("expected a key");
    std::string rest = Trim(std::string_view(req).substr(i));
    std::optional<std::string> have = value_of(key);
    if (negate) {
      if (!rest.empty()) return bad("unexpected text after !key");
      all = all && !have;
      continue;
    }
    if (rest.empty()) {
      all = all && have.has_value();
      continue;
    }
    std::string op;
    for (const char* o : {"==", "!=", "=", "notin", "in", ">", "<"}) {
      if (rest.rfind(o, 0) == 0) {
        op = o;
        break;
      }
    }
    if (op.empty()) return bad("expected an operator (=, ==, !=, in, notin, exists)");
    std::string operand = Trim(std::string_view(rest).substr(op.size()));
    if (op == "in" || op == "notin") {
      if (operand.size() < 2 || operand.front() != '(' || operand.back() != ')')
        return bad("expected a parenthesised list of values");
      std::set<std::string> values;
      for (const std::string& v : SplitCommas(operand.substr(1, operand.size() - 2)))
        values.insert(Trim(v));
      bool in = have && values.count(*have);
      all = all && (op == "in" ? in : !in);
    } else if (op == ">" || op == "<") {
      char* end = nullptr;
      long long want = std::strtoll(operand.c_str(), &end, 10);
      if (operand.empty() || *end != '\0') return bad("expected an integer");
      if (!have) {
        all = false;
        continue;
      }
      char* hend = nullptr;
      long long got = std::strtoll(have->c_str(), &hend, 10);
      bool numeric = !have->empty() && *hend == '\0';
      all = all && numeric && (op == ">" ? got > want : got < want);
    } else {
      for (char c : operand)
        if (!IsKeyChar(c)) return bad("invalid value");
      bool eq = have && *have == operand;
      all = all && (op == "!=" ? !eq : eq);
    }
  }
  return all;
}

}  // namespace flotilla::kustomize
