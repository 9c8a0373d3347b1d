// Values: user files and --set (helm/pkg/strvals), chartutil.CoalesceValues and dependency
// conditions/tags/aliases (chartutil.ProcessDependencies).
#include <fmt/format.h>

#include "core/yaml.h"
#include "render/helm/chart.h"

namespace flotilla::helm {

using gotemplate::GoType;
using gotemplate::List;
using gotemplate::Map;

StatusOr<Value> ParseValuesFile(const std::string& yaml, const std::string& filename) {
  auto v = ParseYaml(yaml, filename);
  if (!v.ok()) return v.status();
  if (v->is_null()) return Value::NewMap();
  if (!v->is_object()) return InvalidArgument(filename + ": values must be a mapping");
  return Value::FromJson(*v, false);
}

Value MergeValues(const Value& base, const Value& over) {
  Map out = base.is_map() ? base.map() : Map{};
  if (over.is_map()) {
    for (const auto& [k, v] : over.map()) {
      auto it = out.find(k);
      if (v.is_map() && it != out.end() && it->second.is_map()) {
        it->second = MergeValues(it->second, v);
      } else {
        out[k] = v;
      }
    }
  }
  return Value::NewMap(std::move(out));
}

namespace {

// strvals' typedVal.
Value Typed(const std::string& s, bool as_string) {
  if (as_string) return Value::String(s);
  auto lower = [](std::string x) {
    for (auto& c : x) c = static_cast<char>(tolower(c));
    return x;
  };
  if (lower(s) == "true") return Value::Bool(true);
  if (lower(s) == "false") return Value::Bool(false);
  if (lower(s) == "null") return Value::Nil();
  if (s == "0") return Value::Int64(0);
  if (!s.empty() && s[0] != '0' && s.size() < 20) {
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i < s.size() && s[i] != '0' && s.find_first_not_of("0123456789", i) == std::string::npos)
      return Value::Int64(std::stoll(s));
  }
  return Value::String(s);
}

struct SetParser {
  const std::string& s;
  size_t i = 0;
  bool as_string;

  // Reads until one of `stops` (honouring backslash escapes).
  std::string Until(const std::string& stops, char* hit) {
    std::string out;
    while (i < s.size()) {
      char c = s[i];
      if (c == '\\' && i + 1 < s.size()) {
        out.push_back(s[i + 1]);
        i += 2;
        continue;
      }
      if (stops.find(c) != std::string::npos) {
        *hit = c;
        i++;
        return out;
      }
      out.push_back(c);
      i++;
    }
    *hit = 0;
    return out;
  }

  Status Assign(Value* target, const std::vector<std::string>& path, size_t k, const Value& v) {
    const std::string& key = path[k];
    size_t br = key.find('[');
    std::string name = br == std::string::npos ? key : key.substr(0, br);
    if (!target->is_map()) *target = Value::NewMap();
    Map& m = target->mutable_map();
    if (br == std::string::npos) {
      if (k + 1 == path.size()) {
        m[name] = v;
        return Status::Ok();
      }
      Value& child = m[name];
      if (!child.is_map()) child = Value::NewMap();
      return Assign(&child, path, k + 1, v);
    }
    size_t close = key.find(']', br);
    if (close == std::string::npos) return InvalidArgument("missing ] in --set key " + key);
    int idx = std::atoi(key.substr(br + 1, close - br - 1).c_str());
    if (idx < 0 || idx > 65536) return InvalidArgument("bad index in --set key " + key);
    Value& list = m[name];
    if (!list.is_list()) list = Value::NewList();
    List& l = list.mutable_list();
    while (static_cast<int>(l.size()) <= idx) l.push_back(Value::Nil());
    if (k + 1 == path.size()) {
      l[idx] = v;
      return Status::Ok();
    }
    if (!l[idx].is_map()) l[idx] = Value::NewMap();
    return Assign(&l[idx], path, k + 1, v);
  }

