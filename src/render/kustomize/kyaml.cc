#include "render/kustomize/kyaml.h"

#include <libfyaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <regex>
#include <string>

#include <fmt/format.h>

#include "core/fyaml.h"
#include "core/json_limits.h"
#include "core/yaml_resolve.h"

namespace flotilla::kustomize {
namespace {

std::string Where(std::string_view filename, fy_node* n) {
  fy_token* t = fy_node_get_scalar_token(n);
  const fy_mark* m = t ? fy_token_start_mark(t) : nullptr;
  if (m == nullptr) return std::string(filename);
  return fmt::format("{}:{}:{}", filename, m->line + 1, m->column + 1);
}

// Where a node sits: labels and annotations of the top-level object keep their text.
enum class Ctx { kOther, kRoot, kMeta, kRawMap, kRaw };

struct Converter {
  std::string_view filename;
  size_t max_nodes;
  size_t nodes = 0;
  Status error;

  bool Fail(Status s) {
    if (error.ok()) error = std::move(s);
    return false;
  }

  bool Scalar(fy_node* n, Json* out, Ctx ctx) {
    size_t len = 0;
    const char* p = fy_node_get_scalar(n, &len);
    std::string_view s(p ? p : "", p ? len : 0);
    if (ctx == Ctx::kRaw) {
      // kustomize reads labels and annotations as map[string]string: the scalar's text.
      *out = std::string(s);
      return true;
    }
    size_t tlen = 0;
    const char* tag = fy_node_get_tag(n, &tlen);
    std::string_view tagv(tag ? tag : "", tag ? tlen : 0);
    if (!tagv.empty() && tagv != "!!str" && tagv != "tag:yaml.org,2002:str" && tagv != "!") {
      if (fy_node_get_style(n) == FYNS_PLAIN) {
        *out = ResolveV3Plain(s);
        return true;
      }
    }
    if (!tagv.empty() || fy_node_get_style(n) != FYNS_PLAIN) {
      *out = std::string(s);
      return true;
    }
    *out = ResolveV3Plain(s);
    if (out->is_number_float() && !std::isfinite(out->get<double>()))
      return Fail(InvalidArgument(
          fmt::format("{}: json: unsupported value: {}", Where(filename, n), std::string(s))));
    return true;
  }

  bool Convert(fy_node* n, Json* out, size_t depth, Ctx ctx = Ctx::kOther) {
    if (++nodes > max_nodes)
      return Fail(ResourceExhausted(fmt::format(
          "{}: YAML document expands to more than {} nodes (alias bomb?)", filename, max_nodes)));
    if (depth > kMaxJsonDepth)
      return Fail(ResourceExhausted(
          fmt::format("{}: YAML nested deeper than {} levels (the limit for maps and lists)",
                      filename, kMaxJsonDepth)));
    if (n == nullptr) {
      *out = nullptr;
      return true;
    }
    if (fy_node_get_style(n) == FYNS_ALIAS) {
      fy_node* target = fy_node_resolve_alias(n);
      if (target == nullptr) return Fail(InvalidArgument(Where(filename, n) + ": unknown anchor"));
      return Convert(target, out, depth + 1, ctx);
    }
    switch (fy_node_get_type(n)) {
      case FYNT_SCALAR:
        return Scalar(n, out, ctx);
      case FYNT_SEQUENCE: {
        *out = Json::array();
        void* it = nullptr;
        while (fy_node* item = fy_node_sequence_iterate(n, &it)) {
          Json v;
          if (!Convert(item, &v, depth + 1)) return false;
          out->push_back(std::move(v));
        }
        return true;
      }
      case FYNT_MAPPING: {
        *out = Json::object();
        Json merged = Json::object();
        void* it = nullptr;
        while (fy_node_pair* pair = fy_node_mapping_iterate(n, &it)) {
          fy_node* k = fy_node_pair_key(pair);
          fy_node* v = fy_node_pair_value(pair);
          if (k != nullptr && fy_node_get_style(k) == FYNS_ALIAS) k = fy_node_resolve_alias(k);
          if (k == nullptr || fy_node_get_type(k) != FYNT_SCALAR)
            return Fail(InvalidArgument(Where(filename, v) + ": mapping keys must be scalars"));
          size_t klen = 0;
          const char* kp = fy_node_get_scalar(k, &klen);
          std::string key(kp ? kp : "", kp ? klen : 0);
          if (key == "<<" && fy_node_get_style(k) == FYNS_PLAIN) {
            Json src;
            if (!Convert(v, &src, depth + 1)) return false;
            Json list = src.is_array() ? src : Json::array({src});
            for (const Json& m : list) {
              if (!m.is_object())
                return Fail(InvalidArgument(Where(filename, k) +
                                            ": map merge requires map or sequence of maps"));
              for (auto& [mk, mv] : m.items())
                if (!merged.contains(mk)) merged[mk] = mv;
            }
            continue;
          }
          Ctx child = Ctx::kOther;
          if (ctx == Ctx::kRoot && key == "metadata") child = Ctx::kMeta;
          if (ctx == Ctx::kMeta && (key == "labels" || key == "annotations")) child = Ctx::kRawMap;
          if (ctx == Ctx::kRawMap) child = Ctx::kRaw;
          Json val;
          if (!Convert(v, &val, depth + 1, child)) return false;
          (*out)[key] = std::move(val);
        }
        for (auto& [mk, mv] : merged.items())
          if (!out->contains(mk)) (*out)[mk] = mv;
        return true;
      }
    }
    return Fail(Internal("unknown YAML node type"));
  }
};

}  // namespace

Json ResolveV3Plain(std::string_view s) { return ResolveYaml12Plain(s); }

StatusOr<std::vector<Json>> ParseKYamlStream(std::string_view text, std::string_view filename,
                                             size_t max_nodes) {
  ASSIGN_OR_RETURN(auto stream, FyStream::Open(text, FyStream::Version::k1_2));
  std::vector<Json> docs;
  for (;;) {
    ASSIGN_OR_RETURN(fy_document * doc, stream->Next(filename));
    if (doc == nullptr) break;
    Converter conv{filename, max_nodes, 0, Status()};
    Json value;
    bool ok = conv.Convert(fy_document_root(doc), &value, 0, Ctx::kRoot);
    stream->Free(doc);
    if (!ok) return conv.error;
    if (!value.is_null()) docs.push_back(std::move(value));
  }
  return docs;
}

}  // namespace flotilla::kustomize
