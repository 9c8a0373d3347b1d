// RFC 6902 JSON patch and RFC 7386 JSON merge patch.
//
// Bounds (JsonPatchLimits): "copy" can double a document with every operation, so the bytes
// copied by one patch are capped as the API server caps them (evanphx/json-patch's
// AccumulatedCopySizeLimit, set to the request size limit); the number of operations is capped
// as kube-apiserver's maxJSONPatchOperations; and the nesting the result can reach is tracked so
// that no operation builds a document deeper than kMaxJsonDepth. Each bound is O(1) or linear
// in what the operation touches.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/json_limits.h"
#include "render/patch/patch.h"

namespace flotilla::patch {
namespace {

// RFC 6901: "" is the whole document; otherwise "/"-separated tokens with ~1 = "/", ~0 = "~".
StatusOr<std::vector<std::string>> ParsePointer(const std::string& ptr) {
  std::vector<std::string> tokens;
  if (ptr.empty()) return tokens;
  if (ptr[0] != '/') return InvalidArgument("a JSON pointer must be empty or start with \"/\"");
  std::string token;
  for (size_t i = 1; i <= ptr.size(); ++i) {
    if (i == ptr.size() || ptr[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
    } else if (ptr[i] == '~') {
      if (i + 1 < ptr.size() && (ptr[i + 1] == '0' || ptr[i + 1] == '1')) {
        token += ptr[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        return InvalidArgument("\"~\" must be followed by 0 or 1 in a JSON pointer");
      }
    } else {
      token += ptr[i];
    }
  }
  return tokens;
}

// An array index: digits without a leading zero.
std::optional<size_t> ParseIndex(const std::string& token) {
  if (token.empty() || token.size() > 18) return std::nullopt;
  if (token.size() > 1 && token[0] == '0') return std::nullopt;
  size_t n = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

// The value at `tokens`, or an error naming the first missing part.
StatusOr<Json*> Resolve(Json& doc, const std::vector<std::string>& tokens, size_t count) {
  Json* cur = &doc;
  for (size_t i = 0; i < count; ++i) {
    const std::string& t = tokens[i];
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end()) return NotFound(fmt::format("no member \"{}\"", t));
      cur = &*it;
    } else if (cur->is_array()) {
      auto idx = ParseIndex(t);
      if (!idx) return InvalidArgument(fmt::format("\"{}\" is not an array index", t));
      if (*idx >= cur->size())
        return NotFound(fmt::format("index {} is out of range (size {})", *idx, cur->size()));
      cur = &(*cur)[*idx];
    } else {
      return NotFound(fmt::format("cannot look up \"{}\" in a {}", t, cur->type_name()));
    }
  }
  return cur;
}

Status Add(Json& doc, const std::vector<std::string>& tokens, Json value) {
  if (tokens.empty()) {
    doc = std::move(value);
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(Json * parent, Resolve(doc, tokens, tokens.size() - 1));
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
  } else if (parent->is_array()) {
    size_t idx = parent->size();
    if (last != "-") {
      auto i = ParseIndex(last);
      if (!i) return InvalidArgument(fmt::format("\"{}\" is not an array index", last));
      if (*i > parent->size())
        return InvalidArgument(
            fmt::format("index {} is out of range (size {})", *i, parent->size()));
      idx = *i;
    }
    parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(idx), std::move(value));
  } else {
    return NotFound(fmt::format("cannot add \"{}\" to a {}", last, parent->type_name()));
  }
  return Status::Ok();
}

StatusOr<Json> Remove(Json& doc, const std::vector<std::string>& tokens) {
  if (tokens.empty()) {
    Json old = std::move(doc);
    doc = Json();
    return old;
  }
  ASSIGN_OR_RETURN(Json * parent, Resolve(doc, tokens, tokens.size() - 1));
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    auto it = parent->find(last);
    if (it == parent->end()) return NotFound(fmt::format("no member \"{}\" to remove", last));
    Json old = std::move(*it);
    parent->erase(it);
    return old;
  }
  if (parent->is_array()) {
    auto idx = ParseIndex(last);
    if (!idx) return InvalidArgument(fmt::format("\"{}\" is not an array index", last));
    if (*idx >= parent->size())
      return NotFound(fmt::format("index {} is out of range (size {})", *idx, parent->size()));
    Json old = std::move((*parent)[*idx]);
    parent->erase(*idx);
    return old;
  }
  return NotFound(fmt::format("cannot remove \"{}\" from a {}", last, parent->type_name()));
}

// A value for an error message: its JSON, cut short.
std::string Shown(const Json& v) {
  std::string s = v.dump();
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return s;
}

// What one patch has spent, against its JsonPatchLimits.
struct Budget {
  const JsonPatchLimits& limits;
  size_t copied_bytes = 0;
  size_t depth_bound = 0;  // >= the document's nesting depth
  int recounts = 0;

