// The built-in transformers of one kustomization, in kustomize v5's order: namespace,
// prefix/suffix, labels (labels[] then commonLabels), commonAnnotations, replicas, images.
#include <regex>
#include <set>

#include <fmt/format.h>

#include "render/kustomize/internal.h"

namespace flotilla::kustomize {
namespace {

bool IsCrd(const Resource& r) { return r.Kind() == "CustomResourceDefinition"; }

// A map of string values ("labels", "annotations"): values must be scalars.
StatusOr<std::vector<std::pair<std::string, std::string>>> StringMap(const Json& m,
                                                                     const std::string& where) {
  std::vector<std::pair<std::string, std::string>> out;
  if (m.is_null()) return out;
  if (!m.is_object()) return InvalidArgument(fmt::format("{}: expected a map of strings", where));
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (it->is_string())
      out.emplace_back(it.key(), it->get<std::string>());
    else if (it->is_null())
      out.emplace_back(it.key(), "");
    else
      return InvalidArgument(
          fmt::format("{}.{}: json: cannot unmarshal {} into a string value (quote it)", where,
                      it.key(), it->type_name()));
  }
  return out;
}

Status SetPairs(std::vector<Resource>& res,
                const std::vector<std::pair<std::string, std::string>>& kv,
                const std::vector<FieldSpec>& specs, const std::string& where) {
  if (kv.empty()) return Status::Ok();
  for (Resource& r : res) {
    ResId id = r.CurId();
    for (const FieldSpec& fs : specs) {
      if (!fs.Selects(id)) continue;
      RETURN_IF_ERROR(ApplyFieldSpec(r.obj, fs, [&](Json& v) -> Status {
        if (v.is_null()) v = Json::object();
        if (!v.is_object())
          return InvalidArgument(
              fmt::format("{}: {} {}: {} is not a map", where, id.kind, id.name, fs.path));
        for (const auto& [k, val] : kv) v[k] = val;
        return Status::Ok();
      }));
    }
  }
  return Status::Ok();
}

}  // namespace

Status ApplyNamespace(std::vector<Resource>& res, const std::string& ns) {
  if (ns.empty()) return Status::Ok();
  for (Resource& r : res) {
    std::string kind = r.Kind();
    Json& md = r.obj["metadata"];
    if (kind == "Namespace") {
      if (r.Name() != ns) {
        r.RememberId();
        md["name"] = ns;
      }
    } else if (!IsClusterScoped(kind)) {
      if (r.Namespace() != ns) {
        r.RememberId();
        md["namespace"] = ns;
      }
    }
    if (kind == "RoleBinding" || kind == "ClusterRoleBinding") {
      // setRoleBindingSubjects=defaultOnly: subjects named "default" follow the namespace.
      if (r.obj.contains("subjects") && r.obj["subjects"].is_array())
        for (Json& s : r.obj["subjects"])
          if (s.is_object() && s.value("name", "") == "default") s["namespace"] = ns;
    } else if (kind == "APIService") {
      Json& spec = r.obj["spec"];
      if (spec.is_object() && spec.contains("service") && spec["service"].is_object())
        spec["service"]["namespace"] = ns;
    } else if (kind == "CustomResourceDefinition") {
      Json::json_pointer p("/spec/conversion/webhook/clientConfig/service");
      if (r.obj.contains(p) && r.obj[p].is_object()) r.obj[p]["namespace"] = ns;
    }
  }
  std::set<std::string> seen;
  for (const Resource& r : res) {
    ResId id = r.CurId();
    if (!seen.insert(IdKey(id)).second)
      return InvalidArgument(
          fmt::format("namespace transformation produces ID conflict: {}", id.ToString()));
  }
  return Status::Ok();
}

Status ApplyPrefixSuffix(std::vector<Resource>& res, const std::string& prefix,
                         const std::string& suffix) {
  if (prefix.empty() && suffix.empty()) return Status::Ok();
  for (Resource& r : res) {
    std::string kind = r.Kind();
    if (IsCrd(r) || kind == "Namespace" || kind == "APIService") continue;
    r.RememberId();
    r.obj["metadata"]["name"] = prefix + r.Name() + suffix;
    if (!prefix.empty()) r.prefixes.push_back(prefix);
    if (!suffix.empty()) r.suffixes.push_back(suffix);
  }
  return Status::Ok();
}

Status ApplyLabels(std::vector<Resource>& res, const Json& labels,
                   const std::vector<FieldSpec>& specs, const std::string& where) {
  ASSIGN_OR_RETURN(auto kv, StringMap(labels, where));
  return SetPairs(res, kv, specs, where);
}

Status ApplyAnnotations(std::vector<Resource>& res, const Json& annotations,
                        const std::string& where) {
  ASSIGN_OR_RETURN(auto kv, StringMap(annotations, where));
  return SetPairs(res, kv, AnnotationSpecs(), where);
}

// ---- images ----

