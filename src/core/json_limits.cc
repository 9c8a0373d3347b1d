#include "core/json_limits.h"

#include <utility>
#include <vector>

#include <fmt/format.h>

namespace flotilla {
namespace {

Status TooDeep(std::string_view what, size_t max_depth) {
  return InvalidArgument(fmt::format(
      "{} is nested deeper than {} levels (the limit for objects and arrays)", what, max_depth));
}

}  // namespace

size_t JsonTextDepth(std::string_view text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        if (++depth > deepest) deepest = depth;
        break;
      case '}':
      case ']':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

StatusOr<Json> ParseJson(std::string_view text, std::string_view what, size_t max_depth) {
  if (JsonTextDepth(text) > max_depth) return TooDeep(what, max_depth);
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return InvalidArgument(
        fmt::format("{} is not valid JSON (syntax error at byte {})", what, e.byte));
  } catch (const nlohmann::json::exception&) {
    return InvalidArgument(fmt::format("{} is not valid JSON", what));
  }
}

size_t JsonDepth(const Json& value, size_t stop_above) {
  // (node, its depth); containers count one level for themselves.
  std::vector<std::pair<const Json*, size_t>> todo{{&value, 0}};
  size_t deepest = 0;
  while (!todo.empty()) {
    auto [v, depth] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    size_t inner = depth + 1;
    if (inner > deepest) {
      deepest = inner;
      if (deepest > stop_above) return deepest;
    }
    for (const Json& child : *v)
      if (child.is_structured()) todo.emplace_back(&child, inner);
  }
  return deepest;
}

size_t ApproxJsonBytes(const Json& value, size_t stop_above) {
  std::vector<const Json*> todo{&value};
  size_t bytes = 0;
  while (!todo.empty() && bytes <= stop_above) {
    const Json* v = todo.back();
    todo.pop_back();
    switch (v->type()) {
      case Json::value_t::object:
        bytes += 2;
        for (auto it = v->begin(); it != v->end(); ++it) {
          bytes += it.key().size() + 4;  // quotes, colon, comma
          todo.push_back(&*it);
        }
        break;
      case Json::value_t::array:
        bytes += 2;
        for (const Json& e : *v) {
          bytes += 1;
          todo.push_back(&e);
        }
        break;
      case Json::value_t::string:
        bytes += v->get_ref<const std::string&>().size() + 2;
        break;
      case Json::value_t::binary:
        bytes += v->get_binary().size();
        break;
      default:
        bytes += 8;  // null, booleans, numbers
        break;
    }
  }
  return bytes;
}

Status CheckJsonDepth(const Json& value, std::string_view what, size_t max_depth) {
  if (JsonDepth(value, max_depth) > max_depth) return TooDeep(what, max_depth);
  return Status::Ok();
}

}  // namespace flotilla
