#include "agent/directory/layout.h"

#include <cctype>

#include "core/hash.h"
#include "model/json_get.h"

namespace flotilla::agent::directory {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// Longest name whose "<name>.yaml" and its temporary sibling fit in NAME_MAX (255).
constexpr size_t kMaxName = 255 - 1 - std::string_view(".yaml").size() - kTempSuffix.size();

Status Invalid(std::string_view field, std::string_view value, std::string_view why) {
  std::string v(value);
  return InvalidArgument(std::string(field) + " " + Json(v).dump() + " " + std::string(why));
}

// RFC 1123 label: what Kubernetes allows for namespaces.
bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return IsLowerAlnum(s.front()) && IsLowerAlnum(s.back());
}

// RFC 1123 subdomain: API groups.
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-' && c != '.') return false;
  }
  return IsLowerAlnum(s.front()) && IsLowerAlnum(s.back()) && s.find("..") == std::string::npos;
}

// Object names: DNS subdomains, plus the wider set some kinds allow (RBAC's "system:foo",
// upper case), but never a path separator, a leading dot, or anything a shell would misread.
bool IsSafeName(std::string_view s) {
  if (s.empty() || s.size() > kMaxName || !IsAlnum(s.front())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '.' && c != '_' && c != ':' && c != '@' && c != '+') {
      return false;
    }
  }
  return true;
}

bool IsKind(std::string_view s) {
  if (s.empty() || s.size() > 63 || !std::isalpha(static_cast<unsigned char>(s.front()))) {
    return false;
  }
  for (char c : s) {
    if (!IsAlnum(c)) return false;
  }
  return true;
}

bool IsVersion(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c)) return false;
  }
  return true;
}

StatusOr<std::string> StringField(const Json& obj, std::string_view field, const Json* v) {
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return InvalidArgument(std::string(field) + " must be a string");
  return v->get<std::string>();
}

}  // namespace

std::string ObjectRef::Group() const {
  size_t slash = api_version.find('/');
  return slash == std::string::npos ? "" : api_version.substr(0, slash);
}

std::string ObjectRef::Path() const {
  std::string kind_dir;
  for (char c : kind) kind_dir += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string group = Group();
  if (!group.empty()) kind_dir += "." + group;
  return (ns.empty() ? std::string(kClusterDir) : ns) + "/" + kind_dir + "/" + name + ".yaml";
}

std::string ObjectRef::Describe() const {
  return kind + " " + (ns.empty() ? name : ns + "/" + name);
}

Status Validate(const ObjectRef& ref) {
  if (ref.api_version.empty()) return InvalidArgument("apiVersion is required");
  std::string group = ref.Group();
  std::string version = group.empty() ? ref.api_version : ref.api_version.substr(group.size() + 1);
  if ((!group.empty() && !IsDnsSubdomain(group)) || !IsVersion(version)) {
    return Invalid("apiVersion", ref.api_version,
                   "is not a valid API version: expected \"<version>\" or \"<group>/<version>\" "
                   "with a DNS-subdomain group and a lower-case alphanumeric version");
  }
  if (ref.kind.empty()) return InvalidArgument("kind is required");
  if (!IsKind(ref.kind)) {
    return Invalid("kind", ref.kind,
                   "is not a valid kind: it must start with a letter and contain only letters "
                   "and digits");
  }
  if (ref.name.empty()) {
    return InvalidArgument("metadata.name is required (generateName is not supported)");
  }
  if (!IsSafeName(ref.name)) {
    return Invalid("metadata.name", ref.name,
                   "is not a valid object name: it must start with a letter or digit, contain "
                   "only letters, digits and '-', '.', '_', ':', '@', '+', and be at most " +
                       std::to_string(kMaxName) + " characters");
  }
  if (!ref.ns.empty() && !IsDnsLabel(ref.ns)) {
    return Invalid("metadata.namespace", ref.ns,
                   "is not a valid namespace: it must be at most 63 lower-case letters, digits "
                   "and '-', starting and ending with a letter or digit");
  }
  return Status::Ok();
}

StatusOr<ObjectRef> RefOf(const Json& object) {
  if (!object.is_object()) return InvalidArgument("an object must be a mapping");
  ObjectRef ref;
  ASSIGN_OR_RETURN(ref.api_version,
                   StringField(object, "apiVersion", model::Find(object, "apiVersion")));
  ASSIGN_OR_RETURN(ref.kind, StringField(object, "kind", model::Find(object, "kind")));
  const Json* meta = model::Find(object, "metadata");
  if (meta != nullptr && !meta->is_null() && !meta->is_object()) {
    return InvalidArgument("metadata must be a mapping");
  }
  if (meta != nullptr) {
    ASSIGN_OR_RETURN(ref.name, StringField(*meta, "metadata.name", model::Find(*meta, "name")));
    ASSIGN_OR_RETURN(ref.ns,
                     StringField(*meta, "metadata.namespace", model::Find(*meta, "namespace")));
  }
  RETURN_IF_ERROR(Validate(ref));
  return ref;
}

std::string EscapeId(std::string_view id) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool plain = IsAlnum(c) || c == '-' || c == '_' || (c == '.' && i > 0);
    if (plain) {
      out += c;
    } else {
      unsigned char u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  // Keep the file name well under NAME_MAX; the hash keeps long ids apart.
  if (out.size() > 200) out = out.substr(0, 135) + "~" + Sha256Hex(id);
  return out;
}

}  // namespace flotilla::agent::directory
