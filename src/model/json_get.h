// Typed reads of objects that may be hostile or half-formed (user YAML, stored objects, webhook
// payloads). None of these throws: a missing key, a non-object on the way or a value of another
// type reads as absent. `path` is a dot-separated list of keys ("spec.helm.chart"); a key that
// itself holds a dot (a label key) must be read with the initializer-list form.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/json.h"

namespace flotilla::model {

// The value at `path`, or nullptr when absent. An empty path is `obj` itself.
const Json* Find(const Json& obj, std::string_view path);
// The value at the keys `path`, one key an element, or a null Json when absent.
const Json& At(const Json& obj, std::initializer_list<std::string_view> path);

// The string at `path`, or "" when absent or not a string.
std::string GetString(const Json& obj, std::string_view path);
// The boolean at `path`, or false when absent or not a boolean.
bool GetBool(const Json& obj, std::string_view path);
// The integer at `path`, or 0 when absent or not an integer.
int64_t GetInt(const Json& obj, std::string_view path);

}  // namespace flotilla::model
