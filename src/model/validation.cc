#include "model/validation.h"

#include <cctype>

#include <fmt/format.h>

#include "model/gitrepo.h"
#include "model/json_get.h"
#include "model/labels.h"

namespace flotilla::model {

Status FieldErrors::Finish(const std::string& what) const {
  if (causes_.empty()) return Status::Ok();
  std::string msg = what + " is invalid: ";
  for (size_t i = 0; i < causes_.size(); i++) {
    if (i) msg += ", ";
    msg += causes_[i].field + ": " + causes_[i].message;
  }
  Status s = InvalidArgument(msg);
  for (const FieldCause& c : causes_) s.AddCause(c);
  return s;
}

bool IsDns1123Label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return false;
  return s.front() != '-' && s.back() != '-';
}

bool IsDns1123Subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view part =
        s.substr(start, dot == std::string_view::npos ? s.size() - start : dot - start);
    if (part.empty()) return false;
    for (char c : part)
      if (!(std::islower(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
        return false;
    if (part.front() == '-' || part.back() == '-') return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

namespace {

void ValidateMetadata(const ResourceType& type, const Json& obj, FieldErrors& errs) {
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) {
    errs.Required("metadata");
    return;
  }
  const Json& md = obj["metadata"];
  for (const char* f : {"name", "namespace", "generateName"})
    if (md.contains(f) && !md[f].is_string() && !md[f].is_null())
      errs.Add(std::string("metadata.") + f,
               fmt::format("Invalid value: {}: must be a string", md[f].dump()));
  std::string name = GetString(md, "name");
  if (name.empty()) {
    errs.Required("metadata.name");
  } else if (type.kind == "Event" ? name.size() > 253 : !IsDns1123Subdomain(name)) {
    errs.Add("metadata.name",
             fmt::format("Invalid value: \"{}\": a lowercase RFC 1123 subdomain must consist of "
                         "lower case alphanumeric characters, '-' or '.', and must start and end "
                         "with an alphanumeric character",
                         name));
  }
  if (type.namespaced) {
    std::string ns = GetString(md, "namespace");
    if (!ns.empty() && !IsDns1123Label(ns))
      errs.Add("metadata.namespace",
               fmt::format("Invalid value: \"{}\": not a DNS-1123 label", ns));
  }
  if (md.contains("labels") && !md["labels"].is_null()) {
    if (!md["labels"].is_object()) {
      errs.Add("metadata.labels", "must be a map of strings");
    } else {
      for (auto& [k, v] : md["labels"].items()) {
        Status ks = ValidateLabelKey(k);
        if (!ks.ok()) errs.Add("metadata.labels", ks.message());
        if (!v.is_string()) {
          errs.Add("metadata.labels." + k, "must be a string");
        } else if (Status vs = ValidateLabelValue(v.get<std::string>()); !vs.ok()) {
          errs.Add("metadata.labels." + k, vs.message());
        }
      }
    }
  }
  if (md.contains("annotations") && !md["annotations"].is_null()) {
    if (!md["annotations"].is_object()) {
      errs.Add("metadata.annotations", "must be a map of strings");
    } else {
      for (auto& [k, v] : md["annotations"].items())
        if (!v.is_string()) errs.Add("metadata.annotations." + k, "must be a string");
    }
  }
  if (md.contains("finalizers") && !md["finalizers"].is_null()) {
    if (!md["finalizers"].is_array())
      errs.Add("metadata.finalizers", "must be a list of strings");
    else
      for (auto& f : md["finalizers"])
        if (!f.is_string()) errs.Add("metadata.finalizers", "must be a list of strings");
  }
}

void ValidateSecretLike(const Json& obj, FieldErrors& errs, bool secret) {
  for (const char* field : {"data", "stringData", "binaryData"}) {
    if (!obj.contains(field) || obj[field].is_null()) continue;
    if (!obj[field].is_object()) {
      errs.Add(field, "must be a map of strings");
      continue;
    }
    for (auto& [k, v] : obj[field].items())
      if (!v.is_string()) errs.Add(std::string(field) + "." + k, "must be a string");
  }
  (void)secret;
}

}  // namespace

void ApplyDefaults(const ResourceType& type, Json& object) {
  if (&type == &GitRepoType()) DefaultGitRepo(object);
  if (&type == &SecretType() && !object.contains("type")) object["type"] = "Opaque";
}

Status Validate(const ResourceType& type, const Json& obj) {
  FieldErrors errs;
  std::string name = obj.contains("metadata") && obj["metadata"].is_object()
                         ? GetString(obj["metadata"], "name")
                         : "";
  std::string what =
      fmt::format("{}{}{} \"{}\"", type.kind, type.group.empty() ? "" : ".", type.group, name);
  if (!obj.is_object()) return InvalidArgument("object must be a JSON/YAML map");
  ValidateMetadata(type, obj, errs);
  if (&type == &GitRepoType()) {
    const Json& spec = obj.contains("spec") ? obj["spec"] : Json();
    auto parsed = ParseGitRepoSpec(spec);
    if (!parsed.ok())
      for (const FieldCause& c : parsed.status().causes()) errs.Add(c.field, c.message, c.reason);
  } else if (&type == &SecretType() || &type == &ConfigMapType()) {
    ValidateSecretLike(obj, errs, &type == &SecretType());
  } else if (type.group == "fleet.cattle.io") {
    if (obj.contains("spec") && !obj["spec"].is_null() && !obj["spec"].is_object())
      errs.Add("spec", "must be an object");
  }
  return errs.Finish(what);
}

}  // namespace flotilla::model
