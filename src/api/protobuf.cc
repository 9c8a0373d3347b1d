#include "api/protobuf.h"

#include <cstdint>
#include <functional>

#include <fmt/format.h>

#include "core/base64.h"
#include "core/time.h"

namespace flotilla::api {
namespace {

constexpr std::string_view kMagic("k8s\0", 4);

struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  uint64_t varint = 0;
  std::string_view bytes;
};

// A protobuf wire-format reader over one message.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }

  Status Next(Field* f) {
    uint64_t key;
    RETURN_IF_ERROR(Varint(&key));
    f->number = static_cast<uint32_t>(key >> 3);
    f->wire = static_cast<uint32_t>(key & 7);
    switch (f->wire) {
      case 0:
        return Varint(&f->varint);
      case 1:
        return Skip(8);
      case 2: {
        uint64_t len;
        RETURN_IF_ERROR(Varint(&len));
        if (len > data_.size() - pos_) return Malformed();
        f->bytes = data_.substr(pos_, len);
        pos_ += len;
        return Status::Ok();
      }
      case 5:
        return Skip(4);
      default:
        return Malformed();
    }
  }

 private:
  static Status Malformed() { return InvalidArgument("malformed protobuf body"); }
  Status Skip(size_t n) {
    if (n > data_.size() - pos_) return Malformed();
    pos_ += n;
    return Status::Ok();
  }
  Status Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return Malformed();
      uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *out = v;
        return Status::Ok();
      }
    }
    return Malformed();
  }

  std::string_view data_;
  size_t pos_ = 0;
};

using FieldFn = std::function<Status(const Field&)>;

Status ForEachField(std::string_view message, const FieldFn& fn) {
  Reader r(message);
  while (!r.done()) {
    Field f;
    RETURN_IF_ERROR(r.Next(&f));
    RETURN_IF_ERROR(fn(f));
  }
  return Status::Ok();
}

// map<string, string|bytes> entry: key = 1, value = 2.
Status MapEntry(std::string_view entry, Json& into, bool bytes_value) {
  std::string key, value;
  RETURN_IF_ERROR(ForEachField(entry, [&](const Field& f) {
    if (f.number == 1) key = f.bytes;
    if (f.number == 2) value = f.bytes;
    return Status::Ok();
  }));
  if (!into.is_object()) into = Json::object();
  into[key] = bytes_value ? Base64Encode(value) : value;
  return Status::Ok();
}

Status OwnerReference(std::string_view msg, Json& out) {
  out = Json::object();
  return ForEachField(msg, [&](const Field& f) {
    switch (f.number) {
      case 1:
        out["kind"] = std::string(f.bytes);
        break;
      case 3:
        out["name"] = std::string(f.bytes);
        break;
      case 4:
        out["uid"] = std::string(f.bytes);
        break;
      case 5:
        out["apiVersion"] = std::string(f.bytes);
        break;
      case 6:
        out["controller"] = f.varint != 0;
        break;
      case 7:
        out["blockOwnerDeletion"] = f.varint != 0;
        break;
      default:
        break;
    }
    return Status::Ok();
  });
}

Status ObjectMeta(std::string_view msg, Json& md) {
  md = Json::object();
  return ForEachField(msg, [&](const Field& f) -> Status {
    // Go's generated encoders write empty strings too; absent and empty mean the same.
    if (f.wire == 2 && f.bytes.empty()) return Status::Ok();
    switch (f.number) {
      case 1:
        md["name"] = std::string(f.bytes);
        break;
      case 2:
        md["generateName"] = std::string(f.bytes);
        break;
      case 3:
        md["namespace"] = std::string(f.bytes);
        break;
      case 6:
        md["resourceVersion"] = std::string(f.bytes);
        break;
      case 11:
        return MapEntry(f.bytes, md["labels"], false);
      case 12:
        return MapEntry(f.bytes, md["annotations"], false);
      case 13: {
        Json ref;
        RETURN_IF_ERROR(OwnerReference(f.bytes, ref));
        md["ownerReferences"].push_back(std::move(ref));
        break;
      }
      case 14:
        md["finalizers"].push_back(std::string(f.bytes));
        break;
      default:
        break;  // uid, timestamps, generation, managedFields: server-owned
    }
    return Status::Ok();
  });
}

