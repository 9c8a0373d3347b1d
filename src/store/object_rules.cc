#include "store/object_rules.h"

#include <fmt/format.h>

#include <random>

#include "core/base64.h"
#include "core/time.h"
#include "model/json_get.h"

namespace flotilla::store {
namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }());
  return rng;
}

const Json& MetadataOf(const Json& obj) {
  static const Json kEmpty = Json::object();
  auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? *it : kEmpty;
}

bool HasFinalizers(const Json& obj) {
  const Json& md = MetadataOf(obj);
  auto it = md.find("finalizers");
  return it != md.end() && it->is_array() && !it->empty();
}

bool IsDeleting(const Json& obj) {
  const Json& md = MetadataOf(obj);
  auto it = md.find("deletionTimestamp");
  return it != md.end() && !it->is_null();
}

// True when the object's body (everything but apiVersion, kind, metadata and, for kinds with a
// status subresource, status) differs.
bool BodyDiffers(const ResourceType& type, const Json& a, const Json& b) {
  auto skip = [&](const std::string& k) {
    return k == "metadata" || k == "apiVersion" || k == "kind" ||
           (type.has_status && k == "status");
  };
  for (auto it = a.begin(); it != a.end(); ++it) {
    if (skip(it.key())) continue;
    auto other = b.find(it.key());
    if (other == b.end() || *other != *it) return true;
  }
  for (auto it = b.begin(); it != b.end(); ++it) {
    if (!skip(it.key()) && !a.contains(it.key())) return true;
  }
  return false;
}

Status CheckObject(const Json& object) {
  if (!object.is_object()) return InvalidArgument("object must be a JSON object");
  auto md = object.find("metadata");
  if (md != object.end() && !md->is_object())
    return InvalidArgument("metadata: Invalid value: must be an object");
  return Status::Ok();
}

Status CheckName(const std::string& name) {
  if (name == "." || name == "..")
    return InvalidArgument(
        fmt::format("metadata.name: Invalid value: \"{}\": may not be '{}'", name, name));
  if (name.find('/') != std::string::npos || name.find('%') != std::string::npos)
    return InvalidArgument(
        fmt::format("metadata.name: Invalid value: \"{}\": may not contain '/' or '%'", name));
  return Status::Ok();
}

// Optimistic concurrency and uid preconditions carried by an Update/UpdateStatus body.
Status CheckUpdatePreconditions(const ResourceType& type, const Json& stored,
                                const Json& incoming) {
  const Json& in_md = MetadataOf(incoming);
  const Json& st_md = MetadataOf(stored);
  std::string rv = model::GetString(in_md, "resourceVersion");
  if (!rv.empty()) {
    int64_t parsed = ResourceVersionOf(incoming);
    if (parsed <= 0)
      return InvalidArgument(fmt::format(
          "metadata.resourceVersion: Invalid value: \"{}\": must be a decimal integer", rv));
    if (parsed != ResourceVersionOf(stored)) return ConflictError(type, NameOf(stored));
  }
  std::string uid = model::GetString(in_md, "uid");
  std::string stored_uid = model::GetString(st_md, "uid");
  if (!uid.empty() && uid != stored_uid)
    return Conflict(fmt::format(
        "Operation cannot be fulfilled on {} \"{}\": Precondition failed: UID in precondition: "
        "{}, UID in object meta: {}",
        QualifiedResource(type), NameOf(stored), uid, stored_uid));
  return Status::Ok();
}

WriteOutcome Outcome(WriteOutcome::Action action, Json object) {
  WriteOutcome o;
  o.action = action;
  o.object = std::move(object);
  return o;
}

}  // namespace

std::string QualifiedResource(const ResourceType& type) {
  return type.group.empty() ? type.plural : type.plural + "." + type.group;
}

Status NotFoundError(const ResourceType& type, const std::string& name) {
  return NotFound(fmt::format("{} \"{}\" not found", QualifiedResource(type), name));
}

