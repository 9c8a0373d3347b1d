#include "model/schema.h"

#include <fmt/format.h>

namespace flotilla::model {
namespace internal {
extern const char kSchemaJson[];
}  // namespace internal

namespace {

const Json& Schemas() {
  static const Json* schemas = new Json(Json::parse(internal::kSchemaJson));
  return *schemas;
}

std::string Child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// The member `key` of `old`, or nullptr.
const Json* Member(const Json* old, const std::string& key) {
  if (old == nullptr || !old->is_object()) return nullptr;
  auto it = old->find(key);
  return it == old->end() ? nullptr : &*it;
}

// Walks `value` along schema node `node` (see scripts/gen_fleet_schema.py for the encoding),
// and `old` (the stored value at the same path, or nullptr) alongside.
void Walk(Json& value, const Json& node, const Json* old, const std::string& path, bool prune,
          bool top, std::vector<std::string>& out) {
  if (!node.is_object()) return;  // a scalar or "*": nothing below is checked
  if (value.is_object()) {
    if (auto props = node.find("p"); props != node.end()) {
      for (auto it = value.begin(); it != value.end();) {
        const std::string& key = it.key();
        if (top && key == "status") {
          ++it;
          continue;
        }
        const Json* was = Member(old, key);
        auto field = props->find(key);
        if (field != props->end()) {
          Walk(*it, *field, was, Child(path, key), prune, false, out);
        } else if (was == nullptr) {
          out.push_back(Child(path, key));
          if (prune) {
            it = value.erase(it);
            continue;
          }
        }
        ++it;
      }
    } else if (auto map = node.find("a"); map != node.end()) {
      for (auto it = value.begin(); it != value.end(); ++it)
        Walk(*it, *map, Member(old, it.key()), Child(path, it.key()), prune, false, out);
    }
  } else if (value.is_array()) {
    if (auto items = node.find("i"); items != node.end())
      for (size_t i = 0; i < value.size(); ++i) {
        const Json* was =
            old != nullptr && old->is_array() && i < old->size() ? &(*old)[i] : nullptr;
        Walk(value[i], *items, was, fmt::format("{}[{}]", path, i), prune, false, out);
      }
  }
}

}  // namespace

std::vector<std::string> UnknownFields(const ResourceType& type, Json& object, bool prune,
                                       const Json* old) {
  std::vector<std::string> out;
  auto schema = Schemas().find(type.kind);
  if (schema == Schemas().end() || !object.is_object()) return out;
  Walk(object, *schema, old, "", prune, true, out);
  return out;
}

std::vector<std::string> UnknownFields(const ResourceType& type, const Json& object) {
  // Without prune the walk does not modify the object.
  return UnknownFields(type, const_cast<Json&>(object), /*prune=*/false);
}

}  // namespace flotilla::model
