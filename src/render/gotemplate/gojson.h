// encoding/json as Go templates see it: Marshal (sorted keys, HTML escaping, Go's float format),
// MarshalIndent, Encoder without HTML escaping, and Unmarshal into interface{} (numbers are
// float64).
#pragma once

#include <string>

#include "core/status.h"
#include "render/gotemplate/value.h"

namespace flotilla::gotemplate {

struct JsonStyle {
  bool escape_html = true;
  std::string indent;  // "" = compact
};

// Fails like json.Marshal on NaN/Inf ("json: unsupported value: NaN").
StatusOr<std::string> GoJsonMarshal(const Value& v, const JsonStyle& style = {});

// json.Unmarshal into interface{}; Go-like error messages.
StatusOr<Value> GoJsonUnmarshal(const std::string& text);

// A float64 as encoding/json writes it.
std::string GoJsonFloat(double f);

}  // namespace flotilla::gotemplate