Status AlreadyExistsError(const ResourceType& type, const std::string& name) {
  return AlreadyExists(fmt::format("{} \"{}\" already exists", QualifiedResource(type), name));
}

Status ConflictError(const ResourceType& type, const std::string& name) {
  return Conflict(fmt::format(
      "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply "
      "your changes to the latest version and try again",
      QualifiedResource(type), name));
}

std::string NewUid() {
  uint64_t hi = Rng()(), lo = Rng()();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                     hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL);
}

std::string GenerateNameFrom(const std::string& prefix) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out = prefix;
  for (int i = 0; i < 5; i++) out += kAlphabet[Rng()() % kAlphabet.size()];
  return out;
}

Status PrepareCreate(const ResourceType& type, Json& object) {
  RETURN_IF_ERROR(CheckObject(object));
  object["apiVersion"] = type.ApiVersion();
  object["kind"] = type.kind;
  Json& md = object["metadata"];
  if (md.is_null()) md = Json::object();
  std::string name = model::GetString(md, "name");
  std::string generate = model::GetString(md, "generateName");
  if (name.empty() && generate.empty())
    return InvalidArgument("metadata.name: Required value: name or generateName is required");
  RETURN_IF_ERROR(CheckName(name.empty() ? generate : name));
  if (type.namespaced) {
    if (model::GetString(md, "namespace").empty())
      return InvalidArgument("metadata.namespace: Required value");
  } else {
    md.erase("namespace");
  }
  for (const char* key : {"uid", "resourceVersion", "generation", "creationTimestamp",
                          "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"})
    md.erase(key);
  if (type.has_status) object.erase("status");
  return Status::Ok();
}

void FinishCreate(Json& object, const std::string& name) {
  Json& md = object["metadata"];
  md["name"] = name;
  md["uid"] = NewUid();
  md["creationTimestamp"] = NowRfc3339();
  md["generation"] = 1;
}

StatusOr<ObjectRef> RefForWrite(const ResourceType& type, const Json& object) {
  RETURN_IF_ERROR(CheckObject(object));
  ObjectRef ref;
  ref.name = NameOf(object);
  if (ref.name.empty()) return InvalidArgument("metadata.name: Required value");
  if (type.namespaced) {
    ref.ns = NamespaceOf(object);
    if (ref.ns.empty()) return InvalidArgument("metadata.namespace: Required value");
  }
  return ref;
}

StatusOr<WriteOutcome> ApplyUpdate(const ResourceType& type, const Json& stored, Json incoming) {
  RETURN_IF_ERROR(CheckObject(incoming));
  RETURN_IF_ERROR(CheckUpdatePreconditions(type, stored, incoming));
  Json& next = incoming;
  next["apiVersion"] = type.ApiVersion();
  next["kind"] = type.kind;
  Json& md = next["metadata"];
  if (md.is_null()) md = Json::object();
  const Json& old_md = MetadataOf(stored);
  for (const char* key : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "generation", "resourceVersion"}) {
    auto it = old_md.find(key);
    if (it != old_md.end()) {
      md[key] = *it;
    } else {
      md.erase(key);
    }
  }
  md.erase("selfLink");
  if (type.has_status) {
    auto st = stored.find("status");
    if (st != stored.end()) {
      next["status"] = *st;
    } else {
      next.erase("status");
    }
  }
  if (IsDeleting(stored) && md.contains("finalizers") && md["finalizers"].is_array()) {
    const Json& old_fin = old_md.contains("finalizers") ? old_md["finalizers"] : Json::array();
    for (const Json& f : md["finalizers"]) {
      if (std::find(old_fin.begin(), old_fin.end(), f) == old_fin.end())
        return InvalidArgument(fmt::format(
            "metadata.finalizers: Forbidden: no new finalizers can be added if the object is "
            "being deleted, found new finalizer {}",
            f.dump()));
    }
  }
  if (BodyDiffers(type, stored, next)) md["generation"] = old_md.value("generation", 0) + 1;
  if (next == stored) return Outcome(WriteOutcome::Action::kNone, std::move(next));
  if (IsDeleting(stored) && !HasFinalizers(next))
    return Outcome(WriteOutcome::Action::kDelete, std::move(next));
  return Outcome(WriteOutcome::Action::kUpdate, std::move(next));
}

