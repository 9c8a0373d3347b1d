#include "store/store.h"

#include <fmt/format.h>

#include "model/json_get.h"

namespace flotilla::store {

const char* WatchEventTypeName(WatchEventType t) {
  switch (t) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
  }
  return "ERROR";
}

StatusOr<FieldSelector> FieldSelector::Parse(std::string_view text) {
  FieldSelector sel;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    std::string_view part =
        text.substr(start, comma == std::string_view::npos ? text.size() - start : comma - start);
    start = comma == std::string_view::npos ? text.size() : comma + 1;
    if (part.empty()) continue;
    Term t;
    size_t op;
    if ((op = part.find("!=")) != std::string_view::npos) {
      t.negate = true;
      t.path = part.substr(0, op);
      t.value = part.substr(op + 2);
    } else if ((op = part.find("==")) != std::string_view::npos) {
      t.path = part.substr(0, op);
      t.value = part.substr(op + 2);
    } else if ((op = part.find('=')) != std::string_view::npos) {
      t.path = part.substr(0, op);
      t.value = part.substr(op + 1);
    } else {
      return InvalidArgument(fmt::format("invalid field selector \"{}\"", text));
    }
    if (t.path.empty()) return InvalidArgument(fmt::format("invalid field selector \"{}\"", text));
    sel.terms.push_back(std::move(t));
  }
  return sel;
}

bool FieldSelector::Matches(const Json& object) const {
  for (const Term& t : terms) {
    const Json* v = model::Find(object, t.path);
    std::string actual;
    if (v && v->is_string())
      actual = v->get<std::string>();
    else if (v && !v->is_null())
      actual = v->dump();
    bool eq = actual == t.value;
    if (eq == t.negate) return false;
  }
  return true;
}

std::string NameOf(const Json& o) {
  if (!o.contains("metadata") || !o["metadata"].is_object()) return "";
  return o["metadata"].value("name", "");
}

std::string NamespaceOf(const Json& o) {
  if (!o.contains("metadata") || !o["metadata"].is_object()) return "";
  return o["metadata"].value("namespace", "");
}

std::string ObjectKey(const Json& o) {
  std::string ns = NamespaceOf(o);
  return ns.empty() ? NameOf(o) : ns + "/" + NameOf(o);
}

int64_t ResourceVersionOf(const Json& o) {
  if (!o.contains("metadata") || !o["metadata"].is_object()) return 0;
  std::string rv = o["metadata"].value("resourceVersion", "");
  if (rv.empty()) return 0;
  try {
    return std::stoll(rv);
  } catch (...) {
    return 0;
  }
}

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

bool HasFinalizer(const Json& object, const std::string& finalizer) {
  if (!object.contains("metadata")) return false;
  const Json& md = object["metadata"];
  if (!md.is_object() || !md.contains("finalizers") || !md["finalizers"].is_array()) return false;
  for (const Json& f : md["finalizers"])
    if (f == finalizer) return true;
  return false;
}

StatusOr<Json> AddFinalizer(Store& store, const ResourceType& type, const std::string& ns,
                            const std::string& name, const std::string& finalizer) {
  return Mutate(store, type, ns, name, false, [&](Json& o) {
    if (HasFinalizer(o, finalizer)) return false;
    Json& md = o["metadata"];
    if (!md.contains("finalizers") || !md["finalizers"].is_array())
      md["finalizers"] = Json::array();
    md["finalizers"].push_back(finalizer);
    return true;
  });
}

StatusOr<Json> RemoveFinalizer(Store& store, const ResourceType& type, const std::string& ns,
                               const std::string& name, const std::string& finalizer) {
  return Mutate(store, type, ns, name, false, [&](Json& o) {
    if (!HasFinalizer(o, finalizer)) return false;
    Json kept = Json::array();
    for (const Json& f : o["metadata"]["finalizers"])
      if (f != finalizer) kept.push_back(f);
    o["metadata"]["finalizers"] = kept;
    return true;
  });
}

StatusOr<Json> Mutate(Store& store, const ResourceType& type, const std::string& ns,
                      const std::string& name, bool status,
                      const std::function<bool(Json&)>& mutate, int attempts) {
  Status last;
  for (int i = 0; i < attempts; i++) {
    ASSIGN_OR_RETURN(Json obj, store.Get(type, ns, name));
    if (!mutate(obj)) return obj;
    auto r = status ? store.UpdateStatus(type, obj) : store.Update(type, obj);
    if (r.ok()) return r;
    if (r.status().code() != StatusCode::kConflict) return r.status();
    last = r.status();
  }
  return last;
}

std::string RedactStoreUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  const size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t end = url.find_first_of("/?", start);
  if (end == std::string_view::npos) end = url.size();
  std::string authority(url.substr(start, end - start));
  const size_t at = authority.rfind('@');
  const size_t colon = authority.find(':');
  if (at != std::string::npos && colon != std::string::npos && colon < at)
    authority = authority.substr(0, colon) + ":xxxxx" + authority.substr(at);
  std::string_view rest = url.substr(end);
  const size_t q = rest.find('?');
  std::string out = std::string(url.substr(0, start)) + authority + std::string(rest.substr(0, q));
  if (q == std::string_view::npos) return out;
  std::string_view query = rest.substr(q + 1);
  out += '?';
  size_t pos = 0;
  bool first = true;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view kv = query.substr(pos, amp - pos);
    if (!first) out += '&';
    first = false;
    if (kv.substr(0, 9) == "password=" || kv.substr(0, 12) == "sslpassword=")
      out += std::string(kv.substr(0, kv.find('=') + 1)) + "xxxxx";
    else
      out += kv;
    pos = amp + 1;
  }
  return out;
}

}  // namespace flotilla::store