Status Secret(std::string_view msg, Json& out) {
  return ForEachField(msg, [&](const Field& f) -> Status {
    if (f.wire == 2 && f.bytes.empty()) return Status::Ok();
    switch (f.number) {
      case 1:
        return ObjectMeta(f.bytes, out["metadata"]);
      case 2:
        return MapEntry(f.bytes, out["data"], true);
      case 3:
        out["type"] = std::string(f.bytes);
        break;
      case 4:
        return MapEntry(f.bytes, out["stringData"], false);
      case 5:
        out["immutable"] = f.varint != 0;
        break;
      default:
        break;
    }
    return Status::Ok();
  });
}

Status ConfigMap(std::string_view msg, Json& out) {
  return ForEachField(msg, [&](const Field& f) -> Status {
    switch (f.number) {
      case 1:
        return ObjectMeta(f.bytes, out["metadata"]);
      case 2:
        return MapEntry(f.bytes, out["data"], false);
      case 3:
        return MapEntry(f.bytes, out["binaryData"], true);
      case 4:
        out["immutable"] = f.varint != 0;
        break;
      default:
        break;
    }
    return Status::Ok();
  });
}

Status Namespace(std::string_view msg, Json& out) {
  return ForEachField(msg, [&](const Field& f) -> Status {
    if (f.number == 1) return ObjectMeta(f.bytes, out["metadata"]);
    if (f.number == 2)
      return ForEachField(f.bytes, [&](const Field& s) {
        if (s.number == 1) out["spec"]["finalizers"].push_back(std::string(s.bytes));
        return Status::Ok();
      });
    return Status::Ok();
  });
}

// authorization/v1 ResourceAttributes: namespace = 1, verb, group, version, resource,
// subresource, name = 7 (selectors, 8 and 9, only narrow a request and are not decoded).
Status ResourceAttributes(std::string_view msg, Json& out) {
  static const char* const kNames[] = {"",        "namespace", "verb",        "group",
                                       "version", "resource",  "subresource", "name"};
  out = Json::object();
  return ForEachField(msg, [&](const Field& f) {
    if (f.wire == 2 && f.number >= 1 && f.number <= 7) out[kNames[f.number]] = std::string(f.bytes);
    return Status::Ok();
  });
}

// SelfSubjectAccessReviewSpec and SubjectAccessReviewSpec: resourceAttributes = 1,
// nonResourceAttributes = 2 {path = 1, verb = 2}, user = 3, groups = 4, uid = 6.
Status ReviewSpec(std::string_view msg, Json& spec) {
  spec = Json::object();
  return ForEachField(msg, [&](const Field& f) -> Status {
    if (f.wire != 2) return Status::Ok();
    switch (f.number) {
      case 1:
        return ResourceAttributes(f.bytes, spec["resourceAttributes"]);
      case 2:
        spec["nonResourceAttributes"] = Json::object();
        return ForEachField(f.bytes, [&](const Field& n) {
          if (n.number == 1) spec["nonResourceAttributes"]["path"] = std::string(n.bytes);
          if (n.number == 2) spec["nonResourceAttributes"]["verb"] = std::string(n.bytes);
          return Status::Ok();
        });
      case 3:
        spec["user"] = std::string(f.bytes);
        break;
      case 4:
        spec["groups"].push_back(std::string(f.bytes));
        break;
      case 6:
        spec["uid"] = std::string(f.bytes);
        break;
      default:
        break;
    }
    return Status::Ok();
  });
}

// ServiceAccount: metadata = 1, automountServiceAccountToken = 4 (secrets and
// imagePullSecrets, which `kubectl create serviceaccount` never sends, are not decoded).
Status ServiceAccount(std::string_view msg, Json& out) {
  return ForEachField(msg, [&](const Field& f) -> Status {
    if (f.number == 1) return ObjectMeta(f.bytes, out["metadata"]);
    if (f.number == 4 && f.wire == 0) out["automountServiceAccountToken"] = f.varint != 0;
    return Status::Ok();
  });
}