namespace {

struct ImageRef {
  std::string name, tag, digest;
};

// kustomize's image.Split: the tag colon is searched after the first "/" (registry ports).
ImageRef SplitImage(const std::string& image) {
  size_t slash = image.find('/');
  size_t off = slash != std::string::npos && slash > 0 ? slash : 0;
  std::string search = image.substr(off);
  size_t id = search.find('@'), ic = search.find(':');
  if (ic == std::string::npos && id == std::string::npos) return {image, "", ""};
  if (id != std::string::npos && (ic == std::string::npos || id < ic))
    return {image.substr(0, id + off), "", image.substr(id + off + 1)};
  if (id != std::string::npos && ic != std::string::npos)
    return {image.substr(0, ic + off), image.substr(ic + off + 1, id - ic - 1),
            image.substr(id + off + 1)};
  return {image.substr(0, ic + off), image.substr(ic + off + 1), ""};
}

struct ImageRule {
  std::string name, new_name, new_tag, digest;
};

std::string Rewrite(const std::string& value, const ImageRule& rule) {
  ImageRef ref = SplitImage(value);
  if (ref.name != rule.name) return value;
  std::string name = rule.new_name.empty() ? ref.name : rule.new_name;
  std::string tag = ref.tag, digest = ref.digest;
  if (!rule.new_tag.empty() && !rule.digest.empty()) {
    tag = rule.new_tag;
    digest = rule.digest;
  } else if (!rule.new_tag.empty()) {
    tag = rule.new_tag;
    digest.clear();
  } else if (!rule.digest.empty()) {
    tag.clear();
    digest = rule.digest;
  }
  if (!tag.empty()) name += ":" + tag;
  if (!digest.empty()) name += "@" + digest;
  return name;
}

// The legacy image filter: every "containers"/"initContainers" list anywhere in the object.
void RewriteImages(Json& node, const ImageRule& rule) {
  if (node.is_array()) {
    for (Json& e : node) RewriteImages(e, rule);
    return;
  }
  if (!node.is_object()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if ((it.key() == "containers" || it.key() == "initContainers") && it->is_array()) {
      for (Json& c : *it)
        if (c.is_object() && c.contains("image") && c["image"].is_string())
          c["image"] = Rewrite(c["image"].get<std::string>(), rule);
    }
    RewriteImages(*it, rule);
  }
}

std::string ScalarText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

Status ApplyImages(std::vector<Resource>& res, const Json& images, const std::string& where) {
  if (images.is_null()) return Status::Ok();
  if (!images.is_array()) return InvalidArgument(where + ": images must be a list");
  for (size_t i = 0; i < images.size(); i++) {
    const Json& im = images[i];
    std::string at = fmt::format("{}: images[{}]", where, i);
    if (!im.is_object()) return InvalidArgument(at + ": expected a map");
    for (auto it = im.begin(); it != im.end(); ++it)
      if (it.key() != "name" && it.key() != "newName" && it.key() != "newTag" &&
          it.key() != "digest" && it.key() != "tagSuffix")
        return InvalidArgument(fmt::format("{}: unknown field \"{}\"", at, it.key()));
    for (const char* f : {"name", "newName", "newTag", "digest"})
      if (im.contains(f) && !im[f].is_primitive())
        return InvalidArgument(fmt::format("{}.{}: expected a string", at, f));
    ImageRule rule{ScalarText(im.value("name", Json())), ScalarText(im.value("newName", Json())),
                   ScalarText(im.value("newTag", Json())), ScalarText(im.value("digest", Json()))};
    if (rule.name.empty()) return InvalidArgument(at + ": name is required");
    for (Resource& r : res) RewriteImages(r.obj, rule);
  }
  return Status::Ok();
}

Status ApplyReplicas(std::vector<Resource>& res, const Json& replicas, const std::string& where) {
  if (replicas.is_null()) return Status::Ok();
  if (!replicas.is_array()) return InvalidArgument(where + ": replicas must be a list");
  for (size_t i = 0; i < replicas.size(); i++) {
    const Json& rep = replicas[i];
    std::string at = fmt::format("{}: replicas[{}]", where, i);
    if (!rep.is_object() || !rep.contains("name") || !rep["name"].is_string())
      return InvalidArgument(at + ": needs a name");
    if (!rep.contains("count") || !rep["count"].is_number_integer())
      return InvalidArgument(at + ": count must be an integer");
    std::string name = rep["name"];
    bool found = false;
    for (const FieldSpec& fs : ReplicaSpecs()) {
      for (Resource& r : res) {
        bool match = r.Name() == name && fs.Selects(r.CurId());
        for (const ResId& p : r.previous) match = match || (p.name == name && fs.Selects(p));
        if (!match) continue;
        found = true;
        RETURN_IF_ERROR(ApplyFieldSpec(r.obj, fs, [&](Json& v) {
          v = rep["count"];
          return Status::Ok();
        }));
      }
    }
    if (!found)
      return InvalidArgument(
          fmt::format("{}: resource with name {} does not match a config with the following GVK "
                      "[Deployment ReplicationController ReplicaSet StatefulSet]",
                      at, name));
  }
  return Status::Ok();
}

}  // namespace flotilla::kustomize