  // Records that a value of nesting `depth` now sits `tokens` levels down. The bound only
  // grows; when it passes the limit the real depth is recounted (a few times at most, as each
  // recount walks the whole document).
  Status Placed(Json& doc, size_t tokens, size_t depth) {
    depth_bound = std::max(depth_bound, tokens + depth);
    if (depth_bound <= limits.max_depth) return Status::Ok();
    if (recounts++ < 8) depth_bound = JsonDepth(doc, limits.max_depth);
    if (depth_bound <= limits.max_depth) return Status::Ok();
    return InvalidArgument(
        fmt::format("the patched object would be nested deeper than {} levels", limits.max_depth));
  }
};

Status ApplyOne(Json& doc, const Json& op, Budget& budget) {
  if (!op.is_object()) return InvalidArgument("an operation must be an object");
  auto op_it = op.find("op");
  if (op_it == op.end() || !op_it->is_string())
    return InvalidArgument("\"op\" is missing or not a string");
  auto path_it = op.find("path");
  if (path_it == op.end() || !path_it->is_string())
    return InvalidArgument("\"path\" is missing or not a string");
  const std::string kind = op_it->get<std::string>();
  ASSIGN_OR_RETURN(auto path, ParsePointer(path_it->get<std::string>()));
  auto value = [&]() -> StatusOr<Json> {
    auto v = op.find("value");
    if (v == op.end()) return InvalidArgument("\"value\" is missing");
    return *v;
  };
  auto from = [&]() -> StatusOr<std::vector<std::string>> {
    auto f = op.find("from");
    if (f == op.end() || !f->is_string())
      return InvalidArgument("\"from\" is missing or not a string");
    return ParsePointer(f->get<std::string>());
  };
  if (kind == "add") {
    ASSIGN_OR_RETURN(Json v, value());
    size_t depth = JsonDepth(v, budget.limits.max_depth);
    RETURN_IF_ERROR(Add(doc, path, std::move(v)));
    return budget.Placed(doc, path.size(), depth);
  }
  if (kind == "remove") return Remove(doc, path).status();
  if (kind == "replace") {
    ASSIGN_OR_RETURN(Json v, value());
    ASSIGN_OR_RETURN(Json * target, Resolve(doc, path, path.size()));
    size_t depth = JsonDepth(v, budget.limits.max_depth);
    *target = std::move(v);
    return budget.Placed(doc, path.size(), depth);
  }
  if (kind == "move") {
    ASSIGN_OR_RETURN(auto src, from());
    if (src.size() < path.size() && std::equal(src.begin(), src.end(), path.begin()))
      return InvalidArgument("cannot move a value into one of its own children");
    if (src == path) return Resolve(doc, src, src.size()).status();
    ASSIGN_OR_RETURN(Json v, Remove(doc, src));
    RETURN_IF_ERROR(Add(doc, path, std::move(v)));
    // The moved value was src.size() levels down in a document at most depth_bound deep.
    size_t depth = budget.depth_bound > src.size() ? budget.depth_bound - src.size() : 0;
    return budget.Placed(doc, path.size(), depth);
  }
  if (kind == "copy") {
    ASSIGN_OR_RETURN(auto src, from());
    ASSIGN_OR_RETURN(Json * v, Resolve(doc, src, src.size()));
    size_t room = budget.limits.max_copied_bytes - budget.copied_bytes;
    size_t bytes = ApproxJsonBytes(*v, room);
    if (bytes > room)
      return InvalidArgument(fmt::format(
          "the values copied by this patch exceed {} bytes (the limit for \"copy\" operations)",
          budget.limits.max_copied_bytes));
    budget.copied_bytes += bytes;
    size_t depth = budget.depth_bound > src.size() ? budget.depth_bound - src.size() : 0;
    Json copy = *v;
    RETURN_IF_ERROR(Add(doc, path, std::move(copy)));
    return budget.Placed(doc, path.size(), depth);
  }
  if (kind == "test") {
    ASSIGN_OR_RETURN(Json v, value());
    ASSIGN_OR_RETURN(Json * target, Resolve(doc, path, path.size()));
    if (*target != v)
      return InvalidArgument(
          fmt::format("test failed: the value is {}, not {}", Shown(*target), Shown(v)));
    return Status::Ok();
  }
  return InvalidArgument(fmt::format("unknown op \"{}\"", kind));
}

}  // namespace

StatusOr<Json> ApplyJsonPatch(const Json& doc, const Json& ops, const JsonPatchLimits& limits) {
  if (!ops.is_array()) return InvalidArgument("a JSON patch must be a list of operations");
  if (ops.size() > limits.max_operations)
    return InvalidArgument(fmt::format("the JSON patch has {} operations, more than {} (the limit)",
                                       ops.size(), limits.max_operations));
  Budget budget{limits};
  budget.depth_bound = JsonDepth(doc);
  if (budget.depth_bound > limits.max_depth)
    return InvalidArgument(
        fmt::format("the object is nested deeper than {} levels", limits.max_depth));
  Json out = doc;
  for (size_t i = 0; i < ops.size(); ++i) {
    Status st = ApplyOne(out, ops[i], budget);
    if (!st.ok()) {
      auto field = [&](const char* name) {
        const Json& op = ops[i];
        auto f = op.is_object() ? op.find(name) : op.end();
        return f != op.end() && f->is_string() ? f->get<std::string>() : std::string("?");
      };
      std::string what = field("op") + " " + field("path");
      return Status(st.code() == StatusCode::kNotFound ? StatusCode::kInvalidArgument : st.code(),
                    fmt::format("operation {} ({}): {}", i, what, st.message()));
    }
  }
  return out;
}

Json MergePatch(Json target, const Json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = Json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null()) {
      target.erase(it.key());
    } else {
      auto cur = target.find(it.key());
      target[it.key()] = MergePatch(cur == target.end() ? Json() : std::move(*cur), *it);
    }
  }
  return target;
}

}  // namespace flotilla::patch
