// configMapGenerator / secretGenerator (api/internal/generators, api/kv) and the name hash
// suffix (api/hasher): sha256 of Go's json.Marshal of {kind, name, data[, binaryData]}
// (Secrets: {kind, type, name, data[, stringData]}), first 10 hex digits with 0,1,3,a,e
// replaced by g,h,k,m,t. (The name is always "", as kustomize v5.5 effectively hashes it.)
#include <regex>
#include <set>

#include <fmt/format.h>

#include "core/base64.h"
#include "core/hash.h"
#include "render/kustomize/internal.h"

namespace flotilla::kustomize {
namespace {

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (n < 0 || i + n >= s.size()) return false;
    for (int k = 1; k <= n; k++)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    if (n == 1 && c < 0xC2) return false;
    if (n == 2) {
      unsigned char c1 = s[i + 1];
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return false;
    }
    if (n == 3) {
      unsigned char c1 = s[i + 1];
      if (c > 0xF4 || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) return false;
    }
    i += n + 1;
  }
  return true;
}

// Go's encoding/json string encoding (HTML-safe escapes, \u2028/\u2029, \ufffd for bad UTF-8).
void GoJsonString(std::string_view s, std::string* out) {
  static const char* kHex = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    if (c < 0x80) {
      switch (c) {
        case '"':
          *out += "\\\"";
          break;
        case '\\':
          *out += "\\\\";
          break;
        case '\n':
          *out += "\\n";
          break;
        case '\r':
          *out += "\\r";
          break;
        case '\t':
          *out += "\\t";
          break;
        case '\b':
          *out += "\\b";
          break;
        case '\f':
          *out += "\\f";
          break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            *out += "\\u00";
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 15]);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      i++;
      continue;
    }
    int n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size() || !ValidUtf8(s.substr(i, n))) {
      *out += "\\ufffd";
      i++;
      continue;
    }
    std::string_view seq = s.substr(i, n);
    if (seq == "\xE2\x80\xA8")
      *out += "\\u2028";
    else if (seq == "\xE2\x80\xA9")
      *out += "\\u2029";
    else
      out->append(seq);
    i += n;
  }
  out->push_back('"');
}

void GoJson(const Json& v, std::string* out) {
  if (v.is_object()) {
    out->push_back('{');
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!first) out->push_back(',');
      first = false;
      GoJsonString(it.key(), out);
      out->push_back(':');
      GoJson(*it, out);
    }
    out->push_back('}');
  } else if (v.is_array()) {
    out->push_back('[');
    for (size_t i = 0; i < v.size(); i++) {
      if (i) out->push_back(',');
      GoJson(v[i], out);
    }
    out->push_back(']');
  } else if (v.is_string()) {
    GoJsonString(v.get_ref<const std::string&>(), out);
  } else {
    *out += v.dump();
  }
}

std::string Encode(const std::string& hex) {
  std::string enc = hex.substr(0, 10);
  for (char& c : enc) {
    switch (c) {
      case '0':
        c = 'g';
        break;
      case '1':
        c = 'h';
        break;
      case '3':
        c = 'k';
        break;
      case 'a':
        c = 'm';
        break;
      case 'e':
        c = 't';
        break;
    }
  }
  return enc;
}

Json FieldOr(const Json& obj, const char* key) {
  if (obj.contains(key) && !obj[key].is_null()) return obj[key];
  return "";
}

}  // namespace

std::string GeneratorHash(const Json& obj) {
  Json m = Json::object();
  std::string kind = obj.value("kind", "");
  m["kind"] = kind;
  // kustomize v5 looks the name up with yaml.Lookup("metadata/name"), a single field of that
  // literal name that never exists: the name always hashes as "".
  m["name"] = "";
  m["data"] = FieldOr(obj, "data");
  if (kind == "Secret") {
    m["type"] = FieldOr(obj, "type");
    if (obj.contains("stringData") && obj["stringData"].is_object())
      m["stringData"] = obj["stringData"];
  } else if (obj.contains("binaryData") && obj["binaryData"].is_object()) {
    m["binaryData"] = obj["binaryData"];
  }
  std::string json;
  GoJson(m, &json);
  return Encode(Sha256Hex(json));
}