// TokenRequest (authentication.k8s.io/v1): metadata = 1, spec = 2 {audiences = 1,
// boundObjectRef = 3, expirationSeconds = 4}.
Status TokenRequest(std::string_view msg, Json& out) {
  return ForEachField(msg, [&](const Field& f) -> Status {
    if (f.number == 1) return ObjectMeta(f.bytes, out["metadata"]);
    if (f.number != 2) return Status::Ok();
    out["spec"] = Json::object();
    return ForEachField(f.bytes, [&](const Field& s) {
      if (s.number == 1 && s.wire == 2) out["spec"]["audiences"].push_back(std::string(s.bytes));
      if (s.number == 4 && s.wire == 0)
        out["spec"]["expirationSeconds"] = static_cast<int64_t>(s.varint);
      return Status::Ok();
    });
  });
}

// The runtime.Unknown envelope: typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2.
Status Envelope(std::string_view body, std::string* api_version, std::string* kind,
                std::string_view* raw) {
  if (body.substr(0, kMagic.size()) != kMagic)
    return InvalidArgument("protobuf body without the Kubernetes envelope");
  return ForEachField(body.substr(kMagic.size()), [&](const Field& f) -> Status {
    if (f.number == 1)
      return ForEachField(f.bytes, [&](const Field& t) {
        if (t.number == 1) *api_version = t.bytes;
        if (t.number == 2) *kind = t.bytes;
        return Status::Ok();
      });
    if (f.number == 2) *raw = f.bytes;
    return Status::Ok();
  });
}

}  // namespace

StatusOr<Json> DecodeTokenRequestProtobuf(std::string_view body) {
  std::string api_version, kind;
  std::string_view raw;
  RETURN_IF_ERROR(Envelope(body, &api_version, &kind, &raw));
  if ((!kind.empty() && kind != "TokenRequest") ||
      (!api_version.empty() && api_version != "authentication.k8s.io/v1"))
    return InvalidArgument(
        fmt::format("the body is a {} {}, not a TokenRequest", api_version, kind));
  Json out = {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenRequest"}};
  RETURN_IF_ERROR(TokenRequest(raw, out));
  return out;
}

StatusOr<Json> DecodeAccessReviewProtobuf(std::string_view body) {
  std::string api_version, kind;
  std::string_view raw;
  RETURN_IF_ERROR(Envelope(body, &api_version, &kind, &raw));
  Json out = {{"apiVersion", api_version}, {"kind", kind}};
  RETURN_IF_ERROR(ForEachField(raw, [&](const Field& f) -> Status {
    if (f.wire != 2) return Status::Ok();
    if (f.number == 1) return ObjectMeta(f.bytes, out["metadata"]);
    if (f.number == 2) return ReviewSpec(f.bytes, out["spec"]);
    return Status::Ok();
  }));
  return out;
}

bool IsProtobufContentType(std::string_view content_type) {
  return content_type.substr(0, content_type.find(';')) == "application/vnd.kubernetes.protobuf";
}

bool ProtobufSupported(const model::ResourceType& type) {
  return &type == &model::SecretType() || &type == &model::ConfigMapType() ||
         &type == &model::NamespaceType() || &type == &model::ServiceAccountType();
}

StatusOr<Json> DecodeKubernetesProtobuf(const model::ResourceType& type, std::string_view body) {
  using DecodeFn = Status (*)(std::string_view, Json&);
  DecodeFn decode = nullptr;
  if (&type == &model::SecretType()) decode = Secret;
  if (&type == &model::ConfigMapType()) decode = ConfigMap;
  if (&type == &model::NamespaceType()) decode = Namespace;
  if (&type == &model::ServiceAccountType()) decode = ServiceAccount;
  if (!decode)
    return FailedPrecondition(fmt::format("protobuf is not supported for {}", type.plural));
  std::string api_version, kind;
  std::string_view raw;
  RETURN_IF_ERROR(Envelope(body, &api_version, &kind, &raw));
  if ((!kind.empty() && kind != type.kind) ||
      (!api_version.empty() && api_version != type.ApiVersion()))
    return InvalidArgument(
        fmt::format("the body is a {} {}, not a {}", api_version, kind, type.kind));
  Json out = {{"apiVersion", type.ApiVersion()}, {"kind", type.kind}};
  RETURN_IF_ERROR(decode(raw, out));
  return out;
}

}  // namespace flotilla::api
