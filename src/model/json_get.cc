#include "model/json_get.h"

namespace flotilla::model {
namespace {

// One step down from `cur` by `key`, or nullptr.
const Json* Child(const Json* cur, std::string_view key) {
  if (cur == nullptr || !cur->is_object()) return nullptr;
  auto it = cur->find(std::string(key));
  return it == cur->end() ? nullptr : &*it;
}

}  // namespace

const Json* Find(const Json& obj, std::string_view path) {
  const Json* cur = &obj;
  if (path.empty()) return cur;
  size_t start = 0;
  while (cur != nullptr) {
    size_t dot = path.find('.', start);
    if (dot == std::string_view::npos) return Child(cur, path.substr(start));
    cur = Child(cur, path.substr(start, dot - start));
    start = dot + 1;
  }
  return nullptr;
}

const Json& At(const Json& obj, std::initializer_list<std::string_view> path) {
  static const Json kNull;
  const Json* cur = &obj;
  for (std::string_view key : path) {
    cur = Child(cur, key);
    if (cur == nullptr) return kNull;
  }
  return *cur;
}

std::string GetString(const Json& obj, std::string_view path) {
  const Json* v = Find(obj, path);
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}

bool GetBool(const Json& obj, std::string_view path) {
  const Json* v = Find(obj, path);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

int64_t GetInt(const Json& obj, std::string_view path) {
  const Json* v = Find(obj, path);
  return v != nullptr && v->is_number_integer() ? v->get<int64_t>() : 0;
}

}  // namespace flotilla::model