namespace {

// kustomize's encodeBase64: lines of 70 characters, each ending in "\n" once there is more
// than one line (encoded length >= 70).
std::string WrappedBase64(const std::string& data) {
  std::string enc = Base64Encode(data);
  constexpr size_t kLine = 70;
  if (enc.size() / kLine + 1 <= 1) return enc;
  std::string out;
  for (size_t i = 0; i < enc.size(); i += kLine) out += enc.substr(i, kLine) + "\n";
  return out;
}

std::string Base(const std::string& p) {
  auto s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

StatusOr<std::vector<std::string>> StringList(const Json& args, const char* field,
                                              const std::string& at) {
  std::vector<std::string> out;
  if (!args.contains(field) || args[field].is_null()) return out;
  const Json& v = args[field];
  if (!v.is_array()) return InvalidArgument(fmt::format("{}.{}: expected a list", at, field));
  for (size_t i = 0; i < v.size(); i++) {
    if (!v[i].is_string())
      return InvalidArgument(fmt::format("{}.{}[{}]: expected a string", at, field, i));
    out.push_back(v[i]);
  }
  return out;
}

struct Pair {
  std::string key, value;
};

Status AddPair(std::vector<Pair>& pairs, Pair p, const std::string& at) {
  static const std::regex kKey(R"(^[-._a-zA-Z0-9]+$)");
  if (p.key.size() > 253 || !std::regex_match(p.key, kKey))
    return InvalidArgument(fmt::format(
        "{}: \"{}\" is not a valid key name: a valid config key must consist of alphanumeric "
        "characters, '-', '_' or '.'",
        at, p.key));
  for (const Pair& e : pairs)
    if (e.key == p.key)
      return InvalidArgument(
          fmt::format("{}: cannot add key {}, another key by that name already exists", at, p.key));
  pairs.push_back(std::move(p));
  return Status::Ok();
}

Status EnvPairs(const std::string& text, const std::string& at, std::vector<Pair>& pairs) {
  static const std::regex kEnvName(R"(^[-._a-zA-Z][-._a-zA-Z0-9]*$)");
  size_t start = 0;
  int line_no = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() + 1 : nl + 1;
    line_no++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
    size_t b = 0;
    while (b < line.size() && std::isspace(static_cast<unsigned char>(line[b]))) b++;
    line = line.substr(b);
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    std::string key = line.substr(0, eq);
    if (!std::regex_match(key, kEnvName))
      return InvalidArgument(
          fmt::format("{}:{}: \"{}\" is not a valid environment variable name", at, line_no, key));
    RETURN_IF_ERROR(AddPair(pairs, {key, eq == std::string::npos ? "" : line.substr(eq + 1)}, at));
  }
  return Status::Ok();
}

StatusOr<Json> MergedOptions(const Json& global, const Json& local, const std::string& at) {
  Json out = Json::object();
  for (const Json* o : {&global, &local}) {
    if (o->is_null()) continue;
    if (!o->is_object()) return InvalidArgument(at + ": options must be a map");
    for (auto it = o->begin(); it != o->end(); ++it) {
      const std::string& k = it.key();
      if (k == "labels" || k == "annotations") {
        if (!it->is_null() && !it->is_object())
          return InvalidArgument(fmt::format("{}: {} must be a map", at, k));
        if (it->is_object())
          for (auto j = it->begin(); j != it->end(); ++j) out[k][j.key()] = *j;
      } else if (k == "disableNameSuffixHash" || k == "immutable") {
        if (!it->is_boolean()) return InvalidArgument(fmt::format("{}: {} must be a bool", at, k));
        if (it->get<bool>() || o == &local) out[k] = out.value(k, false) || it->get<bool>();
      } else {
        return InvalidArgument(fmt::format("{}: unknown generator option \"{}\"", at, k));
      }
    }
  }
  return out;
}

StatusOr<Resource> Generate(const Json& args, bool secret, const Json& global_options,
                            const std::string& dir, const std::string& at, const ReadFn& read) {
  if (!args.is_object()) return InvalidArgument(at + ": expected a map");
  static const std::set<std::string> kFields = {
      "name", "namespace", "behavior", "literals", "files", "envs", "env", "options", "type"};
  for (auto it = args.begin(); it != args.end(); ++it)
    if (!kFields.count(it.key()) || (it.key() == "type" && !secret))
      return InvalidArgument(fmt::format("{}: unknown field \"{}\"", at, it.key()));
  std::string name = args.value("name", "");
  if (name.empty()) return InvalidArgument(at + ": a generator needs a name");
  std::string behavior = args.value("behavior", "create");
  if (behavior.empty()) behavior = "create";
  if (behavior != "create" && behavior != "merge" && behavior != "replace")
    return InvalidArgument(fmt::format("{}: unknown behavior \"{}\"", at, behavior));

  std::vector<Pair> pairs;
  ASSIGN_OR_RETURN(auto envs, StringList(args, "envs", at));
  if (args.contains("env") && args["env"].is_string()) envs.push_back(args["env"]);
  auto rel = [&](const std::string& p) { return dir.empty() ? p : dir + "/" + p; };
  for (const std::string& e : envs) {
    auto text = read(rel(e));
    if (!text.ok()) return text.status().WithContext(at + ": envs");
    RETURN_IF_ERROR(EnvPairs(*text, rel(e), pairs));
  }
  ASSIGN_OR_RETURN(auto literals, StringList(args, "literals", at));
  for (const std::string& l : literals) {
    auto eq = l.find('=');
    if (eq == std::string::npos)
      return InvalidArgument(
          fmt::format("{}: invalid literal source {}, expected key=value", at, l));
    std::string v = l.substr(eq + 1);
    if (v.size() >= 2 && (v[0] == '"' || v[0] == '\'') && v.back() == v[0])
      v = v.substr(1, v.size() - 2);
    RETURN_IF_ERROR(AddPair(pairs, {l.substr(0, eq), v}, at));
  }
  ASSIGN_OR_RETURN(auto files, StringList(args, "files", at));
  for (const std::string& f : files) {
    std::string key, path = f;
    auto eq = f.find('=');
    if (eq != std::string::npos) {
      key = f.substr(0, eq);
      path = f.substr(eq + 1);
      if (key.empty() || path.empty())
        return InvalidArgument(fmt::format("{}: file source {} needs key=path", at, f));
    } else {
      key = Base(path);
    }
    auto text = read(rel(path));
    if (!text.ok()) return text.status().WithContext(at + ": files");
    RETURN_IF_ERROR(AddPair(pairs, {key, *text}, at));
  }

  ASSIGN_OR_RETURN(Json opts, MergedOptions(global_options, args.value("options", Json()), at));
  Resource r;
  Json& o = r.obj;
  o["apiVersion"] = "v1";
  o["kind"] = secret ? "Secret" : "ConfigMap";
  o["metadata"]["name"] = name;
  if (args.contains("namespace") && args["namespace"].is_string() && args["namespace"] != "")
    o["metadata"]["namespace"] = args["namespace"];
  if (opts.contains("labels") && !opts["labels"].empty()) o["metadata"]["labels"] = opts["labels"];
  if (opts.contains("annotations") && !opts["annotations"].empty())
    o["metadata"]["annotations"] = opts["annotations"];
  for (const Pair& p : pairs) {
    if (secret)
      o["data"][p.key] = WrappedBase64(p.value);
    else if (ValidUtf8(p.value))
      o["data"][p.key] = p.value;
    else
      o["binaryData"][p.key] = WrappedBase64(p.value);
  }
  if (secret)
    o["type"] = args.value("type", "Opaque").empty() ? "Opaque" : args.value("type", "Opaque");
  if (opts.value("immutable", false)) o["immutable"] = true;
  r.needs_hash = !opts.value("disableNameSuffixHash", false);
  r.behavior = behavior;
  return r;
}

}  // namespace

