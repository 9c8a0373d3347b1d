// The in-memory form of every resource and document: a JSON value. Maps keep keys sorted, which
// makes serialisation (and content hashes) deterministic.
#pragma once

#include <nlohmann/json.hpp>

namespace flotilla {
using Json = nlohmann::json;
}  // namespace flotilla
