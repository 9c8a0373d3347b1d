#include "model/labels.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace flotilla::model {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits on commas that are not inside parentheses.
std::vector<std::string_view> SplitTop(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '(') depth++;
    if (s[i] == ')') depth--;
    if (s[i] == ',' && depth == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

}  // namespace

Status ValidateLabelValue(std::string_view v) {
  if (v.size() > 63) return InvalidArgument(fmt::format("label value \"{}\" is longer than 63", v));
  if (v.empty()) return Status::Ok();
  if (!std::isalnum(static_cast<unsigned char>(v.front())) ||
      !std::isalnum(static_cast<unsigned char>(v.back())))
    return InvalidArgument(
        fmt::format("label value \"{}\" must begin and end with an alphanumeric character", v));
  for (char c : v)
    if (!IsNameChar(c))
      return InvalidArgument(
          fmt::format("label value \"{}\" contains invalid character '{}'", v, c));
  return Status::Ok();
}

Status ValidateLabelKey(std::string_view key) {
  std::string_view name = key;
  auto slash = key.find('/');
  if (slash != std::string_view::npos) {
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty() || prefix.size() > 253)
      return InvalidArgument(fmt::format("label key \"{}\" has an invalid prefix", key));
    for (char c : prefix)
      if (!(std::islower(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.'))
        return InvalidArgument(fmt::format("label key \"{}\" has an invalid prefix", key));
  }
  if (name.empty()) return InvalidArgument(fmt::format("label key \"{}\" has an empty name", key));
  if (name.size() > 63)
    return InvalidArgument(fmt::format("label key \"{}\" name part is longer than 63", key));
  if (!std::isalnum(static_cast<unsigned char>(name.front())) ||
      !std::isalnum(static_cast<unsigned char>(name.back())))
    return InvalidArgument(
        fmt::format("label key \"{}\" must begin and end with an alphanumeric character", key));
  for (char c : name)
    if (!IsNameChar(c))
      return InvalidArgument(
          fmt::format("label key \"{}\" contains invalid character '{}'", key, c));
  return Status::Ok();
}

StatusOr<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector sel;
  text = Trim(text);
  if (text.empty()) return sel;
  for (std::string_view raw : SplitTop(text)) {
    std::string_view part = Trim(raw);
    if (part.empty()) return InvalidArgument(fmt::format("invalid label selector \"{}\"", text));
    Requirement r;
    if (part.front() == '!') {
      r.key = std::string(Trim(part.substr(1)));
      r.op = Op::kDoesNotExist;
    } else if (auto p = part.find("!="); p != std::string_view::npos) {
      r.key = std::string(Trim(part.substr(0, p)));
      r.op = Op::kNotEquals;
      r.values.emplace_back(Trim(part.substr(p + 2)));
    } else if (auto p2 = part.find("=="); p2 != std::string_view::npos) {
      r.key = std::string(Trim(part.substr(0, p2)));
      r.op = Op::kEquals;
      r.values.emplace_back(Trim(part.substr(p2 + 2)));
    } else if (auto p3 = part.find('='); p3 != std::string_view::npos) {
      r.key = std::string(Trim(part.substr(0, p3)));
      r.op = Op::kEquals;
      r.values.emplace_back(Trim(part.substr(p3 + 1)));
    } else if (auto open = part.find('('); open != std::string_view::npos) {
      if (part.back() != ')')
        return InvalidArgument(fmt::format("invalid label selector \"{}\": missing ')'", text));
      std::string_view head = Trim(part.substr(0, open));
      auto sp = head.find_last_of(" \t");
      if (sp == std::string_view::npos)
        return InvalidArgument(fmt::format("invalid label selector \"{}\"", text));
      std::string_view op = Trim(head.substr(sp + 1));
      r.key = std::string(Trim(head.substr(0, sp)));
      if (op == "in")
        r.op = Op::kIn;
      else if (op == "notin")
        r.op = Op::kNotIn;
      else
        return InvalidArgument(fmt::format("invalid label selector operator \"{}\"", op));
      std::string_view inner = part.substr(open + 1, part.size() - open - 2);
      size_t start = 0;
      while (start <= inner.size()) {
        size_t c = inner.find(',', start);
        std::string_view v = Trim(
            inner.substr(start, c == std::string_view::npos ? inner.size() - start : c - start));
        if (!v.empty()) r.values.emplace_back(v);
        if (c == std::string_view::npos) break;
        start = c + 1;
      }
    } else {
      r.key = std::string(part);
      r.op = Op::kExists;
    }
    RETURN_IF_ERROR(ValidateLabelKey(r.key));
    for (auto& v : r.values) RETURN_IF_ERROR(ValidateLabelValue(v));
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

StatusOr<LabelSelector> LabelSelector::FromJson(const Json& j) {
  LabelSelector sel;
  if (j.is_null()) return sel;
  if (!j.is_object()) return InvalidArgument("label selector must be an object");
  if (j.contains("matchLabels") && !j["matchLabels"].is_null()) {
    if (!j["matchLabels"].is_object()) return InvalidArgument("matchLabels must be an object");
    for (auto& [k, v] : j["matchLabels"].items()) {
      if (!v.is_string()) return InvalidArgument(fmt::format("matchLabels.{} must be a string", k));
      RETURN_IF_ERROR(ValidateLabelKey(k));
      sel.requirements_.push_back({k, Op::kEquals, {v.get<std::string>()}});
    }
  }
  if (j.contains("matchExpressions") && !j["matchExpressions"].is_null()) {
    if (!j["matchExpressions"].is_array())
      return InvalidArgument("matchExpressions must be a list");
    for (auto& e : j["matchExpressions"]) {
      if (!e.is_object() || !e.contains("key") || !e["key"].is_string() || !e.contains("operator"))
        return InvalidArgument("matchExpressions entries need key and operator");
      Requirement r;
      r.key = e["key"].get<std::string>();
      std::string op = e["operator"].is_string() ? e["operator"].get<std::string>() : "";
      if (op == "In")
        r.op = Op::kIn;
      else if (op == "NotIn")
        r.op = Op::kNotIn;
      else if (op == "Exists")
        r.op = Op::kExists;
      else if (op == "DoesNotExist")
        r.op = Op::kDoesNotExist;
      else
        return InvalidArgument(fmt::format("unknown matchExpressions operator \"{}\"", op));
      if (e.contains("values") && e["values"].is_array())
        for (auto& v : e["values"])
          if (v.is_string()) r.values.push_back(v.get<std::string>());
      if ((r.op == Op::kIn || r.op == Op::kNotIn) && r.values.empty())
        return InvalidArgument(fmt::format("operator {} requires values", op));
      sel.requirements_.push_back(std::move(r));
    }
  }
  return sel;
}

bool LabelSelector::Matches(const Labels& labels) const {
  for (const Requirement& r : requirements_) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    switch (r.op) {
      case Op::kEquals:
        if (!has || it->second != r.values[0]) return false;
        break;
      case Op::kNotEquals:
        if (has && it->second == r.values[0]) return false;
        break;
      case Op::kIn:
        if (!has || std::find(r.values.begin(), r.values.end(), it->second) == r.values.end())
          return false;
        break;
      case Op::kNotIn:
        if (has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end())
          return false;
        break;
      case Op::kExists:
        if (!has) return false;
        break;
      case Op::kDoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

bool LabelSelector::Matches(const Json& labels_object) const {
  if (requirements_.empty()) return true;
  Labels l;
  if (labels_object.is_object())
    for (auto& [k, v] : labels_object.items())
      if (v.is_string()) l[k] = v.get<std::string>();
  return Matches(l);
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (const Requirement& r : requirements_) {
    if (!out.empty()) out += ",";
    switch (r.op) {
      case Op::kEquals:
        out += r.key + "=" + r.values[0];
        break;
      case Op::kNotEquals:
        out += r.key + "!=" + r.values[0];
        break;
      case Op::kExists:
        out += r.key;
        break;
      case Op::kDoesNotExist:
        out += "!" + r.key;
        break;
      case Op::kIn:
      case Op::kNotIn: {
        out += r.key + (r.op == Op::kIn ? " in (" : " notin (");
        for (size_t i = 0; i < r.values.size(); i++) out += (i ? "," : "") + r.values[i];
        out += ")";
      }
    }
  }
  return out;
}

Labels LabelsOf(const Json& object) {
  Labels l;
  const Json* md = object.contains("metadata") ? &object["metadata"] : nullptr;
  if (md && md->contains("labels") && (*md)["labels"].is_object())
    for (auto& [k, v] : (*md)["labels"].items())
      if (v.is_string()) l[k] = v.get<std::string>();
  return l;
}

}  // namespace flotilla::model
