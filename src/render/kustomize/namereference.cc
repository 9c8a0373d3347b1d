// Name back-references (kustomize's nameref filter): after prefixes, suffixes, hashes and
// namespaces changed ids, every field that named a resource by one of its previous names is
// rewritten to its current name. Candidates are narrowed as kustomize does: previous name and
// kind, then namespace (cluster-scoped and ServiceAccount referrals cross namespaces).
#include <fmt/format.h>

#include "render/kustomize/internal.h"

namespace flotilla::kustomize {
namespace {

bool GvkSelected(const NameRefSpec& spec, const ResId& id) {
  return (spec.kind.empty() || spec.kind == id.kind) &&
         (spec.group.empty() || spec.group == id.group) &&
         (spec.version.empty() || spec.version == id.version);
}

// kustomize's utils.SameEndingSubSlice.
bool SameEnding(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const auto& shorter = a.size() <= b.size() ? a : b;
  const auto& longer = a.size() <= b.size() ? b : a;
  size_t diff = longer.size() - shorter.size();
  if (shorter.empty()) return diff == 0;
  for (size_t i = 0; i < shorter.size(); i++)
    if (longer[i + diff] != shorter[i]) return false;
  return true;
}

struct Fixer {
  std::vector<Resource>& res;
  const NameRefSpec& spec;
  const Resource& referrer;

  // The resource that `old_name` (optionally in namespace `ns`) referred to, or null.
  StatusOr<const Resource*> Select(const std::string& old_name, const std::string* ns) const {
    std::vector<const Resource*> cands;
    ResId rid = referrer.CurId();
    bool referrer_cluster = IsClusterScoped(rid.kind);
    for (const Resource& r : res) {
      bool prev = false;
      for (const ResId& p : r.previous)
        if (p.name == old_name && GvkSelected(spec, p) &&
            (ns == nullptr || SameNamespace(p.ns, *ns)))
          prev = true;
      if (!prev) continue;
      ResId cid = r.CurId();
      if (!referrer_cluster && !IsClusterScoped(cid.kind) && cid.kind != "ServiceAccount" &&
          !SameNamespace(rid.ns, cid.ns))
        continue;
      cands.push_back(&r);
    }
    if (cands.size() > 1) {
      // kustomize's prefixSuffixEquals: the referral that went through the same prefixes and
      // suffixes as the referrer (e.g. one base used by two overlays with different prefixes).
      std::vector<const Resource*> same;
      for (const Resource* c : cands)
        if (SameEnding(c->prefixes, referrer.prefixes) &&
            SameEnding(c->suffixes, referrer.suffixes))
          same.push_back(c);
      if (same.size() == 1) return same[0];
      cands = same;
    }
    if (cands.empty()) return static_cast<const Resource*>(nullptr);
    for (const Resource* c : cands)
      if (c->Name() != cands[0]->Name())
        return InvalidArgument(
            fmt::format("found multiple possible referrals for {} \"{}\" referred to by {} {}",
                        spec.kind, old_name, rid.kind, rid.name));
    return cands[0];
  }

  Status FixValue(Json& v) const {
    if (v.is_string()) {
      ASSIGN_OR_RETURN(const Resource* c, Select(v.get<std::string>(), nullptr));
      if (c != nullptr) v = c->Name();
      return Status::Ok();
    }
    if (v.is_array()) {
      for (Json& e : v) RETURN_IF_ERROR(FixValue(e));
      return Status::Ok();
    }
    if (v.is_object() && v.contains("name") && v["name"].is_string()) {
      // subjects, webhook services, node config sources: {name, namespace[, kind]}.
      if (v.contains("kind") && v["kind"].is_string() && v["kind"] != spec.kind)
        return Status::Ok();
      std::string ns = v.value("namespace", "");
      const std::string* nsp = v.contains("namespace") ? &ns : nullptr;
      ASSIGN_OR_RETURN(const Resource* c, Select(v["name"].get<std::string>(), nsp));
      if (c == nullptr) return Status::Ok();
      v["name"] = c->Name();
      if (!c->Namespace().empty()) v["namespace"] = c->Namespace();
    }
    return Status::Ok();
  }
};

}  // namespace

Status FixNameReferences(std::vector<Resource>& res) {
  for (const NameRefSpec& spec : NameReferenceSpecs()) {
    for (Resource& r : res) {
      ResId id = r.CurId();
      for (const FieldSpec& fs : spec.referrers) {
        if (!fs.Selects(id)) continue;
        if (fs.path == "roleRef/name") {
          const Json& rr = r.obj.value("roleRef", Json());
          if (!rr.is_object() || rr.value("kind", "") != spec.kind) continue;
        }
        Fixer fixer{res, spec, r};
        Status st = ApplyFieldSpec(r.obj, fs, [&](Json& v) { return fixer.FixValue(v); });
        if (!st.ok()) return st;
      }
    }
  }
  return Status::Ok();
}

}  // namespace flotilla::kustomize