StatusOr<WriteOutcome> ApplyStatusUpdate(const ResourceType& type, const Json& stored,
                                         const Json& incoming) {
  if (!type.has_status)
    return InvalidArgument(
        fmt::format("{} has no status subresource; use Update", QualifiedResource(type)));
  RETURN_IF_ERROR(CheckObject(incoming));
  RETURN_IF_ERROR(CheckUpdatePreconditions(type, stored, incoming));
  Json next = stored;
  auto st = incoming.find("status");
  if (st != incoming.end()) {
    next["status"] = *st;
  } else {
    next.erase("status");
  }
  if (next == stored) return Outcome(WriteOutcome::Action::kNone, std::move(next));
  return Outcome(WriteOutcome::Action::kUpdate, std::move(next));
}

StatusOr<WriteOutcome> ApplyDelete(const ResourceType& type, const Json& stored,
                                   const DeleteOptions& options) {
  const Json& md = MetadataOf(stored);
  std::string uid = model::GetString(md, "uid");
  if (!options.precondition_uid.empty() && options.precondition_uid != uid)
    return Conflict(fmt::format(
        "Operation cannot be fulfilled on {} \"{}\": Precondition failed: UID in precondition: "
        "{}, UID in object meta: {}",
        QualifiedResource(type), NameOf(stored), options.precondition_uid, uid));
  std::string rv = model::GetString(md, "resourceVersion");
  if (!options.precondition_resource_version.empty() && options.precondition_resource_version != rv)
    return Conflict(fmt::format(
        "Operation cannot be fulfilled on {} \"{}\": Precondition failed: ResourceVersion in "
        "precondition: {}, ResourceVersion in object meta: {}",
        QualifiedResource(type), NameOf(stored), options.precondition_resource_version, rv));
  if (!HasFinalizers(stored)) return Outcome(WriteOutcome::Action::kDelete, stored);
  if (IsDeleting(stored)) return Outcome(WriteOutcome::Action::kNone, stored);
  Json next = stored;
  next["metadata"]["deletionTimestamp"] = NowRfc3339();
  next["metadata"]["deletionGracePeriodSeconds"] = 0;
  return Outcome(WriteOutcome::Action::kUpdate, std::move(next));
}

void SetResourceVersion(Json& object, int64_t rv) {
  object["metadata"]["resourceVersion"] = std::to_string(rv);
}

std::string EncodeContinue(const ContinueToken& token) {
  Json j = {{"v", "meta.k8s.io/v1"},
            {"rv", token.resource_version},
            {"ns", token.ns},
            {"name", token.name}};
  return Base64Encode(j.dump());
}

StatusOr<ContinueToken> DecodeContinue(const std::string& text) {
  Status invalid =
      InvalidArgument("continue key is not valid: the provided continue parameter is malformed");
  auto raw = Base64Decode(text);
  if (!raw.ok()) return invalid;
  Json j = Json::parse(*raw, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("rv") || !j["rv"].is_number_integer() || !j.contains("ns") ||
      !j["ns"].is_string() || !j.contains("name") || !j["name"].is_string())
    return invalid;
  return ContinueToken{j["rv"].get<int64_t>(), j["ns"].get<std::string>(),
                       j["name"].get<std::string>()};
}

bool MatchesFilters(const Json& object, const std::string& ns, const model::LabelSelector& labels,
                    const FieldSelector& fields) {
  if (!ns.empty() && NamespaceOf(object) != ns) return false;
  if (!labels.empty()) {
    const Json& md = MetadataOf(object);
    auto it = md.find("labels");
    if (!labels.Matches(it != md.end() ? *it : Json())) return false;
  }
  return fields.empty() || fields.Matches(object);
}

}  // namespace flotilla::store