StatusOr<std::vector<Resource>> RunGenerators(const Json& k, const std::string& dir,
                                              const std::string& where, const ReadFn& read) {
  std::vector<Resource> out;
  Json global = k.value("generatorOptions", Json());
  for (const char* field : {"configMapGenerator", "secretGenerator"}) {
    if (!k.contains(field) || k[field].is_null()) continue;
    if (!k[field].is_array())
      return InvalidArgument(fmt::format("{}: {} must be a list", where, field));
    bool secret = std::string(field) == "secretGenerator";
    for (size_t i = 0; i < k[field].size(); i++) {
      ASSIGN_OR_RETURN(Resource r, Generate(k[field][i], secret, global, dir,
                                            fmt::format("{}: {}[{}]", where, field, i), read));
      out.push_back(std::move(r));
    }
  }
  return out;
}

namespace {

bool AnyIdMatches(const Resource& r, const ResId& want) {
  auto eq = [&](const ResId& id) {
    return id.kind == want.kind && id.group == want.group && id.name == want.name &&
           SameNamespace(id.ns, want.ns);
  };
  if (eq(r.CurId())) return true;
  for (const ResId& p : r.previous)
    if (eq(p)) return true;
  return false;
}

void MergeMap(Json& into, const Json& from, const char* key) {
  if (!from.contains(key) || !from[key].is_object()) return;
  for (auto it = from[key].begin(); it != from[key].end(); ++it) into[key][it.key()] = *it;
}

}  // namespace