  Status Parse(Value* values) {
    while (i < s.size()) {
      char hit;
      std::string key = Until("=,", &hit);
      if (hit != '=') return InvalidArgument(fmt::format("key \"{}\" has no value", key));
      std::vector<std::string> path;
      size_t a = 0;
      for (;;) {
        size_t b = key.find('.', a);
        path.push_back(key.substr(a, b == std::string::npos ? std::string::npos : b - a));
        if (b == std::string::npos) break;
        a = b + 1;
      }
      Value v;
      if (i < s.size() && s[i] == '{') {
        i++;
        List l;
        for (;;) {
          std::string item = Until(",}", &hit);
          l.push_back(Typed(item, as_string));
          if (hit != ',') break;
        }
        if (i < s.size() && s[i] == ',') i++;
        v = Value::NewList(std::move(l));
      } else {
        v = Typed(Until(",", &hit), as_string);
      }
      RETURN_IF_ERROR(Assign(values, path, 0, v));
    }
    return Status::Ok();
  }
};

bool IsTable(const Value& v) { return v.type() == GoType::kMap || v.type() == GoType::kValues; }

void CoalesceTables(Map& dst, const Map& src, bool merge) {
  for (const auto& [key, val] : src) {
    auto it = dst.find(key);
    if (it != dst.end() && !merge && it->second.is_nil()) {
      dst.erase(it);
    } else if (it == dst.end()) {
      dst[key] = val;
    } else if (IsTable(val) && IsTable(it->second)) {
      CoalesceTables(it->second.mutable_map(), val.map(), merge);
    }
  }
}

void CoalesceGlobals(Map& dest, const Map& src) {
  Map dg, sg;
  auto d = dest.find("global");
  if (d != dest.end()) {
    if (!IsTable(d->second)) return;
    dg = d->second.map();
  }
  auto s = src.find("global");
  if (s != src.end()) {
    if (!IsTable(s->second)) return;
    sg = s->second.map();
  }
  for (const auto& [key, val] : sg) {
    if (IsTable(val)) {
      Value vv = val.DeepCopy();
      auto it = dg.find(key);
      if (it == dg.end()) {
        dg[key] = vv;
      } else if (IsTable(it->second)) {
        CoalesceTables(vv.mutable_map(), it->second.map(), true);
        dg[key] = vv;
      }
    } else if (auto it = dg.find(key); it != dg.end() && IsTable(it->second)) {
      // a table in the subchart's globals is not replaced by a scalar
    } else {
      dg[key] = val;
    }
  }
  dest["global"] = Value::NewMap(std::move(dg));
}

void CoalesceValuesOf(const Chart& c, Map& v, bool merge) {
  Value copy = c.values.DeepCopy();
  if (!copy.is_map()) return;
  for (const auto& [key, val] : copy.map()) {
    auto it = v.find(key);
    if (it != v.end()) {
      if (it->second.is_nil() && !merge) {
        v.erase(it);
      } else if (IsTable(it->second) && IsTable(val)) {
        CoalesceTables(it->second.mutable_map(), val.map(), merge);
      }
    } else {
      v[key] = val;
    }
  }
}

Status Coalesce(const Chart& c, Map& dest, bool merge) {
  CoalesceValuesOf(c, dest, merge);
  for (const Chart& sub : c.dependencies) {
    auto it = dest.find(sub.Name());
    if (it == dest.end()) {
      dest[sub.Name()] = Value::NewMap();
    } else if (!IsTable(it->second)) {
      if (it->second.is_nil()) {
        dest[sub.Name()] = Value::NewMap();
      } else {
        return InvalidArgument(
            fmt::format("type mismatch on {}: {}", sub.Name(), it->second.TypeName()));
      }
    }
    Value& dv = dest[sub.Name()];
    dv = dv.DeepCopy().WithType(GoType::kMap);
    CoalesceGlobals(dv.mutable_map(), dest);
    RETURN_IF_ERROR(Coalesce(sub, dv.mutable_map(), merge));
  }
  return Status::Ok();
}

// The value at a dotted path, if any.
bool PathValue(const Value& v, const std::string& path, Value* out) {
  Value cur = v;
  size_t a = 0;
  for (;;) {
    size_t b = path.find('.', a);
    std::string k = path.substr(a, b == std::string::npos ? std::string::npos : b - a);
    if (!cur.is_map()) return false;
    auto it = cur.map().find(k);
    if (it == cur.map().end()) return false;
    cur = it->second;
    if (b == std::string::npos) break;
    a = b + 1;
  }
  *out = cur;
  return true;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Applies aliases and drops subcharts disabled by condition or tags, recursively.
Status ProcessDependencies(Chart* c, const Value& user_values) {
  Map cvals = user_values.is_map() ? user_values.DeepCopy().map() : Map{};
  RETURN_IF_ERROR(Coalesce(*c, cvals, false));
  Value all = Value::NewMap(cvals);
  Json deps = c->metadata.contains("dependencies") && c->metadata["dependencies"].is_array()
                  ? c->metadata["dependencies"]
                  : Json::array();
  auto str = [](const Json& j, const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::vector<Chart> kept;
  std::vector<bool> used(c->dependencies.size(), false);
  for (const auto& dep : deps) {
    if (!dep.is_object()) continue;
    std::string name = str(dep, "name");
    for (size_t i = 0; i < c->dependencies.size(); i++) {
      if (c->dependencies[i].Name() != name) continue;
      used[i] = true;
      Chart sub = c->dependencies[i];
      std::string alias = str(dep, "alias");
      if (!alias.empty()) sub.metadata["name"] = alias;
      bool enabled = true;
      bool decided = false;
      std::string cond = str(dep, "condition");
      size_t a = 0;
      while (!cond.empty() && a <= cond.size()) {
        size_t b = cond.find(',', a);
        std::string p = Trim(cond.substr(a, b == std::string::npos ? std::string::npos : b - a));
        Value v;
        if (!p.empty() && PathValue(all, p, &v) && v.is_bool()) {
          enabled = v.bool_value();
          decided = true;
          break;
        }
        if (b == std::string::npos) break;
        a = b + 1;
      }
      if (!decided && dep.contains("tags") && dep["tags"].is_array() && !dep["tags"].empty()) {
        bool any_true = false, any_set = false;
        for (const auto& t : dep["tags"]) {
          Value v;
          if (t.is_string() && PathValue(all, "tags." + t.get<std::string>(), &v) && v.is_bool()) {
            any_set = true;
            any_true = any_true || v.bool_value();
          }
        }
        if (any_set) enabled = any_true;
      }
      if (enabled) kept.push_back(std::move(sub));
      break;  // the first chart of that name serves the dependency (aliases copy it)
    }
  }
  for (size_t i = 0; i < c->dependencies.size(); i++)
    if (!used[i]) kept.push_back(std::move(c->dependencies[i]));
  c->dependencies = std::move(kept);
  for (Chart& sub : c->dependencies) {
    Value sv = Value::NewMap();
    auto it = cvals.find(sub.Name());
    if (it != cvals.end() && it->second.is_map()) sv = it->second;
    RETURN_IF_ERROR(ProcessDependencies(&sub, sv));
  }
  return Status::Ok();
}

// Values.Table: the table at a dotted path, if there is one.
bool PathTable(const Map& v, const std::string& path, Map* out) {
  const Map* cur = &v;
  size_t a = 0;
  for (;;) {
    size_t b = path.find('.', a);
    std::string k = path.substr(a, b == std::string::npos ? std::string::npos : b - a);
    auto it = cur->find(k);
    if (it == cur->end() || !IsTable(it->second)) return false;
    cur = &it->second.map();
    if (b == std::string::npos) break;
    a = b + 1;
  }
  *out = Value::NewMap(*cur).DeepCopy().map();
  return true;
}

// chartutil.processDependencyImportValues (Helm >= 3.14, merge mode): for each enabled
// dependency's import-values, the child's table ("exports.X" for the string form, `child` for
// the map form) is merged under the parent (at its root or at `parent`); the parent's own values
// win over imported ones. Children are processed first. Uses chart defaults only, not user values.
Status ProcessImportValues(Chart* c) {
  for (Chart& sub : c->dependencies) RETURN_IF_ERROR(ProcessImportValues(&sub));
  auto deps = c->metadata.find("dependencies");
  if (deps == c->metadata.end() || !deps->is_array()) return Status::Ok();
  bool any = false;
  for (const auto& d : *deps) any = any || (d.is_object() && d.contains("import-values"));
  if (!any) return Status::Ok();
  Map cvals;
  RETURN_IF_ERROR(Coalesce(*c, cvals, true));
  Map b;
  for (const auto& d : *deps) {
    if (!d.is_object() || !d.contains("import-values")) continue;
    auto str = [](const Json& j, const char* k) {
      auto it = j.find(k);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    std::string name = str(d, "alias").empty() ? str(d, "name") : str(d, "alias");
    bool enabled = false;
    for (const Chart& sub : c->dependencies) enabled = enabled || sub.Name() == name;
    if (!enabled) continue;
    const Json& ivs = d["import-values"];
    if (!ivs.is_array())
      return InvalidArgument(
          fmt::format("Chart.yaml: dependency {}: import-values must be a list", name));
    for (const auto& iv : ivs) {
      Map table;
      if (iv.is_string()) {
        if (!PathTable(cvals, name + ".exports." + iv.get<std::string>(), &table)) continue;
        CoalesceTables(b, table, true);
      } else if (iv.is_object() && iv.contains("child") && iv["child"].is_string() &&
                 iv.contains("parent") && iv["parent"].is_string()) {
        if (!PathTable(cvals, name + "." + iv["child"].get<std::string>(), &table)) continue;
        std::string parent = iv["parent"];
        Value nested = Value::NewMap(std::move(table));
        if (parent != ".") {
          // pathToMap: "a.b" -> {a: {b: table}}
          std::vector<std::string> keys;
          size_t a = 0;
          for (;;) {
            size_t e = parent.find('.', a);
            keys.push_back(parent.substr(a, e == std::string::npos ? std::string::npos : e - a));
            if (e == std::string::npos) break;
            a = e + 1;
          }
          for (auto k = keys.rbegin(); k != keys.rend(); ++k)
            nested = Value::NewMap(Map{{*k, nested}});
        }
        CoalesceTables(b, nested.map(), true);
      } else {
        return InvalidArgument(fmt::format(
            "Chart.yaml: dependency {}: import-values entries are strings or {{child, parent}} "
            "maps of strings",
            name));
      }
    }
  }
  CoalesceTables(cvals, b, true);
  c->values = Value::NewMap(std::move(cvals));
  return Status::Ok();
}

}  // namespace

Status ApplySet(const std::string& expr, bool as_string, Value* values) {
  if (!values->is_map()) *values = Value::NewMap();
  SetParser p{expr, 0, as_string};
  return p.Parse(values);
}

StatusOr<Value> CoalesceValues(Chart* chart, const Value& user_values) {
  RETURN_IF_ERROR(ProcessDependencies(chart, user_values));
  RETURN_IF_ERROR(ProcessImportValues(chart));
  Map dest = user_values.is_map() ? user_values.DeepCopy().map() : Map{};
  RETURN_IF_ERROR(Coalesce(*chart, dest, false));
  return Value::NewMap(std::move(dest), GoType::kValues);
}

}  // namespace flotilla::helm
