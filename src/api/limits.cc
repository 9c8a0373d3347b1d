#include "api/limits.h"

#include <fmt/format.h>

#include "model/schema.h"
#include "model/validation.h"

namespace flotilla::api {
namespace {

// `GitRepo.fleet.cattle.io "x"`, as model::FieldErrors::Finish wants it.
std::string What(const model::ResourceType& type, const Json& object) {
  std::string name;
  if (object.is_object() && object.contains("metadata") && object["metadata"].is_object())
    name = object["metadata"].value("name", "");
  return fmt::format("{}{}{} \"{}\"", type.kind, type.group.empty() ? "" : ".", type.group, name);
}

}  // namespace

Status CheckObjectSize(const model::ResourceType& type, const Json& object, size_t max_bytes) {
  size_t size = object.dump().size();
  if (size <= max_bytes) return Status::Ok();
  model::FieldErrors errs;
  errs.Add(
      "<root>",
      fmt::format("Request entity too large: the object is {} bytes, limit is {}", size, max_bytes),
      "FieldValueTooLong");
  return errs.Finish(What(type, object));
}

StatusOr<FieldValidation> FieldValidationOf(const HttpRequest& request) {
  if (!request.HasQuery("fieldValidation")) return FieldValidation::kStrict;
  std::string v = request.Query("fieldValidation");
  if (v == "Strict") return FieldValidation::kStrict;
  if (v == "Warn") return FieldValidation::kWarn;
  if (v == "Ignore") return FieldValidation::kIgnore;
  return InvalidArgument(fmt::format(
      "fieldValidation: Unsupported value: \"{}\": supported values: \"Ignore\", \"Strict\", "
      "\"Warn\"",
      v));
}

Status CheckUnknownFields(const model::ResourceType& type, FieldValidation mode, const Json* old,
                          Json& object, std::vector<std::string>& warnings) {
  bool strict = mode == FieldValidation::kStrict;
  std::vector<std::string> unknown = model::UnknownFields(type, object, /*prune=*/!strict, old);
  if (unknown.empty()) return Status::Ok();
  if (mode == FieldValidation::kWarn)
    for (const std::string& path : unknown)
      warnings.push_back(fmt::format("unknown field \"{}\"", path));
  if (!strict) return Status::Ok();
  model::FieldErrors errs;
  for (const std::string& path : unknown) errs.Add(path, "unknown field", "FieldValueNotSupported");
  return errs.Finish(What(type, object));
}

void AddWarnings(HttpResponse& response, const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) {
    std::string quoted;
    for (char c : w) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    response.headers.emplace_back("Warning", fmt::format("299 - \"{}\"", quoted));
  }
}

}  // namespace flotilla::api