Status AbsorbGenerated(std::vector<Resource>& res, std::vector<Resource> generated,
                       const std::string& where) {
  for (Resource& g : generated) {
    ResId id = g.CurId();
    Resource* match = nullptr;
    for (Resource& r : res)
      if (AnyIdMatches(r, id)) match = &r;
    if (g.behavior == "create") {
      if (match != nullptr)
        return AlreadyExists(fmt::format(
            "{}: may not add resource with an already registered id: {}", where, id.ToString()));
      res.push_back(std::move(g));
      continue;
    }
    if (match == nullptr)
      return NotFound(
          fmt::format("{}: id {} does not exist; cannot merge or replace", where, id.ToString()));
    Json& old = match->obj;
    Json merged = g.obj;
    merged["metadata"]["name"] = old["metadata"]["name"];
    if (old["metadata"].contains("namespace"))
      merged["metadata"]["namespace"] = old["metadata"]["namespace"];
    Json md = Json::object();
    for (const char* key : {"labels", "annotations"}) {
      Json m = Json::object();
      MergeMap(m, old["metadata"], key);
      MergeMap(m, g.obj["metadata"], key);
      if (!m.empty()) merged["metadata"][key] = m[key];
    }
    if (g.behavior == "merge") {
      for (const char* key : {"data", "binaryData"}) {
        Json m = Json::object();
        MergeMap(m, old, key);
        MergeMap(m, g.obj, key);
        if (!m.empty()) merged[key] = m[key];
      }
    }
    match->needs_hash = match->needs_hash || g.needs_hash;
    old = std::move(merged);
  }
  return Status::Ok();
}

Status AddHashSuffixes(std::vector<Resource>& res) {
  for (Resource& r : res) {
    if (!r.needs_hash) continue;
    std::string h = GeneratorHash(r.obj);
    r.RememberId();
    r.obj["metadata"]["name"] = r.Name() + "-" + h;
    r.needs_hash = false;
  }
  return Status::Ok();
}

}  // namespace flotilla::kustomize
