// Reading JSON from untrusted input with bounded nesting, and cheap (iterative) measures of a
// value's depth and size.
//
// Why a depth limit: nlohmann's copy, comparison and dump recurse once per nesting level, and so
// do flotilla's patch engines, admission and the YAML emitter. Go grows its stacks (its JSON
// decoder stops at 10,000 levels); ours are fixed: 8 MiB per thread (http::kWorkerStackBytes
// for the API's handler threads, glibc's default elsewhere), and a level costs 0.2–2 KiB of
// frames (three times that under ASan). kMaxJsonDepth = 512 keeps the deepest walk under ~1 MiB, far below the stack, and far
// above any real manifest (Kubernetes objects nest < 30 levels, Helm values rarely 15).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/json.h"
#include "core/status.h"

namespace flotilla {

// Objects and arrays nested deeper than this are refused wherever flotilla reads untrusted
// JSON or YAML (API bodies, patches, webhook payloads, fleet.yaml, Helm values, manifests).
inline constexpr size_t kMaxJsonDepth = 512;

// Parses one JSON text. InvalidArgument for a syntax error (naming the byte offset, never
// quoting the text: it may be a Secret) and for nesting deeper than `max_depth` (naming the
// limit). The depth is checked by a linear pre-scan before any value is built, so a hostile
// input costs neither stack nor memory. `what` names the input in messages ("the request body").
StatusOr<Json> ParseJson(std::string_view text, std::string_view what = "the JSON document",
                         size_t max_depth = kMaxJsonDepth);

// The deepest nesting of objects/arrays in `text` (a scalar is 0, `{}` and `[1]` are 1),
// counting brackets outside strings; exact for valid JSON, an over-estimate for some invalid.
size_t JsonTextDepth(std::string_view text);

// The nesting depth of `value` (a scalar is 0, `{}` is 1), computed without recursion; stops
// counting once it exceeds `stop_above` (and returns a value > stop_above).
size_t JsonDepth(const Json& value, size_t stop_above = SIZE_MAX);

// Roughly the bytes of `value`'s compact serialization (exact for strings and structure, an
// estimate for numbers), without recursion; stops once it exceeds `stop_above`.
size_t ApproxJsonBytes(const Json& value, size_t stop_above = SIZE_MAX);

// InvalidArgument "<what> is nested deeper than <max_depth> levels" when it is.
Status CheckJsonDepth(const Json& value, std::string_view what, size_t max_depth = kMaxJsonDepth);

}  // namespace flotilla
