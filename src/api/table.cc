#include "api/table.h"

#include <fmt/format.h>

namespace flotilla::api {

std::string HumanDuration(std::chrono::nanoseconds d) {
  using std::chrono::duration_cast;
  int64_t seconds = duration_cast<std::chrono::seconds>(d).count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return fmt::format("{}s", seconds);
  int64_t minutes = seconds / 60;
  if (minutes < 10) {
    int64_t s = seconds % 60;
    return s == 0 ? fmt::format("{}m", minutes) : fmt::format("{}m{}s", minutes, s);
  }
  if (minutes < 60 * 3) return fmt::format("{}m", minutes);
  int64_t hours = minutes / 60;
  if (hours < 8) {
    int64_t m = minutes % 60;
    return m == 0 ? fmt::format("{}h", hours) : fmt::format("{}h{}m", hours, m);
  }
  if (hours < 48) return fmt::format("{}h", hours);
  if (hours < 24 * 8) {
    int64_t h = hours % 24;
    return h == 0 ? fmt::format("{}d", hours / 24) : fmt::format("{}d{}h", hours / 24, h);
  }
  if (hours < 24 * 365 * 2) return fmt::format("{}d", hours / 24);
  if (hours < 24 * 365 * 8) {
    int64_t dy = (hours / 24) % 365;
    return dy == 0 ? fmt::format("{}y", hours / 24 / 365)
                   : fmt::format("{}y{}d", hours / 24 / 365, dy);
  }
  return fmt::format("{}y", hours / 24 / 365);
}

namespace {

struct Step {
  std::string key;       // may be empty when the step is only a selector
  std::string selector;  // contents of [...], empty if none
  bool has_selector = false;
};

std::vector<Step> ParsePath(std::string_view path) {
  std::vector<Step> steps;
  Step cur;
  for (size_t i = 0; i < path.size(); i++) {
    char c = path[i];
    if (c == '\\' && i + 1 < path.size()) {
      cur.key.push_back(path[++i]);
    } else if (c == '.') {
      steps.push_back(std::move(cur));
      cur = Step();
    } else if (c == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos) close = path.size();
      cur.selector = std::string(path.substr(i + 1, close - i - 1));
      cur.has_selector = true;
      i = close;
    } else {
      cur.key.push_back(c);
    }
  }
  steps.push_back(std::move(cur));
  return steps;
}

bool IsIndex(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::string CellString(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

Json CellFor(const model::PrinterColumn& column, const Json& object, Clock::time_point now) {
  if (column.json_path.empty() || column.type == "date") {
    Json v = column.json_path.empty() ? EvaluateColumnPath(object, "metadata.creationTimestamp")
                                      : EvaluateColumnPath(object, column.json_path);
    Clock::time_point t;
    if (!v.is_string() || !ParseRfc3339(v.get<std::string>(), &t)) return nullptr;
    return HumanDuration(now - t);
  }
  Json v = EvaluateColumnPath(object, column.json_path);
  if (v.is_null()) return nullptr;
  if (column.type == "integer" || column.type == "number") {
    if (v.is_number()) return v;
    return CellString(v);
  }
  if (column.type == "boolean" && v.is_boolean()) return v;
  return CellString(v);
}

}  // namespace

Json EvaluateColumnPath(const Json& object, std::string_view path) {
  const Json* cur = &object;
  for (const Step& step : ParsePath(path)) {
    if (!step.key.empty()) {
      if (!cur->is_object()) return nullptr;
      auto it = cur->find(step.key);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    }
    if (!step.has_selector) continue;
    if (!cur->is_array()) return nullptr;
    const Json* found = nullptr;
    if (IsIndex(step.selector)) {
      size_t idx = std::stoul(step.selector);
      if (idx < cur->size()) found = &(*cur)[idx];
    } else {
      for (const Json& item : *cur)
        if (item.is_object() && item.value("type", "") == step.selector) {
          found = &item;
          break;
        }
    }
    if (!found) return nullptr;
    cur = found;
  }
  return *cur;
}

std::optional<std::string> TableVersionFromAccept(std::string_view accept) {
  size_t start = 0;
  while (start < accept.size()) {
    size_t comma = accept.find(',', start);
    if (comma == std::string_view::npos) comma = accept.size();
    std::string_view media = accept.substr(start, comma - start);
    start = comma + 1;
    std::string as, g, v;
    bool json = false;
    size_t p = 0;
    bool first = true;
    while (p <= media.size()) {
      size_t semi = media.find(';', p);
      if (semi == std::string_view::npos) semi = media.size();
      std::string_view part = media.substr(p, semi - p);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
      if (first) {
        json = part == "application/json";
        first = false;
      } else if (size_t eq = part.find('='); eq != std::string_view::npos) {
        std::string_view k = part.substr(0, eq), val = part.substr(eq + 1);
        if (k == "as") as = val;
        if (k == "g") g = val;
        if (k == "v") v = val;
      }
      p = semi + 1;
    }
    if (json && as == "Table" && g == "meta.k8s.io" && (v == "v1" || v == "v1beta1"))
      return "meta.k8s.io/" + v;
  }
  return std::nullopt;
}

std::optional<IncludeObject> ParseIncludeObject(std::string_view value) {
  if (value.empty() || value == "Metadata") return IncludeObject::kMetadata;
  if (value == "None") return IncludeObject::kNone;
  if (value == "Object") return IncludeObject::kObject;
  return std::nullopt;
}

Json TableColumnDefinitions(const model::ResourceType& type) {
  Json cols = Json::array();
  cols.push_back({{"name", "Name"},
                  {"type", "string"},
                  {"format", "name"},
                  {"description",
                   "Name must be unique within a namespace. Is required when creating "
                   "resources, although some resources may allow a client to request the "
                   "generation of an appropriate name automatically."},
                  {"priority", 0}});
  for (const model::PrinterColumn& c : type.columns) {
    bool age = c.json_path.empty();
    cols.push_back({{"name", c.name},
                    {"type", c.type},
                    {"format", ""},
                    {"description", age ? "CreationTimestamp is a timestamp representing the "
                                          "server time when this object was created."
                                        : "Custom resource definition column (in JSONPath "
                                          "format): ." +
                                              c.json_path},
                    {"priority", c.priority}});
  }
  return cols;
}

Json TableRow(const model::ResourceType& type, const Json& object, const TableOptions& options) {
  Json cells = Json::array();
  Json name = EvaluateColumnPath(object, "metadata.name");
  cells.push_back(name.is_string() ? name : Json(""));
  for (const model::PrinterColumn& c : type.columns)
    cells.push_back(CellFor(c, object, options.now));
  Json row = {{"cells", std::move(cells)}};
  switch (options.include_object) {
    case IncludeObject::kNone:
      break;
    case IncludeObject::kMetadata: {
      Json md = object.contains("metadata") ? object["metadata"] : Json::object();
      md.erase("managedFields");
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", options.api_version},
                       {"metadata", std::move(md)}};
      break;
    }
    case IncludeObject::kObject:
      row["object"] = object;
      break;
  }
  return row;
}

Json BuildTable(const model::ResourceType& type, const std::vector<Json>& items,
                const TableOptions& options, const std::string& resource_version,
                const std::string& continue_token) {
  Json md = Json::object();
  if (!resource_version.empty()) md["resourceVersion"] = resource_version;
  if (!continue_token.empty()) md["continue"] = continue_token;
  Json table = {{"kind", "Table"}, {"apiVersion", options.api_version}, {"metadata", md}};
  table["columnDefinitions"] = options.no_headers ? Json::array() : TableColumnDefinitions(type);
  Json rows = Json::array();
  for (const Json& item : items) rows.push_back(TableRow(type, item, options));
  table["rows"] = std::move(rows);
  return table;
}

}  // namespace flotilla::api
